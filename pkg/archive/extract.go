package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// ExtractOptions configures Extract.
type ExtractOptions struct {
	ReadOptions
	// Name is the folder created under the output directory; "" means the
	// archive's dataset name.
	Name string
	// Force replaces an existing folder of that name.
	Force bool
	// Verify runs VerifyPack on the extracted pack before it is moved into
	// place (xr-pack extract --verify). Without it, an archive whose
	// metadata lists every member's SHA-256 (ours) is trusted once every
	// member matched and the counts agree: those hashes, authenticated by
	// the encryption where there is one, prove the restored bytes are the
	// archived bytes. Archives without member hashes (the reference
	// tool's) are always verified.
	Verify bool
	// VerifyPack checks the extracted pack; nil means snapshot.Verify
	// (xr-pack verify).
	VerifyPack func(ctx context.Context, dir string) error
	Log        *slog.Logger
	// Diag gets a Warn line (Log a warning) when Extract cleans up after
	// an interrupted extract.
	Diag xr.Diag
}

// ErrExists: the destination pack exists and Force was not set.
var ErrExists = errors.New("destination exists (use --force to replace it)")

// walker holds what reading an archive's members learns.
type walker struct {
	ctx      context.Context
	o        ReadOptions
	src      *source
	st       *xr.Stats
	total    int64
	seen     map[string]MetaMember // stored name → size, sha256
	meta     []byte
	manifest []byte // root manifest.json, for archives without metadata
	indexN   int64
	buf      []byte
	check    bool // verify record lines while reading (Check)
	verifies bool // the pack is verified after extracting (the meter's total)
}

func newWalker(ctx context.Context, src *source, o ReadOptions, check bool) *walker {
	return &walker{ctx: ctx, o: o, src: src, st: newStats(), seen: map[string]MetaMember{}, buf: make([]byte, 256<<10), check: check}
}

// member checks one entry and copies its bytes to dst (nil: discard).
// create is called with the cleaned name to get dst for regular files.
func (w *walker) member(m *member, create func(name string) (io.WriteCloser, error)) error {
	name, err := cleanMember(m.name)
	if err != nil {
		return err
	}
	switch {
	case m.mode.IsDir():
		return nil
	case m.mode&fs.ModeSymlink != 0:
		return fmt.Errorf("member %q: links are not allowed in a pack archive", m.name)
	case !m.mode.IsRegular():
		return fmt.Errorf("member %q: not a regular file (%s)", m.name, m.mode)
	}
	if _, dup := w.seen[name]; dup {
		return fmt.Errorf("member %q: appears twice", m.name)
	}
	if name == MetaName {
		b, err := io.ReadAll(io.LimitReader(m.r, maxMetaSize+1))
		if err != nil {
			return fmt.Errorf("member %q: %w", m.name, err)
		}
		if len(b) > maxMetaSize {
			return fmt.Errorf("member %q: larger than %d bytes", m.name, maxMetaSize)
		}
		w.meta = b
		w.seen[name] = MetaMember{Path: name}
		meterMeta(w.ctx, b, w.verifies)
		return nil
	}
	var dst io.WriteCloser
	if create != nil {
		if dst, err = create(name); err != nil {
			return err
		}
	}
	h := sha256.New()
	lim := &limitWriter{w: w}
	outs := []io.Writer{h, lim}
	if dst != nil {
		outs = append(outs, dst)
	}
	var lc lineCounter
	rel := name
	if i := strings.IndexByte(name, '/'); i >= 0 && !strings.HasPrefix(name, snapshot.RecordsDir+"/") {
		rel = name[i+1:] // ours: <dataset>/records/...; the reference's: records/... at the root
	}
	isManifest := name == snapshot.ManifestFile
	var mbuf limitedBuffer
	if isManifest {
		outs = append(outs, &mbuf)
	}
	if snapshot.IsChunk(rel) || rel == snapshot.IndexFile {
		outs = append(outs, &lc)
	}
	mw := io.MultiWriter(outs...)
	var n int64
	if w.check && snapshot.IsChunk(rel) {
		cr := &xr.CountingReader{R: io.TeeReader(ctxReader{w.ctx, m.r}, mw)}
		err = snapshot.CheckRecords(w.ctx, cr, w.o.MaxLine)
		n = cr.N
	} else {
		n, err = io.CopyBuffer(mw, ctxReader{w.ctx, m.r}, w.buf)
	}
	if err == nil && dst != nil {
		err = dst.Close()
	} else if dst != nil {
		dst.Close()
	}
	if err != nil {
		return fmt.Errorf("member %q: %w", m.name, err)
	}
	if isManifest {
		w.manifest = mbuf.b
	}
	w.seen[name] = MetaMember{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	w.st.Inc("files")
	w.st.Add("bytes", n)
	if snapshot.IsChunk(rel) {
		w.st.Add("records", lc.lines())
		xr.MeterOf(w.ctx).Add(0, lc.lines())
	} else if rel == snapshot.IndexFile {
		w.indexN += lc.lines()
	}
	return nil
}

// limitWriter enforces the size and ratio caps on everything extracted.
type limitWriter struct{ w *walker }

func (l *limitWriter) Write(p []byte) (int, error) {
	w := l.w
	w.total += int64(len(p))
	xr.MeterOf(w.ctx).Add(int64(len(p)), 0)
	if max := w.o.maxSize(); w.total > max {
		return 0, fmt.Errorf("archive expands beyond the size cap of %d bytes (decompression bomb?)", max)
	}
	if w.total > w.o.ratioFloor() {
		if c := w.src.consumed(); c > 0 && w.total/c > w.o.maxRatio() {
			return 0, fmt.Errorf("archive expands more than %d times its size (decompression bomb?)", w.o.maxRatio())
		}
	}
	return len(p), nil
}

// limitedBuffer keeps up to 16 MiB (a manifest); beyond that it drops.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(l.b)+len(p) <= 16<<20 {
		l.b = append(l.b, p...)
	}
	return len(p), nil
}

// layout is what the metadata says about the archive, checked against the
// members seen.
type layout struct {
	name   string // dataset name
	prefix string // "<name>/" for our archives, "" for the reference's
	meta   *Meta
	hashed bool // every member matched a SHA-256 of the metadata (ours)
}

// resolve checks the members against the metadata and returns the layout.
func (w *walker) resolve() (*layout, error) {
	var meta Meta
	if w.meta != nil {
		if err := json.Unmarshal(w.meta, &meta); err != nil {
			return nil, fmt.Errorf("%s: %w", MetaName, err)
		}
	}
	if meta.Format == metaFormat {
		return w.resolveOurs(&meta)
	}
	if meta.Format != "" {
		return nil, fmt.Errorf("%s: unknown format %q", MetaName, meta.Format)
	}
	// The reference's layout: pack members at the root, no hashes.
	name := meta.DatasetName
	if name == "" && w.manifest != nil {
		var m struct {
			DatasetName string `json:"dataset_name"`
		}
		if json.Unmarshal(w.manifest, &m) == nil {
			name = m.DatasetName
		}
	}
	if _, ok := w.seen[snapshot.ManifestFile]; !ok {
		return nil, errors.New("archive holds no pack: no manifest.json at its root and no xr metadata")
	}
	if err := checkDatasetName(name); err != nil {
		return nil, fmt.Errorf("archive metadata: %w", err)
	}
	return &layout{name: name, meta: &meta}, w.checkIndexCount()
}

func (w *walker) resolveOurs(meta *Meta) (*layout, error) {
	if meta.FormatVersion != 1 {
		return nil, fmt.Errorf("%s: unsupported format_version %d", MetaName, meta.FormatVersion)
	}
	if err := checkDatasetName(meta.DatasetName); err != nil {
		return nil, fmt.Errorf("%s: %w", MetaName, err)
	}
	l := &layout{name: meta.DatasetName, prefix: meta.DatasetName + "/", meta: meta, hashed: true}
	var bad []string
	listed := map[string]bool{MetaName: true}
	for _, mm := range meta.Members {
		listed[mm.Path] = true
		got, ok := w.seen[mm.Path]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("member %q is missing", mm.Path))
		case got.Size != mm.Size || got.SHA256 != mm.SHA256:
			bad = append(bad, fmt.Sprintf("member %q: sha256 %s (%d bytes) does not match the metadata's %s (%d bytes)", mm.Path, got.SHA256, got.Size, mm.SHA256, mm.Size))
		}
	}
	for name := range w.seen {
		if !listed[name] {
			bad = append(bad, fmt.Sprintf("member %q is not listed in the metadata", name))
		} else if name != MetaName && !strings.HasPrefix(name, l.prefix) {
			bad = append(bad, fmt.Sprintf("member %q is outside the dataset folder %q", name, meta.DatasetName))
		}
	}
	if n := w.st.Get("records"); n != meta.RecordCount {
		bad = append(bad, fmt.Sprintf("%d records, the metadata says %d", n, meta.RecordCount))
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("%s (%w)", strings.Join(bad, "; "), xr.ErrMismatch)
	}
	return l, w.checkIndexCount()
}

// checkIndexCount: a pack's index has one line per record.
func (w *walker) checkIndexCount() error {
	if n := w.st.Get("records"); w.indexN != n {
		return fmt.Errorf("index.jsonl has %d lines for %d records (%w)", w.indexN, n, xr.ErrMismatch)
	}
	return nil
}

// Check reads the archive at path end to end without writing to disk: it
// opens the encryption, checks every member's path, type and SHA-256
// against the metadata, every record line's content hash, and the record
// and index counts. Mismatches wrap xr.ErrMismatch.
func Check(ctx context.Context, path string, o ReadOptions) (*xr.Stats, error) {
	src, err := open(path, o)
	if err != nil {
		return newStats(), err
	}
	defer src.close()
	w := newWalker(ctx, src, o, true)
	err = src.walk(func(m *member) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return w.member(m, nil)
	})
	if err != nil {
		return w.st, err
	}
	_, err = w.resolve()
	return w.st, err
}

// Extract unpacks the archive at path into outDir/<dataset name> (or
// outDir/<o.Name>). It extracts into a staging folder inside outDir (see
// stage.go: decrypted data stays in unnamed files until the pack
// checked), checks members against the metadata, the pack with
// o.VerifyPack where o.Verify asks for it or the archive has no member
// hashes, and only then moves the pack into place (with Force, swapping it
// with the old one in one step); on any error nothing is left. First it
// removes what interrupted extracts left in outDir.
func Extract(ctx context.Context, path, outDir string, o ExtractOptions) (dest string, st *xr.Stats, err error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Name != "" {
		if err := checkDatasetName(o.Name); err != nil {
			return "", newStats(), xr.Usagef("--name: %v", err)
		}
	}
	if err := cleanStaging(outDir, func(msg string) { o.Log.Warn(msg); o.Diag.Warn(msg) }); err != nil {
		return "", newStats(), err
	}
	if o.Name != "" {
		if err := checkDest(filepath.Join(outDir, o.Name), o.Force); err != nil {
			return "", newStats(), err
		}
	}
	if _, err := os.Stat(outDir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return "", newStats(), err
		}
		defer func() {
			if err != nil {
				os.Remove(outDir) // created here: leave nothing behind (empty only)
			}
		}()
	}
	src, err := open(path, o.ReadOptions)
	if err != nil {
		return "", newStats(), err
	}
	defer src.close()
	o.Log.Debug("archive opened", "kind", src.kind)
	stage, err := newStaging(outDir)
	if err != nil {
		return "", newStats(), err
	}
	defer stage.close()
	root := stage.root()
	w := newWalker(ctx, src, o.ReadOptions, false)
	w.verifies = o.Verify
	metaChecked := false
	create := func(name string) (io.WriteCloser, error) {
		if !metaChecked && w.meta != nil && o.Name == "" {
			// zip: the metadata came first, so refuse before writing
			metaChecked = true
			var m Meta
			if json.Unmarshal(w.meta, &m) == nil && checkDatasetName(m.DatasetName) == nil {
				if err := checkDest(filepath.Join(outDir, m.DatasetName), o.Force); err != nil {
					return nil, err
				}
			}
		}
		return stage.create(name)
	}
	err = src.walk(func(m *member) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return w.member(m, create)
	})
	st = w.st
	if err != nil {
		return "", st, err
	}
	l, err := w.resolve()
	if err != nil {
		return "", st, err
	}
	packDir := root
	if l.prefix != "" {
		packDir = filepath.Join(root, l.name)
	}
	// archives hold files only: give an empty pack its records/ folder back
	if err := os.MkdirAll(filepath.Join(packDir, snapshot.RecordsDir), 0o755); err != nil {
		return "", st, err
	}
	name := l.name
	if o.Name != "" {
		name = o.Name
	}
	dest = filepath.Join(outDir, name)
	if err := checkDest(dest, o.Force); err != nil {
		return "", st, err
	}
	if err := checkExtracted(ctx, packDir, l.hashed && !o.Verify, o.VerifyPack); err != nil {
		return "", st, fmt.Errorf("extracted pack does not verify: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", st, err
	}
	if err := stage.commit(); err != nil {
		return "", st, err
	}
	if err := stage.install(packDir, dest); err != nil {
		return "", st, err
	}
	if err := snapshot.SyncDir(outDir); err != nil {
		return "", st, err
	}
	o.Log.Debug("extracted", "dest", dest)
	return dest, st, nil
}

// checkExtracted checks the pack extracted into dir: trusted (the member
// hashes proved its bytes the archived ones, and no --verify), only that
// its manifest parses; otherwise with verify (nil: verifyPack).
func checkExtracted(ctx context.Context, dir string, trusted bool, verify func(context.Context, string) error) error {
	if trusted {
		b, err := os.ReadFile(filepath.Join(dir, snapshot.ManifestFile))
		if err == nil {
			_, err = manifest.Parse(b)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // not the staging folder's path
		}
		if err != nil {
			return fmt.Errorf("%s: %v (%w)", snapshot.ManifestFile, err, xr.ErrMismatch)
		}
		return nil
	}
	if verify == nil {
		verify = verifyPack
	}
	return verify(xr.KeepTotal(ctx), dir)
}

// verifyPack runs xr-pack verify on the extracted pack and removes the
// lock file verifying creates where the folder itself cannot be locked
// (NFS; archives never hold one).
func verifyPack(ctx context.Context, dir string) error {
	_, err := snapshot.Verify(ctx, dir, snapshot.VerifyOptions{})
	if rerr := os.Remove(filepath.Join(dir, snapshot.LockFile)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

func checkDest(dest string, force bool) error {
	fi, err := os.Lstat(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !force {
		return fmt.Errorf("%s: %w", dest, ErrExists)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: exists and is not a folder", dest)
	}
	return nil
}
