package main

import "golang.org/x/sys/unix"

// tmpfileIn reports why unnamed files (O_TMPFILE) cannot be made in dir,
// asking the kernel itself (not xr-pack): nil where they can.
func tmpfileIn(dir string) error {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		unix.Close(fd)
	}
	return err
}
