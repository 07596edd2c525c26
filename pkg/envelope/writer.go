package envelope

import (
	"bufio"
	"io"
)

// Writer writes envelopes as compact JSON lines through one buffer.
type Writer struct {
	bw    *bufio.Writer
	buf   []byte
	flush bool
}

// NewWriter returns a Writer with a 64 KiB buffer. With flushEach, every
// record is flushed at once (for a terminal).
func NewWriter(w io.Writer, flushEach bool) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, 64<<10), flush: flushEach}
}

// Append appends rec as one compact JSON object (without a line end):
// known fields in DESIGN order, then unknown ones in input order. Raw
// values are copied as they are.
func Append(dst []byte, rec *Record) []byte {
	dst = append(dst, '{')
	first := true
	for f := Field(0); f < numFields; f++ {
		v := rec.raw[f]
		if v == nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, fieldNames[f]...)
		dst = append(dst, '"', ':')
		dst = append(dst, v...)
	}
	for _, m := range rec.Extra {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, m.Name...)
		dst = append(dst, ':')
		dst = append(dst, m.Raw...)
	}
	return append(dst, '}')
}

// Write writes rec and a newline.
func (w *Writer) Write(rec *Record) error {
	w.buf = append(Append(w.buf[:0], rec), '\n')
	return w.WriteLine(w.buf)
}

// WriteLine writes an already encoded line (which must end in '\n').
func (w *Writer) WriteLine(line []byte) error {
	if _, err := w.bw.Write(line); err != nil {
		return err
	}
	if w.flush {
		return w.bw.Flush()
	}
	return nil
}

// Flush writes out buffered data.
func (w *Writer) Flush() error { return w.bw.Flush() }
