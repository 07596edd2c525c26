//go:build !unix

package snapshot

import (
	"errors"
	"os"
)

// Without flock(2) the lock is advisory only: it never blocks.
var errWouldBlock = errors.New("would block")

func flock(f *os.File, exclusive bool) error { return nil }

func funlock(f *os.File) {}
