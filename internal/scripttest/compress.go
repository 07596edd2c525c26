package scripttest

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/rogpeppe/go-internal/testscript"
)

// compress FORMAT SRC DST [CUT] writes SRC compressed with gzip or zstd to
// DST (a fresh machine may have neither command), cut to its first CUT
// bytes when CUT is given (a truncated capture).
func compress(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: compress gzip|zstd SRC DST [CUT]")
	}
	src, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	var buf bytes.Buffer
	var w io.WriteCloser
	switch args[0] {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zstd":
		w, err = zstd.NewWriter(&buf)
		ts.Check(err)
	default:
		ts.Fatalf("compress: unknown format %q", args[0])
	}
	_, err = w.Write(src)
	ts.Check(err)
	ts.Check(w.Close())
	out := buf.Bytes()
	if len(args) == 4 {
		n, err := strconv.Atoi(args[3])
		ts.Check(err)
		out = out[:min(n, len(out))]
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), out, 0o644))
}
