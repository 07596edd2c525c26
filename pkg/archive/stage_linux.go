package archive

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openUnnamed opens an unnamed file in dir (O_TMPFILE): the kernel frees
// it when the process dies, unless linkUnnamed gave it a name.
func openUnnamed(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o644)
	switch {
	case err == nil:
		return os.NewFile(uintptr(fd), dir+"/(unnamed)"), nil
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EINVAL), // not on this file system
		errors.Is(err, unix.EISDIR),                              // a kernel before 3.11
		errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE): // out of descriptors
		return nil, errNoUnnamed
	}
	return nil, &os.PathError{Op: "open O_TMPFILE", Path: dir, Err: err}
}

// linkUnnamed gives the unnamed file f the name path.
func linkUnnamed(f *os.File, path string) error {
	return unix.Linkat(unix.AT_FDCWD, procFD+strconv.Itoa(int(f.Fd())), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
}

// exchange swaps src and dest in one step. XR_TEST_NO_EXCHANGE set plays
// a file system that cannot (the kill tests of the fallback use it).
func exchange(src, dest string) error {
	if os.Getenv("XR_TEST_NO_EXCHANGE") != "" {
		return errNoExchange
	}
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dest, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return errNoExchange
	}
	if err != nil {
		return &os.LinkError{Op: "exchange", Old: src, New: dest, Err: err}
	}
	return nil
}

// renameNoReplace renames src to dest unless dest exists.
func renameNoReplace(src, dest string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dest, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return renameChecked(src, dest)
	}
	if errors.Is(err, unix.EEXIST) {
		return &os.LinkError{Op: "rename", Old: src, New: dest, Err: ErrExists}
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: src, New: dest, Err: err}
	}
	return nil
}

// fdBudget is how many unnamed files may be held open at once.
func fdBudget() int {
	var l unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &l) != nil || l.Cur < 2*fdReserve {
		return 0
	}
	return int(min(l.Cur-fdReserve, 1<<20))
}
