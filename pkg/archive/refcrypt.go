package archive

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"io"
)

// The reference tool's encrypted archive: a 16-byte salt, a 12-byte nonce,
// then one AES-256-GCM message (the whole zip, tag at the end, no
// associated data) under PBKDF2-HMAC-SHA256(passphrase, salt, 480,000, 32).
// One GCM message cannot be checked before all of it is read, so it is
// decrypted whole in memory, up to MaxRefEncrypted bytes.
const (
	refSaltSize   = 16
	refNonceSize  = 12
	RefIterations = 480_000
	// MaxRefEncrypted caps the size of a reference-format encrypted archive
	// (64 MiB): above it, extraction refuses rather than hold it in memory.
	MaxRefEncrypted = 64 << 20
)

// decryptRef reads a reference-format encrypted archive of size bytes and
// returns the plaintext.
func decryptRef(r io.Reader, size int64, pass []byte) ([]byte, error) {
	if size > MaxRefEncrypted {
		return nil, fmt.Errorf("%w (%d bytes, cap %d)", ErrRefTooBig, size, MaxRefEncrypted)
	}
	if size < refSaltSize+refNonceSize+tagSize {
		return nil, fmt.Errorf("%w: %d bytes is too short for a reference-format encrypted archive", ErrTruncated, size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	salt, nonce, ct := buf[:refSaltSize], buf[refSaltSize:refSaltSize+refNonceSize], buf[refSaltSize+refNonceSize:]
	key, err := pbkdf2.Key(sha256.New, string(pass), salt, RefIterations, 32)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(ct[:0], nonce, ct, nil)
	if err != nil {
		return nil, ErrRefOpen
	}
	return plain, nil
}
