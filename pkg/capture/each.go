package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xr-lake/xr/pkg/decompress"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// Each reads the capture files (stdin for "-") in format f, one after
// another, and hands every envelope to emit; the record is valid until
// emit returns. A bad item goes to reject (counted as "rejected") or, with
// no reject sink, stops the run with its position. It counts "read" and
// "written", and checks ctx every 256 items.
func Each(ctx context.Context, f *Format, files []string, stdin io.Reader, b *Builder, st *xr.Stats, reject xr.RejectFunc, emit func(*envelope.Record) error) error {
	for _, name := range files {
		if err := eachFile(ctx, f, name, stdin, b, st, reject, emit); err != nil {
			return err
		}
	}
	return nil
}

// Counter is a Reader that counts items that became no envelope (WARC's
// "skipped" warcinfo/metadata records); eachFile adds them at the end.
type Counter interface{ Count(st *xr.Stats) }

func eachFile(ctx context.Context, f *Format, name string, stdin io.Reader, b *Builder, st *xr.Stats, reject xr.RejectFunc, emit func(*envelope.Record) error) error {
	in := stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return err
		}
		defer fh.Close()
		in = fh
	}
	if !f.OwnCompression {
		dr := decompress.NewReader(in)
		defer dr.Close()
		in = dr
	}
	r, err := f.Open(in, name, b)
	if err != nil {
		return inFile(name, err)
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	for n := 0; ; n++ {
		if n&255 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := r.Next()
		if err == io.EOF {
			if c, ok := r.(Counter); ok {
				c.Count(st)
			}
			return nil
		}
		var ie *ItemError
		if err == nil || errors.As(err, &ie) {
			st.Inc("read")
		}
		if err == nil {
			st.Inc("written")
			if err := emit(rec); err != nil {
				return err
			}
			continue
		}
		if ie == nil {
			return inFile(name, err)
		}
		if err := xr.RejectOrFail(reject, st, ie.Pos.Line, ie.Raw, err); err != nil {
			return err
		}
	}
}

// inFile names the file in an error that is not about one item (stdin's
// errors need no name).
func inFile(name string, err error) error {
	if name == "-" || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
