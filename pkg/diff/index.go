package diff

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/xr-lake/xr/pkg/indexline"
)

// Index is the other side's state, held compactly. Each entry is 48
// bytes (the binary content hash, a 64-bit hash of the natural key, the
// observed time in Unix nanoseconds) in fixed-size slabs, permuted in
// place so that the entries of one hash bucket (two to five) lie side by
// side; the key table adds 8 bytes per keyed entry (a 32-bit fingerprint
// of the key and the entry number), and the tables have 4-byte bucket
// offsets, one per two to five entries. No strings, maps or pointers per
// entry: about 58.5 bytes an entry in all.
type Index struct {
	ent entries

	hshift uint     // 64 - bucket bits of the hash table
	hoff   []uint32 // hash bucket b holds entries hoff[b] to hoff[b+1]-1

	kshift uint
	koff   []uint32 // key bucket b holds slots koff[b] to koff[b+1]-1
	// kref holds a slot per keyed entry as two words: the key hash's low
	// 32 bits (its top bits pick the bucket), then the entry number.
	kref []uint32

	scratch []uint32 // for building
}

// entry is one index line.
type entry struct {
	h [32]byte // content_sha256
	k uint64   // keyHash of "source|entity|natural_key"; 0: no natural key
	t int64    // observed time, Unix ns; noTime when absent
}

// noTime marks an absent timestamp: older than every real one.
const noTime = indexline.NoTime

const (
	slabBits = 15
	slabMask = 1<<slabBits - 1
)

// slabs is an append-only array in slabs of 32768 elements: growing it
// never copies or doubles, so the peak memory of a load is the memory of
// the result.
type slabs[T any] struct {
	slabs [][]T
	n     int
}

// entries holds the index's entries (1.5 MB slabs).
type entries = slabs[entry]

func (e *slabs[T]) add(x T) {
	if e.n&slabMask == 0 {
		c := 1 << slabBits
		if e.n == 0 {
			c = 64 // a small array stays small; the first slab grows by append
		}
		e.slabs = append(e.slabs, make([]T, 0, c))
	}
	s := &e.slabs[len(e.slabs)-1]
	*s = append(*s, x)
	e.n++
}

func (e *slabs[T]) at(i uint32) *T { return &e.slabs[i>>slabBits][i&slabMask] }

// Len returns the number of entries.
func (ix *Index) Len() int { return ix.ent.n }

// Bytes returns the memory the index holds, in bytes.
func (ix *Index) Bytes() int {
	n := 0
	for _, s := range ix.ent.slabs {
		n += cap(s) * 48
	}
	return n + 4*(len(ix.hoff)+len(ix.koff)+len(ix.kref))
}

// HasHash reports whether content hash h is in the index.
func (ix *Index) HasHash(h *[32]byte) bool {
	b := hashMix(h) >> ix.hshift
	w := binary.LittleEndian.Uint64(h[:8])
	for i, end := ix.hoff[b], ix.hoff[b+1]; i < end; i++ {
		if e := ix.ent.at(i); binary.LittleEndian.Uint64(e.h[:8]) == w && e.h == *h {
			return true
		}
	}
	return false
}

// Current returns the index's record for key hash k: when the index holds
// several versions of one key (a pack keeps history), the newest by t, and
// among equal times the greatest hash, so the choice does not depend on
// the order of the index lines.
func (ix *Index) Current(k uint64) (h [32]byte, t int64, ok bool) {
	if k == 0 {
		return h, 0, false
	}
	b := k >> ix.kshift
	var best *entry
	for i, end := 2*ix.koff[b], 2*ix.koff[b+1]; i < end; i += 2 {
		if ix.kref[i] != uint32(k) {
			continue
		}
		e := ix.ent.at(ix.kref[i+1])
		if e.k == k && (best == nil || e.t > best.t || e.t == best.t && bytes.Compare(e.h[:], best.h[:]) > 0) {
			best = e
		}
	}
	if best == nil {
		return h, 0, false
	}
	return best.h, best.t, true
}

// hashBucketFactor sets the hash table's bucket size: about 8/factor
// entries a bucket (each 48 bytes, side by side).
const hashBucketFactor = 2

// bucketBits gives about eight entries a bucket (four with n doubled).
func bucketBits(n int) uint { return uint(max(1, bits.Len(uint(n/8)))) }

// build permutes the entries into hash buckets and makes the key table.
func (ix *Index) build() {
	m := 0
	for _, s := range ix.ent.slabs {
		for i := range s {
			if s[i].k != 0 {
				m++
			}
		}
	}
	nb := bucketBits(hashBucketFactor * ix.ent.n)
	ix.hshift = 64 - nb
	ix.hoff = ix.sortByHash(nb)
	ix.scratch = nil
	ix.kref = make([]uint32, 2*m)

	// the key table: a counting sort of the keyed entries by key bucket,
	// placing from each bucket's end so the counts become start offsets
	nb = bucketBits(m)
	ix.kshift = 64 - nb
	off := make([]uint32, 1<<nb+1)
	for _, s := range ix.ent.slabs {
		for i := range s {
			if k := s[i].k; k != 0 {
				off[k>>ix.kshift]++
			}
		}
	}
	var sum uint32
	for b := range off[:len(off)-1] {
		sum += off[b]
		off[b] = sum
	}
	off[len(off)-1] = sum
	for si, s := range ix.ent.slabs {
		for i := range s {
			if k := s[i].k; k != 0 {
				b := k >> ix.kshift
				off[b]--
				ix.kref[2*off[b]], ix.kref[2*off[b]+1] = uint32(k), uint32(si<<slabBits|i)
			}
		}
	}
	ix.koff = off
}

// sortByHash permutes the entries in place so that each hash bucket's
// entries are contiguous, and returns the bucket start offsets. It is an
// American flag sort (every entry moves at most once a pass, no second
// copy of the array) in two passes: the top 8 bits first, whose 256
// sequential write fronts keep the caches and TLB warm where one pass over
// millions of buckets would miss on every move, then the rest of the
// bucket bits within each top group, which fits in cache.
func (ix *Index) sortByHash(nb uint) []uint32 {
	n := uint32(ix.ent.n)
	shift := 64 - nb
	d1 := min(nb, 8)
	r := nb - d1
	top := make([]uint32, 1<<d1+1)
	ix.groupBy(0, n, 1<<d1, func(e *entry) int { return int(hashMix(&e.h) >> (64 - d1)) }, top)
	if r == 0 {
		return top
	}
	hoff := make([]uint32, 1<<nb+1)
	sub := make([]uint32, 1<<r+1)
	mask := uint64(1)<<r - 1
	digit := func(e *entry) int { return int(hashMix(&e.h) >> shift & mask) }
	for t := range 1 << d1 {
		ix.groupBy(top[t], top[t+1], 1<<r, digit, sub)
		copy(hoff[t<<r:], sub[:1<<r])
	}
	hoff[1<<nb] = n
	return hoff
}

// groupBy permutes entries lo to hi-1 so that they are grouped by digit
// (0 to nd-1), in digit order: one pass of an American flag sort. start
// (nd+1 long) gets each group's start, start[nd] = hi.
func (ix *Index) groupBy(lo, hi uint32, nd int, digit func(*entry) int, start []uint32) {
	clear(start[:nd+1])
	for i := lo; i < hi; i++ {
		start[digit(ix.ent.at(i))+1]++
	}
	start[0] = lo
	for d := 1; d <= nd; d++ {
		start[d] += start[d-1]
	}
	next := ix.scratch[:0]
	next = append(next, start[:nd]...) // the next unsorted slot of each group
	ix.scratch = next
	for d := range nd {
		for next[d] < start[d+1] {
			i := next[d]
			e := *ix.ent.at(i)
			for {
				dd := digit(&e)
				if dd == d {
					break
				}
				// put e where it belongs, carry on with what was there
				j := next[dd]
				next[dd]++
				e, *ix.ent.at(j) = *ix.ent.at(j), e
			}
			*ix.ent.at(i) = e
			next[d]++
		}
	}
}
