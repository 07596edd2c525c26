package diff

import (
	"encoding/binary"
	"math/bits"
)

// Keys are held as 64-bit hashes: FNV-1a over the key text, then the
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

// keyed reports whether an index line's key text "source|entity|natural_key"
// names a natural key: a text ending in '|' is the line of a record without
// one (or with an empty one: the text cannot tell), keyed by its hash alone.
//
// Input records are not judged by their text: one with a non-null natural
// key is keyed, even "" or a key ending in '|' (recordKeyHash), because the
// SQL loader upserts it by that key. Judged by the text, two versions of
// such a key both went into the plan and were applied in turn, so every
// sync rewrote the row. Their index lines (keyed by hash alone) still match
// them by hash: "unchanged" holds, only a conflict with such a key's
// existing version is not seen.
func keyed(k []byte) bool { return len(k) > 0 && k[len(k)-1] != '|' }

// keyHashBytes hashes an index line's key text; 0 when it is not keyed.
func keyHashBytes(k []byte) uint64 {
	if !keyed(k) {
		return 0
	}
	h := uint64(fnvOffset)
	for _, c := range k {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return finishKey(h)
}

// keyHash hashes source|entity|natural_key given as parts, exactly as
// keyHashBytes hashes their concatenation; 0 when natural is empty or ends
// in '|'.
func keyHash(source, entity, natural string) uint64 {
	if natural == "" || natural[len(natural)-1] == '|' {
		return 0
	}
	return recordKeyHash(source, entity, natural)
}

// recordKeyHash hashes the key of a record that has a natural key, whatever
// its text (never 0); for keys keyHashBytes accepts it equals keyHash.
func recordKeyHash(source, entity, natural string) uint64 {
	h := uint64(fnvOffset)
	for _, s := range [...]string{source, "|", entity, "|", natural} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * fnvPrime
		}
	}
	return finishKey(h)
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
