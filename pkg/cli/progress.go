package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Progress wraps in so that, when stderr is a terminal, one `\r` line on
// stderr shows how much input has been read and how fast, at most four
// times a second. It returns in unchanged otherwise. Call the returned stop
// function before printing the summary: it clears the line.
func Progress(name string, in io.Reader, stderr *os.File) (io.Reader, func()) {
	if !IsTerminal(stderr) {
		return in, func() {}
	}
	p := &progressReader{r: in}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(stderr, "\r\x1b[K")
				return
			case <-t.C:
				n := p.n.Load()
				secs := time.Since(start).Seconds()
				fmt.Fprintf(stderr, "\r\x1b[K%s: %.1f MB read, %.1f MB/s", name, float64(n)/1e6, float64(n)/1e6/secs)
			}
		}
	}()
	var once sync.Once
	return p, func() { once.Do(func() { close(done); wg.Wait() }) }
}

type progressReader struct {
	r io.Reader
	n atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	return n, err
}
