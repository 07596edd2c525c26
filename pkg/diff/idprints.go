package diff

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"

	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/snapshot"
)

// idPrints is a compact set of the exchange_ids a pack holds: a 32-bit
// fingerprint of each, sorted. The export remembers an emitted record for
// the exchange_id check (checkIDs) only when the pack may hold its id, so
// its memory grows by 4 bytes per pack record, not by a remembered record
// (about 300 bytes) per record it emits. A fingerprint that matches by
// chance only costs that record's place in the check, which then finds
// no such id in the pack.
type idPrints []uint32

// idPrint is the FNV-1a hash of id with ASCII letters folded to lower case
// (exchange_ids compare case-insensitively).
func idPrint(id string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		b := id[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		h = (h ^ uint32(b)) * 16777619
	}
	return h
}

// has reports whether the pack may hold id.
func (p idPrints) has(id string) bool {
	_, ok := slices.BinarySearch(p, idPrint(id))
	return ok
}

// loadIDPrints reads the exchange_ids of the pack's index.jsonl (none for
// a pack without one yet).
func loadIDPrints(ctx context.Context, pack string) (idPrints, error) {
	f, err := os.Open(filepath.Join(pack, snapshot.IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var p idPrints
	err = indexline.Read(f, func(n int, e indexline.Entry) error {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if e.ID != "" {
			p = append(p, idPrint(e.ID))
		}
		return nil
	}, nil)
	if err != nil {
		return nil, err
	}
	slices.Sort(p)
	return slices.Compact(p), nil
}
