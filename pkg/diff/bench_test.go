package diff

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"strconv"
	"testing"
)

// benchN is the size of the benchmark index: 1M by default,
// XR_DIFF_BENCH_N=10000000 for the full-size check.
func benchN(b *testing.B) int {
	if s := os.Getenv("XR_DIFF_BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 1_000_000
}

func synthHash(i uint64) (h [32]byte) {
	for w := range 4 {
		i = fmix64(i + uint64(w)*0x9e3779b97f4a7c15)
		binary.BigEndian.PutUint64(h[w*8:], i)
	}
	return h
}

// synthIndex builds an index of n keyed entries without parsing.
func synthIndex(n int) *Index {
	ix := &Index{}
	for i := range uint64(n) {
		ix.ent.add(entry{h: synthHash(i), k: finishKey(i), t: int64(i)})
	}
	ix.build()
	return ix
}

// benchLookups runs lookup over keys 0, 7919, 2·7919, … mod 2n: half of
// them in the index, half not.
func benchLookups(b *testing.B, lookup func(ix *Index, i uint64) bool) {
	n := benchN(b)
	ix := synthIndex(n)
	b.ReportAllocs()
	b.ResetTimer()
	var i, hits uint64
	for b.Loop() {
		if lookup(ix, i*7919%uint64(2*n)) {
			hits++
		}
		i++
	}
	b.ReportMetric(float64(ix.Bytes())/float64(n), "B/entry")
	if hits == 0 {
		b.Fatal("no hits")
	}
}

func BenchmarkHasHash(b *testing.B) {
	benchLookups(b, func(ix *Index, i uint64) bool {
		h := synthHash(i)
		return ix.HasHash(&h)
	})
}

func BenchmarkCurrent(b *testing.B) {
	benchLookups(b, func(ix *Index, i uint64) bool {
		_, _, ok := ix.Current(finishKey(i))
		return ok
	})
}

// BenchmarkLoad parses index lines (the reference's spaced form).
func BenchmarkLoad(b *testing.B) {
	var buf bytes.Buffer
	for i := range 100_000 {
		r := rec{strconv.Itoa(i), "v", "2026-01-15T10:30:00.123456Z"}
		buf.WriteString(r.indexLine(true))
		buf.WriteByte('\n')
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(context.Background(), bytes.NewReader(data), "x", LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRun is the whole first and second pass over 20,000 small
// envelopes, a quarter of them in the index.
func BenchmarkRun(b *testing.B) {
	var in, ix bytes.Buffer
	for i := range 20_000 {
		r := rec{"k" + strconv.Itoa(i), "v", "2026-01-15T10:30:00Z"}
		in.WriteString(r.line())
		in.WriteByte('\n')
		if i%4 == 0 {
			ix.WriteString(r.indexLine(false))
			ix.WriteByte('\n')
		}
	}
	dir := b.TempDir()
	b.SetBytes(int64(in.Len()))
	b.ReportAllocs()
	for b.Loop() {
		o := Options{Against: "x", Index: bytes.NewReader(ix.Bytes()), TempDir: dir}
		if _, err := Run(context.Background(), bytes.NewReader(in.Bytes()), io.Discard, o); err != nil {
			b.Fatal(err)
		}
	}
}
