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
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT) && dirExists(dir):
		return nil, errNoUnnamed
	case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
		return nil, errNoUnnamed
	}
	return nil, &os.PathError{Op: "open O_TMPFILE", Path: dir, Err: err}
}

func dirExists(dir string) bool { fi, err := os.Stat(dir); return err == nil && fi.IsDir() }

// linkUnnamed gives the unnamed file f the name path.
func linkUnnamed(f *os.File, path string) error {
	return unix.Linkat(unix.AT_FDCWD, procFD+strconv.Itoa(int(f.Fd())), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
}

// exchange swaps src and dest in one step.
func exchange(src, dest string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dest, unix.RENAME_EXCHANGE)
	if os.Getenv("XR_TEST_NO_EXCHANGE") != "" || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		if err == nil { // the test asked for the fallback: undo
			unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dest, unix.RENAME_EXCHANGE)
		}
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
		return os.Rename(src, dest)
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
