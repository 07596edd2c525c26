package envelope

import (
	"context"
	"errors"
	"io"

	"github.com/xr-lake/xr/pkg/xr"
)

// ForEach reads every envelope from r and calls fn on it. A line that
// fails to parse, or for which fn returns a *LineError, goes to reject
// (counted as "rejected") or, with no reject sink, ends the loop with that
// error. It counts "read" and checks ctx every 256 records.
func ForEach(ctx context.Context, r *Reader, st *xr.Stats, reject xr.RejectFunc, fn func(*Record) error) error {
	for n := 0; ; n++ {
		if n&255 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		var le *LineError
		if err == nil || errors.As(err, &le) {
			st.Inc("read")
		}
		if err == nil {
			err = fn(rec)
		}
		if err == nil {
			continue
		}
		if !errors.As(err, &le) {
			return err
		}
		if err := xr.Bad(reject, st, le.Line, r.Bytes(), err); err != nil {
			return err
		}
	}
}
