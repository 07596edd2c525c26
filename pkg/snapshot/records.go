package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// CheckRecords reads the lines of one chunk from r and checks that each is
// an envelope whose content_sha256 verifies, on the pipeline Verify uses
// (hashing is the cost of checking an archive). It reads r to its end, so
// that a reader teed into a file still copies the whole chunk, and returns
// the first bad line as an *envelope.LineError wrapping xr.ErrMismatch.
func CheckRecords(ctx context.Context, r io.Reader, maxLine int) error {
	if maxLine <= 0 {
		maxLine = envelope.DefaultMaxLine
	}
	var firstBad atomic.Int64 // the lowest bad line found so far (0: none)
	work := func(w *worker, line []byte, it *item) {
		if b := firstBad.Load(); b > 0 && int64(it.n) > b {
			return // past a bad line: only copied, not checked
		}
		verifyWork(w, line, it)
		for it.err != nil {
			b := firstBad.Load()
			if b > 0 && b < int64(it.n) || firstBad.CompareAndSwap(b, int64(it.n)) {
				break
			}
		}
	}
	p := startPipeline(oneSource(r), maxLine, work, false)
	defer p.close()
	var bad error
	for {
		b, err := p.take(ctx)
		if b == nil {
			if err != nil {
				return err
			}
			break
		}
		for i := range b.items {
			if it := &b.items[i]; it.err != nil && bad == nil {
				bad = atLine(it.n, it.err)
			}
		}
		if b.readErr != nil && b.readErr != io.EOF {
			return b.readErr
		}
		p.recycle(b)
	}
	if bad != nil {
		return fmt.Errorf("%w (%w)", bad, xr.ErrMismatch)
	}
	return nil
}

// atLine is err as the *envelope.LineError of line n.
func atLine(n int, err error) error {
	var le *envelope.LineError
	if errors.As(err, &le) {
		le.Line = n
		return le
	}
	return &envelope.LineError{Line: n, Err: err}
}
