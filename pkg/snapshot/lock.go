package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// LockFile is the name of the lock file at the root of a pack. A writer
// (write, index --rebuild) holds an exclusive lock on it; verify holds a
// shared one. The file itself stays; it is not part of the pack's data.
const LockFile = ".xr-pack.lock"

// ErrLocked is wrapped by the error of an operation that found the pack
// locked by another process.
var ErrLocked = errors.New("pack is locked by another xr-pack")

type packLock struct{ f *os.File }

// lockPack takes the pack's lock without waiting. A lock held by a process
// that died (kill -9) is released by the kernel, so it never goes stale.
func lockPack(dir string, exclusive bool) (*packLock, error) {
	path := filepath.Join(dir, LockFile)
	var f *os.File
	var err error
	if exclusive {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	} else {
		// readers leave no trace: without a lock file no writer is busy
		f, err = os.Open(path)
	}
	if err != nil && !exclusive {
		return &packLock{}, nil // no lock file, or a read-only pack
	}
	if err != nil {
		return nil, err
	}
	if err := flock(f, exclusive); err != nil {
		pid := readPid(f)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			who := ""
			if pid > 0 {
				who = " (pid " + strconv.Itoa(pid) + ")"
			}
			return nil, fmt.Errorf("%s: %w%s; try again when it has finished", dir, ErrLocked, who)
		}
		return nil, fmt.Errorf("%s: lock: %w", path, err)
	}
	if exclusive {
		// best effort: tell a second writer who holds the lock
		if f.Truncate(0) == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
	}
	return &packLock{f: f}, nil
}

func readPid(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, _ := strconv.Atoi(string(bytes.TrimSpace(b[:n])))
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
