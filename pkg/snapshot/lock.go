package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// LockFile is the name of the file at the root of a pack in which the
// writer holding the lock notes its pid, for the message a second writer
// gets. It is not the lock: the lock is a flock on the pack folder itself,
// which no one can delete from under a writer. (xr before 0.2 locked this
// file; deleting it then let a second writer in.)
const LockFile = ".xr-pack.lock"

// ErrLocked is wrapped by the error of an operation that found the pack
// locked by another process.
var ErrLocked = errors.New("pack is locked by another xr-pack")

type packLock struct{ f *os.File }

// lockPack takes the pack's lock without waiting: a writer (write, index
// --rebuild) an exclusive one, a reader (verify, archive) a shared one. A
// lock held by a process that died (kill -9) is released by the kernel, so
// it never goes stale.
func lockPack(dir string, exclusive bool) (*packLock, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	err = flockDir(f, exclusive)
	if err != nil && !errors.Is(err, errWouldBlock) {
		// a file system that cannot flock a folder (NFS emulates flock
		// with POSIX locks, which want a file open for writing): lock the
		// lock file instead, as xr did before
		f.Close()
		if f, err = os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o644); err != nil {
			return nil, err
		}
		err = flock(f, exclusive)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			who := ""
			if pid := readPid(dir); pid > 0 {
				who = " (pid " + strconv.Itoa(pid) + ")"
			}
			return nil, fmt.Errorf("%s: %w%s; try again when it has finished", dir, ErrLocked, who)
		}
		return nil, fmt.Errorf("%s: lock: %w", dir, err)
	}
	if exclusive {
		// best effort: tell a second writer who holds the lock
		os.WriteFile(filepath.Join(dir, LockFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	}
	return &packLock{f: f}, nil
}

// LockShared takes a shared lock on the pack in dir (the one a writer
// holds exclusively), so a reader never sees a pack half-way through an
// append; it fails at once, wrapping ErrLocked, while a writer is busy.
// Call the returned function to release it.
func LockShared(dir string) (func(), error) {
	lk, err := lockPack(dir, false)
	if err != nil {
		return nil, err
	}
	return lk.unlock, nil
}

// TryLock takes an exclusive flock on f without waiting; an error means
// another process holds it (or the file system cannot lock f). It is the
// one file lock of xr: a pack's writer lock, a temporary file being
// written, an extract's staging folder. The kernel drops it when f is
// closed or the process dies, so a cleanup that can take it knows the
// holder is gone.
func TryLock(f *os.File) error { return flock(f, true) }

// flockDir locks the pack folder (a variable, so that a test can play a
// file system without folder locks).
var flockDir = flock

func readPid(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, LockFile))
	pid, _ := strconv.Atoi(string(bytes.TrimSpace(b)))
	return pid
}

func (l *packLock) unlock() {
	if l == nil || l.f == nil {
		return
	}
	funlock(l.f)
	l.f.Close()
	l.f = nil
}
