//go:build unix

package snapshot

import "syscall"

var umask = syscall.Umask
