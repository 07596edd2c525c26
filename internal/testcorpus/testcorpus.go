// Package testcorpus hands benchmarks the corpus scripts/bench generates:
// go run ./scripts/benchcorpus -mb 60 > /tmp/c.ndjson, then
// XR_BENCH_CORPUS=/tmp/c.ndjson go test -bench . ./pkg/...
package testcorpus

import (
	"os"
	"testing"
)

// Load returns the file named by $XR_BENCH_CORPUS, or skips the benchmark
// (saying why) when it is not set.
func Load(b testing.TB) []byte {
	path := os.Getenv("XR_BENCH_CORPUS")
	if path == "" {
		b.Skip("XR_BENCH_CORPUS not set: go run ./scripts/benchcorpus -mb 60 > c.ndjson; XR_BENCH_CORPUS=c.ndjson go test -bench .")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
