package diff

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
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
const noTime int64 = math.MinInt64

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

// LoadOptions tell Load which entries to keep.
type LoadOptions struct {
	// MaxLine caps one index line (0: envelope.DefaultMaxLine).
	MaxLine int
	// Keep, if set, decides per entry (content hash, key hash) whether it
	// belongs to this process (--shard).
	Keep func(h *[32]byte, k uint64) bool
	// NoKeys drops the keys (--by hash needs none): no key table is built.
	NoKeys bool
	// Resolve, when set, finds the key parts of the records of lines
	// whose k is ambiguous and that have no "kp" (a reference-made pack's
	// index): want maps each such line's chunk file f to the content
	// hashes it names; the result maps a hash to its record's parts. A
	// line it does not resolve is refused, naming it.
	Resolve func(want map[string]map[string]bool) (map[string]envelope.KeyParts, error)
}

// IndexError is a bad line in the index.
type IndexError struct {
	Name  string // the index's name (file path) as given
	Line  int
	Field string
	Err   error
}

func (e *IndexError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: line %d: %v", e.Name, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: line %d: %s: %v", e.Name, e.Line, e.Field, e.Err)
}

func (e *IndexError) Unwrap() error { return e.Err }

// Load reads index lines ({"h","k","id","t","f"} objects, any JSON
// spacing, t in any ISO 8601 form) from r. name is used in errors.
func Load(ctx context.Context, r io.Reader, name string, o LoadOptions) (*Index, error) {
	maxLine := o.MaxLine
	if maxLine <= 0 {
		maxLine = envelope.DefaultMaxLine
	}
	br := bufio.NewReaderSize(r, 256<<10)
	ix := &Index{}
	var buf, kbuf []byte
	var scratch entry
	var pending []unresolved
	for line := 1; ; line++ {
		b, err := readLine(br, &buf, maxLine)
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *envelope.LineError
			if errors.As(err, &le) {
				return nil, &IndexError{Name: name, Line: line, Err: le.Err}
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if line&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b = bytes.TrimSpace(b)
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(b) == 0 {
			continue
		}
		e := &scratch // one entry for all lines: &e would escape per line through Keep
		*e = entry{}
		var field string
		if kbuf, field, err = parseIndexLine(b, e, kbuf); err != nil && !(o.NoKeys && err == errAmbiguousKey) {
			if err != errAmbiguousKey || o.Resolve == nil {
				return nil, &IndexError{Name: name, Line: line, Field: field, Err: err}
			}
			// resolved from the record once the index is read
			pending = append(pending, unresolved{line: line, e: *e, file: member(b, "/f"), k: member(b, "/k")})
			continue
		}
		if o.NoKeys {
			e.k = 0
		}
		if o.Keep != nil && !o.Keep(&e.h, e.k) {
			continue
		}
		if ix.ent.n == math.MaxUint32 {
			return nil, fmt.Errorf("%s: more than %d entries", name, uint32(math.MaxUint32))
		}
		ix.ent.add(*e)
	}
	if err := resolveKeys(pending, name, o, &ix.ent); err != nil {
		return nil, err
	}
	ix.build()
	return ix, nil
}

// unresolved is an index line whose k is ambiguous, waiting for its
// record's key parts.
type unresolved struct {
	line    int
	e       entry
	file, k string // its "f" and "k"
}

// member returns the string at pointer ptr of the JSON object b ("" when
// it is absent or not a string).
func member(b []byte, ptr string) string {
	raw, ok, err := jsonscan.Pointer(b, ptr)
	if !ok || err != nil {
		return ""
	}
	s, _ := jsonscan.Unquote(raw)
	return s
}

// resolveKeys keys the pending lines by their records' parts (o.Resolve),
// adds those o.Keep keeps to ent, and refuses a line whose record is not
// where its f says.
func resolveKeys(pending []unresolved, name string, o LoadOptions, ent *entries) error {
	if len(pending) == 0 {
		return nil
	}
	want := map[string]map[string]bool{}
	for _, p := range pending {
		if want[p.file] == nil {
			want[p.file] = map[string]bool{}
		}
		want[p.file][hex.EncodeToString(p.e.h[:])] = true
	}
	parts, err := o.Resolve(want)
	if err != nil {
		return fmt.Errorf("%s: resolving ambiguous keys from the chunks: %w", name, err)
	}
	for _, p := range pending {
		kp, ok := parts[hex.EncodeToString(p.e.h[:])]
		if !ok || kp.Text() != p.k {
			return &IndexError{Name: name, Line: p.line, Field: "k", Err: fmt.Errorf("%w; and its record is not in f %q to say", errAmbiguousKey, p.file)}
		}
		e := p.e
		e.k = keyHash(kp)
		if o.Keep != nil && !o.Keep(&e.h, e.k) {
			continue
		}
		ent.add(e)
	}
	return nil
}

// readLine returns the next line without its end, using *buf only for a
// line longer than the reader's buffer.
func readLine(br *bufio.Reader, buf *[]byte, maxLine int) ([]byte, error) {
	tooLong := func() error {
		return &envelope.LineError{Err: fmt.Errorf("%w: over %d bytes (raise --max-line)", envelope.ErrTooLong, maxLine)}
	}
	b, err := br.ReadSlice('\n')
	if err == nil || err == io.EOF && len(b) > 0 {
		if b = trimEOL(b); len(b) > maxLine {
			return nil, tooLong()
		}
		return b, nil
	}
	if err != bufio.ErrBufferFull {
		return nil, err
	}
	*buf = append((*buf)[:0], b...)
	for err == bufio.ErrBufferFull {
		b, err = br.ReadSlice('\n')
		*buf = append(*buf, b...)
		if len(*buf) > maxLine+2 {
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			return nil, tooLong()
		}
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	return trimEOL(*buf), nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// parseIndexLine fills e from one index line without allocating (kbuf is
// scratch space for a key with escapes). It returns the offending field on
// error.
func parseIndexLine(b []byte, e *entry, kbuf []byte) ([]byte, string, error) {
	if b[0] != '{' {
		if err := jsonscan.Valid(b); err != nil {
			return kbuf, "", err
		}
		return kbuf, "", errors.New("not a JSON object")
	}
	e.t = noTime
	haveH, haveKP, ambiguous := false, false, false
	i := jsonscan.SkipSpace(b, 1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return kbuf, "", &jsonscan.SyntaxError{Offset: i, Msg: "want an object key string"}
			}
			kend, err := jsonscan.SkipString(b, i)
			if err != nil {
				return kbuf, "", err
			}
			name := b[i+1 : kend-1]
			i = jsonscan.SkipSpace(b, kend)
			if i >= len(b) || b[i] != ':' {
				return kbuf, "", &jsonscan.SyntaxError{Offset: i, Msg: "want ':' after object key"}
			}
			i = jsonscan.SkipSpace(b, i+1)
			vs := i
			if i, err = jsonscan.Skip(b, i); err != nil {
				return kbuf, string(name), err
			}
			v := b[vs:i]
			switch string(name) {
			case "h":
				if len(v) != 66 || v[0] != '"' || !decodeDigest(&e.h, v[1:65]) {
					return kbuf, "h", fmt.Errorf("not a lowercase hex SHA-256 digest: %s", clip(v))
				}
				haveH = true
			case "k":
				switch {
				case string(v) == "null": // no key (e.k stays 0, or kp's)
				case v[0] != '"':
					return kbuf, "k", fmt.Errorf("want a string, got %s", clip(v))
				default:
					txt := v[1 : len(v)-1]
					if bytes.IndexByte(txt, '\\') >= 0 {
						if kbuf, err = jsonscan.AppendUnquote(kbuf[:0], v); err != nil {
							return kbuf, "k", err
						}
						txt = kbuf
					}
					if !haveKP {
						e.k, ambiguous = keyTextHash(txt)
					}
				}
			case "kp":
				if string(v) == "null" {
					break
				}
				p, err := envelope.ParseKeyParts(v)
				if err != nil {
					return kbuf, "kp", err
				}
				e.k, haveKP, ambiguous = keyHash(p), true, false
			case "t":
				switch {
				case string(v) == "null":
					e.t = noTime
				case v[0] != '"':
					return kbuf, "t", fmt.Errorf("want an ISO 8601 string, got %s", clip(v))
				default:
					t, ok := fastTime(v[1 : len(v)-1])
					if !ok {
						tt, err := envelope.ParseTime(string(v[1 : len(v)-1]))
						if err != nil {
							return kbuf, "t", err
						}
						t = unixNano(tt)
					}
					e.t = t
				}
			}
			i = jsonscan.SkipSpace(b, i)
			if i >= len(b) {
				return kbuf, "", &jsonscan.SyntaxError{Offset: i, Msg: "unexpected end of line in object"}
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return kbuf, "", &jsonscan.SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected %q, want ',' or '}'", b[i])}
			}
			i = jsonscan.SkipSpace(b, i+1)
		}
	}
	if j := jsonscan.SkipSpace(b, i); j != len(b) {
		return kbuf, "", &jsonscan.SyntaxError{Offset: j, Msg: "unexpected text after the object"}
	}
	if !haveH {
		return kbuf, "h", errors.New("missing (required)")
	}
	if ambiguous {
		return kbuf, "k", errAmbiguousKey
	}
	return kbuf, "", nil
}

// errAmbiguousKey is a reference-format index line whose k has more than
// two '|' and no "kp": it cannot tell which (source_system, entity_type,
// natural_key) it names, and a guess could take one key for another.
// Only a comparison by key needs to know (--by hash does not).
var errAmbiguousKey = errors.New(`more than two '|': cannot tell source_system, entity_type and natural_key apart, ` +
	`and this line has no "kp" (key parts) saying which; give the pack folder as --against (its chunks say), ` +
	`or run xr-pack index --rebuild DIR (it writes them)`)

// unhex maps a lowercase hex digit to its value, anything else to 0xff.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// decodeDigest decodes 64 lowercase hex digits into h, reporting whether
// they were that (envelope.IsDigest and hex.Decode in one pass).
func decodeDigest(h *[32]byte, b []byte) bool {
	if len(b) != 64 {
		return false
	}
	var bad byte
	for i := range h {
		hi, lo := unhex[b[2*i]], unhex[b[2*i+1]]
		bad |= hi | lo
		h[i] = hi<<4 | lo
	}
	return bad&0xf0 == 0
}

func clip(v []byte) string {
	if len(v) > 80 {
		return string(v[:77]) + "..."
	}
	return string(v)
}

var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// unixNano returns t in Unix nanoseconds, clamped to the int64 range
// (years 1678 to 2262); noTime stays reserved for "absent".
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64 + 1
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// fastTime parses the common forms YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
// without allocating; anything else is left to envelope.ParseTime, whose
// results it matches exactly.
func fastTime(s []byte) (int64, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	d := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	for _, i := range [...]int{0, 2, 5, 8, 11, 14, 17} {
		if s[i] < '0' || s[i] > '9' || s[i+1] < '0' || s[i+1] > '9' {
			return 0, false
		}
	}
	year := d(0)*100 + d(2)
	mon, day, hh, mm, ss := d(5), d(8), d(11), d(14), d(17)
	if mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 1 {
			return 0, false
		}
		for k := 1; k <= 9; k++ {
			nsec *= 10
			if k < j {
				nsec += int(rest[k] - '0')
			}
		}
		rest = rest[j:]
	}
	off := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		for _, c := range [...]byte{rest[1], rest[2], rest[4], rest[5]} {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		oh, om := int(rest[1]-'0')*10+int(rest[2]-'0'), int(rest[4]-'0')*10+int(rest[5]-'0')
		if oh > 23 || om > 59 {
			return 0, false
		}
		off = oh*3600 + om*60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return 0, false
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, time.UTC)
	if t.Day() != day {
		return 0, false
	}
	return unixNano(t.Add(-time.Duration(off) * time.Second)), true
}
