package archive

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

// TestReadAhead: the reader gets every byte in order, then the source's
// error (a decryption layer reports truncation only at its end), and
// after Close the source is not read any more (and reading ends in an error).
func TestReadAhead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), raSize/16*3+1000)
	boom := errors.New("truncated")
	ra := newReadAhead(io.MultiReader(iotest.HalfReader(bytes.NewReader(data)), iotest.ErrReader(boom)), nil)
	got, err := io.ReadAll(ra)
	if !errors.Is(err, boom) || !bytes.Equal(got, data) {
		t.Fatalf("read %d of %d bytes (equal %v), err %v", len(got), len(data), bytes.Equal(got, data), err)
	}
	if _, err := ra.Read(make([]byte, 1)); !errors.Is(err, boom) {
		t.Fatalf("read after the error: %v", err)
	}
	ra.Close()

	var reads atomic.Int64
	src := readFunc(func(p []byte) (int, error) { reads.Add(1); return len(p), nil })
	ra = newReadAhead(src, nil)
	ra.Read(make([]byte, 10))
	ra.Close()
	n := reads.Load()
	for {
		if _, err := ra.Read(make([]byte, raSize)); err != nil {
			if !errors.Is(err, errReadAheadClosed) {
				t.Fatalf("read after Close: %v", err)
			}
			break
		}
	}
	if reads.Load() != n {
		t.Fatalf("the source was read after Close")
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
