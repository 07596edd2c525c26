//go:build unix

package snapshot

import (
	"io/fs"
	"syscall"
)

// inode returns a file's inode number: a file renamed over another has a
// new one even when its size and time match.
func inode(fi fs.FileInfo) uint64 {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Ino)
	}
	return 0
}
