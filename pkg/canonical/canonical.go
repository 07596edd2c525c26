// Package canonical writes the canonical JSON text that xr hashes, byte for
// byte as the reference tool (Python's json module) writes it:
//
//   - object keys NFC-normalized, sorted by code point, the last of equal
//     keys winning; no whitespace;
//   - strings NFC-normalized and escaped as json.dumps(ensure_ascii=False)
//     does; a lone surrogate escape is an error, as in the reference;
//   - integers exact at any size ("-0" → "0"), at most 4300 digits
//     (CPython's limit: the reference cannot read more);
//   - floats rounded to 15 significant digits, then written in Python's
//     shortest repr ("1.0", "1e-05", "1e+16"); a lexeme that overflows a
//     double becomes the string "Infinity"; a double that overflows only
//     after rounding becomes the bare token Infinity.
//
// It reads the raw JSON text in one pass and validates it as it goes, so
// no Go value tree is ever built.
package canonical

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// Canonicalizer holds reusable scratch space; the zero value is ready. It
// is not safe for concurrent use.
type Canonicalizer struct {
	members []member
	keys    []byte
	scratch []byte
	str     []byte
}

// member is one object member already written to dst[start:end] as
// `"key":value`; its NFC key bytes are keys[kOff:kEnd], the key as decoded
// (before NFC) keys[dOff:dEnd].
type member struct {
	kOff, kEnd int
	dOff, dEnd int
	start, end int
}

// Append appends the canonical form of the single JSON value in b (which
// may be surrounded by whitespace) to dst.
func Append(dst, b []byte) ([]byte, error) {
	var c Canonicalizer
	return c.Append(dst, b)
}

// Append is the package-level Append with reused scratch space.
func (c *Canonicalizer) Append(dst, b []byte) ([]byte, error) {
	i := jsonscan.SkipSpace(b, 0)
	dst, i, err := c.value(dst, b, i, 0)
	if err != nil {
		return dst, err
	}
	if j := jsonscan.SkipSpace(b, i); j != len(b) {
		return dst, &jsonscan.SyntaxError{Offset: j, Msg: "unexpected text after the value"}
	}
	return dst, nil
}

func (c *Canonicalizer) value(dst, b []byte, i, depth int) ([]byte, int, error) {
	if i >= len(b) {
		return dst, i, &jsonscan.SyntaxError{Offset: i, Msg: "unexpected end of input, want a value"}
	}
	switch ch := b[i]; {
	case ch == '"':
		return c.string(dst, b, i)
	case ch == '{':
		return c.object(dst, b, i, depth+1)
	case ch == '[':
		return c.array(dst, b, i, depth+1)
	case ch == '-' || (ch >= '0' && ch <= '9'):
		end, err := jsonscan.SkipNumber(b, i)
		if err != nil {
			return dst, end, err
		}
		dst, err = AppendNumber(dst, b[i:end])
		if err != nil {
			return dst, end, fmt.Errorf("number at byte %d: %w", i, err)
		}
		return dst, end, nil
	default:
		end, err := jsonscan.Skip(b, i) // true, false, null or an error
		if err != nil {
			return dst, end, err
		}
		return append(dst, b[i:end]...), end, nil
	}
}

// plainASCII marks printable ASCII bytes other than '"' and '\\': inside a
// string they stand for themselves in canonical form.
var plainASCII = func() (t [256]bool) {
	for ch := 0x20; ch < 0x80; ch++ {
		t[ch] = ch != '"' && ch != '\\'
	}
	return t
}()

// string writes the canonical form of the string literal at b[i]. Most
// strings are canonical as they stand (NFC-safe runes, and only the
// escapes \" \\ \b \f \n \r \t, which canonical form keeps), so it first
// looks for the end of that verbatim prefix and copies it in one go; from
// a \u or \/ escape on it rewrites (rewrite), and a string with a rune
// that is not NFC-safe takes the exact path through package norm.
func (c *Canonicalizer) string(dst, b []byte, i int) ([]byte, int, error) {
	j := i + 1
	for {
		for j+8 <= len(b) { // long plain ASCII runs, eight bytes at a time
			x := binary.LittleEndian.Uint64(b[j:])
			if jsonscan.StopMask(x)|x&0x8080808080808080 != 0 {
				break
			}
			j += 8
		}
	text: // mixed text, a byte or a rune at a time
		for j < len(b) {
			switch ch := b[j]; {
			case plainASCII[ch]:
				j++
			case ch >= 0xc2 && ch < 0xcc && j+1 < len(b) && b[j+1]&0xc0 == 0x80:
				j += 2 // U+0080..U+02FF (Latin-1, Latin Extended): always NFC-safe
			case ch >= 0x80:
				r, size := decodeRune(b, j)
				if r < 0 || r >= 0x300 && !nfcSafe(r) {
					return c.stringExact(dst, b, i)
				}
				j += size
			default:
				break text
			}
		}
		if j >= len(b) {
			return c.stringExact(dst, b, i)
		}
		switch ch := b[j]; {
		case ch == '"':
			return append(dst, b[i:j+1]...), j + 1, nil
		case ch == '\\' && j+1 < len(b) && keptEscape[b[j+1]]:
			j += 2
		case ch == '\\':
			return c.rewrite(append(dst, b[i:j]...), len(dst), b, i, j)
		default:
			return c.stringExact(dst, b, i)
		}
	}
}

// keptEscape marks the escapes canonical form writes as they are.
var keptEscape = [256]bool{'"': true, '\\': true, 'b': true, 'f': true, 'n': true, 'r': true, 't': true}

// rewrite goes on writing the string literal begun at b[i] from b[j],
// decoding escapes and writing canonical ones; dst already holds b[i:j]
// (from start on). It falls back to the exact path like string does.
func (c *Canonicalizer) rewrite(dst []byte, start int, b []byte, i, j int) ([]byte, int, error) {
	for {
		k, _ := jsonscan.PlainRun(b, j, true)
		dst = append(dst, b[j:k]...)
		j = k
		if j >= len(b) {
			break // error: let the exact path report it
		}
		ch := b[j]
		if ch == '"' {
			return append(dst, '"'), j + 1, nil
		}
		if ch < 0x20 {
			break
		}
		if ch >= 0x80 {
			r, size := decodeRune(b, j)
			if r < 0 || r >= 0x300 && !nfcSafe(r) {
				break
			}
			dst = append(dst, b[j:j+size]...)
			j += size
			continue
		}
		// a backslash escape
		if j+1 >= len(b) {
			break
		}
		switch e := b[j+1]; e {
		case '"', '\\', 'b', 'f', 'n', 'r', 't':
			dst = append(dst, '\\', e)
			j += 2
			continue
		case '/':
			dst = append(dst, '/')
			j += 2
			continue
		case 'u':
			if j+6 > len(b) {
				break
			}
			r := rune(hex4(b[j+2 : j+6]))
			if r < 0 || r >= 0xd800 && r <= 0xdfff || !nfcSafe(r) {
				break // surrogates, bad hex, unsafe runes: exact path
			}
			dst = jsonscan.AppendQuoteRune(dst, r)
			j += 6
			continue
		}
		break
	}
	return c.stringExact(dst[:start], b, i)
}

// decodeRune decodes the UTF-8 sequence at b[j] (b[j] >= 0x80), inline
// for the two- and three-byte forms; r < 0 means invalid UTF-8.
func decodeRune(b []byte, j int) (r rune, size int) {
	c := b[j]
	switch {
	case c >= 0xc2 && c < 0xe0 && j+1 < len(b) && b[j+1]&0xc0 == 0x80:
		return rune(c&0x1f)<<6 | rune(b[j+1]&0x3f), 2
	case c >= 0xe0 && c < 0xf0 && j+2 < len(b) && b[j+1]&0xc0 == 0x80 && b[j+2]&0xc0 == 0x80:
		r = rune(c&0x0f)<<12 | rune(b[j+1]&0x3f)<<6 | rune(b[j+2]&0x3f)
		if r < 0x800 || r >= 0xd800 && r <= 0xdfff {
			return -1, 1
		}
		return r, 3
	}
	r, size = utf8.DecodeRune(b[j:])
	if r == utf8.RuneError && size <= 1 {
		return -1, 1
	}
	return r, size
}

// hex4 decodes four hex digits, or returns -1.
func hex4(h []byte) int {
	v := 0
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return -1
		}
	}
	return v
}

// stringExact is the exact path: validate, decode, NFC, quote.
func (c *Canonicalizer) stringExact(dst, b []byte, i int) ([]byte, int, error) {
	end, err := jsonscan.SkipString(b, i)
	if err != nil {
		return dst, end, err
	}
	c.str, err = c.text(c.str[:0], b[i:end])
	if err != nil {
		return dst, end, &jsonscan.SyntaxError{Offset: i, Msg: err.Error()}
	}
	return jsonscan.AppendQuote(dst, c.str), end, nil
}

// text appends the NFC text of a validated string literal to dst.
func (c *Canonicalizer) text(dst, raw []byte) ([]byte, error) {
	start := len(dst)
	dst, err := jsonscan.AppendUnquote(dst, raw)
	if err != nil {
		return dst, err
	}
	if !norm.NFC.IsNormal(dst[start:]) {
		c.scratch = append(c.scratch[:0], dst[start:]...)
		dst = norm.NFC.Append(dst[:start], c.scratch...)
	}
	return dst, nil
}

func (c *Canonicalizer) array(dst, b []byte, i, depth int) ([]byte, int, error) {
	if depth > jsonscan.MaxDepth {
		return dst, i, jsonscan.TooDeep(i)
	}
	dst = append(dst, '[')
	i, more, err := jsonscan.FirstElement(b, i)
	for n := 0; more && err == nil; n++ {
		if n > 0 {
			dst = append(dst, ',')
		}
		if dst, i, err = c.value(dst, b, i, depth); err == nil {
			i, more, err = jsonscan.NextElement(b, i)
		}
	}
	if err != nil {
		return dst, i, err
	}
	return append(dst, ']'), i, nil
}

func (c *Canonicalizer) object(dst, b []byte, i, depth int) ([]byte, int, error) {
	if depth > jsonscan.MaxDepth {
		return dst, i, jsonscan.TooDeep(i)
	}
	region := len(dst)
	dst = append(dst, '{')
	base, keyBase := len(c.members), len(c.keys)
	defer func() { c.members, c.keys = c.members[:base], c.keys[:keyBase] }()
	o := jsonscan.ObjectAt(b, i)
	for o.Next() {
		dOff := len(c.keys)
		var err error
		if c.keys, err = jsonscan.AppendUnquote(c.keys, o.Key()); err != nil {
			return dst, o.KeyStart(), &jsonscan.SyntaxError{Offset: o.KeyStart(), Msg: "object key: " + err.Error()}
		}
		dEnd, kOff := len(c.keys), dOff
		if !norm.NFC.IsNormal(c.keys[dOff:]) {
			kOff = len(c.keys)
			c.keys = norm.NFC.Append(c.keys, c.keys[dOff:dEnd]...)
		}
		start := len(dst)
		dst = jsonscan.AppendQuote(dst, c.keys[kOff:])
		dst = append(dst, ':')
		var end int
		if dst, end, err = c.value(dst, b, o.ValueStart(), depth); err != nil {
			return dst, end, err
		}
		o.SetValueEnd(end)
		c.members = append(c.members, member{kOff: kOff, kEnd: len(c.keys), dOff: dOff, dEnd: dEnd, start: start, end: len(dst)})
	}
	if err := o.Err(); err != nil {
		return dst, o.End(), err
	}
	i = o.End()
	if len(c.members) == base {
		return append(dst, '}'), i, nil
	}
	return c.sortMembers(dst, region, c.members[base:]), i, nil
}

// sortMembers rewrites the members written at dst[region:] in key order,
// comma-separated, with one member per key as the reference keeps it (see
// winner).
func (c *Canonicalizer) sortMembers(dst []byte, region int, ms []member) []byte {
	key := func(m member) []byte { return c.keys[m.kOff:m.kEnd] }
	ordered := true
	for k := 1; k < len(ms); k++ {
		if bytes.Compare(key(ms[k-1]), key(ms[k])) >= 0 {
			ordered = false
			break
		}
	}
	if ordered { // common case: members are adjacent; only commas are missing
		if len(ms) == 1 {
			return append(dst, '}')
		}
		c.scratch = append(c.scratch[:0], dst[region:]...)
	} else {
		c.scratch = append(c.scratch[:0], dst[region:]...)
		slices.SortStableFunc(ms, func(a, b member) int { return bytes.Compare(key(a), key(b)) })
	}
	dst = append(dst[:region], '{')
	for k := 0; k < len(ms); {
		n := 1
		for k+n < len(ms) && bytes.Equal(key(ms[k]), key(ms[k+n])) {
			n++
		}
		m := ms[k]
		if n > 1 {
			m = c.winner(ms[k : k+n])
		}
		if dst[len(dst)-1] != '{' {
			dst = append(dst, ',')
		}
		dst = append(dst, c.scratch[m.start-region:m.end-region]...)
		k += n
	}
	return append(dst, '}')
}

// winner picks, among members whose keys are equal after NFC (in input
// order), the one the reference keeps. Python's json.loads keeps one entry
// per exact key, placed at its first occurrence with its last value; the
// NFC dict built from it then lets the entry placed last win. So: the
// exact key whose first occurrence is latest, with its last value.
func (c *Canonicalizer) winner(run []member) member {
	exact := func(m member) []byte { return c.keys[m.dOff:m.dEnd] }
	best := 0 // index of the first occurrence of the winning exact key
	for k := range run {
		first := k
		for j := 0; j < k; j++ {
			if bytes.Equal(exact(run[j]), exact(run[k])) {
				first = j
				break
			}
		}
		if first == k {
			best = k
		}
	}
	w := run[best]
	for _, m := range run[best:] {
		if bytes.Equal(exact(m), exact(run[best])) {
			w = m
		}
	}
	return w
}

// AppendNumber appends the canonical form of a valid JSON number lexeme,
// as jsonscan.SkipNumber delimits it (which refuses an integer of more
// than jsonscan.MaxIntDigits digits, as the reference does).
func AppendNumber(dst, lex []byte) ([]byte, error) {
	if !bytes.ContainsAny(lex, ".eE") {
		if string(lex) == "-0" {
			return append(dst, '0'), nil
		}
		return append(dst, lex...), nil
	}
	f, err := strconv.ParseFloat(string(lex), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return dst, err
	}
	if math.IsInf(f, 0) { // the lexeme itself overflows: the reference writes a string
		if f < 0 {
			return append(dst, `"-Infinity"`...), nil
		}
		return append(dst, `"Infinity"`...), nil
	}
	return AppendFloat(dst, f), nil
}

// AppendFloat appends f as the reference does: rounded to 15 significant
// digits, then in Python's repr form.
func AppendFloat(dst []byte, f float64) []byte {
	var buf [32]byte
	r, _ := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], f, 'e', 14, 64)), 64)
	switch {
	case math.IsInf(r, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(r, -1):
		return append(dst, "-Infinity"...)
	case r == 0:
		return append(dst, "0.0"...) // also -0.0
	}
	return appendRepr(dst, r)
}

// appendRepr writes Python's repr of a finite, non-zero double: the
// shortest round-trip digits, fixed notation for decimal exponents -4..15
// (always with a fractional part), scientific otherwise ("1e-05", "1e+16").
func appendRepr(dst []byte, f float64) []byte {
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // -d.ddde±XX
	if s[0] == '-' {
		dst = append(dst, '-')
		s = s[1:]
	}
	e := bytes.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(string(s[e+1:]))
	var digits [24]byte
	d := append(digits[:0], s[0])
	if e > 1 {
		d = append(d, s[2:e]...)
	}
	if exp < -4 || exp > 15 {
		dst = append(dst, d[0])
		if len(d) > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	point := exp + 1 // digits before the decimal point
	switch {
	case point <= 0:
		dst = append(dst, '0', '.')
		for k := 0; k < -point; k++ {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case point >= len(d):
		dst = append(dst, d...)
		for k := len(d); k < point; k++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	default:
		dst = append(dst, d[:point]...)
		dst = append(dst, '.')
		return append(dst, d[point:]...)
	}
}
