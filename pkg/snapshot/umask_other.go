//go:build !unix

package snapshot

// umask: no file mode creation mask outside Unix.
func umask(int) int { return 0 }
