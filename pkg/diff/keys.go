package diff

import (
	"encoding/binary"
	"math/bits"

	"github.com/xr-lake/xr/pkg/envelope"
)

// Keys are held as 64-bit hashes: FNV-1a over the key parts, then the
// murmur3 finalizer so that every bit (the bucket and shard bits are the
// top ones) depends on every byte. 0 is reserved for "no natural key". The
// function is fixed (no random seed): --shard must agree across processes.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fmix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func finishKey(h uint64) uint64 {
	if h = fmix64(h); h == 0 {
		h = 1
	}
	return h
}

// Keys are hashed from their parts, never from the reference's key text
// "source|entity|natural_key", which two tuples can share: (a|b, c, k) and
// (a, b|c, k) are both "a|b|c|k". partsHash feeds the source and entity
// types each behind its length, then the natural key, so distinct tuples
// give distinct inputs (see envelope.SplitKeyText for the index side).
func partsHash[T string | []byte](source, entity, natural T) uint64 {
	h := uint64(fnvOffset)
	for _, part := range [...]T{source, entity} {
		n := uint32(len(part))
		for range 4 {
			h = (h ^ uint64(n&0xff)) * fnvPrime
			n >>= 8
		}
		for i := 0; i < len(part); i++ {
			h = (h ^ uint64(part[i])) * fnvPrime
		}
	}
	for i := 0; i < len(natural); i++ {
		h = (h ^ uint64(natural[i])) * fnvPrime
	}
	return finishKey(h)
}

// keyTextHash hashes an index line's key text k when it names one tuple
// (exactly two '|'): 0 when it names none (nothing after the second '|':
// no natural key, or an empty one, which the text cannot tell apart;
// such a line is keyed by its hash alone). ambiguous is true when k has
// more than two '|' and so cannot be hashed from the text (the line's
// "kp" must say). A text with fewer than two '|' names no record's key: it
// is hashed in a domain of its own, so it matches nothing.
//
// Input records are not judged by text: one with a non-null natural key
// is keyed, even "" (recordKeyHash), because the SQL loader upserts it by
// that key. Judged by the text, two versions of such a key both went into
// the plan and were applied in turn, so every sync rewrote the row. Their
// index lines (keyed by hash alone) still match them by hash: "unchanged"
// holds, only a conflict with such a key's existing version is not seen.
func keyTextHash(k []byte) (h uint64, ambiguous bool) {
	source, entity, natural, pipes := envelope.SplitKeyText(k)
	switch {
	case pipes < 2:
		return opaqueKeyHash(k), false
	case pipes > 2:
		return 0, true
	case len(natural) == 0:
		return 0, false
	}
	return partsHash(source, entity, natural), false
}

// opaqueKeyHash hashes a key text that is not source|entity|natural_key.
func opaqueKeyHash(k []byte) uint64 {
	h := uint64(fnvOffset) ^ 0xff // another start than partsHash's
	for _, c := range k {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return finishKey(h)
}

// keyHash hashes the key of an index entry given as parts: 0 when the
// entry names no natural key.
func keyHash(p envelope.KeyParts) uint64 {
	if !p.HasNatural {
		return 0
	}
	return partsHash(p.Source, p.Entity, p.Natural)
}

// recordKeyHash hashes the key of a record that has a natural key, whatever
// its text (never 0).
func recordKeyHash(source, entity, natural string) uint64 {
	return partsHash(source, entity, natural)
}

// hashMix spreads a content hash over 64 bits for bucketing. Real SHA-256
// digests are uniform already; the mix keeps hand-made test digests that
// differ only in their last bytes from piling into one bucket.
func hashMix(h *[32]byte) uint64 {
	w0 := binary.BigEndian.Uint64(h[0:])
	w1 := binary.BigEndian.Uint64(h[8:])
	w2 := binary.BigEndian.Uint64(h[16:])
	w3 := binary.BigEndian.Uint64(h[24:])
	return fmix64(w0 ^ bits.RotateLeft64(w1, 17) ^ bits.RotateLeft64(w2, 31) ^ bits.RotateLeft64(w3, 47))
}

// Shard selects one of n parts of the data: shard i of n holds the values
// whose 64-bit prefix x falls in [i*2^64/n, (i+1)*2^64/n).
type Shard struct{ I, N int }

func (s Shard) on() bool { return s.N > 1 }

func (s Shard) has(x uint64) bool {
	hi, _ := bits.Mul64(x, uint64(s.N))
	return int(hi) == s.I
}

// keep decides shard membership: by content hash prefix in --by hash mode
// and for records without a natural key; by key hash for keyed records in
// key mode, so that every version of one key lands in the same shard and
// its conflicts are seen.
func (s Shard) keep(h *[32]byte, k uint64, byHash bool) bool {
	if !s.on() {
		return true
	}
	if byHash || k == 0 {
		return s.has(binary.BigEndian.Uint64(h[:8]))
	}
	return s.has(k)
}
