package redact

import (
	"bytes"
	"slices"
)

// span is a secret found in a string's text: bytes [s, e) fired rule id.
type span struct {
	s, e int
	id   string
	prio int // lower wins when two rules find the same bytes
}

// scanner finds secrets in decoded string text. One per walker; its
// buffers are reused from string to string.
type scanner struct {
	r     *Redactor
	spans []span
	ids   []string // rule ids that fired in the last scan
	prio  int
	nbuf  [maxName]byte
	lbuf  [maxName]byte
	add   func(s, e int, id string)
}

func newScanner(r *Redactor) *scanner {
	sc := &scanner{r: r}
	sc.add = func(s, e int, id string) {
		sc.spans = append(sc.spans, span{s, e, id, sc.prio})
	}
	return sc
}

// minText is the shortest string scanned: nothing shorter holds a secret
// that the text rules could recognize ("pwd=x" is five bytes).
const minText = 5

// scan finds the secrets in t and returns them sorted, merged and
// non-overlapping; sc.ids lists the rules that fired.
func (sc *scanner) scan(t []byte) []span {
	sc.spans, sc.ids = sc.spans[:0], sc.ids[:0]
	if len(t) < minText {
		return nil
	}
	r := sc.r
	m := triggers(t)
	if r.builtin {
		sc.prio = 0
		if m&bitDash != 0 && len(t) > 40 && bytes.Contains(t, []byte("-----BEGIN ")) {
			scanPEM(t, sc.add)
		}
		sc.prio = 1
		scanTokens(t, m, false, sc.add)
		sc.prio = 2
		sc.scanSeparators(t, m)
		if m&bitB != 0 {
			sc.prio = 3
			scanAuthSchemes(t, false, sc.add)
		}
	} else if len(r.headers) > 0 {
		sc.prio = 2
		sc.scanSeparators(t, m&bitColon) // header lines in text only
	}
	sc.prio = 4
	for i, p := range r.custom {
		if len(p.lit) > 0 && !bytes.Contains(t, p.lit) {
			continue
		}
		for _, m := range p.re.FindAllSubmatchIndex(t, -1) {
			s, e := m[0], m[1]
			for g := 2; g+1 < len(m); g += 2 {
				if m[g] >= 0 {
					s, e = m[g], m[g+1]
					break
				}
			}
			if e > s && !isPlaceholder(t[s:e]) {
				sc.add(s, e, r.custom[i].id)
			}
		}
	}
	if len(sc.spans) == 0 {
		return nil
	}
	return sc.merge()
}

// mayHold reports whether the raw content of a JSON string with escapes
// may hold a secret once decoded, so that most strings are never decoded.
// Every trigger is ASCII and so appears in the raw text as itself, unless
// written as a \u escape.
func (sc *scanner) mayHold(raw []byte) bool {
	r := sc.r
	if len(raw) < minText {
		return false
	}
	if len(r.custom) > 0 || bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	m := triggers(raw)
	if !r.builtin {
		return m&bitColon != 0 && len(r.headers) > 0
	}
	return m&(bitEq|bitColon) != 0 ||
		m&bitDash != 0 && bytes.Contains(raw, []byte("-----BEGIN ")) ||
		scanTokens(raw, m, true, nil) ||
		m&bitB != 0 && scanAuthSchemes(raw, true, nil)
}

// merge sorts the spans, drops those inside another and joins overlapping
// ones, collecting the fired rule ids.
func (sc *scanner) merge() []span {
	slices.SortFunc(sc.spans, func(a, b span) int {
		switch {
		case a.s != b.s:
			return a.s - b.s
		case a.e != b.e:
			return b.e - a.e
		default:
			return a.prio - b.prio
		}
	})
	out := sc.spans[:0]
	for _, sp := range sc.spans {
		if n := len(out); n > 0 && sp.s < out[n-1].e {
			if sp.e <= out[n-1].e {
				continue // inside a secret already found
			}
			out[n-1].e = sp.e
		} else {
			out = append(out, sp)
		}
		if !slices.Contains(sc.ids, sp.id) {
			sc.ids = append(sc.ids, sp.id)
		}
	}
	sc.spans = out
	return out
}

// scanSeparators looks at every '=' and ':' for a secret-naming name
// before it: URL query and form parameters, connection-string keywords,
// assignments in text and embedded JSON, header lines of raw HTTP text,
// and user:password@ in URLs.
func (sc *scanner) scanSeparators(t []byte, m uint16) {
	for _, sep := range []byte{'=', ':'} {
		if m&triggerBits[sep] == 0 {
			continue
		}
		for p := 0; ; p++ {
			k := bytes.IndexByte(t[p:], sep)
			if k < 0 {
				break
			}
			p += k
			if sep == ':' && p+2 < len(t) && t[p+1] == '/' && t[p+2] == '/' {
				if sc.r.builtin {
					sc.userinfo(t, p)
				}
				continue
			}
			if e := sc.assignment(t, p); e > p {
				p = e - 1
			}
		}
	}
}

// nameChar: bytes of an unquoted parameter or assignment name.
var nameChar = newSet("a-z", "A-Z", "0-9", "_-.[]")

// valueStop ends an unquoted value in text.
var valueStop = newSet(" \t\r\n\"'`,;&<>(){}")

// urlStop ends a URL query or form value.
var urlStop = newSet(" \t\r\n\"'`&#<>")

// assignment handles the separator t[p] ('=' or ':'): it finds the name
// before it and, when the name names a secret, adds the value's span. It
// returns the end of the value, or -1.
func (sc *scanner) assignment(t []byte, p int) int {
	sep := t[p]
	q := p
	for q > 0 && (t[q-1] == ' ' || t[q-1] == '\t') && p-q < 4 {
		q--
	}
	var ns, ne, ds int // name start/end, start of the name with its quotes
	quoted := false
	if q > 0 && (t[q-1] == '"' || t[q-1] == '\'') {
		quote := t[q-1]
		ne = q - 1
		lo := max(0, ne-maxName-1)
		k := bytes.LastIndexByte(t[lo:ne], quote)
		if k < 0 {
			return -1
		}
		ns, ds, quoted = lo+k+1, lo+k, true
	} else {
		ne, ns = q, q
		for ns > 0 && nameChar[t[ns-1]] && ne-ns <= maxName {
			ns--
		}
		ds = ns
	}
	if ns == ne || ne-ns > maxName {
		return -1
	}
	name := t[ns:ne]
	// the byte before the name, blanks skipped
	d, di := byte(0), ds-1
	for di >= 0 && (t[di] == ' ' || t[di] == '\t') {
		di--
	}
	if di >= 0 {
		d = t[di]
	}
	r := sc.r
	// a header line of raw HTTP text: "Authorization: Basic …"
	if sep == ':' && !quoted && (ds == 0 || t[ds-1] == '\n') {
		if id, ok := r.headerID(sc.lbuf[:0], name); ok {
			vs := skipBlank(t, p+1)
			ve := vs
			for ve < len(t) && t[ve] != '\n' && t[ve] != '\r' {
				ve++
			}
			for ve > vs && (t[ve-1] == ' ' || t[ve-1] == '\t') {
				ve--
			}
			return sc.value(t, vs, ve, id)
		}
	}
	if !r.builtin {
		return -1
	}
	if sep == '=' && !quoted && q == p {
		vs := p + 1
		switch {
		case d == '?':
			return sc.param(t, name, vs, true)
		case d == '&':
			inQuery := false
			for k := ds - 1; k >= 0 && !blankOrQuote[t[k]]; k-- {
				if t[k] == '?' {
					inQuery = true
					break
				}
			}
			return sc.param(t, name, vs, inQuery)
		case d == ';':
			return sc.connstr(t, name, vs)
		case di < 0:
			ve := valueStop.until(t, vs)
			switch {
			case ve < len(t) && t[ve] == '&', ve == len(t) && bytes.IndexByte(t, ' ') < 0:
				return sc.param(t, name, vs, false)
			case ve < len(t) && t[ve] == ';':
				return sc.connstr(t, name, vs)
			}
		}
	}
	n, ok := r.names.lookup(sc.nbuf[:0], name, inAssign)
	if !ok {
		return -1
	}
	vs := skipBlank(t, p+1)
	if vs < len(t) && (t[vs] == '"' || t[vs] == '\'') {
		ve := closingQuote(t, vs)
		if ve < 0 {
			return -1
		}
		return sc.value(t, vs+1, ve, n.assign)
	}
	ve := valueStop.until(t, vs)
	if sep == ':' && !looksSecret(t[vs:ve]) {
		return -1
	}
	return sc.value(t, vs, ve, n.assign)
}

// closingQuote returns the index of the quote that closes the one at t[i],
// skipping quotes escaped with a backslash (JSON or a program's string
// literal inside the text), or -1.
func closingQuote(t []byte, i int) int {
	for j := i + 1; ; j++ {
		k := bytes.IndexByte(t[j:], t[i])
		if k < 0 {
			return -1
		}
		j += k
		n := 0
		for b := j - 1; b > i && t[b] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
	}
}

// value adds [s, e) as a secret unless it is empty or already redacted.
func (sc *scanner) value(t []byte, s, e int, id string) int {
	if e <= s || isPlaceholder(t[s:e]) {
		return -1
	}
	sc.add(s, e, id)
	return e
}

// param handles a URL query (inQuery) or form parameter name=value.
func (sc *scanner) param(t, name []byte, vs int, inQuery bool) int {
	n, ok := sc.r.names.lookup(sc.nbuf[:0], name, inURL)
	if !ok {
		return -1
	}
	id := n.form
	if inQuery {
		id = n.query
	}
	return sc.value(t, vs, urlStop.until(t, vs), id)
}

// connstr handles Keyword=Value in a ;-separated connection string. A
// value may be {braced} (ODBC) or quoted.
func (sc *scanner) connstr(t, name []byte, vs int) int {
	n, ok := sc.r.names.lookup(sc.nbuf[:0], name, inConnStr)
	if !ok {
		return -1
	}
	vs = skipBlank(t, vs)
	var ve int
	switch {
	case vs < len(t) && (t[vs] == '{' || t[vs] == '"' || t[vs] == '\''):
		closer := t[vs]
		if closer == '{' {
			closer = '}'
		}
		k := bytes.IndexByte(t[vs+1:], closer)
		if k < 0 {
			return -1
		}
		vs, ve = vs+1, vs+1+k
	default:
		ve = vs
		for ve < len(t) && t[ve] != ';' && t[ve] != '\n' && t[ve] != '\r' && t[ve] != '"' {
			ve++
		}
		for ve > vs && t[ve-1] == ' ' {
			ve--
		}
	}
	return sc.value(t, vs, ve, n.conn)
}

// userinfo handles the "://" at p: the password of scheme://user:pass@host.
func (sc *scanner) userinfo(t []byte, p int) {
	// a scheme: a letter, then letters, digits, '+', '-', '.'
	s := p
	for s > 0 && (alnum[t[s-1]] || t[s-1] == '+' || t[s-1] == '-' || t[s-1] == '.') {
		s--
	}
	if s == p || !(t[s]|0x20 >= 'a' && t[s]|0x20 <= 'z') {
		return
	}
	a := p + 3
	slackWebhook(t, a, sc.add)
	ae := authorityStop.until(t, a)
	at := bytes.LastIndexByte(t[a:ae], '@')
	if at < 0 {
		return
	}
	c := bytes.IndexByte(t[a:a+at], ':')
	if c < 0 {
		return
	}
	sc.value(t, a+c+1, a+at, "url:userinfo")
}

var (
	authorityStop = newSet(" \t\r\n\"'`/?#<>")
	blankOrQuote  = newSet(" \t\r\n\"'`")
)

// looksSecret is the test for an unquoted "name: value" in text, where
// prose ("password: it must be long") is common: at least eight bytes with
// a letter and a digit, or twenty token characters.
func looksSecret(v []byte) bool {
	if len(v) < 8 {
		return false
	}
	letter, digit, tok := false, false, true
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			letter = true
		case !tokenChar[c] && c != '+' && c != '/' && c != '=' && c != '.':
			tok = false
		}
	}
	return letter && digit || tok && len(v) >= 20
}

// Placeholder replaces every secret.
const Placeholder = "[REDACTED]"

func isPlaceholder(b []byte) bool { return string(b) == Placeholder }
