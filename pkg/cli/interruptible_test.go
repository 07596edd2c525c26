package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A command blocked waiting for input (`tail -f log | xr-canon`, a slow
// upstream) must still stop on SIGINT/SIGTERM: the read returns the
// context's error at once.
func TestInterruptibleBlockedRead(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	in := Interruptible(ctx, r)
	if _, err := w.Write([]byte("line 1\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := in.Read(buf)
	if err != nil || string(buf[:n]) != "line 1\n" {
		t.Fatalf("first read: %q, %v", buf[:n], err)
	}
	done := make(chan error, 1)
	go func() { _, err := in.Read(buf); done <- err }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("read after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read still blocked 5 s after the context was cancelled")
	}
}

func TestInterruptiblePassesDataAndEOF(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 1<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() { w.Write(want); w.Close() }()
	got, err := io.ReadAll(Interruptible(context.Background(), r))
	if err != nil || string(got) != string(want) {
		t.Fatalf("got %d bytes (%v), want %d", len(got), err, len(want))
	}
}

// A regular file never blocks: it is returned as it is, so that commands
// can still seek it (xr-diff reads a file twice instead of spooling it).
func TestInterruptibleRegularFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "in.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := Interruptible(context.Background(), f); got != io.Reader(f) {
		t.Fatalf("regular file wrapped as %T", got)
	}
}
