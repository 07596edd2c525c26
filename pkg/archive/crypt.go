package archive

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"golang.org/x/crypto/argon2"
)

// The xr encrypted format, xr-enc version 1 (docs/archive.md has the
// byte-level description). xr reads it, for archives made by earlier
// builds; it no longer writes it (new archives are age files). Its writer
// lives on in the tests, which need such files.
const (
	encMagic     = "XRENC\x00"
	encVersion   = 1
	headerSize   = 80
	headerBody   = 36 // bytes covered by the key check
	chunkLog2    = 16
	ChunkSize    = 1 << chunkLog2 // plaintext bytes per chunk
	tagSize      = 16
	sealedSize   = ChunkSize + tagSize
	infoPayload  = "xr-enc v1 payload"
	infoKeyCheck = "xr-enc v1 key check"
	kdfArgon2id  = 1
	kdfPBKDF2    = 2
	// the format's own bounds; readers apply the far lower KDFLimits
	maxArgonMem   = 1 << 20 // KiB: 1 GiB
	maxArgonTime  = 64
	maxPBKDF2Iter = 50_000_000
)

// KDFLimits bounds the key derivation an archive header can make a reader
// do. The header's parameters cannot be authenticated before the key is
// derived from them, so a crafted header could otherwise cost minutes and
// gigabytes before failing.
type KDFLimits struct {
	MemoryKiB  uint32 // Argon2id memory
	Passes     uint32 // Argon2id passes (time)
	Iterations uint32 // PBKDF2 iterations
}

// DefaultKDFLimits: about 2.8 times the memory, 4 times the passes and
// 3.3 times the iterations xr writes. At worst (Argon2id at both limits,
// any parallelism) about 0.6 s of CPU and 130 MB of RSS; PBKDF2 at its
// limit 0.4 s (docs/archive.md says how this was measured).
var DefaultKDFLimits = KDFLimits{MemoryKiB: 128 << 10, Passes: 4, Iterations: 2_000_000}

// orDefault fills zero fields from DefaultKDFLimits.
func (l KDFLimits) orDefault() KDFLimits {
	if l.MemoryKiB == 0 {
		l.MemoryKiB = DefaultKDFLimits.MemoryKiB
	}
	if l.Passes == 0 {
		l.Passes = DefaultKDFLimits.Passes
	}
	if l.Iterations == 0 {
		l.Iterations = DefaultKDFLimits.Iterations
	}
	return l
}

// allow refuses key derivation beyond the limits, before any is done.
func (l KDFLimits) allow(k KDF) error {
	l = l.orDefault()
	e := &KDFLimitError{}
	switch id, _ := k.id(); {
	case id == kdfPBKDF2 && k.Time > l.Iterations:
		e.Asks, e.Limit, e.Flag = fmt.Sprintf("%d iterations of PBKDF2", k.Time), fmt.Sprint(l.Iterations), fmt.Sprintf("--max-kdf-iterations %d", k.Time)
	case id == kdfArgon2id && k.Memory > l.MemoryKiB:
		e.Asks, e.Limit, e.Flag = kibString(k.Memory)+" of Argon2id memory", kibString(l.MemoryKiB), fmt.Sprintf("--max-kdf-memory %d", (k.Memory+1023)/1024)
	case id == kdfArgon2id && k.Time > l.Passes:
		e.Asks, e.Limit, e.Flag = fmt.Sprintf("%d passes of Argon2id", k.Time), fmt.Sprint(l.Passes), fmt.Sprintf("--max-kdf-passes %d", k.Time)
	default:
		return nil
	}
	return e
}

// KDFLimitError: the archive asks for more key derivation than allowed.
// The key was not tried.
type KDFLimitError struct{ Asks, Limit, Flag string }

func (e *KDFLimitError) Error() string {
	return fmt.Sprintf("this archive asks for %s in its key derivation, more than the limit of %s "+
		"(the key was not tried: a crafted header can make key derivation cost minutes and gigabytes); %s to allow it",
		e.Asks, e.Limit, e.Flag)
}

// kibString formats KiB as MiB or GiB.
func kibString(k uint32) string {
	if k >= 1<<20 && k%(1<<20) == 0 {
		return fmt.Sprintf("%d GiB", k>>20)
	}
	if k%1024 == 0 {
		return fmt.Sprintf("%d MiB", k>>10)
	}
	return fmt.Sprintf("%d KiB", k)
}

// KDF names a key-derivation function and its cost parameters.
type KDF struct {
	Name    string // "argon2id" (default) or "pbkdf2"
	Time    uint32 // argon2id passes, or PBKDF2 iterations
	Memory  uint32 // argon2id memory in KiB
	Threads uint8  // argon2id parallelism
}

// Default KDF parameters: OWASP's first Argon2id choice (m=46 MiB, t=1;
// two lanes halve the wall time without lowering the memory-time cost),
// about 0.1 s, and PBKDF2-SHA256 at OWASP's 600,000 iterations.
var (
	DefaultArgon2id = KDF{Name: "argon2id", Time: 1, Memory: 46 * 1024, Threads: 2}
	DefaultPBKDF2   = KDF{Name: "pbkdf2", Time: 600_000}
)

// Errors of the encrypted formats. Each names what was detected.
var (
	ErrWrongKey   = errors.New("wrong key: the passphrase does not open this archive")
	ErrHeader     = errors.New("encrypted header is corrupted")
	ErrTruncated  = errors.New("archive is truncated")
	ErrTampered   = errors.New("archive was modified: a chunk fails authentication")
	ErrReordered  = errors.New("archive chunks are out of order")
	ErrTrailing   = errors.New("archive has data after its final chunk")
	ErrNeedKey    = errors.New("no key was given")
	ErrRefOpen    = errors.New("not a zip, tar.zst, age or xr-encrypted archive, and it does not open as a reference-encrypted .zip.enc under this key (wrong key, or a damaged or foreign file)")
	errBadKDFName = errors.New("unknown KDF")
)

func (k KDF) id() (byte, error) {
	switch k.Name {
	case "argon2id", "":
		return kdfArgon2id, nil
	case "pbkdf2":
		return kdfPBKDF2, nil
	}
	return 0, fmt.Errorf("%w %q (want argon2id or pbkdf2)", errBadKDFName, k.Name)
}

func (k KDF) check() error {
	id, err := k.id()
	if err != nil {
		return err
	}
	switch id {
	case kdfArgon2id:
		if k.Time < 1 || k.Time > maxArgonTime || k.Memory < 8*uint32(max(k.Threads, 1)) || k.Memory > maxArgonMem || k.Threads < 1 {
			return fmt.Errorf("argon2id parameters out of range (t=%d m=%d KiB p=%d)", k.Time, k.Memory, k.Threads)
		}
	case kdfPBKDF2:
		if k.Time < 1 || k.Time > maxPBKDF2Iter {
			return fmt.Errorf("pbkdf2 iterations out of range (%d)", k.Time)
		}
	}
	return nil
}

// derive returns the payload key and the key-check key.
func (k KDF) derive(pass, salt []byte) (payload, checkKey []byte, err error) {
	var master []byte
	id, err := k.id()
	if err != nil {
		return nil, nil, err
	}
	if id == kdfArgon2id {
		master = argon2.IDKey(pass, salt, k.Time, k.Memory, k.Threads, 32)
		// hand Argon2's memory back now, so that it does not stack on top
		// of the streaming that follows in the peak RSS
		debug.FreeOSMemory()
	} else if master, err = pbkdf2.Key(sha256.New, string(pass), salt, int(k.Time), 32); err != nil {
		return nil, nil, err
	}
	if payload, err = hkdf.Expand(sha256.New, master, infoPayload, 32); err != nil {
		return nil, nil, err
	}
	checkKey, err = hkdf.Expand(sha256.New, master, infoKeyCheck, 32)
	return payload, checkKey, err
}

// header is the parsed 80-byte header.
type header struct {
	raw  [headerSize]byte
	kdf  KDF
	salt []byte
}

// parseHeader checks the header's integrity (not yet the key).
func parseHeader(b []byte) (*header, error) {
	if len(b) < headerSize {
		return nil, fmt.Errorf("%w: header is %d bytes, want %d", ErrTruncated, len(b), headerSize)
	}
	h := &header{}
	copy(h.raw[:], b)
	b = h.raw[:]
	sum := sha256.Sum256(b[:68])
	if !bytes.Equal(sum[:12], b[68:80]) {
		return nil, ErrHeader
	}
	if b[6] != encVersion {
		return nil, fmt.Errorf("unsupported encrypted format version %d", b[6])
	}
	if b[17] != chunkLog2 || b[18] != 0 || b[19] != 0 {
		return nil, fmt.Errorf("%w: unsupported chunk size or reserved bytes set", ErrHeader)
	}
	switch b[7] {
	case kdfArgon2id:
		h.kdf = KDF{Name: "argon2id", Time: binary.BigEndian.Uint32(b[8:]), Memory: binary.BigEndian.Uint32(b[12:]), Threads: b[16]}
	case kdfPBKDF2:
		h.kdf = KDF{Name: "pbkdf2", Time: binary.BigEndian.Uint32(b[8:])}
		if b[12]|b[13]|b[14]|b[15]|b[16] != 0 {
			return nil, fmt.Errorf("%w: reserved bytes set", ErrHeader)
		}
	default:
		return nil, fmt.Errorf("%w: unknown KDF id %d", ErrHeader, b[7])
	}
	if err := h.kdf.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	h.salt = b[20:36]
	return h, nil
}

// open derives the keys and checks the passphrase against the key check.
func (h *header) open(pass []byte) (cipher.AEAD, error) {
	payload, checkKey, err := h.kdf.derive(pass, h.salt)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, checkKey)
	mac.Write(h.raw[:headerBody])
	if !hmac.Equal(mac.Sum(nil), h.raw[36:68]) {
		if k := h.kdf; k != DefaultArgon2id && k != DefaultPBKDF2 {
			// the key was tried, but under parameters xr does not write
			return nil, fmt.Errorf("%w (or its header's key-derivation parameters were altered: %s)", ErrWrongKey, k)
		}
		return nil, ErrWrongKey
	}
	return newGCM(payload)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func chunkNonce(dst *[12]byte, counter uint64, last bool) []byte {
	clear(dst[:])
	binary.BigEndian.PutUint64(dst[3:11], counter)
	if last {
		dst[11] = 1
	}
	return dst[:]
}

// decReader opens the chunks one at a time. It returns plaintext of a chunk
// only after that chunk authenticated; the end of the stream is reported
// (io.EOF) only after the final chunk authenticated.
type decReader struct {
	r       *bufio.Reader
	aead    cipher.AEAD
	hdr     []byte
	in      []byte
	plain   []byte
	pos     int
	counter uint64
	nonce   [12]byte
	done    bool
	err     error
}

func (k KDF) String() string {
	if id, _ := k.id(); id == kdfPBKDF2 {
		return fmt.Sprintf("pbkdf2 %d iterations", k.Time)
	}
	return fmt.Sprintf("argon2id t=%d m=%s p=%d", k.Time, kibString(k.Memory), k.Threads)
}

// NewReader reads the header from r, checks it (with DefaultKDFLimits) and
// the passphrase, and returns a reader of the plaintext.
func NewReader(r io.Reader, pass []byte) (io.Reader, error) {
	d, err := NewDecrypter(r, KDFLimits{})
	if err != nil {
		return nil, err
	}
	return d.Open(pass)
}

// Decrypter is an xr-enc stream whose header was read and checked
// against the KDF limits, before any key is asked for or tried.
type Decrypter struct {
	br *bufio.Reader
	h  *header
}

// NewDecrypter reads and checks the header of r.
func NewDecrypter(r io.Reader, lim KDFLimits) (*Decrypter, error) {
	br := bufio.NewReaderSize(r, sealedSize+1)
	hb := make([]byte, headerSize)
	n, err := io.ReadFull(br, hb)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n < len(encMagic) || string(hb[:len(encMagic)]) != encMagic {
		return nil, errors.New("not an xr encrypted archive")
	}
	h, err := parseHeader(hb[:n])
	if err != nil {
		return nil, err
	}
	if err := lim.allow(h.kdf); err != nil {
		return nil, err
	}
	return &Decrypter{br: br, h: h}, nil
}

// Open derives the keys, checks the passphrase and returns a reader of the
// plaintext.
func (d *Decrypter) Open(pass []byte) (io.Reader, error) {
	aead, err := d.h.open(pass)
	if err != nil {
		return nil, err
	}
	return &decReader{r: d.br, aead: aead, hdr: d.h.raw[:], in: make([]byte, sealedSize), plain: make([]byte, 0, ChunkSize)}, nil
}

func (d *decReader) Read(p []byte) (int, error) {
	for d.pos == len(d.plain) {
		if d.err != nil {
			return 0, d.err
		}
		if d.done {
			d.err = io.EOF
			return 0, d.err
		}
		d.err = d.next()
	}
	n := copy(p, d.plain[d.pos:])
	d.pos += n
	return n, nil
}

// next reads and opens one chunk, telling truncation, modification,
// reordering and trailing data apart where the bytes allow it.
func (d *decReader) next() error {
	n, err := io.ReadFull(d.r, d.in)
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: it ends after chunk %d without the final chunk", ErrTruncated, int64(d.counter)-1)
	case errors.Is(err, io.ErrUnexpectedEOF):
	case err != nil:
		return err
	}
	last := n < sealedSize
	if !last {
		if _, perr := d.r.Peek(1); errors.Is(perr, io.EOF) {
			last = true
		} else if perr != nil {
			return perr
		}
	}
	if n < tagSize {
		return fmt.Errorf("%w: chunk %d is %d bytes, shorter than its tag", ErrTruncated, d.counter, n)
	}
	in := d.in[:n]
	plain, oerr := d.aead.Open(d.plain[:0], chunkNonce(&d.nonce, d.counter, last), in, d.hdr)
	if oerr == nil {
		if last && len(plain) == 0 && d.counter > 0 {
			return fmt.Errorf("%w: empty final chunk %d", ErrTampered, d.counter)
		}
		d.plain, d.pos, d.done = plain, 0, last
		d.counter++
		return nil
	}
	// Diagnose: the same chunk under the other flag, or under another counter.
	if _, e := d.aead.Open(d.plain[:0], chunkNonce(&d.nonce, d.counter, !last), in, d.hdr); e == nil {
		if last {
			return fmt.Errorf("%w: it ends after chunk %d without the final chunk", ErrTruncated, d.counter)
		}
		return fmt.Errorf("%w (final chunk %d is followed by more bytes)", ErrTrailing, d.counter)
	}
	lo := uint64(0)
	if d.counter > 4096 {
		lo = d.counter - 4096
	}
	for c := lo; c < d.counter+4096; c++ {
		if c == d.counter {
			continue
		}
		for _, l := range []bool{false, true} {
			if _, e := d.aead.Open(d.plain[:0], chunkNonce(&d.nonce, c, l), in, d.hdr); e == nil {
				return fmt.Errorf("%w: chunk %d is stored at position %d", ErrReordered, c, d.counter)
			}
		}
	}
	if last && n < sealedSize {
		return fmt.Errorf("%w or was modified: final chunk %d fails authentication", ErrTruncated, d.counter)
	}
	return fmt.Errorf("%w: chunk %d", ErrTampered, d.counter)
}
