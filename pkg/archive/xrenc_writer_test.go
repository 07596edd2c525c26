package archive

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The xr-enc v1 writer: xr no longer writes this format, but its tests
// need such files to read.

func newHeader(k KDF, pass []byte) (*header, cipher.AEAD, error) {
	if err := k.check(); err != nil {
		return nil, nil, err
	}
	id, _ := k.id()
	h := &header{kdf: k}
	b := h.raw[:]
	copy(b, encMagic)
	b[6] = encVersion
	b[7] = id
	binary.BigEndian.PutUint32(b[8:], k.Time)
	if id == kdfArgon2id {
		binary.BigEndian.PutUint32(b[12:], k.Memory)
		b[16] = k.Threads
	}
	b[17] = chunkLog2
	if _, err := rand.Read(b[20:36]); err != nil {
		return nil, nil, err
	}
	h.salt = b[20:36]
	payload, checkKey, err := k.derive(pass, h.salt)
	if err != nil {
		return nil, nil, err
	}
	mac := hmac.New(sha256.New, checkKey)
	mac.Write(b[:headerBody])
	copy(b[36:68], mac.Sum(nil))
	sum := sha256.Sum256(b[:68])
	copy(b[68:80], sum[:12])
	aead, err := newGCM(payload)
	return h, aead, err
}

// encWriter seals its input in 64 KiB chunks. Close seals the final chunk;
// it does not close the underlying writer.
type encWriter struct {
	w       io.Writer
	aead    cipher.AEAD
	hdr     []byte
	buf     []byte // plaintext of the pending chunk
	out     []byte
	counter uint64
	nonce   [12]byte
	err     error
}

// NewWriter writes the header for a fresh random salt and returns a writer
// that encrypts everything written to it. Close must be called.
func NewWriter(w io.Writer, pass []byte, k KDF) (io.WriteCloser, error) {
	h, aead, err := newHeader(k, pass)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(h.raw[:]); err != nil {
		return nil, err
	}
	return &encWriter{w: w, aead: aead, hdr: h.raw[:], buf: make([]byte, 0, ChunkSize), out: make([]byte, 0, sealedSize)}, nil
}

func (e *encWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n := 0
	for len(p) > 0 {
		if len(e.buf) == ChunkSize { // more data follows: this chunk is not the last
			if e.err = e.seal(false); e.err != nil {
				return n, e.err
			}
		}
		k := copy(e.buf[len(e.buf):ChunkSize], p)
		e.buf = e.buf[:len(e.buf)+k]
		p = p[k:]
		n += k
	}
	return n, nil
}

func (e *encWriter) seal(last bool) error {
	e.out = e.aead.Seal(e.out[:0], chunkNonce(&e.nonce, e.counter, last), e.buf, e.hdr)
	e.counter++
	e.buf = e.buf[:0]
	_, err := e.w.Write(e.out)
	return err
}

func (e *encWriter) Close() error {
	if e.err != nil {
		return e.err
	}
	e.err = e.seal(true)
	if e.err == nil {
		e.err = errors.New("encrypted writer is closed")
		return nil
	}
	return e.err
}

// createXREnc writes the archive of dir sealed in xr-enc v1, as earlier
// builds wrote them.
func createXREnc(t testing.TB, dir, format string, pass string, k KDF) string {
	t.Helper()
	var plain bytes.Buffer
	if _, err := Create(context.Background(), dir, &plain, CreateOptions{Format: format}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "a.enc")
	if err := os.WriteFile(p, seal(t, plain.Bytes(), pass, k), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
