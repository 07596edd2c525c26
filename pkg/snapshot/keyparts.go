package snapshot

import (
	"context"
	"errors"
	"os"
	"path"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
)

// KeyPartsOf finds, for index lines whose k is ambiguous and that carry
// no "kp" (a reference-made index), the key parts of their records: want
// maps a chunk file (an index line's f) to the content hashes it should
// hold; the result maps each hash found there to its record's parts. Only
// the named chunks are read. A hash that is not in its chunk is missing
// from the result.
func KeyPartsOf(ctx context.Context, dir string, want map[string]map[string]bool) (map[string]envelope.KeyParts, error) {
	found := map[string]envelope.KeyParts{}
	var rec envelope.Record
	for f, hashes := range want {
		c := Chunk{Rel: path.Clean(f)}
		if !IsChunk(c.Rel) || strings.Contains(c.Rel, "..") {
			continue // not a chunk of this pack (f is the index's word): not read
		}
		err := scanChunk(ctx, dir, c, func(_ int, line []byte) error {
			if parseRecord(&rec, line) != nil || !hashes[rec.Hash()] {
				return nil
			}
			found[rec.Hash()] = rec.Parts()
			return nil
		})
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}
