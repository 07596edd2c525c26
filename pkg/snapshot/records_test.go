package snapshot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// TestCheckRecords: a good chunk passes; in a chunk with two bad lines the
// first is named, as a LineError wrapping ErrMismatch, and the reader is
// still read to its end (an archive member teed into a file).
func TestCheckRecords(t *testing.T) {
	chunk, err := os.ReadFile("../../testdata/reference-pack/records/2026/2026-01-16/chunk-0003.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckRecords(context.Background(), bytes.NewReader(chunk), 0); err != nil {
		t.Fatalf("good chunk: %v", err)
	}
	lines := bytes.SplitAfter(chunk, []byte("\n"))
	if len(lines) < 4 {
		t.Fatalf("the chunk has %d lines, want at least 3", len(lines)-1)
	}
	// many copies, so that the lines span batches and workers
	var in []byte
	for range 3000 {
		in = append(in, chunk...)
	}
	n := len(lines) - 1
	second := 2*n + 2 // line 3 of the third copy
	last := 2999*n + 1
	bad := bytes.Split(in, []byte("\n"))
	bad[second-1] = bytes.Replace(bad[second-1], []byte(`"method": "GET"`), []byte(`"method": "PUT"`), 1)
	bad[last-1] = []byte(`{"not": "an envelope"`)
	in = bytes.Join(bad, []byte("\n"))
	var read int64
	r := io.TeeReader(bytes.NewReader(in), writerFunc(func(p []byte) { read += int64(len(p)) }))
	err = CheckRecords(context.Background(), r, 0)
	var le *envelope.LineError
	if !errors.Is(err, xr.ErrMismatch) || !errors.As(err, &le) || le.Line != second || !strings.Contains(err.Error(), "content_sha256") {
		t.Fatalf("err = %v, want line %d: content_sha256 … wrapping ErrMismatch", err, second)
	}
	if read != int64(len(in)) {
		t.Fatalf("read %d of %d bytes", read, len(in))
	}
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }
