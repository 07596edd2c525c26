package archive

import (
	"errors"
	"io"
	"sync/atomic"
)

// readAhead reads r on its own goroutine into a few buffers ahead of its
// reader, so that producing the bytes (decrypting and decompressing) and
// consuming them (hashing and writing) run on two cores at once. Memory:
// raBuffers of raSize. Close stops the goroutine and waits for it, so r is
// not used once Close returned.
type readAhead struct {
	full     chan *raBuf
	free     chan *raBuf
	stop     chan struct{}
	done     chan struct{}
	cur      *raBuf
	off      int
	consumed func() int64 // of the source below r; called by fill only
	used     atomic.Int64 // consumed as of the buffer being read
}

type raBuf struct {
	b        []byte
	n        int
	err      error // after the n bytes
	consumed int64 // consumed() once the buffer was filled
}

const (
	raBuffers = 4
	raSize    = 1 << 20
)

// newReadAhead starts reading r; consumed (nil: none) counts what r's
// source read so far, for the ratio cap (see usedSource).
func newReadAhead(r io.Reader, consumed func() int64) *readAhead {
	if consumed == nil {
		consumed = func() int64 { return 0 }
	}
	ra := &readAhead{full: make(chan *raBuf, raBuffers), free: make(chan *raBuf, raBuffers),
		stop: make(chan struct{}), done: make(chan struct{}), consumed: consumed}
	for range raBuffers {
		ra.free <- &raBuf{b: make([]byte, raSize)}
	}
	go ra.fill(r)
	return ra
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.done)
	for {
		var b *raBuf
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		}
		b.n, b.err = readFull(r, b.b)
		b.consumed = ra.consumed()
		select {
		case ra.full <- b:
		case <-ra.stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.cur == nil || ra.off == ra.cur.n {
		if ra.cur != nil {
			if ra.cur.err != nil {
				return 0, ra.cur.err
			}
			ra.free <- ra.cur
		}
		select {
		case ra.cur = <-ra.full:
		case <-ra.done: // fill sends before it ends: what it sent is there
			select {
			case ra.cur = <-ra.full:
			default:
				ra.cur = &raBuf{err: errReadAheadClosed}
			}
		}
		ra.off = 0
		ra.used.Store(ra.cur.consumed)
	}
	n := copy(p, ra.cur.b[ra.off:ra.cur.n])
	ra.off += n
	return n, nil
}

// usedSource is what the source had consumed when the bytes being read
// came out of it: counting them on the reading goroutine would race with
// the filling one.
func (ra *readAhead) usedSource() int64 { return ra.used.Load() }

// readFull fills p unless r ends or fails first, and returns r's error
// as it is: io.ReadFull turns a short read ending in io.EOF into
// io.ErrUnexpectedEOF, indistinguishable from a source's own (a truncated
// age or zstd stream), which must not pass for a clean end.
func readFull(r io.Reader, p []byte) (n int, err error) {
	for n < len(p) && err == nil {
		var k int
		k, err = r.Read(p[n:])
		n += k
	}
	return n, err
}

var errReadAheadClosed = errors.New("read after Close")

// Close stops reading ahead and waits until r is no longer read.
func (ra *readAhead) Close() {
	select {
	case <-ra.stop:
	default:
		close(ra.stop)
	}
	<-ra.done
}
