package snapshot

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/redact"
	"github.com/xr-lake/xr/pkg/xr"
)

// Parsing an envelope and verifying its hash cost far more than storing
// or matching it, so Write and Verify run a small pipeline: one goroutine
// reads lines into batches, GOMAXPROCS workers parse and verify batches in
// parallel, and the caller takes the batches back in input order (one
// core verifies about 200 MB/s; see docs/pack.md). Memory stays bounded
// by the number of batches in flight.

const (
	batchBytes   = 1 << 20
	batchRecords = 1024
	inFlight     = 4
)

// item is one input line and what a worker made of it.
type item struct {
	start, end int // the line in batch.buf
	n          int // line number in its source
	err        error
	kind       string          // Verify: the problem counter of err
	e          indexline.Entry // File is set by the consumer
	day        string          // Write: UTC day of observed_at_utc
	h          [32]byte        // Write: content_sha256 (after redaction)
	h0         [32]byte        // Write: content_sha256 as it came in
	line       []byte          // the redacted record, nil when no rule fired
	rules      []string        // the redaction rule ids that fired
	secret     bool            // the record holds what the policy removes
}

type batch struct {
	src     int // which source (Verify: chunk) the lines come from
	buf     []byte
	items   []item
	done    chan struct{}
	readErr error // a read error after the items (io.EOF at the end)
}

func (b *batch) line(it *item) []byte { return b.buf[it.start:it.end] }

// stored is the line as it is stored: the redacted one if a rule fired.
func (b *batch) stored(it *item) []byte {
	if it.line != nil {
		return it.line
	}
	return b.line(it)
}

// worker is one worker's reusable state.
type worker struct {
	src   int // the source of the batch at hand (a chunk's index)
	rec   envelope.Record
	hash  contenthash.Hasher
	day   [10]byte
	scrub *redact.Scrubber // made on first use
}

// workFunc fills it from line (valid during the call only).
type workFunc func(w *worker, line []byte, it *item)

// pipeline runs the reader and the workers until stop is closed or the
// input ends; batches come out of ordered in input order.
type pipeline struct {
	ordered chan *batch
	free    chan *batch
	stop    chan struct{}
	once    sync.Once
}

// startPipeline reads the sources next returns, one after the other
// (io.EOF: no more), a batch never spanning two sources. A source that is
// an io.Closer is closed when read.
//
// With eager, a batch also ends where the input has nothing more read
// ahead, so that lines of a slow input reach the consumer without waiting
// for a full batch (Write commits on time what it has; see CommitEvery).
func startPipeline(next func() (io.Reader, error), maxLine int, work workFunc, eager bool) *pipeline {
	p := &pipeline{
		ordered: make(chan *batch, inFlight),
		free:    make(chan *batch, inFlight+2),
		stop:    make(chan struct{}),
	}
	jobs := make(chan *batch, inFlight)
	for range max(1, runtime.GOMAXPROCS(0)) {
		go p.work(jobs, work)
	}
	go p.read(next, maxLine, jobs, eager)
	return p
}

func (p *pipeline) close() { p.once.Do(func() { close(p.stop) }) }

func (p *pipeline) recycle(b *batch) {
	select {
	case p.free <- b:
	default:
	}
}

// take returns the next batch once its workers are done, nil at the end,
// or ctx's error: the input may block, and an interrupt must not wait.
func (p *pipeline) take(ctx context.Context) (*batch, error) { return p.takeOr(ctx, nil) }

// errWake: takeOr's wake fired before the next batch arrived.
var errWake = errors.New("woken")

// takeOr is take, but returns errWake when wake fires while the input is
// silent, so that the caller can act on time while it waits.
func (p *pipeline) takeOr(ctx context.Context, wake <-chan time.Time) (*batch, error) {
	var b *batch
	select {
	case b = <-p.ordered:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-wake:
		return nil, errWake
	}
	if b == nil {
		return nil, ctx.Err()
	}
	select {
	case <-b.done:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pipeline) read(next func() (io.Reader, error), maxLine int, jobs chan<- *batch, eager bool) {
	defer close(jobs)
	defer close(p.ordered)
	send := func(b *batch) bool {
		for _, ch := range []chan<- *batch{p.ordered, jobs} {
			select {
			case ch <- b:
			case <-p.stop:
				return false
			}
		}
		return true
	}
	for src := 0; ; src++ {
		in, err := next()
		if err != nil {
			b := p.newBatch(src)
			b.readErr = err
			send(b)
			return
		}
		// a source is closed when read, and when the pipeline stops early
		// (a chunk file left open would pin a full disk's space)
		closeIn := func() {
			if c, ok := in.(io.Closer); ok {
				c.Close()
			}
		}
		rd := envelope.NewReader(in, maxLine)
		for {
			b := p.newBatch(src)
			for len(b.buf) < batchBytes && len(b.items) < batchRecords {
				if eager && len(b.items) > 0 && rd.Buffered() == 0 {
					break
				}
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
			srcDone := b.readErr == io.EOF
			if srcDone {
				b.readErr = nil
			}
			if !send(b) || b.readErr != nil {
				closeIn()
				return
			}
			if srcDone {
				break
			}
		}
		closeIn()
	}
}

func (p *pipeline) newBatch(src int) *batch {
	var b *batch
	select {
	case b = <-p.free:
		b.buf, b.items, b.readErr = b.buf[:0], b.items[:0], nil
	default:
		b = &batch{buf: make([]byte, 0, batchBytes+64<<10)}
	}
	b.src, b.done = src, make(chan struct{})
	return b
}

func (p *pipeline) work(jobs <-chan *batch, work workFunc) {
	var w worker
	for b := range jobs {
		w.src = b.src
		for i := range b.items {
			if it := &b.items[i]; it.err == nil {
				work(&w, b.line(it), it)
			}
		}
		close(b.done)
	}
}

// oneSource is next for a single input.
func oneSource(in io.Reader) func() (io.Reader, error) {
	used := false
	return func() (io.Reader, error) {
		if used {
			return nil, io.EOF
		}
		used = true
		return in, nil
	}
}

// scanChunks runs work over every line of chunks on the pipeline and
// calls fn with each result in pack order.
func scanChunks(ctx context.Context, dir string, chunks []Chunk, work workFunc, fn func(rel string, it *item) error) error {
	return scanChunkLines(ctx, dir, chunks, 0, work, func(rel string, it *item, _ []byte) error { return fn(rel, it) })
}

// scanChunkLines is scanChunks with a line cap (<= 0: the default) that
// also hands fn the line as it is to be stored (it.line when work set it;
// valid during the call only).
func scanChunkLines(ctx context.Context, dir string, chunks []Chunk, maxLine int, work workFunc, fn func(rel string, it *item, line []byte) error) error {
	i := 0
	next := func() (io.Reader, error) {
		if i == len(chunks) {
			return nil, io.EOF
		}
		i++
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(chunks[i-1].Rel)))
		if err != nil {
			return nil, err
		}
		return xr.MeteredReader(ctx, f), nil
	}
	p := startPipeline(next, maxLine, work, false)
	defer p.close()
	for {
		b, err := p.take(ctx)
		if b == nil {
			return err
		}
		if b.readErr != nil && b.readErr != io.EOF {
			return b.readErr
		}
		for j := range b.items {
			it := &b.items[j]
			if err := fn(chunks[b.src].Rel, it, b.stored(it)); err != nil {
				return err
			}
		}
		p.recycle(b)
	}
}
