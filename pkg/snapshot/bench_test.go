package snapshot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

// benchCorpus is $XR_BENCH_CORPUS when set (a big hashed corpus), else a
// generated one of about 20 MB.
func benchCorpus(b *testing.B) []byte {
	if p := os.Getenv("XR_BENCH_CORPUS"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	return snapshottest.Spec{Seed: "bench", Pad: 8000, Step: 10 * time.Minute}.NDJSON(0, 2500)
}

func BenchmarkWrite(b *testing.B) { benchWrite(b, benchCorpus(b)) }

// BenchmarkWriteRedacting: two records in three hold secrets that the
// pack's policy removes on the way in (the redacting hot path).
func BenchmarkWriteRedacting(b *testing.B) {
	benchWrite(b, snapshottest.Spec{Seed: "bench", Pad: 8000, Step: 10 * time.Minute, Secrets: true}.NDJSON(0, 2500))
}

func benchWrite(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		parent := b.TempDir()
		dir, err := Init(parent, manifest.Default("p", "http", "s", "e"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Write(context.Background(), dir, bytes.NewReader(data), WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCat(b *testing.B) {
	data := benchCorpus(b)
	dir, err := Init(b.TempDir(), manifest.Default("p", "http", "s", "e"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Write(context.Background(), dir, bytes.NewReader(data), WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Cat(context.Background(), filepath.Clean(dir), discard{}, CatOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
