package diff

import "math/bits"

// current is what an input record has established on the other side
// during the first pass: the winning version of a natural key, or a hash
// without a natural key.
type current struct {
	h    [32]byte
	k    uint64 // key hash; 0 in a table by hash
	t    int64
	line int // the input line that holds it
}

// stateTable maps key hashes (or, byHash, content hashes) to the input's
// current records. It is compact for the index's reasons: 56-byte entries
// in append-only slabs, found through an open-addressing table (linear
// probing, at most half full) of 4-byte entry numbers; about 65–72 bytes a
// record, where a Go map took about 120, and growing copies only the
// small table of numbers.
type stateTable struct {
	byHash bool
	ent    slabs[current]
	ref    []uint32 // 0: empty; else entry number + 1
	shift  uint     // 64 - log2(len(ref))
}

func (s *stateTable) probe(h *[32]byte, k uint64) uint64 {
	if s.byHash {
		return hashMix(h)
	}
	return k
}

// get returns the current record of key k (or of hash h, byHash), or nil.
func (s *stateTable) get(h *[32]byte, k uint64) *current {
	if s.ent.n == 0 {
		return nil
	}
	mask := uint64(len(s.ref) - 1)
	for i := s.probe(h, k) >> s.shift; ; i = (i + 1) & mask {
		r := s.ref[i]
		if r == 0 {
			return nil
		}
		if e := s.ent.at(r - 1); s.byHash && e.h == *h || !s.byHash && e.k == k {
			return e
		}
	}
}

// add records x, whose key (or hash) get does not find.
func (s *stateTable) add(x current) {
	if 2*(s.ent.n+1) > len(s.ref) {
		s.ref = make([]uint32, max(1024, 2*len(s.ref)))
		s.shift = uint(64 - bits.TrailingZeros(uint(len(s.ref))))
		for r := range s.ent.n {
			s.place(uint32(r + 1))
		}
	}
	s.ent.add(x)
	s.place(uint32(s.ent.n))
}

func (s *stateTable) place(r uint32) {
	e := s.ent.at(r - 1)
	mask := uint64(len(s.ref) - 1)
	i := s.probe(&e.h, e.k) >> s.shift
	for s.ref[i] != 0 {
		i = (i + 1) & mask
	}
	s.ref[i] = r
}
