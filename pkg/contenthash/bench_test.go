package contenthash

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/xr-lake/xr/internal/testcorpus"
)

func BenchmarkRunSet(b *testing.B) {
	data := testcorpus.Load(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Run(context.Background(), bytes.NewReader(data), io.Discard, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
