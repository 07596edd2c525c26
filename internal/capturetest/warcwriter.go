// Package capturetest makes captures for tests and benchmarks: a WARC
// writer (one gzip member per record, as crawlers write them) and the
// local HTTP server the real-capture tests record with wget and Chromium.
package capturetest

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// WARCWriter writes WARC/1.1 records, each its own gzip member (Gzip) or
// plain.
type WARCWriter struct {
	cw   *countWriter
	w    *bufio.Writer
	zw   *gzip.Writer
	gzip bool
	n    int
}

// NewWARCWriter writes to w; gzipped per record when gz.
func NewWARCWriter(w io.Writer, gz bool) *WARCWriter {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.DefaultCompression)
	return &WARCWriter{cw: cw, w: bw, zw: zw, gzip: gz}
}

// Offset is where the next record starts in the file.
func (w *WARCWriter) Offset() int { return int(w.cw.n) + w.w.Buffered() }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Exchange writes a request record and its response record (pointing at
// the request through WARC-Concurrent-To), as wget does.
func (w *WARCWriter) Exchange(uri string, at time.Time, request, response []byte) error {
	reqID := w.id()
	if err := w.Record("request", reqID, uri, at, "application/http;msgtype=request", nil, request); err != nil {
		return err
	}
	return w.Record("response", w.id(), uri, at, "application/http;msgtype=response", [][2]string{{"WARC-Concurrent-To", reqID}}, response)
}

func (w *WARCWriter) id() string {
	w.n++
	return fmt.Sprintf("<urn:uuid:00000000-0000-4000-8000-%012x>", w.n)
}

// Record writes one record (no WARC-Date when at is zero).
func (w *WARCWriter) Record(typ, id, uri string, at time.Time, contentType string, extra [][2]string, block []byte) error {
	var out io.Writer = w.w
	if w.gzip {
		w.zw.Reset(w.w)
		out = w.zw
	}
	fmt.Fprintf(out, "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: %s\r\n", typ, id)
	if !at.IsZero() {
		fmt.Fprintf(out, "WARC-Date: %s\r\n", at.UTC().Format(time.RFC3339Nano))
	}
	if uri != "" {
		fmt.Fprintf(out, "WARC-Target-URI: %s\r\n", uri)
	}
	for _, f := range extra {
		fmt.Fprintf(out, "%s: %s\r\n", f[0], f[1])
	}
	fmt.Fprintf(out, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n", contentType, len(block))
	out.Write(block)
	if _, err := io.WriteString(out, "\r\n\r\n"); err != nil {
		return err
	}
	if w.gzip {
		return w.zw.Close()
	}
	return nil
}

// Close flushes what is buffered.
func (w *WARCWriter) Close() error { return w.w.Flush() }
