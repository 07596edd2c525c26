package snapshot

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// File names inside a pack.
const (
	ManifestFile = "manifest.json"
	IndexFile    = "index.jsonl"
	RecordsDir   = "records"
)

// Chunk is one chunk file of a pack.
type Chunk struct {
	// Rel is the path relative to the pack, with '/' separators, as the
	// index's "f" holds it: records/YYYY/YYYY-MM-DD/chunk-NNNN.ndjson.
	Rel string
	// Num is the chunk number (NNNN), 0 for an .ndjson file not named
	// chunk-N.ndjson.
	Num int
}

// IsChunk reports whether rel, a slash path relative to a pack, names a
// chunk file: an .ndjson file under records/.
func IsChunk(rel string) bool {
	return strings.HasPrefix(rel, RecordsDir+"/") && strings.HasSuffix(rel, ".ndjson")
}

// chunkNum parses "chunk-0012.ndjson" as 12.
func chunkNum(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "chunk-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".ndjson")
	if !ok || s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// chunkName formats chunk number n as the reference does (at least four
// digits).
func chunkName(n int) string { return fmt.Sprintf("chunk-%04d.ndjson", n) }

// chunkRel is the relative path of chunk n for the UTC date day
// ("YYYY-MM-DD").
func chunkRel(day string, n int) string {
	return path.Join(RecordsDir, day[:4], day, chunkName(n))
}

// listing is what a walk of records/ found.
type listing struct {
	chunks []Chunk  // in pack order
	temps  []string // leftovers of interrupted writers (relative paths)
	maxNum int      // highest chunk number
}

// listChunks walks DIR/records and returns the chunk files in pack order:
// by folder, then by chunk number (numerically, so chunk-10000 follows
// chunk-9999), then by name. Hidden files are skipped; xr-pack's own
// temporary files are reported in temps. A missing records/ is an empty
// pack.
func listChunks(dir string) (*listing, error) {
	l := &listing{}
	root := filepath.Join(dir, RecordsDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		name := d.Name()
		rel, rerr := filepath.Rel(dir, p)
		if rerr != nil {
			return rerr
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(name, tmpPrefix) {
			l.temps = append(l.temps, rel)
			return nil
		}
		if d.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".ndjson") {
			return nil
		}
		n, _ := chunkNum(name)
		l.maxNum = max(l.maxNum, n)
		l.chunks = append(l.chunks, Chunk{Rel: rel, Num: n})
		return nil
	})
	if err != nil {
		return nil, err
	}
	// temporary index files of an interrupted rebuild sit at the root
	if ents, err := os.ReadDir(dir); err == nil {
		for _, d := range ents {
			if strings.HasPrefix(d.Name(), tmpPrefix) {
				l.temps = append(l.temps, d.Name())
			}
		}
	}
	slices.SortFunc(l.chunks, func(a, b Chunk) int {
		if c := cmp.Compare(path.Dir(a.Rel), path.Dir(b.Rel)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Num, b.Num); c != 0 {
			return c
		}
		return cmp.Compare(a.Rel, b.Rel)
	})
	return l, nil
}

// Chunks returns the chunk files of the pack in DIR in pack order (the
// order cat streams them in).
func Chunks(dir string) ([]Chunk, error) {
	l, err := listChunks(dir)
	if err != nil {
		return nil, err
	}
	return l.chunks, nil
}

// lockRewrite starts every command that changes the pack in dir: it takes
// the pack's exclusive lock, lists the chunks and removes the temporary
// files interrupted writers left (l.temps names them). The caller unlocks.
func lockRewrite(dir string) (*packLock, *listing, error) {
	lk, err := lockPack(dir, true)
	if err != nil {
		return nil, nil, err
	}
	l, err := listChunks(dir)
	if err == nil {
		err = removeTemps(dir, l.temps)
	}
	if err != nil {
		lk.unlock()
		return nil, nil, err
	}
	return lk, l, nil
}

// removeTemps deletes the temporary files an interrupted writer left; the
// caller holds the exclusive lock.
func removeTemps(dir string, temps []string) error {
	for _, t := range temps {
		if err := RemoveOrphan(filepath.Join(dir, filepath.FromSlash(t))); err != nil {
			return err
		}
	}
	return nil
}

// RemoveOrphan removes the temporary file at path unless a live process
// holds it (AtomicFile keeps a flock on its file until it is closed): a
// file whose lock can be taken was left by a process that died. It reports
// nil when it was removed, was gone or is alive.
func RemoveOrphan(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if err := flock(f, true); errors.Is(err, errWouldBlock) {
		return nil // alive: not ours to remove
	} else if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// checkPack makes sure dir is a pack: a directory with a manifest.json.
func checkPack(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: not a pack: %w", dir, unwrapPathErr(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a pack (not a directory)", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		return fmt.Errorf("%s: not a pack: no %s (create one with `xr-pack init`)", dir, ManifestFile)
	}
	return nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CheckPack returns an error naming dir unless it is a pack folder (a
// directory holding manifest.json).
func CheckPack(dir string) error { return checkPack(dir) }
