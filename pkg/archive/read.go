package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

	"filippo.io/age"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"

	"github.com/xr-lake/xr/pkg/xr"
)

// Limits against hostile archives.
const (
	// DefaultMaxSize caps the total bytes an archive may expand to (1 TiB).
	DefaultMaxSize = 1 << 40
	// DefaultMaxRatio caps expanded bytes per archive byte, checked once
	// more than RatioFloor bytes came out.
	DefaultMaxRatio = 200
	// RatioFloor: archives expanding to less than this are never refused
	// for their ratio (small, very regular packs compress very well).
	RatioFloor  = 64 << 20
	maxMetaSize = 64 << 20
)

var (
	magicZip      = []byte("PK\x03\x04")
	magicZipEmpty = []byte("PK\x05\x06")
	magicZstd     = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// ReadOptions configures reading an archive (Extract and Check).
type ReadOptions struct {
	// Key returns the passphrase; called only when the archive is
	// encrypted with one.
	Key func() ([]byte, error)
	// Identities returns the private keys (--identity); called only for an
	// age archive encrypted to public keys.
	Identities func() ([]age.Identity, error)
	// TempDir holds the decrypted copy of a reference-format .zip.enc
	// while its tag is checked ("": os.TempDir()); the file is unnamed or
	// unlinked, mode 0600.
	TempDir string
	// MaxSize and MaxRatio: 0 means DefaultMaxSize / DefaultMaxRatio.
	MaxSize    int64
	MaxRatio   int64
	RatioFloor int64 // 0 means RatioFloor
	// MaxLine is the longest record line Check accepts (0: envelope.DefaultMaxLine).
	MaxLine int
	// KDF bounds the key derivation an encrypted header may ask for; zero
	// fields mean DefaultKDFLimits.
	KDF KDFLimits
}

// member is one archive entry as the walkers hand it out.
type member struct {
	name string      // as stored
	mode fs.FileMode // type bits only
	r    io.Reader
}

// source is an opened archive.
type source struct {
	kind     string
	walk     func(fn func(*member) error) error
	consumed func() int64 // compressed bytes read so far (for the ratio cap)
	cleanups []func()
}

func (s *source) close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
}

// open detects the archive's format by its content and returns a walker.
func open(path string, o ReadOptions) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	src := &source{cleanups: []func(){func() { f.Close() }}}
	fi, err := f.Stat()
	if err != nil {
		src.close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		src.close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	cr := &xr.CountingReader{R: f}
	br := bufio.NewReaderSize(cr, 64<<10)
	head, _ := br.Peek(8)
	switch {
	case bytes.HasPrefix(head, magicZip), bytes.HasPrefix(head, magicZipEmpty):
		err = src.openZip(f, fi.Size(), "zip")
	case bytes.HasPrefix(head, magicZstd):
		src.openTarZst(br, func() int64 { return cr.N - int64(br.Buffered()) }, "tar.zst")
	case bytes.HasPrefix(head, []byte(ageMagic[:8])):
		err = src.openAge(br, cr, o)
	case bytes.HasPrefix(head, []byte(encMagic)):
		err = src.openEncrypted(br, cr, o)
	default:
		err = src.openRef(br, fi.Size(), o)
	}
	if err != nil {
		src.close()
		return nil, err
	}
	return src, nil
}

func getKey(o ReadOptions) ([]byte, error) {
	if o.Key == nil {
		return nil, ErrNeedKey
	}
	k, err := o.Key()
	if err == nil && len(k) == 0 {
		err = ErrNeedKey
	}
	return k, err
}

// openEncrypted opens xr's encrypted format; what it holds is streamed.
func (s *source) openEncrypted(br *bufio.Reader, cr *xr.CountingReader, o ReadOptions) error {
	d, err := NewDecrypter(br, o.KDF) // limits first: no prompt for an archive refused anyway
	if err != nil {
		return err
	}
	pass, err := getKey(o)
	if err != nil {
		return fmt.Errorf("archive is encrypted: %w", err)
	}
	dr, err := d.Open(pass)
	if err != nil {
		return err
	}
	return s.openDecrypted(dr, cr, "xr-encrypted")
}

// openAge opens an age archive; what it holds is streamed.
func (s *source) openAge(br *bufio.Reader, cr *xr.CountingReader, o ReadOptions) error {
	dr, err := openAgeStream(br, o)
	if err != nil {
		return err
	}
	return s.openDecrypted(dr, cr, "age")
}

// openDecrypted walks the zip or tar.zst that an encryption layer
// releases, front to back.
// Decryption runs ahead on a goroutine of its own (readAhead), overlapped
// with decompressing; cr is then read on that goroutine only.
func (s *source) openDecrypted(dr io.Reader, cr *xr.CountingReader, enc string) error {
	ra := newReadAhead(dr, func() int64 { return cr.N })
	s.cleanups = append(s.cleanups, ra.Close)
	pr := bufio.NewReaderSize(ra, 64<<10)
	head, err := pr.Peek(4)
	if err != nil && len(head) == 0 {
		if errors.Is(err, io.EOF) {
			return errors.New("encrypted archive holds nothing")
		}
		return err
	}
	switch {
	case bytes.HasPrefix(head, magicZstd):
		s.openTarZst(pr, ra.usedSource, enc+" tar.zst")
		return nil
	case bytes.HasPrefix(head, magicZip), bytes.HasPrefix(head, magicZipEmpty):
		s.openZipStream(pr, ra.usedSource, enc+" zip")
		return nil
	}
	return errors.New("encrypted archive holds neither a zip nor a tar.zst")
}

// openRef tries the reference tool's encrypted format (no magic: anything
// that is not one of ours is tried as one, which needs the key). It is
// decrypted into a temporary file, and read as a zip only once its tag
// matched.
func (s *source) openRef(br *bufio.Reader, size int64, o ReadOptions) error {
	if size < refHeader+tagSize {
		return errors.New("not a zip, tar.zst, age or xr-encrypted archive (and too short to be a reference-encrypted one)")
	}
	pass, err := getKey(o)
	if errors.Is(err, ErrNeedKey) {
		return fmt.Errorf("not a zip, tar.zst, age or xr-encrypted archive; to try it as a reference-encrypted .zip.enc: %w", err)
	} else if err != nil {
		return err
	}
	f, err := tempFile(o.TempDir)
	if err != nil {
		return err
	}
	s.cleanups = append(s.cleanups, func() { f.Close() })
	n, err := decryptRefTo(f, br, size, pass)
	if err != nil {
		return err
	}
	head := make([]byte, 4)
	if _, err := f.ReadAt(head, 0); err != nil || !bytes.HasPrefix(head, magicZip) && !bytes.HasPrefix(head, magicZipEmpty) {
		return errors.New("reference-format encrypted archive does not hold a zip")
	}
	return s.openZip(f, n, "reference encrypted zip")
}

func (s *source) openZip(ra io.ReaderAt, size int64, kind string) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	s.kind = kind
	s.consumed = func() int64 { return size }
	files := append([]*zip.File(nil), zr.File...)
	// the metadata first: it names the dataset before anything is written
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name == MetaName && files[j].Name != MetaName })
	s.walk = func(fn func(*member) error) error {
		for _, f := range files {
			m := &member{name: f.Name, mode: f.Mode().Type()}
			if m.mode.IsRegular() {
				rc, err := f.Open()
				if err != nil {
					return fmt.Errorf("member %q: %w", f.Name, err)
				}
				m.r = rc
				err = fn(m)
				rc.Close()
				if err != nil {
					return err
				}
				continue
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// openTarZst walks the tar.zst r. Decryption and decompression run ahead
// on a goroutine of their own (readAhead), overlapped with what fn does
// with the members (hashing, writing); consumed is then called on that
// goroutine only.
func (s *source) openTarZst(r io.Reader, consumed func() int64, kind string) {
	s.kind = kind
	var ra *readAhead
	s.consumed = func() int64 {
		if ra == nil {
			return 0
		}
		return ra.usedSource()
	}
	s.walk = func(fn func(*member) error) error {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(32<<20), zstd.WithDecoderLowmem(true))
		if err != nil {
			return err
		}
		defer zr.Close()
		ra = newReadAhead(zr, consumed)
		defer ra.Close()
		tr := tar.NewReader(ra)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				// drain: the encrypted layer reports truncation or
				// trailing data only at its end
				_, err = io.Copy(io.Discard, ra)
				return err
			}
			if err != nil {
				return fmt.Errorf("%s: %w", kind, err)
			}
			m := &member{name: h.Name, r: tr}
			switch h.Typeflag {
			case tar.TypeReg:
			case tar.TypeDir:
				m.mode = fs.ModeDir
			case tar.TypeSymlink, tar.TypeLink:
				m.mode = fs.ModeSymlink
			case tar.TypeChar, tar.TypeBlock:
				m.mode = fs.ModeDevice
			default:
				m.mode = fs.ModeIrregular
			}
			if err := fn(m); err != nil {
				return err
			}
		}
	}
}

func (o ReadOptions) maxSize() int64 {
	if o.MaxSize > 0 {
		return o.MaxSize
	}
	return DefaultMaxSize
}

func (o ReadOptions) ratioFloor() int64 {
	if o.RatioFloor > 0 {
		return o.RatioFloor
	}
	return RatioFloor
}

func (o ReadOptions) maxRatio() int64 {
	if o.MaxRatio > 0 {
		return o.MaxRatio
	}
	return DefaultMaxRatio
}
