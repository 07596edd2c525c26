package normalize

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
	"time"
)

func BenchmarkRunSet(b *testing.B) {
	path := os.Getenv("XR_BENCH_CORPUS")
	if path == "" {
		b.Skip("XR_BENCH_CORPUS not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Run(context.Background(), bytes.NewReader(data), io.Discard, Options{Now: time.Now}); err != nil {
			b.Fatal(err)
		}
	}
}
