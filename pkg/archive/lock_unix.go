//go:build unix

package archive

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/xr-lake/xr/pkg/snapshot"
)

// readLock takes a shared lock on the pack's lock file (the one xr-pack
// write holds exclusively), so an archive never mixes a pack's state before
// and after an append. The lock file is not created: a pack without one
// (never written by xr, or read-only) is read unlocked. Call the returned
// function to release the lock.
func readLock(dir string) (func(), error) {
	f, err := os.Open(filepath.Join(dir, snapshot.LockFile))
	if err != nil {
		return func() {}, nil
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, fmt.Errorf("%s: %w; try again when it has finished", dir, snapshot.ErrLocked)
		}
		return nil, fmt.Errorf("%s: lock: %w", dir, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
