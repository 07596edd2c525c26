// Package contenthash computes and checks content_sha256: the lowercase
// hex SHA-256 of the canonical JSON of {exchange_type, source_system,
// entity_type, natural_key, request, response}, byte for byte as the
// reference tool computes it. Nothing else of the envelope (ids, times,
// provenance, tags) is hashed, so re-observing the same content gives the
// same hash.
package contenthash

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/xr-lake/xr/pkg/canonical"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// hashed lists the hashed fields in canonical (sorted) key order.
var hashed = []struct {
	name  string
	field envelope.Field
}{
	{`{"entity_type":`, envelope.EntityType},
	{`,"exchange_type":`, envelope.ExchangeType},
	{`,"natural_key":`, envelope.NaturalKey},
	{`,"request":`, envelope.Request},
	{`,"response":`, envelope.Response},
	{`,"source_system":`, envelope.SourceSystem},
}

// Hasher reuses its buffers across records; the zero value is ready.
type Hasher struct {
	c   canonical.Canonicalizer
	buf []byte
}

// Canonical appends the exact hash input of rec to dst. A missing field
// counts as null, as in the reference.
func (h *Hasher) Canonical(dst []byte, rec *envelope.Record) ([]byte, error) {
	for _, f := range hashed {
		dst = append(dst, f.name...)
		raw := rec.Raw(f.field)
		if raw == nil {
			dst = append(dst, "null"...)
			continue
		}
		var err error
		if dst, err = h.c.Append(dst, raw); err != nil {
			return dst, fmt.Errorf("%s: %w", f.field, err)
		}
	}
	return append(dst, '}'), nil
}

// Sum returns the content hash of rec.
func (h *Hasher) Sum(rec *envelope.Record) (string, error) {
	var err error
	h.buf, err = h.Canonical(h.buf[:0], rec)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(h.buf)
	return hex.EncodeToString(sum[:]), nil
}

// Canonical appends the hash input of rec to dst.
func Canonical(dst []byte, rec *envelope.Record) ([]byte, error) {
	var h Hasher
	return h.Canonical(dst, rec)
}

// Sum returns the content hash of rec.
func Sum(rec *envelope.Record) (string, error) {
	var h Hasher
	return h.Sum(rec)
}

// ErrNoHash is returned by Verify for a record without content_sha256.
var ErrNoHash = errors.New("content_sha256 missing (run xr-hash first)")

// MismatchError is a stored hash that differs from the computed one.
type MismatchError struct{ Stored, Computed string }

func (e *MismatchError) Error() string {
	return fmt.Sprintf("content_sha256 %s does not match the content (computed %s; changed after it was hashed: xr-hash --rehash if that was meant)", e.Stored, e.Computed)
}

func (e *MismatchError) Unwrap() error { return xr.ErrMismatch }

// Verify checks rec's stored hash.
func (h *Hasher) Verify(rec *envelope.Record) error {
	stored := rec.Hash()
	if stored == "" {
		return ErrNoHash
	}
	got, err := h.Sum(rec)
	if err != nil {
		return err
	}
	if got != stored {
		return &MismatchError{Stored: stored, Computed: got}
	}
	return nil
}

// Verify checks rec's stored hash: nil when it is set and correct.
func Verify(rec *envelope.Record) error {
	var h Hasher
	return h.Verify(rec)
}
