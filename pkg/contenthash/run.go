package contenthash

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// Mode selects what the xr-hash stage does.
type Mode int

const (
	// Set writes every record with content_sha256 set: computed where it
	// is absent or empty; a stored hash that does not match the content is
	// an error (the record was changed after it was hashed), unless
	// Options.Rehash.
	Set Mode = iota
	// VerifyMode passes records through untouched and reports stored
	// hashes that differ from the computed ones.
	VerifyMode
	// CanonicalMode writes each record's exact hash input instead of it.
	CanonicalMode
)

// Options configure Run.
type Options struct {
	Mode    Mode
	DropBad bool // with VerifyMode: send mismatching records to Reject
	// Rehash (Set mode) replaces a stored hash that does not match the
	// content instead of refusing the record: for content changed on
	// purpose. Each replaced hash is counted ("rehashed").
	Rehash bool
	// MissingOnly (Set mode) computes only the hashes records lack and
	// passes the others through unchecked: for a stream whose stored
	// hashes a stage before verified (xr-pack cat --verify), so that they
	// are not computed twice. Each computed hash is counted ("computed").
	MissingOnly bool
	MaxLine     int
	FlushEach   bool
	Reject      xr.RejectFunc
	Log         *slog.Logger
	// Diag gets a Warn line per mismatching record in VerifyMode.
	Diag xr.Diag
}

// Run is the xr-hash stage.
func Run(ctx context.Context, in io.Reader, out io.Writer, o Options) (*xr.Stats, error) {
	st := xr.NewStats("read", "written")
	if o.Mode == VerifyMode {
		st.Add("mismatched", 0)
	}
	if o.DropBad && (o.Mode != VerifyMode || o.Reject == nil) {
		return st, xr.Usagef("--drop-bad needs --verify and --rejects FILE")
	}
	if o.Rehash {
		if o.Mode != Set {
			return st, xr.Usagef("--rehash sets hashes: it excludes --verify and --canonical")
		}
		st.Add("rehashed", 0)
	}
	if o.MissingOnly {
		if o.Mode != Set || o.Rehash {
			return st, xr.Usagef("--missing-only sets the hashes records lack: it excludes --verify, --canonical and --rehash")
		}
		st.Add("computed", 0)
	}
	r := envelope.NewReader(in, o.MaxLine)
	r.DeferPayloads() // every mode canonicalizes request and response, which validates them
	w := envelope.NewWriter(out, o.FlushEach)
	var h Hasher
	var buf []byte
	err := envelope.ForEach(ctx, r, st, o.Reject, func(rec *envelope.Record) error {
		switch o.Mode {
		case CanonicalMode:
			var err error
			if buf, err = h.Canonical(buf[:0], rec); err != nil {
				return &envelope.LineError{Line: rec.Line, Err: err}
			}
			st.Inc("written")
			return w.WriteLine(append(buf, '\n'))
		case VerifyMode:
			if err := h.Verify(rec); err != nil {
				var me *MismatchError
				if !errors.As(err, &me) && !errors.Is(err, ErrNoHash) {
					return &envelope.LineError{Line: rec.Line, Err: err}
				}
				st.Inc("mismatched")
				o.Diag.Warn(fmt.Sprintf("line %d: exchange_id %s: %v", rec.Line, rec.ID(), err))
				if o.DropBad {
					return o.Reject(rec.Line, r.Bytes(), err)
				}
			}
			st.Inc("written")
			buf = append(append(buf[:0], r.Bytes()...), '\n')
			return w.WriteLine(buf)
		default:
			if o.MissingOnly {
				if rec.Hash() != "" { // verified upstream: passed on as it came
					st.Inc("written")
					buf = append(append(buf[:0], r.Bytes()...), '\n')
					return w.WriteLine(buf)
				}
				st.Inc("computed")
			}
			sum, err := h.Sum(rec)
			if err != nil {
				return &envelope.LineError{Line: rec.Line, Err: err}
			}
			if stored := rec.Hash(); stored != "" && stored != sum {
				if !o.Rehash {
					return &envelope.LineError{Line: rec.Line, Err: &MismatchError{Stored: stored, Computed: sum}}
				}
				st.Inc("rehashed")
			}
			rec.SetString(envelope.ContentSHA256, sum)
			st.Inc("written")
			return w.Write(rec)
		}
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err == nil && st.Get("mismatched") > 0 {
		err = fmt.Errorf("%d records whose content_sha256 does not verify: %w", st.Get("mismatched"), xr.ErrMismatch)
	}
	return st, err
}
