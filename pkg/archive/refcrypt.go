package archive

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// The reference tool's encrypted archive (pack.py): a 16-byte salt, a
// 12-byte nonce, then one AES-256-GCM message (the whole zip, tag at the
// end, no associated data) under PBKDF2-HMAC-SHA256(passphrase, salt,
// 480,000 iterations, 32 bytes).
//
// One GCM message cannot be checked before all of it is read, and Go's
// cipher.AEAD opens only whole messages. But GCM is CTR mode plus a GHASH
// over the ciphertext, both streamable: refReader decrypts into a
// temporary file while hashing, and only when the tag at the end matches
// is the file read as a zip. Memory stays flat at any size.
const (
	refSaltSize   = 16
	refNonceSize  = 12
	RefIterations = 480_000
	refHeader     = refSaltSize + refNonceSize
	// refMaxPlain is GCM's limit for one message: 2^32-2 blocks.
	refMaxPlain = (1<<32 - 2) * 16
)

// gcmStream is AES-GCM (96-bit nonce, no associated data) over a stream.
type gcmStream struct {
	block   cipher.Block
	ctr     cipher.Stream
	h       ghash
	y       ghashElem
	pending [16]byte // ciphertext not yet a whole GHASH block
	npend   int
	n       uint64 // ciphertext bytes
	j0      [16]byte
}

func newGCMStream(key, nonce []byte) (*gcmStream, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g := &gcmStream{block: block}
	var h [16]byte
	block.Encrypt(h[:], h[:])
	g.h.init(h)
	copy(g.j0[:], nonce)
	g.j0[15] = 1
	ctr := g.j0
	ctr[15] = 2 // inc32(J0): the first block of data
	g.ctr = cipher.NewCTR(block, ctr[:])
	return g, nil
}

// hash adds ciphertext to the GHASH.
func (g *gcmStream) hash(ct []byte) error {
	g.n += uint64(len(ct))
	if g.n > refMaxPlain {
		return errors.New("reference-format archive exceeds AES-GCM's limit of 64 GiB for one message")
	}
	if g.npend > 0 {
		k := copy(g.pending[g.npend:], ct)
		g.npend += k
		ct = ct[k:]
		if g.npend < 16 {
			return nil
		}
		g.h.update(&g.y, g.pending[:])
		g.npend = 0
	}
	full := len(ct) &^ 15
	g.h.update(&g.y, ct[:full])
	g.npend = copy(g.pending[:], ct[full:])
	return nil
}

// tag is the authentication tag of the ciphertext hashed so far.
func (g *gcmStream) tag() [16]byte {
	if g.npend > 0 {
		clear(g.pending[g.npend:])
		g.h.update(&g.y, g.pending[:])
		g.npend = 0
	}
	g.y.high ^= g.n * 8 // bit lengths: associated data (none) in low, ciphertext in high
	g.h.mul(&g.y)
	var t, mask [16]byte
	binary.BigEndian.PutUint64(t[:], g.y.low)
	binary.BigEndian.PutUint64(t[8:], g.y.high)
	g.block.Encrypt(mask[:], g.j0[:])
	subtle.XORBytes(t[:], t[:], mask[:])
	return t
}

func refKey(pass, salt []byte) ([]byte, error) {
	return pbkdf2.Key(sha256.New, string(pass), salt, RefIterations, 32)
}

// decryptRefTo decrypts the reference-format archive r of size bytes into
// dst and returns the plaintext size; it fails with ErrRefOpen when the
// tag does not match (wrong key, damaged or foreign file). dst holds
// unauthenticated plaintext until it returns nil.
func decryptRefTo(dst io.Writer, r io.Reader, size int64, pass []byte) (int64, error) {
	if size < refHeader+tagSize {
		return 0, fmt.Errorf("%w: %d bytes is too short for a reference-format encrypted archive", ErrTruncated, size)
	}
	hdr := make([]byte, refHeader)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return 0, err
	}
	key, err := refKey(pass, hdr[:refSaltSize])
	if err != nil {
		return 0, err
	}
	g, err := newGCMStream(key, hdr[refSaltSize:])
	if err != nil {
		return 0, err
	}
	ctLen := size - refHeader - tagSize
	buf := make([]byte, 256<<10)
	for left := ctLen; left > 0; {
		n, err := io.ReadFull(r, buf[:min(int64(len(buf)), left)])
		if err != nil {
			return 0, fmt.Errorf("%w: %v", ErrTruncated, err)
		}
		if err := g.hash(buf[:n]); err != nil {
			return 0, err
		}
		g.ctr.XORKeyStream(buf[:n], buf[:n])
		if _, err := dst.Write(buf[:n]); err != nil {
			return 0, err
		}
		left -= int64(n)
	}
	var got [16]byte
	if _, err := io.ReadFull(r, got[:]); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	want := g.tag()
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return 0, ErrRefOpen
	}
	return ctLen, nil
}

// refWriter writes the reference tool's format, streaming: salt and nonce
// first, the tag after the last byte (Close).
type refWriter struct {
	w   io.Writer
	g   *gcmStream
	buf []byte
}

// NewRefWriter starts a reference-format encrypted archive (for handing
// archives to the reference tool, which reads them whole into memory).
func NewRefWriter(w io.Writer, pass []byte) (io.WriteCloser, error) {
	if len(pass) == 0 {
		return nil, ErrNeedKey
	}
	hdr := make([]byte, refHeader)
	if _, err := rand.Read(hdr); err != nil {
		return nil, err
	}
	key, err := refKey(pass, hdr[:refSaltSize])
	if err != nil {
		return nil, err
	}
	g, err := newGCMStream(key, hdr[refSaltSize:])
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	return &refWriter{w: w, g: g, buf: make([]byte, 64<<10)}, nil
}

func (rw *refWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), len(rw.buf))
		rw.g.ctr.XORKeyStream(rw.buf[:k], p[:k])
		if err := rw.g.hash(rw.buf[:k]); err != nil {
			return n, err
		}
		if _, err := rw.w.Write(rw.buf[:k]); err != nil {
			return n, err
		}
		p, n = p[k:], n+k
	}
	return n, nil
}

func (rw *refWriter) Close() error {
	t := rw.g.tag()
	_, err := rw.w.Write(t[:])
	return err
}

// tempFile is a file for decrypted data that nobody else can open: unnamed
// (O_TMPFILE) where the system has them, else created 0600 and unlinked at
// once. Either way the data goes when the file is closed.
func tempFile(dir string) (*os.File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := openUnnamed(dir)
	if err == nil {
		return f, f.Chmod(0o600)
	}
	f, err = os.CreateTemp(dir, ".xr-decrypt-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ghash is GHASH with Shoup's 4-bit tables (the method of Go's portable
// GCM before it moved into crypto/internal).
type ghash struct{ table [16]ghashElem }

// ghashElem is a GF(2^128) element: low holds the first 8 bytes of the
// block (big-endian), high the last 8.
type ghashElem struct{ low, high uint64 }

func (g *ghash) init(h [16]byte) {
	x := ghashElem{binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:])}
	g.table[reverse4(1)] = x
	for i := 2; i < 16; i += 2 {
		g.table[reverse4(i)] = ghashDouble(g.table[reverse4(i/2)])
		t := g.table[reverse4(i)]
		g.table[reverse4(i+1)] = ghashElem{t.low ^ x.low, t.high ^ x.high}
	}
}

func reverse4(i int) int {
	i = ((i << 2) & 0xc) | ((i >> 2) & 0x3)
	return ((i << 1) & 0xa) | ((i >> 1) & 0x5)
}

func ghashDouble(x ghashElem) ghashElem {
	msb := x.high&1 == 1
	d := ghashElem{low: x.low >> 1, high: x.high>>1 | x.low<<63}
	if msb {
		d.low ^= 0xe100000000000000
	}
	return d
}

var ghashReduction = [16]uint16{
	0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0,
	0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0,
}

// mul sets y to y·H.
func (g *ghash) mul(y *ghashElem) {
	var z ghashElem
	for i := 0; i < 2; i++ {
		word := y.high
		if i == 1 {
			word = y.low
		}
		for j := 0; j < 64; j += 4 {
			msw := z.high & 0xf
			z.high = z.high>>4 | z.low<<60
			z.low = z.low>>4 ^ uint64(ghashReduction[msw])<<48
			t := &g.table[word&0xf]
			z.low ^= t.low
			z.high ^= t.high
			word >>= 4
		}
	}
	*y = z
}

// update hashes whole 16-byte blocks into y.
func (g *ghash) update(y *ghashElem, blocks []byte) {
	for ; len(blocks) >= 16; blocks = blocks[16:] {
		y.low ^= binary.BigEndian.Uint64(blocks)
		y.high ^= binary.BigEndian.Uint64(blocks[8:])
		g.mul(y)
	}
}
