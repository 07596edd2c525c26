// Package archive turns a snapshot pack into a single cold-storage file and
// back: a zip (Deflate, readable by any unzip) or a tar.zst, optionally
// encrypted as an age file (filippo.io/age: to a passphrase, or to public
// keys so that the machine making backups holds no secret that opens
// them). Archives are deterministic: the same pack gives the same bytes
// (before encryption, whose keys are random). Reading detects the format
// by content, also reads xr-enc v1 (earlier xr builds) and the reference
// tool's zip and its single-message encrypted .zip.enc, and is safe against
// hostile archives (path escapes, links and devices, bombs, hash
// mismatches, damaged ciphertext). Memory stays flat at any size.
package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
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
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"

	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// Formats.
const (
	FormatZip    = "zip"
	FormatTarZst = "tar.zst"
)

// MetaName is the metadata member at the root of every archive (the
// reference tool uses the same name).
const MetaName = "_pack_meta.json"

// metaFormat marks our metadata; the reference's has no "format" member.
const metaFormat = "xr-archive"

// zipEpoch is the member time when the pack gives none.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Meta is the metadata member: enough to check an archive without trusting
// its other members.
type Meta struct {
	Format        string       `json:"format,omitempty"`
	FormatVersion int          `json:"format_version,omitempty"`
	DatasetName   string       `json:"dataset_name"`
	PackedAt      string       `json:"packed_at"`
	Tool          string       `json:"tool,omitempty"`
	ToolVersion   string       `json:"tool_version,omitempty"`
	Encrypted     bool         `json:"encrypted"`
	RecordCount   int64        `json:"record_count"`
	Members       []MetaMember `json:"members,omitempty"`
}

// MetaMember is one member's path in the archive, size and SHA-256.
type MetaMember struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// CreateOptions configures Create.
type CreateOptions struct {
	Format string // FormatZip (default) or FormatTarZst
	// Recipients, when any, encrypt the archive as an age file to them
	// (PassphraseRecipient for a passphrase).
	Recipients []age.Recipient
	// RefPassphrase, when set, encrypts the archive in the reference tool's
	// .zip.enc format instead (zip only), for handing it to that tool.
	RefPassphrase []byte
	Name          string    // dataset folder name; "" = the manifest's dataset_name
	Created       time.Time // packed_at and member times; zero = the manifest's updated_at/created_at
	Log           *slog.Logger
	Diag          xr.Diag // CreateFile: a Warn line when it removes what an interrupted run left
}

// newStats returns the counters every subcommand of this package reports.
func newStats() *xr.Stats { return xr.NewStats("files", "bytes", "records") }

// Create writes the archive of the pack in dir to out.
func Create(ctx context.Context, dir string, out io.Writer, o CreateOptions) (*xr.Stats, error) {
	st := newStats()
	if o.Format == "" {
		o.Format = FormatZip
	}
	if o.Format != FormatZip && o.Format != FormatTarZst {
		return st, xr.Usagef("--format %q: want zip or tar.zst", o.Format)
	}
	if o.RefPassphrase != nil && (o.Format != FormatZip || len(o.Recipients) > 0) {
		return st, xr.Usagef("the reference tool's encrypted format holds a zip, encrypted with a passphrase only")
	}
	m, err := manifest.Load(filepath.Join(dir, snapshot.ManifestFile))
	if err != nil {
		return st, fmt.Errorf("%s: not a pack: %w", dir, err)
	}
	name := o.Name
	if name == "" {
		name = m.DatasetName
	}
	if name == "" {
		abs, _ := filepath.Abs(dir)
		name = filepath.Base(abs)
	}
	if err := checkDatasetName(name); err != nil {
		return st, err
	}
	created := o.Created
	for _, s := range []string{m.UpdatedAt, m.CreatedAt} {
		if !created.IsZero() || s == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			created = t
		}
	}
	if created.IsZero() || created.Before(zipEpoch) {
		created = zipEpoch
	}
	created = created.UTC().Truncate(time.Second)

	unlock, err := snapshot.LockShared(dir)
	if err != nil {
		return st, err
	}
	defer unlock()
	files, err := listPack(dir)
	if err != nil {
		return st, err
	}
	xr.MeterFiles(ctx, dir, files)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	encrypted := len(o.Recipients) > 0 || o.RefPassphrase != nil
	o.Log.Debug("archiving", "dir", dir, "dataset", name, "files", len(files), "format", o.Format, "recipients", len(o.Recipients), "reference_format", o.RefPassphrase != nil)

	bw := bufio.NewWriterSize(out, 64<<10)
	var sink io.Writer = bw
	var enc io.WriteCloser
	switch {
	case o.RefPassphrase != nil:
		enc, err = NewRefWriter(bw, o.RefPassphrase)
	case encrypted:
		enc, err = newAgeWriter(bw, o.Recipients)
	}
	if err != nil {
		return st, err
	}
	if enc != nil {
		sink = enc
	}
	mw, err := newMemberWriter(o.Format, sink, created)
	if err != nil {
		return st, err
	}
	meta := Meta{Format: metaFormat, FormatVersion: 1, DatasetName: name, PackedAt: created.Format(time.RFC3339),
		Tool: "xr-pack", ToolVersion: xr.Version, Encrypted: encrypted}
	buf := make([]byte, 256<<10)
	for _, rel := range files {
		mm, lines, err := addFile(ctx, mw, filepath.Join(dir, filepath.FromSlash(rel)), name+"/"+rel, buf)
		if err != nil {
			return st, err
		}
		meta.Members = append(meta.Members, mm)
		if snapshot.IsChunk(rel) {
			meta.RecordCount += lines
		}
		st.Inc("files")
		st.Add("bytes", mm.Size)
	}
	st.Add("records", meta.RecordCount)
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return st, err
	}
	mb = append(mb, '\n')
	w, err := mw.create(MetaName, int64(len(mb)))
	if err != nil {
		return st, err
	}
	if _, err := w.Write(mb); err != nil {
		return st, err
	}
	if err := mw.close(); err != nil {
		return st, err
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return st, err
		}
	}
	return st, bw.Flush()
}

// CreateFile writes the archive of the pack in dir to the file path: to a
// temporary file in path's folder (created if missing, as the reference
// tool does), mode 0600 while it fills, made durable under path only when
// complete. Without force an existing path is refused
// up front (no work wasted) and again at the rename, where no other writer
// can slip in. First it removes the temporary files that interrupted runs
// to the same path left (kill -9), sparing a live one's.
func CreateFile(ctx context.Context, dir, path string, force bool, o CreateOptions) (*xr.Stats, error) {
	exists := func() error { return fmt.Errorf("%s exists (use --force to replace it)", path) }
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return newStats(), err
	}
	if n, err := snapshot.RemoveOrphansOf(path); err != nil {
		return newStats(), err
	} else if n > 0 {
		o.Diag.Warn(fmt.Sprintf("removed %d temporary files of interrupted archives to %s", n, path))
	}
	if _, err := os.Lstat(path); err == nil && !force {
		return newStats(), exists()
	}
	a, err := snapshot.CreateAtomic(path, 0o644)
	if err != nil {
		return newStats(), err
	}
	st, err := Create(ctx, dir, a, o)
	if err != nil {
		a.Abort()
		return st, err
	}
	if err := a.Commit(!force); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return st, exists()
		}
		return st, err
	}
	return st, nil
}

// listPack returns the pack's regular files as sorted slash paths. Names
// starting with "." (lock and temporary files) are left out; links and
// other non-regular files are refused.
func listPack(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file (%s); a pack holds only files", p, d.Type())
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(files)
	return files, err
}

// addFile copies one file into the archive, hashing it and counting lines.
func addFile(ctx context.Context, mw memberWriter, src, name string, buf []byte) (MetaMember, int64, error) {
	mm := MetaMember{Path: name}
	f, err := os.Open(src)
	if err != nil {
		return mm, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return mm, 0, err
	}
	w, err := mw.create(name, fi.Size())
	if err != nil {
		return mm, 0, err
	}
	h := sha256.New()
	lc := &lineCounter{}
	n, err := io.CopyBuffer(io.MultiWriter(w, h, lc), ctxReader{ctx, meterFile(ctx, io.LimitReader(f, fi.Size()), name)}, buf)
	if err != nil {
		return mm, 0, fmt.Errorf("%s: %w", src, err)
	}
	if n != fi.Size() {
		return mm, 0, fmt.Errorf("%s: changed size while being archived", src)
	}
	mm.Size, mm.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return mm, lc.lines(), nil
}

// ctxReader stops a copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// lineCounter counts lines (a last line without newline counts too).
type lineCounter struct {
	n    int64
	last byte
	any  bool
}

func (c *lineCounter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.n += int64(bytes.Count(p, []byte{'\n'}))
		c.last, c.any = p[len(p)-1], true
	}
	return len(p), nil
}

func (c *lineCounter) lines() int64 {
	if c.any && c.last != '\n' {
		return c.n + 1
	}
	return c.n
}

// memberWriter is the part of zip.Writer and tar.Writer that Create uses.
type memberWriter interface {
	create(name string, size int64) (io.Writer, error)
	close() error
}

func newMemberWriter(format string, w io.Writer, mtime time.Time) (memberWriter, error) {
	if format == FormatZip {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.DefaultCompression)
		})
		return &zipWriter{zw: zw, mtime: mtime}, nil
	}
	// zstd's default level (about zstd -3), in frames compressed in
	// parallel (zstdframes.go)
	zw, err := newFrameWriter(w)
	if err != nil {
		return nil, err
	}
	return &tarWriter{zw: zw, tw: tar.NewWriter(zw), mtime: mtime}, nil
}

type zipWriter struct {
	zw    *zip.Writer
	mtime time.Time
}

func (z *zipWriter) create(name string, _ int64) (io.Writer, error) {
	fh := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.mtime}
	fh.SetMode(0o644)
	return z.zw.CreateHeader(fh)
}

func (z *zipWriter) close() error { return z.zw.Close() }

type tarWriter struct {
	zw    *frameWriter
	tw    *tar.Writer
	mtime time.Time
}

func (t *tarWriter) create(name string, size int64) (io.Writer, error) {
	err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644,
		ModTime: t.mtime, Format: tar.FormatPAX})
	return t.tw, err
}

func (t *tarWriter) close() error {
	return errors.Join(t.tw.Close(), t.zw.Close())
}

// checkDatasetName refuses a dataset name that is not one plain path element.
func checkDatasetName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\:\x00") || !fs.ValidPath(name) {
		return fmt.Errorf("dataset name %q is not a plain folder name", name)
	}
	return nil
}

// cleanMember checks an archive member name: relative, slash-separated,
// no "." or ".." elements, no backslashes, colons or NULs. It returns the
// name without a trailing slash.
func cleanMember(name string) (string, error) {
	n := strings.TrimSuffix(name, "/")
	if n == "" || strings.HasPrefix(n, "/") || strings.ContainsAny(n, "\\:\x00") || !fs.ValidPath(n) || path.Clean(n) != n {
		return "", fmt.Errorf("member %q: unsafe path (absolute, '..', or odd characters)", name)
	}
	return n, nil
}
