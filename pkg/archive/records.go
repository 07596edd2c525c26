package archive

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// batchBytes is how many bytes of record lines go to a worker at a time.
const batchBytes = 1 << 20

type lineBatch struct {
	buf   []byte
	lines []lineSpan
}

type lineSpan struct{ num, start, end int }

// checkRecords reads a chunk's lines and verifies that each is an envelope
// whose content hash is right, on every core in batches (hashing is the
// cost of verify FILE). It reports the first bad line and reads r to its
// end; it returns the bytes read.
func checkRecords(r io.Reader, maxLine int) (int64, error) {
	if maxLine <= 0 {
		maxLine = envelope.DefaultMaxLine
	}
	cr := &countReader{r: r}
	er := envelope.NewReader(cr, maxLine)
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *lineBatch, workers)
	free := make(chan *lineBatch, 2*workers)
	for range 2 * workers {
		free <- &lineBatch{buf: make([]byte, 0, batchBytes)}
	}
	var mu sync.Mutex
	var bad error
	badLine := -1
	fail := func(num int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if badLine < 0 || num < badLine {
			var le *envelope.LineError
			if errors.As(err, &le) {
				le.Line = num
			} else {
				err = &envelope.LineError{Line: num, Err: err}
			}
			bad, badLine = err, num
		}
	}
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return bad != nil }
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var rec envelope.Record
			var hs contenthash.Hasher
			for b := range jobs {
				for _, l := range b.lines {
					rec = envelope.Record{Extra: rec.Extra[:0]}
					err := envelope.Parse(&rec, b.buf[l.start:l.end], false)
					if err == nil {
						err = hs.Verify(&rec)
					}
					if err != nil {
						fail(l.num, err)
						break
					}
				}
				b.buf, b.lines = b.buf[:0], b.lines[:0]
				free <- b
			}
		})
	}
	b := <-free
	var rerr error
	for !failed() {
		line, err := er.ReadLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var le *envelope.LineError
			if errors.As(err, &le) {
				fail(le.Line, le.Err)
			} else {
				rerr = err
			}
			break
		}
		b.lines = append(b.lines, lineSpan{er.LineNumber(), len(b.buf), len(b.buf) + len(line)})
		b.buf = append(b.buf, line...)
		if len(b.buf) >= batchBytes {
			jobs <- b
			b = <-free
		}
	}
	jobs <- b
	close(jobs)
	wg.Wait()
	if rerr != nil {
		return cr.n, rerr
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return cr.n, err
	}
	if bad != nil {
		return cr.n, fmt.Errorf("%w (%w)", bad, xr.ErrMismatch)
	}
	return cr.n, nil
}
