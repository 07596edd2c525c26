// Package decompress opens gzip- and zstd-compressed input transparently:
// every command that reads records (xr-canon, xr-pack write, xr-sqlload)
// passes its input through NewReader, which tells the format by its magic
// bytes (never by a file name: stdin has none) and decompresses as it
// reads, with flat memory. Anything else passes through unchanged.
package decompress

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/xr-lake/xr/pkg/xr"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Error is a failure to decompress: the format, and the offset in the
// compressed input up to which it was read when the failure showed.
type Error struct {
	Format string // "gzip" or "zstd"
	Offset int64
	Err    error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		msg = "truncated (unexpected end of the compressed data)"
	}
	return fmt.Sprintf("%s input, byte %d: %s", e.Format, e.Offset, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// NewReader returns r's content: decompressed when r starts with a gzip
// member (several members are read one after another, as gzip -d does) or
// a zstd frame, else r's bytes as they are. It reads nothing until the
// first Read (or Format), so a command waiting for its input holds no
// lock and starts no timer early. Close releases the decoder (it does not
// close r).
//
// Only the first byte is awaited before deciding, unless it is the first
// byte of a magic number: a JSON stream (which starts with '{', space or
// a BOM) never waits for more input than its first line.
func NewReader(r io.Reader) *Reader {
	return &Reader{src: r}
}

// Reader is the (decompressed) input.
type Reader struct {
	src     io.Reader
	r       io.Reader // nil until detect
	err     error     // of detect
	format  string
	at      func() int64
	closeFn func() error
}

// Format detects the input's format: "gzip", "zstd", or "" for input
// that is not compressed.
func (r *Reader) Format() (string, error) {
	if r.r == nil && r.err == nil {
		r.err = r.detect()
	}
	return r.format, r.err
}

func (r *Reader) detect() error {
	cr := &xr.CountingReader{R: r.src}
	br := bufio.NewReaderSize(cr, 64<<10)
	r.r = br
	first, err := br.Peek(1)
	if err != nil || (first[0] != gzipMagic[0] && first[0] != zstdMagic[0]) {
		return nil // empty or plain; a read error shows on Read
	}
	head, _ := br.Peek(4)
	r.at = func() int64 { return cr.N - int64(br.Buffered()) }
	switch {
	case len(head) >= 2 && head[0] == gzipMagic[0] && head[1] == gzipMagic[1]:
		r.format = "gzip"
		zr, err := gzip.NewReader(br)
		if err != nil {
			return &Error{Format: r.format, Offset: r.at(), Err: err}
		}
		r.r, r.closeFn = zr, zr.Close
	case len(head) == 4 && string(head) == string(zstdMagic):
		r.format = "zstd"
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return &Error{Format: r.format, Offset: 0, Err: err}
		}
		r.r, r.closeFn = zr, func() error { zr.Close(); return nil }
	}
	return nil
}

// Read reads decompressed bytes. A decompression failure is an *Error.
func (r *Reader) Read(p []byte) (int, error) {
	if _, err := r.Format(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.format != "" {
		var de *Error
		if !errors.As(err, &de) {
			err = &Error{Format: r.format, Offset: r.at(), Err: err}
		}
	}
	return n, err
}

// Close releases the decoder.
func (r *Reader) Close() error {
	if r.closeFn == nil {
		return nil
	}
	return r.closeFn()
}
