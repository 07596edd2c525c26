package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/xr-lake/xr/pkg/snapshot"
)

// An extract builds the pack in a staging folder DIR/.xr-extract-* and
// moves it into place only when it verified. Three properties hold even
// under kill -9:
//
//   - Decrypted data is written to unnamed files (Linux O_TMPFILE), which
//     the kernel frees when the process dies; the staging folder holds only
//     links to them (/proc/self/fd/N, meaningless to any other process) until
//     the pack verified. Only then are the files given names, moments before
//     the folder is renamed into place.
//   - The staging folder is flocked while its extract lives; the next
//     extract into DIR removes every staging folder whose lock it can take.
//   - With --force the old pack and the new one are swapped in one step
//     (renameat2 RENAME_EXCHANGE); where the file system cannot, the old pack
//     is moved aside into the staging folder first, and the next extract
//     moves it back if it finds the path empty.
const stagePrefix = ".xr-extract-"

// staging is one extract's staging folder.
type staging struct {
	dir      string   // DIR/.xr-extract-*
	lock     *os.File // flock held on dir
	unnamed  []unnamedFile
	fdBudget int // unnamed files still allowed (file descriptors)
	syncs    syncer
}

// unnamedFile is an extracted file not yet given its name.
type unnamedFile struct {
	f    *os.File
	path string // where it goes (now a link to /proc/self/fd/N)
}

// Files the staging folder holds beside the pack ("x"), for the next
// extract's recovery.
const (
	stageTree = "x"      // the new pack's tree
	stageOld  = "old"    // the old pack, moved aside (no RENAME_EXCHANGE)
	stageDest = "dest"   // the name of the pack being replaced
	stageLink = "naming" // present while unnamed files are given names
	fdReserve = 256      // descriptors kept free for everything else
	procFD    = "/proc/self/fd/"
)

func newStaging(outDir string) (*staging, error) {
	dir, err := os.MkdirTemp(outDir, stagePrefix+"*")
	if err != nil {
		return nil, err
	}
	lk, err := os.Open(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A failure is no error: where folders cannot be locked (NFS), another
	// extract's cleanStaging cannot lock this one either, so it takes it for
	// alive and leaves it alone.
	snapshot.TryLock(lk)
	return &staging{dir: dir, lock: lk, fdBudget: fdBudget(), syncs: syncer{sem: make(chan struct{}, maxSyncs)}}, nil
}

// root is the folder the archive's members are extracted into.
func (s *staging) root() string { return filepath.Join(s.dir, stageTree) }

// create makes the file for member name (a cleaned slash path).
func (s *staging) create(name string) (io.WriteCloser, error) {
	p := filepath.Join(s.root(), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	if s.fdBudget > 0 {
		f, err := openUnnamed(filepath.Dir(p))
		if err == nil {
			if err := os.Symlink(procFD+strconv.Itoa(int(f.Fd())), p); err != nil {
				f.Close()
				return nil, err
			}
			s.fdBudget--
			s.unnamed = append(s.unnamed, unnamedFile{f: f, path: p})
			return syncOnClose{f: f, s: &s.syncs, name: name}, nil
		}
		if !errors.Is(err, errNoUnnamed) {
			return nil, err
		}
		s.fdBudget = 0 // not supported here: named files from now on
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return syncOnClose{f: f, s: &s.syncs, name: name, named: true}, nil
}

// commit makes the verified pack durable in the staging folder: its
// unnamed files get their names, then every folder of the tree is fsynced
// (those holding only folders too), so that no entry of it is lost in a
// crash once it is moved into place.
func (s *staging) commit() error {
	if err := s.syncs.wait(); err != nil {
		return err
	}
	if err := s.name(); err != nil {
		return err
	}
	err := filepath.WalkDir(s.root(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			s.syncs.do(func() error { return syncDir(p) })
		}
		return err
	})
	return errors.Join(err, s.syncs.wait())
}

// name gives every unnamed file its name.
func (s *staging) name() error {
	if len(s.unnamed) == 0 {
		return nil
	}
	if err := os.WriteFile(filepath.Join(s.dir, stageLink), nil, 0o600); err != nil {
		return err
	}
	crash("naming")
	for _, u := range s.unnamed {
		if err := os.Remove(u.path); err != nil {
			return err
		}
		if err := linkUnnamed(u.f, u.path); err != nil {
			return fmt.Errorf("%s: %w", u.path, err)
		}
	}
	for _, u := range s.unnamed {
		u.f.Close()
	}
	s.unnamed = nil
	return nil
}

// close drops the staging folder and all it holds.
func (s *staging) close() {
	s.syncs.wait()
	for _, u := range s.unnamed {
		u.f.Close()
	}
	os.RemoveAll(s.dir)
	s.lock.Close()
}

// install moves the pack at src to dest. An existing dest (--force) is
// swapped with src in one step where the file system can; else it is moved
// aside into the staging folder first (the next extract moves it back if
// it finds dest empty).
func (s *staging) install(src, dest string) error {
	if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) {
		return renameNoReplace(src, dest)
	}
	crash("exchange")
	err := exchange(src, dest)
	if err == nil {
		crash("exchanged")
		return nil
	}
	if !errors.Is(err, errNoExchange) {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.dir, stageDest), []byte(filepath.Base(dest)), 0o600); err != nil {
		return err
	}
	if err := snapshot.SyncDir(s.dir); err != nil {
		return err
	}
	if err := os.Rename(dest, filepath.Join(s.dir, stageOld)); err != nil {
		return err
	}
	crash("between-renames")
	return os.Rename(src, dest)
}

// renameChecked is renameNoReplace where the rename itself cannot refuse
// to replace: dest is checked first.
func renameChecked(src, dest string) error {
	if _, err := os.Lstat(dest); !errors.Is(err, fs.ErrNotExist) {
		return &os.LinkError{Op: "rename", Old: src, New: dest, Err: ErrExists}
	}
	return os.Rename(src, dest)
}

// cleanStaging removes what interrupted extracts left in outDir: every
// staging folder whose lock can be taken (its extract died). An old pack
// moved aside by an extract --force that died before the new one was in
// place goes back to its path first. Notes go to notice.
func cleanStaging(outDir string, notice func(string)) error {
	ents, err := os.ReadDir(outDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	removed := 0
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagePrefix) {
			continue
		}
		dir := filepath.Join(outDir, e.Name())
		lk, err := os.Open(dir)
		if err != nil {
			continue
		}
		if err := snapshot.TryLock(lk); err != nil {
			lk.Close()
			continue // a live extract
		}
		if b, err := os.ReadFile(filepath.Join(dir, stageDest)); err == nil && checkDatasetName(string(b)) == nil {
			dest := filepath.Join(outDir, string(b))
			if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) {
				if err := os.Rename(filepath.Join(dir, stageOld), dest); err == nil {
					notice(fmt.Sprintf("restored %s, which an interrupted extract --force had moved aside", dest))
				}
			}
		}
		err = os.RemoveAll(dir)
		lk.Close()
		if err != nil {
			return fmt.Errorf("removing %s left by an interrupted extract: %w", dir, err)
		}
		removed++
	}
	if removed > 0 {
		notice(fmt.Sprintf("removed %d %s* folders left by interrupted extracts", removed, stagePrefix))
		return snapshot.SyncDir(outDir)
	}
	return nil
}

// syncDir fsyncs a folder, syncFile a file (variables, so that a test can
// see which, and fail them).
var (
	syncDir  = snapshot.SyncDir
	syncFile = (*os.File).Sync
)

// crash kills the process at the named step when XR_TEST_EXTRACT_CRASH
// names it: the kill tests of extract use it to stop between steps.
func crash(step string) {
	if os.Getenv("XR_TEST_EXTRACT_CRASH") == step {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			p.Kill() // SIGKILL on Unix
		}
		select {}
	}
}

// syncOnClose hands its file to the staging folder's syncer on Close: an
// unnamed file is fsynced and kept open (it is given its name later), a
// named one fsynced and closed.
type syncOnClose struct {
	f     *os.File
	s     *syncer
	name  string // the member's
	named bool
}

func (s syncOnClose) Write(p []byte) (int, error) { return s.f.Write(p) }

func (s syncOnClose) Close() error {
	s.s.do(func() error {
		err := syncFile(s.f)
		if s.named {
			err = errors.Join(err, s.f.Close())
		}
		if err != nil {
			err = fmt.Errorf("member %q: %w", s.name, err)
		}
		return err
	})
	return nil
}

// syncer runs fsyncs in the background, up to maxSyncs at a time: a
// file's as soon as it is complete, while the extract goes on (an fsync
// mostly waits for the disk, which need not hold up decrypting,
// decompressing and hashing the next member), and the folders' at commit
// (concurrent fsyncs share the file system's journal commits). wait
// returns the first error once every one is done; commit calls it before
// anything gets a name.
type syncer struct {
	wg  sync.WaitGroup
	sem chan struct{}
	mu  sync.Mutex
	err error
}

const maxSyncs = 4

func (s *syncer) do(fn func() error) {
	s.sem <- struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := fn()
		<-s.sem
		if err != nil {
			s.mu.Lock()
			if s.err == nil {
				s.err = err
			}
			s.mu.Unlock()
		}
	}()
}

func (s *syncer) wait() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

var (
	errNoUnnamed  = errors.New("unnamed files are not supported here")
	errNoExchange = errors.New("atomic exchange is not supported here")
)
