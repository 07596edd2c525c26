package redact

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// how the walker reads the value at hand
const (
	modePlain   = iota
	modeHeaders // under a "headers" key: members are headers, or a header list
	modeEntry   // a {"name","value"} entry of a header list; hdr is its rule id
	modePair    // a ["name","value"] pair of a header list; hdr is its rule id
)

// seg is one step of the JSON Pointer to the value at hand.
type seg struct {
	key []byte // raw JSON key string, quotes included; nil for an index
	idx int
}

// walker redacts one JSON value. It copies nothing until a secret is
// found; then out holds the value's bytes up to copied, with every secret
// replaced.
type walker struct {
	r       *Redactor
	sc      *scanner
	src     []byte
	out     []byte
	copied  int
	changed bool
	field   string // the pointer of the walked value ("/request")
	path    []seg

	// what fired, for the whole record: rule ids in first-seen order and,
	// with wantPointers, (pointer, rule) pairs
	ids          []string
	finds        []Finding
	wantPointers bool

	kbuf [maxName]byte
	nbuf [maxName]byte
	dec  []byte // a string's decoded text
	txt  []byte // the text with its secrets replaced
	enc  []byte // that text as a JSON string
}

func newWalker(r *Redactor) *walker {
	return &walker{r: r, sc: newScanner(r)}
}

// reset starts a new record.
func (w *walker) reset() {
	w.ids, w.finds = w.ids[:0], w.finds[:0]
}

// walk redacts the valid JSON value src, appending the result to dst. It
// reports whether anything was redacted; if not, dst is returned as is.
func (w *walker) walk(dst, src []byte, field string) ([]byte, bool) {
	w.src, w.out, w.copied, w.changed, w.field = src, dst, 0, false, field
	w.path = w.path[:0]
	i := jsonscan.SkipSpace(src, 0)
	w.value(i, modePlain, "")
	if !w.changed {
		return dst, false
	}
	w.out = append(w.out, src[w.copied:]...)
	return w.out, true
}

func (w *walker) value(i, mode int, hdr string) int {
	switch w.src[i] {
	case '"':
		end := stringEnd(w.src, i)
		w.text(i, end)
		return end
	case '{':
		return w.object(i, mode, hdr)
	case '[':
		return w.array(i, mode, hdr)
	default:
		return scalarEnd(w.src, i)
	}
}

func (w *walker) object(i, mode int, hdr string) int {
	o := jsonscan.ValidObjectAt(w.src, i)
	for o.Next() {
		key := o.Key()
		w.path = append(w.path, seg{key: key})
		o.SetValueEnd(w.member(key, o.ValueStart(), mode, hdr))
		w.path = w.path[:len(w.path)-1]
	}
	return o.End()
}

// member walks the value at v of the object member named key.
func (w *walker) member(key []byte, v, mode int, hdr string) int {
	r := w.r
	lk := w.lowerKey(key)
	if lk == nil {
		return w.value(v, modePlain, "")
	}
	switch mode {
	case modeHeaders:
		if id, ok := r.headers[string(lk)]; ok {
			return w.whole(v, id, nil)
		}
	case modeEntry:
		if hdr != "" && string(lk) == "value" {
			return w.headerValue(v, hdr)
		}
	}
	if r.builtin {
		if id, n := w.keyRule(lk, v, mode); id != "" {
			return w.whole(v, id, n)
		}
	}
	switch {
	case len(r.headers) > 0 && (bytes.HasSuffix(lk, []byte("headers")) || string(lk) == "header"):
		return w.value(v, modeHeaders, "")
	case mode == modeHeaders && w.src[v] == '{':
		return w.value(v, modeHeaders, "") // grouped headers: {"common": {…}}
	}
	return w.value(v, modePlain, "")
}

// keyRule returns the rule id under which the value at v of the member
// named lk (lower case) is a secret, and the name whose value test its
// strings must pass (nil: every value but the non-secrets), or "". In
// order: a vendor's shape under a name mentioning the vendor, a secret
// name (in a headers object: header:NAME), a high-entropy value under a
// secret-ish name.
func (w *walker) keyRule(lk []byte, v, mode int) (string, *nameRule) {
	norm := w.r.names.norm(w.nbuf[:0], lk)
	if norm == nil {
		return "", nil
	}
	n := w.r.names.lookupNorm(norm)
	vendor, weak := mayContext(norm), n == nil && weakName(norm)
	var s []byte // the value's text, when it is a string without escapes
	if (vendor || weak) && w.src[v] == '"' {
		if e := stringEnd(w.src, v); bytes.IndexByte(w.src[v+1:e-1], '\\') < 0 {
			s = w.src[v+1 : e-1]
		}
	}
	if vendor && s != nil {
		if id := contextID(norm, s); id != "" {
			return id, nil
		}
	}
	switch {
	case n != nil && mode == modeHeaders:
		return "header:" + string(lk), nil
	case n != nil:
		return n.key, n
	case weak && s != nil && highEntropy(s):
		return GenericID, nil
	}
	return "", nil
}

// array walks the array at i. Its loop is jsonscan's FirstElement and
// NextElement written out: the walk's inner loop, where a call per
// element costs ~6 % more instructions on array-heavy records (callgrind,
// xr-redact over records of short numeric arrays); its input is valid, so
// it has no errors to word.
func (w *walker) array(i, mode int, hdr string) int {
	b := w.src
	i = jsonscan.SkipSpace(b, i+1)
	if b[i] == ']' {
		return i + 1
	}
	for idx := 0; ; idx++ {
		w.path = append(w.path, seg{idx: idx})
		switch {
		case mode == modeHeaders && b[i] == '{':
			i = w.object(i, modeEntry, w.entryHeader(i))
		case mode == modeHeaders && b[i] == '[':
			i = w.array(i, modePair, w.pairHeader(i))
		case mode == modePair && idx > 0 && hdr != "":
			i = w.headerValue(i, hdr)
		default:
			i = w.value(i, modePlain, "")
		}
		w.path = w.path[:len(w.path)-1]
		i = jsonscan.SkipSpace(b, i)
		if b[i] != ',' {
			return i + 1 // ']'
		}
		i = jsonscan.SkipSpace(b, i+1)
	}
}

// entryHeader returns the rule id of the header named by the "name" (or
// "key") member of the header-list entry at i, or "".
func (w *walker) entryHeader(i int) string {
	o := jsonscan.ObjectAt(w.src, i)
	for o.Next() {
		if lk := w.lowerKey(o.Key()); string(lk) == "name" || string(lk) == "key" {
			if v, err := o.Value(); err == nil && v[0] == '"' {
				return w.headerID(v)
			}
		}
	}
	return ""
}

// pairHeader returns the rule id of the header named by the first element
// of the ["name", "value"] pair at i, or "".
func (w *walker) pairHeader(i int) string {
	i = jsonscan.SkipSpace(w.src, i+1)
	if i < len(w.src) && w.src[i] == '"' {
		return w.headerID(w.src[i:stringEnd(w.src, i)])
	}
	return ""
}

func (w *walker) headerID(rawName []byte) string {
	lk := w.lowerKey(rawName)
	if lk == nil {
		return ""
	}
	if id, ok := w.r.headers[string(lk)]; ok {
		return id
	}
	if w.r.builtin {
		return "?" + string(lk) // decided with the value: headerValue
	}
	return ""
}

// headerValue redacts the value at v of a header-list entry whose header
// hdr names: a rule id, or "?" and the header's name in lower case, which
// may be a secret name or mention a vendor (keyRule decides).
func (w *walker) headerValue(v int, hdr string) int {
	if hdr[0] != '?' {
		return w.whole(v, hdr, nil)
	}
	if id, n := w.keyRule([]byte(hdr[1:]), v, modeHeaders); id != "" {
		return w.whole(v, id, n)
	}
	return w.value(v, modePlain, "")
}

// lowerKey returns the ASCII-lowercased text of the raw JSON string key,
// or nil when it is longer than maxName.
func (w *walker) lowerKey(key []byte) []byte {
	s := key[1 : len(key)-1]
	if len(s) > maxName {
		return nil
	}
	if bytes.IndexByte(s, '\\') >= 0 {
		d, err := jsonscan.AppendUnquote(w.dec[:0], key)
		if err != nil || len(d) > maxName {
			return nil
		}
		w.dec, s = d, d
	}
	k := w.kbuf[:len(s)]
	for j, c := range s {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		k[j] = c
	}
	return k
}

// whole redacts the value at i as a whole (a header's or a secret-naming
// key's value): a string or number becomes "[REDACTED]", and so does every
// string or number of an array (a multi-valued header). Objects are walked
// as usual: their own keys say what in them is secret. With a name n whose
// value test is not anyValue, only strings passing it are redacted (the
// others are scanned as text), and numbers are kept.
func (w *walker) whole(i int, id string, n *nameRule) int {
	b := w.src
	switch c := b[i]; {
	case c == '"':
		end := stringEnd(b, i)
		if w.secretString(b[i:end], n) {
			w.replace(i, end, quotedPlaceholder, id)
		} else if n != nil && n.test != anyValue {
			w.text(i, end)
		}
		return end
	case c == '-' || c >= '0' && c <= '9':
		end := scalarEnd(b, i)
		if n == nil || n.test == anyValue {
			w.replace(i, end, quotedPlaceholder, id)
		}
		return end
	case c == '[':
		i, more, _ := jsonscan.FirstElement(b, i) // b is valid: no error
		for idx := 0; more; idx++ {
			w.path = append(w.path, seg{idx: idx})
			i = w.whole(i, id, n)
			w.path = w.path[:len(w.path)-1]
			i, more, _ = jsonscan.NextElement(b, i)
		}
		return i
	default:
		return w.value(i, modePlain, "")
	}
}

// secretString reports whether the JSON string q (quotes included) under
// a secret name is a secret: not a documented non-secret, and passing the
// name's value test (n nil: any value).
func (w *walker) secretString(q []byte, n *nameRule) bool {
	s := q[1 : len(q)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		d, err := jsonscan.AppendUnquote(w.dec[:0], q)
		if err == nil {
			w.dec, s = d, d
		}
	}
	if n == nil {
		return !isNonSecret(s)
	}
	return n.passes(s)
}

var quotedPlaceholder = []byte(`"` + Placeholder + `"`)

// text scans the string at b[i:end] for secrets inside its text and
// replaces each one.
func (w *walker) text(i, end int) {
	raw := w.src[i+1 : end-1]
	if len(raw) < minText {
		return
	}
	t := raw
	var spans []span
	if bytes.IndexByte(raw, '\\') >= 0 {
		m, ok := w.sc.mayHold(raw)
		if !ok {
			return
		}
		d, err := jsonscan.AppendUnquote(w.dec[:0], w.src[i:end])
		w.dec = d
		if err != nil {
			// an unpaired surrogate escape: no text to re-encode, so a
			// string in which any rule fires is replaced as a whole
			if spans := w.sc.scan(raw); len(spans) > 0 {
				w.replace(i, end, quotedPlaceholder, w.sc.ids...)
			}
			return
		}
		t = d
		spans = w.sc.scanMask(t, m)
	} else {
		spans = w.sc.scan(t)
	}
	if len(spans) == 0 {
		return
	}
	txt, last := w.txt[:0], 0
	for _, sp := range spans {
		txt = append(append(txt, t[last:sp.s]...), Placeholder...)
		last = sp.e
	}
	w.txt = append(txt, t[last:]...)
	w.enc = jsonscan.AppendQuote(w.enc[:0], w.txt)
	w.replace(i, end, w.enc, w.sc.ids...)
}

// replace puts repl in place of src[s:e] and records the fired rules.
func (w *walker) replace(s, e int, repl []byte, ids ...string) {
	w.out = append(append(w.out, w.src[w.copied:s]...), repl...)
	w.copied, w.changed = e, true
	var ptr string
	if w.wantPointers {
		ptr = w.pointer()
	}
	for _, id := range ids {
		if !containsString(w.ids, id) {
			w.ids = append(w.ids, id)
		}
		if w.wantPointers {
			w.finds = append(w.finds, Finding{Pointer: ptr, Rule: id})
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pointer returns the JSON Pointer (RFC 6901) of the value at hand.
func (w *walker) pointer() string {
	var sb strings.Builder
	sb.WriteString(w.field)
	for _, s := range w.path {
		sb.WriteByte('/')
		if s.key == nil {
			sb.WriteString(strconv.Itoa(s.idx))
			continue
		}
		k, err := jsonscan.Unquote(s.key)
		if err != nil {
			k = string(s.key[1 : len(s.key)-1])
		}
		sb.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
	}
	return sb.String()
}

// stringEnd returns the index past the closing quote of the valid JSON
// string at b[i].
func stringEnd(b []byte, i int) int {
	if end := jsonscan.StringEnd(b, i); end >= 0 {
		return end
	}
	return len(b) // not reached: the values walked are valid JSON
}

// scalarEnd returns the index past the number or literal at b[i].
func scalarEnd(b []byte, i int) int {
	switch b[i] {
	case 't', 'n':
		return i + 4
	case 'f':
		return i + 5
	}
	end, _ := jsonscan.SkipNumber(b, i)
	return end
}
