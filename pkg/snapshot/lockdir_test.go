package snapshot

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

// tempChunks returns the in-flight temporary chunk files of the pack.
func tempChunks(t *testing.T, dir string) []string {
	t.Helper()
	l, err := listChunks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l.temps
}

// TestLockSurvivesDeletedLockFile: the one-writer rule does not rest on a
// file a user can delete. With .xr-pack.lock removed during a write, a
// second writer still refuses, and the first writer's in-flight chunks
// stay; the first write then completes.
func TestLockSurvivesDeletedLockFile(t *testing.T) {
	dir := newPack(t)
	s := snapshottest.Spec{Seed: "lockdir"}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := Write(ctx, dir, pr, WriteOptions{ChunkSize: 5000})
		done <- err
	}()
	// one batch reaches the writer; the input stays open: its chunk stays in flight
	pw.Write(s.NDJSON(0, batchRecords+10))
	deadline := time.Now().Add(5 * time.Second)
	for len(tempChunks(t, dir)) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	inflight := tempChunks(t, dir)
	if len(inflight) == 0 {
		t.Fatal("no chunk in flight")
	}
	if err := os.Remove(filepath.Join(dir, LockFile)); err != nil {
		t.Fatal(err)
	}
	_, err := Write(ctx, dir, strings.NewReader(string(s.NDJSON(0, 10))), WriteOptions{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer with the lock file deleted: %v", err)
	}
	if _, err := Rebuild(ctx, dir, RebuildOptions{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("index --rebuild with the lock file deleted: %v", err)
	}
	for _, f := range inflight {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Fatalf("the first writer's in-flight chunk was removed: %v", err)
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if v := mustVerify(t, dir); v.Get("records") != batchRecords+10 {
		t.Fatalf("after the first write: %s", v.Summary())
	}
}

// TestRemoveTempsSparesLiveFiles: cleaning up never deletes a temporary
// file that a live process holds (even one taking no pack lock).
func TestRemoveTempsSparesLiveFiles(t *testing.T) {
	dir := newPack(t)
	live, err := CreateAtomic(filepath.Join(dir, "records", "x.ndjson"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	dead := filepath.Join(dir, "records", tmpPrefix+"y.ndjson-1")
	os.WriteFile(dead, []byte("x\n"), 0o600)
	if err := removeTemps(dir, tempChunks(t, dir)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live.f.Name()); err != nil {
		t.Fatalf("a live temporary file was removed: %v", err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an orphan was kept: %v", err)
	}
}

// TestLockFallsBackToLockFile: where a folder cannot be flocked (NFS),
// writers still exclude each other, through the lock file.
func TestLockFallsBackToLockFile(t *testing.T) {
	flockDir = func(*os.File, bool) error { return syscall.EBADF }
	defer func() { flockDir = flock }()
	dir := newPack(t)
	lk, err := lockPack(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, dir, strings.NewReader(""), WriteOptions{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer: %v", err)
	}
	lk.unlock()
	if _, err := Write(ctx, dir, strings.NewReader(""), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}
