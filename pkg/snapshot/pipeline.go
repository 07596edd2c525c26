package snapshot

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// Write's input side. Parsing an envelope and verifying its hash cost
// far more than storing it, so one goroutine reads lines into batches,
// GOMAXPROCS workers parse and verify batches in parallel, and the writer
// takes the batches back in input order (measured: one core verifies
// about 200 MB/s; see docs/pack.md). Memory stays bounded by the number
// of batches in flight.

const (
	batchBytes   = 1 << 20
	batchRecords = 1024
	inFlight     = 8
)

type item struct {
	start, end int // the line in batch.buf
	n          int // input line number
	err        error
	e          IndexEntry // File is set when the record is stored
	day        string
	h          [32]byte
}

type batch struct {
	buf     []byte
	items   []item
	done    chan struct{}
	readErr error // a read error after the items (io.EOF at the end)
}

func (b *batch) line(it *item) []byte { return b.buf[it.start:it.end] }

// pipeline runs the reader and the workers until stop is closed or the
// input ends; batches come out of ordered in input order.
type pipeline struct {
	ordered chan *batch
	free    chan *batch
	stop    chan struct{}
	once    sync.Once
}

func startPipeline(in io.Reader, maxLine int) *pipeline {
	p := &pipeline{
		ordered: make(chan *batch, inFlight),
		free:    make(chan *batch, inFlight+2),
		stop:    make(chan struct{}),
	}
	jobs := make(chan *batch, inFlight)
	for range max(1, runtime.GOMAXPROCS(0)) {
		go p.work(jobs)
	}
	go p.read(envelope.NewReader(in, maxLine), jobs)
	return p
}

func (p *pipeline) close() { p.once.Do(func() { close(p.stop) }) }

func (p *pipeline) recycle(b *batch) {
	select {
	case p.free <- b:
	default:
	}
}

func (p *pipeline) read(rd *envelope.Reader, jobs chan<- *batch) {
	defer close(jobs)
	defer close(p.ordered)
	for {
		var b *batch
		select {
		case b = <-p.free:
			b.buf, b.items, b.readErr = b.buf[:0], b.items[:0], nil
		default:
			b = &batch{buf: make([]byte, 0, batchBytes+64<<10)}
		}
		b.done = make(chan struct{})
		for len(b.buf) < batchBytes && len(b.items) < batchRecords {
			line, err := rd.ReadLine()
			if err != nil {
				var le *envelope.LineError
				if errors.As(err, &le) {
					b.items = append(b.items, item{n: le.Line, err: err, start: len(b.buf), end: len(b.buf)})
					continue
				}
				b.readErr = err
				break
			}
			start := len(b.buf)
			b.buf = append(b.buf, line...)
			b.items = append(b.items, item{n: rd.LineNumber(), start: start, end: len(b.buf)})
		}
		select {
		case p.ordered <- b:
		case <-p.stop:
			return
		}
		select {
		case jobs <- b:
		case <-p.stop:
			return
		}
		if b.readErr != nil {
			return
		}
	}
}

func (p *pipeline) work(jobs <-chan *batch) {
	var rec envelope.Record
	var h contenthash.Hasher
	var day [10]byte
	var scratch []byte
	for b := range jobs {
		for i := range b.items {
			it := &b.items[i]
			if it.err != nil {
				continue
			}
			var err error
			if scratch, err = parseRecord(&rec, b.line(it), scratch); err != nil {
				var le *envelope.LineError
				if errors.As(err, &le) {
					le.Line = it.n
				}
				it.err = err
				continue
			}
			rec.Line = it.n
			t, err := checkRecord(&h, &rec) // also validates the skimmed payloads
			if err != nil {
				it.err = err
				continue
			}
			it.e = EntryFor(&rec, "")
			it.day = string(t.UTC().AppendFormat(day[:0], "2006-01-02"))
			hex.Decode(it.h[:], []byte(rec.Hash()))
		}
		close(b.done)
	}
}

// checkRecord refuses records that cannot go into a pack: no
// observed_at_utc, or a content_sha256 that is missing or wrong.
func checkRecord(h *contenthash.Hasher, rec *envelope.Record) (time.Time, error) {
	t, ok := rec.ObservedAt()
	if !ok {
		return t, &envelope.LineError{Line: rec.Line, Field: envelope.ObservedAt.String(), Err: errors.New("missing (run xr-canon first)")}
	}
	if err := h.Verify(rec); err != nil {
		// plain text: a refused record is bad input (exit 1), not a
		// verification result (exit 4)
		return t, &envelope.LineError{Line: rec.Line, Err: errors.New(err.Error())}
	}
	return t, nil
}

// run stores the records of the input in order.
func (w *writer) run(ctx context.Context, in io.Reader) error {
	p := startPipeline(in, w.opts.MaxLine)
	defer p.close()
	for {
		var b *batch
		var more bool
		select { // the input may block: an interrupt must not wait for it
		case b, more = <-p.ordered:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !more {
			break
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		for i := range b.items {
			it := &b.items[i]
			w.st.Inc("read")
			if it.err != nil {
				if err := xr.Bad(w.opts.Reject, w.st, it.n, b.line(it), it.err); err != nil {
					return err
				}
				continue
			}
			if _, dup := w.seen[it.h]; dup {
				w.st.Inc("skipped")
				continue
			}
			if err := w.add(it.day, b.line(it), it.e); err != nil {
				return err
			}
			w.seen[it.h] = struct{}{}
			w.st.Inc("written")
		}
		if b.readErr != nil && b.readErr != io.EOF {
			return b.readErr
		}
		p.recycle(b)
	}
	return ctx.Err()
}
