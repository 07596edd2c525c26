package envelope

import (
	"context"
	"errors"
	"io"

	"github.com/xr-lake/xr/pkg/xr"
)

// ForEachLine reads every non-blank line of r and calls fn on it: the read
// loop of the stages that take a record at a time (xr-canon, xr-hash,
// xr-redact, xr-sqlload). A line that is too long, or for which fn
// returns a *LineError (a zero Line is filled in with the line's number),
// goes to reject (counted as "rejected") or, with no reject sink, ends the
// loop with that error. It counts "read" and checks ctx every 256 lines.
//
// xr-diff's classifying pass has a loop of its own: its "read" counts the
// records it classifies (rejected lines aside), kept in a field rather
// than a Stats per line; it rejects through Reject all the same. xr-pack
// write reads in a parallel pipeline.
func ForEachLine(ctx context.Context, r *Reader, st *xr.Stats, reject xr.RejectFunc, fn func(line []byte) error) error {
	for n := 0; ; n++ {
		if n&255 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, err := r.ReadLine()
		if err == io.EOF {
			return nil
		}
		var le *LineError
		if err == nil || errors.As(err, &le) {
			st.Inc("read")
		}
		if err == nil {
			err = fn(line)
		}
		if err != nil {
			if err := r.Reject(err, reject, st); err != nil {
				return err
			}
		}
	}
}

// Reject deals with an error about the line just read, as every read loop
// does: a *LineError (a zero Line filled in with the line's number) goes
// to reject (counted as "rejected") or, with no reject sink, is returned;
// any other error is returned as it is, to end the loop.
func (r *Reader) Reject(err error, reject xr.RejectFunc, st *xr.Stats) error {
	var le *LineError
	if !errors.As(err, &le) {
		return err
	}
	if le.Line == 0 {
		le.Line = r.line
	}
	return xr.RejectOrFail(reject, st, le.Line, r.Bytes(), err)
}

// ForEach is ForEachLine over parsed envelopes: a line that fails to parse
// is a bad line like any other.
func ForEach(ctx context.Context, r *Reader, st *xr.Stats, reject xr.RejectFunc, fn func(*Record) error) error {
	return ForEachLine(ctx, r, st, reject, func(line []byte) error {
		rec, err := r.parseLine(line)
		if err != nil {
			return err
		}
		return fn(rec)
	})
}
