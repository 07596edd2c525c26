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
	pbuf  []byte // a URL value, percent-decoded
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
	if len(t) < minText {
		sc.spans, sc.ids = sc.spans[:0], sc.ids[:0]
		return nil
	}
	return sc.scanMask(t, triggers(t))
}

// scanMask is scan with t's trigger bits m known (or a superset of them).
func (sc *scanner) scanMask(t []byte, m uint64) []span {
	sc.spans, sc.ids = sc.spans[:0], sc.ids[:0]
	if len(t) < minText {
		return nil
	}
	r := sc.r
	if r.builtin {
		sc.prio = 0
		if m&bitDash != 0 && len(t) > 40 && bytes.Contains(t, []byte("-----BEGIN ")) {
			scanPEM(t, sc.add)
		}
		sc.prio = 1
		scanTokens(t, m, false, sc.add)
		scanStart(t, 0, sc.add)
		sc.prio = 2
		sc.scanSeparators(t, m)
		if m&bitLt != 0 {
			sc.scanMarkup(t)
		}
		if m&bitB != 0 {
			sc.prio = 1 // a shape: it wins over the name around it
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
//
// It also returns the trigger bits of the decoded text, or a superset of
// them (all bits when a \u escape may have made any byte), so that the
// decoded text is not scanned for them again: every other escape decodes
// to a byte that is no trigger, or to one the raw text shows ('/').
func (sc *scanner) mayHold(raw []byte) (uint64, bool) {
	r := sc.r
	if len(raw) < minText {
		return 0, false
	}
	if len(r.custom) > 0 || bytes.Contains(raw, []byte(`\u`)) {
		return ^uint64(0), true
	}
	m := triggers(raw)
	if !r.builtin {
		return m, m&bitColon != 0 && len(r.headers) > 0
	}
	return m, m&(bitEq|bitColon|bitLt) != 0 ||
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
func (sc *scanner) scanSeparators(t []byte, m uint64) {
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
			if sc.r.builtin {
				sc.prio = 1
				scanStart(t, p+1, sc.add)
				sc.prio = 2
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

// entity quotes: a quote written as an HTML entity (HTML-escaped JSON or
// code in a page).
var entityQuotes = []string{"&quot;", "&#34;", "&#x22;", "&#39;", "&#x27;", "&apos;"}

// entityAmps: '&' written as an HTML entity (URLs in HTML attributes).
var entityAmps = []string{"&amp;", "&#38;", "&#x26;"}

// hasEntityBefore returns the entity of list that t[:i] ends with, or "".
func hasEntityBefore(t []byte, i int, list []string) string {
	if i == 0 || t[i-1] != ';' {
		return ""
	}
	for _, e := range list {
		if i >= len(e) && string(t[i-len(e):i]) == e {
			return e
		}
	}
	return ""
}

// hasEntityAt returns the entity of list that starts t[i:], or "".
func hasEntityAt(t []byte, i int, list []string) string {
	if i >= len(t) || t[i] != '&' {
		return ""
	}
	for _, e := range list {
		if len(t)-i >= len(e) && string(t[i:i+len(e)]) == e {
			return e
		}
	}
	return ""
}

// assignment handles the separator t[p] ('=' or ':'): it finds the name
// before it and, when the name names a secret, adds the value's span. It
// returns the end of the value, or -1.
func (sc *scanner) assignment(t []byte, p int) int {
	sep := t[p]
	if sep == ':' && p+1 < len(t) && t[p+1] == '=' {
		return -1 // ":=": handled at the '='
	}
	vs := p + 1
	ne0 := p
	arrow := false
	if sep == '=' {
		switch {
		case vs < len(t) && t[vs] == '>': // "=>"
			vs++
			arrow = true
		case p > 0 && (t[p-1] == ':' || t[p-1] == '?' || t[p-1] == '+'): // ":=", "?=", "+="
			ne0 = p - 1
		}
	}
	q := ne0
	for q > 0 && (t[q-1] == ' ' || t[q-1] == '\t') && ne0-q < 4 {
		q--
	}
	var ns, ne, ds int // name start/end, start of the name with its quotes
	quoted := false
	switch ent := hasEntityBefore(t, q, entityQuotes); {
	case q > 0 && (t[q-1] == '"' || t[q-1] == '\''):
		quote := t[q-1]
		ne = q - 1
		lo := max(0, ne-maxName-1)
		k := bytes.LastIndexByte(t[lo:ne], quote)
		if k < 0 {
			return -1
		}
		ns, ds, quoted = lo+k+1, lo+k, true
	case ent != "":
		ne = q - len(ent)
		lo := max(0, ne-maxName-len(ent))
		k := bytes.LastIndex(t[lo:ne], []byte(ent))
		if k < 0 {
			return -1
		}
		ns, ds, quoted = lo+k+len(ent), lo+k, true
	default:
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
			return sc.value(t, vs, lineEnd(t, vs), id)
		}
	}
	if !r.builtin {
		return -1
	}
	if sep == '=' && !quoted && q == p && !arrow {
		switch {
		case d == '?':
			return sc.param(t, name, vs, true)
		case d == '&':
			return sc.param(t, name, vs, inQuery(t, ds-1))
		case d == ';' && hasEntityBefore(t, ds, entityAmps) != "":
			return sc.param(t, name, vs, inQuery(t, ds-1))
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
	norm, n := r.names.candidate(sc.nbuf[:0], name)
	if norm == nil {
		return -1
	}
	// the value
	vs = skipBlank(t, vs)
	var ve int
	switch ent := hasEntityAt(t, vs, entityQuotes); {
	case vs < len(t) && (t[vs] == '"' || t[vs] == '\'' || t[vs] == '`'):
		ve = closingQuote(t, vs)
		if ve < 0 {
			return -1
		}
		vs++
	case ent != "":
		k := bytes.Index(t[vs+len(ent):], []byte(ent))
		if k < 0 {
			return -1
		}
		vs += len(ent)
		ve = vs + k
	case bytes.HasPrefix(t[vs:], []byte("${")) || bytes.HasPrefix(t[vs:], []byte("{{")):
		k := bytes.IndexByte(t[vs:], '}')
		if k < 0 {
			return -1
		}
		ve = vs + k + 1
		if bytes.HasPrefix(t[vs:], []byte("{{")) && ve < len(t) && t[ve] == '}' {
			ve++
		}
	case quoted && sep == ':' || arrow:
		ve = valueStop.until(t, vs) // a JSON number or literal
	case sep == ':' && !quoted && (d == '"' || d == '\''):
		// a quoted header line: curl -H "X-Api-Key: …"
		k := bytes.IndexByte(t[vs:], d)
		if k < 0 {
			return -1
		}
		ve = vs + k
	case atLineStart(t, ds) && (sep == ':' || q < ne0 || vs > ne0+1):
		// a line of its own in YAML or INI ("password: correct horse",
		// "password = correct horse"): the value is the rest of the line,
		// up to another name=value on it. (A log's "password=x user=y"
		// has no blanks around its '=' and ends its value at a blank.)
		ve = lineEnd(t, vs)
		if sep == '=' {
			ve = nextAssignment(t, vs, ve)
		}
		if bytes.HasPrefix(t[vs:ve], []byte(Placeholder)) {
			return -1
		}
	default:
		ve = valueStop.until(t, vs)
		if sep == ':' && !looksSecret(t[vs:ve]) {
			return -1 // prose: "password: it must be long"
		}
	}
	whole := t[vs:ve] // the value test sees the scheme too
	vs = skipScheme(t, vs, ve)
	v := t[vs:ve]
	if len(v) == 0 || isNonSecret(v) {
		return -1
	}
	if id := contextID(norm, v); id != "" {
		return sc.value(t, vs, ve, id)
	}
	if n != nil {
		if !n.passes(whole) {
			return -1
		}
		return sc.value(t, vs, ve, n.assign)
	}
	if weakName(norm) && highEntropy(v) {
		return sc.value(t, vs, ve, GenericID)
	}
	return -1
}

// skipScheme returns where the credential of the value t[vs:ve] starts:
// after an auth scheme ("Bearer ", "Basic ", "Token ", "Digest "), which
// is kept, or at vs.
func skipScheme(t []byte, vs, ve int) int {
	for _, scheme := range []string{"bearer ", "basic ", "token ", "digest "} {
		if ve-vs > len(scheme) && hasFoldPrefix(t[vs:ve], scheme) {
			return skipBlank(t, vs+len(scheme))
		}
	}
	return vs
}

// percentDecode appends v with its %XX escapes decoded (and '+' as a
// blank): a URL parameter's value as its sender meant it.
func percentDecode(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '+':
			dst = append(dst, ' ')
		case c == '%' && i+2 < len(v) && hexAny[v[i+1]] && hexAny[v[i+2]]:
			dst = append(dst, unhex(v[i+1])<<4|unhex(v[i+2]))
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// mayContext reports whether a context rule's keyword may occur in the
// normalized name n (a quick test before the value is cut out).
func mayContext(n []byte) bool {
	for i := 0; i+1 < len(n); i++ {
		if contextIndex.first2[n[i]][n[i+1]] {
			return true
		}
	}
	return false
}

// inQuery reports whether the parameter before t[i] belongs to a URL's
// query (a '?' before it in the same run of non-blank bytes).
func inQuery(t []byte, i int) bool {
	for k := i; k >= 0 && !blankOrQuote[t[k]]; k-- {
		if t[k] == '?' {
			return true
		}
	}
	return false
}

// atLineStart reports whether only blanks, a YAML list dash or "export "
// stand between the start of the line and t[i].
func atLineStart(t []byte, i int) bool {
	k := i
	for k > 0 && (t[k-1] == ' ' || t[k-1] == '\t') {
		k--
	}
	if k >= 2 && t[k-1] == ' ' && t[k-2] == '-' || k >= 1 && t[k-1] == '-' {
		k -= 2
		if k < 0 {
			k = 0
		}
		for k > 0 && (t[k-1] == ' ' || t[k-1] == '\t') {
			k--
		}
	}
	if k >= 7 && string(t[k-7:k]) == "export " {
		k -= 7
	}
	return k == 0 || t[k-1] == '\n' || t[k-1] == '\r'
}

// lineEnd returns the end of the line starting at or before t[i], trailing
// blanks dropped.
func lineEnd(t []byte, i int) int {
	e := i
	for e < len(t) && t[e] != '\n' && t[e] != '\r' {
		e++
	}
	for e > i && (t[e-1] == ' ' || t[e-1] == '\t') {
		e--
	}
	return e
}

// nextAssignment returns where a second name=value on the line
// t[vs:ve] starts (the blank before it), or ve.
func nextAssignment(t []byte, vs, ve int) int {
	for i := vs; i < ve; i++ {
		if t[i] != ' ' && t[i] != '\t' {
			continue
		}
		j := i + 1
		for j < ve && nameChar[t[j]] {
			j++
		}
		if j > i+1 && j < ve && t[j] == '=' {
			return i
		}
	}
	return ve
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

// value adds [s, e) as a secret unless it is a documented non-secret.
func (sc *scanner) value(t []byte, s, e int, id string) int {
	if e <= s || isNonSecret(t[s:e]) {
		return -1
	}
	sc.add(s, e, id)
	return e
}

// param handles a URL query (inQuery) or form parameter name=value. Every
// secret name counts here with any value: a parameter is not prose.
func (sc *scanner) param(t, name []byte, vs int, inQuery bool) int {
	norm := sc.r.names.norm(sc.nbuf[:0], name)
	if norm == nil {
		return -1
	}
	ve := urlStop.until(t, vs)
	if e := hasEntityAt(t, ve, entityAmps); e == "" {
		// a value in an HTML attribute ends at "&amp;" too
		if k := bytes.Index(t[vs:ve], []byte("&amp;")); k >= 0 {
			ve = vs + k
		}
	}
	v := t[vs:ve]
	if bytes.IndexByte(v, '%') >= 0 {
		v = percentDecode(sc.pbuf[:0], v)
		sc.pbuf = v
	}
	if id := contextID(norm, v); id != "" {
		return sc.value(t, vs, ve, id)
	}
	n := sc.r.names.lookupNorm(norm)
	if n == nil {
		if weakName(norm) && highEntropy(v) {
			return sc.value(t, vs, ve, GenericID)
		}
		return -1
	}
	id := n.form
	if inQuery {
		id = n.query
	}
	return sc.value(t, vs, ve, id)
}

// connstr handles Keyword=Value in a ;-separated connection string. A
// value may be {braced} (ODBC) or quoted.
func (sc *scanner) connstr(t, name []byte, vs int) int {
	norm, n := sc.r.names.candidate(sc.nbuf[:0], name)
	if norm == nil {
		return -1
	}
	vs = skipBlank(t, vs)
	var ve int
	switch {
	case bytes.HasPrefix(t[vs:], []byte("{{")) || bytes.HasPrefix(t[vs:], []byte("${")):
		return -1 // a template or variable, not a value
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
	if id := contextID(norm, t[vs:ve]); id != "" {
		return sc.value(t, vs, ve, id)
	}
	if n == nil {
		if weakName(norm) && highEntropy(t[vs:ve]) {
			return sc.value(t, vs, ve, GenericID)
		}
		return -1
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

// looksSecret is the test for an unquoted "name: value" in running text,
// where prose ("password: it must be long") is common: at least eight
// bytes with a letter and a digit, or twenty token characters.
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
