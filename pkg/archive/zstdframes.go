package archive

import (
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// A tar.zst archive is compressed as a series of independent zstd frames,
// one per frameSize bytes of tar stream, by up to maxFrameWorkers
// goroutines at once, and written in order. One zstd stream compresses on
// one core only (klauspost's encoder overlaps one block with the input,
// no more), and pure-Go zstd at its default level needs about 1.5 times
// the CPU of C zstd -3: the frames are what lets `archive` keep up with
// `tar | zstd -3` on two cores. The cut points depend on the input alone,
// so the archive's bytes are the same for any GOMAXPROCS; every zstd
// decoder reads concatenated frames as one stream.
const (
	frameSize       = 4 << 20
	maxFrameWorkers = 4
)

// frameJob is one frame's input and its compressed bytes.
type frameJob struct {
	in, out []byte
	ready   chan struct{}
}

// frameWriter is an io.WriteCloser compressing into zstd frames in
// parallel. Close flushes the last frame and waits for every write; it
// does not close the underlying writer. Memory: at most 2·workers+1 jobs of
// frameSize in and out.
type frameWriter struct {
	w     io.Writer
	cur   *frameJob
	free  chan *frameJob
	jobs  chan *frameJob
	order chan *frameJob
	done  chan struct{}
	mu    sync.Mutex
	err   error // the first write error
	wg    sync.WaitGroup
}

func newFrameWriter(w io.Writer) (*frameWriter, error) {
	n := max(1, min(runtime.GOMAXPROCS(0), maxFrameWorkers))
	fw := &frameWriter{w: w, free: make(chan *frameJob, 2*n+1), jobs: make(chan *frameJob),
		order: make(chan *frameJob, 2*n), done: make(chan struct{})}
	for range 2*n + 1 {
		fw.free <- &frameJob{}
	}
	for range n {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		if err != nil {
			close(fw.jobs)
			return nil, err
		}
		fw.wg.Add(1)
		go func() {
			defer fw.wg.Done()
			for j := range fw.jobs {
				j.out = enc.EncodeAll(j.in, j.out[:0])
				close(j.ready)
			}
		}()
	}
	go fw.writeInOrder()
	fw.cur = <-fw.free
	fw.cur.in = fw.cur.in[:0]
	return fw, nil
}

// writeInOrder writes the frames as they complete, in order, and hands
// their buffers back.
func (fw *frameWriter) writeInOrder() {
	defer close(fw.done)
	for j := range fw.order {
		<-j.ready
		if fw.failed() == nil {
			if _, err := fw.w.Write(j.out); err != nil {
				fw.mu.Lock()
				fw.err = err
				fw.mu.Unlock()
			}
		}
		fw.free <- j
	}
}

func (fw *frameWriter) failed() error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	return fw.err
}

// submit queues the current frame and takes a free buffer for the next.
func (fw *frameWriter) submit() {
	j := fw.cur
	j.ready = make(chan struct{})
	fw.order <- j
	fw.jobs <- j
	fw.cur = <-fw.free
	if cap(fw.cur.in) < frameSize {
		fw.cur.in = make([]byte, 0, frameSize)
	}
	fw.cur.in = fw.cur.in[:0]
}

func (fw *frameWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if err := fw.failed(); err != nil {
			return n, err
		}
		if cap(fw.cur.in) < frameSize {
			fw.cur.in = make([]byte, 0, frameSize)
		}
		k := min(len(p), frameSize-len(fw.cur.in))
		fw.cur.in = append(fw.cur.in, p[:k]...)
		p, n = p[k:], n+k
		if len(fw.cur.in) == frameSize {
			fw.submit()
		}
	}
	return n, nil
}

func (fw *frameWriter) Close() error {
	if len(fw.cur.in) > 0 {
		fw.submit()
	}
	close(fw.order)
	close(fw.jobs)
	fw.wg.Wait()
	<-fw.done
	return fw.failed()
}
