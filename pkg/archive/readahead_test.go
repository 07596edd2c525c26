package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"filippo.io/age"
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

// TestReadAheadKeepsUnexpectedEOF: a source's own io.ErrUnexpectedEOF (age
// and zstd say so of a truncated stream) reaches the reader as it is, not
// as a clean end: only a short read ending in io.EOF is one.
func TestReadAheadKeepsUnexpectedEOF(t *testing.T) {
	for _, n := range []int{0, 1000, raSize, raSize + 1000} {
		data := bytes.Repeat([]byte{'x'}, n)
		ra := newReadAhead(io.MultiReader(bytes.NewReader(data), iotest.ErrReader(io.ErrUnexpectedEOF)), nil)
		got, err := io.ReadAll(ra)
		ra.Close()
		if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != n {
			t.Fatalf("%d bytes then ErrUnexpectedEOF: read %d, err %v", n, len(got), err)
		}
	}
	ra := newReadAhead(bytes.NewReader(make([]byte, raSize+1000)), nil)
	got, err := io.ReadAll(ra)
	ra.Close()
	if err != nil || len(got) != raSize+1000 {
		t.Fatalf("clean end: read %d, err %v", len(got), err)
	}
}

// TestTarZstCutReportsTruncation: a tar.zst that lost its last bytes fails
// as truncated (the decompressor's io.ErrUnexpectedEOF), not as an archive
// holding no pack, which is what the tar reader concluded from a clean end.
func TestTarZstCutReportsTruncation(t *testing.T) {
	a, _ := os.ReadFile(create(t, refPack, CreateOptions{Format: FormatTarZst}))
	for _, cut := range []int{1, 4, 12} {
		_, err := Check(context.Background(), writeTemp(t, string(a[:len(a)-cut])), ReadOptions{})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%d bytes cut: err = %v, want unexpected EOF", cut, err)
		}
	}
}

// TestFailedExtractLeavesNoGoroutines: Extract and Check of an age
// tar.zst that fails (cut inside a member, cut in the tar's last bytes,
// cancelled before the first member) return with their read-ahead and fsync goroutines ended.
func TestFailedExtractLeavesNoGoroutines(t *testing.T) {
	dir := bigPack(t)
	big := make([]byte, 3*raBuffers*raSize) // more than the read-ahead holds
	rand.Read(big)
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	plain, _ := os.ReadFile(create(t, dir, CreateOptions{Format: FormatTarZst}))
	ro := ReadOptions{Identities: func() ([]age.Identity, error) { return []age.Identity{testIdentity}, nil }}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	base := runtime.NumGoroutine()
	for _, tc := range []struct {
		ctx   context.Context
		plain []byte
	}{
		{context.Background(), plain[:len(plain)/3]},
		{context.Background(), plain[:len(plain)-5]},
		{cancelled, plain},
	} {
		a := ageTo(t, tc.plain)
		if _, _, err := Extract(tc.ctx, a, filepath.Join(t.TempDir(), "out"), ExtractOptions{ReadOptions: ro}); err == nil {
			t.Fatal("Extract of a damaged archive succeeded")
		}
		if _, err := Check(tc.ctx, a, ro); err == nil {
			t.Fatal("Check of a damaged archive succeeded")
		}
	}
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > base; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", base, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
	}
}
