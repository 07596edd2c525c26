package snapshot

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// tmpPrefix starts the name of every temporary file xr-pack creates inside
// a pack. Such files are never part of the pack: readers skip them, and the
// next writer (or index --rebuild) removes the ones an interrupted writer
// left behind.
const tmpPrefix = ".xr-tmp-"

// AtomicFile is a file written under a temporary name in its final
// directory and made visible only by Commit: write, fsync, close, rename
// (or link, to refuse replacing), fsync the directory (STYLE.md item 10).
// It is the one crash-safe writer of xr: chunks, the index, manifests and
// archives all go through it.
type AtomicFile struct {
	*bufio.Writer
	f    *os.File
	path string
	perm os.FileMode
	done bool
}

// CreateAtomic starts an AtomicFile that will become path with mode perm
// less the umask. Until Commit the temporary file is 0600: what it holds
// is nobody else's business before it is in place.
func CreateAtomic(path string, perm os.FileMode) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, tmpPrefix+base+"-*") // mode 0600
	if err != nil {
		return nil, err
	}
	// held until the file is closed: cleanups spare a live one (removeTemps)
	if err := flock(f, true); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &AtomicFile{Writer: bufio.NewWriterSize(f, 64<<10), f: f, path: path, perm: perm}, nil
}

// RemoveOrphansOf removes the temporary files that interrupted
// AtomicFiles for path left (a kill -9 leaves one), sparing those a live
// process is writing. It returns how many it removed.
func RemoveOrphansOf(path string) (int, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tmpPrefix+base+"-") || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := RemoveOrphan(p); err != nil {
			return n, err
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			n++
		}
	}
	return n, nil
}

// Commit makes the file durable under its final name. With noReplace it
// fails with an error wrapping fs.ErrExist instead of replacing a file.
func (a *AtomicFile) Commit(noReplace bool) error {
	if a.done {
		return errors.New("atomic file committed twice")
	}
	a.done = true
	err := a.Flush()
	if err == nil {
		err = a.f.Chmod(a.perm &^ Umask())
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if noReplace {
			err = linkNoReplace(a.f.Name(), a.path)
		} else {
			err = os.Rename(a.f.Name(), a.path)
		}
	}
	if err != nil {
		os.Remove(a.f.Name())
		return err
	}
	return syncDir(filepath.Dir(a.path))
}

// Abort drops the temporary file; after Commit it does nothing.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
}

// linkNoReplace gives tmp the name path unless path exists (hard links
// never replace), then removes the name tmp. On file systems without hard
// links it falls back to a checked rename.
func linkNoReplace(tmp, path string) error {
	err := os.Link(tmp, path)
	switch {
	case err == nil:
		return os.Remove(tmp)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s: %w (refusing to replace it)", path, fs.ErrExist)
	}
	if _, serr := os.Lstat(path); serr == nil {
		return fmt.Errorf("%s: %w (refusing to replace it)", path, fs.ErrExist)
	}
	return os.Rename(tmp, path)
}

// writeAtomic writes data to path so that path holds either its old
// content or all of data, even after a crash: a temporary file in the same
// directory is written, fsynced, closed and renamed over path, then the
// directory is fsynced. With noReplace it refuses to replace an existing
// file (the error wraps fs.ErrExist).
func writeAtomic(path string, data []byte, perm os.FileMode, noReplace bool) error {
	a, err := CreateAtomic(path, perm)
	if err != nil {
		return err
	}
	if _, err := a.Write(data); err != nil {
		a.Abort()
		return err
	}
	return a.Commit(noReplace)
}

// SyncDir fsyncs a directory, so that a rename or a new entry in it
// survives a crash. File systems that cannot fsync directories are
// tolerated.
func SyncDir(dir string) error { return syncDir(dir) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}

// mkdirAllSync creates dir and its missing parents, fsyncing each parent
// that got a new entry, so a new chunk's folder survives a crash.
func mkdirAllSync(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAllSync(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}
