package redact

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"sync"
	"unicode/utf8"
)

// A tokenRule finds a credential by a literal piece of it ("ghp_", "AKIA",
// "eyJ", ".atlasv1."): the piece must start the token (or sit back bytes
// into it) and be followed by a run of the rule's characters of the right
// length, or match the rule's anchored regular expression.
type tokenRule struct {
	id     string
	prefix string
	set    *charset // the characters after the prefix
	min    int      // length bounds of that run (max 0: unbounded)
	max    int
	exact  bool                  // the run must not be followed by an alphanumeric byte
	check  func(tok []byte) bool // a further test of the whole token
	fn     func(t []byte, s int) int
	// re, when set, is matched at the token's start instead of set/min/max
	// (the prefix included); only tried where the prefix occurs.
	re string
	// back: the token starts this many bytes before the prefix (the
	// prefix is a distinctive middle piece: "Q~", ".atlasv1.")
	back int
	// keep: the first keep bytes of the token are kept (a name that is
	// part of the shape: "_gitlab_session=")
	keep int
	// at, when > 0, picks the anchor: prefix[at-1]
	at int
	// start: the prefix is common letters only ("dapi"), which running
	// text is full of; the token is looked for only where a value starts
	// (a string's start, after '=' or ':' and blanks or a quote, after a
	// tag's '>'), not in the middle of prose
	start bool

	rx     *regexp.Regexp // re compiled on first use
	once   sync.Once
	anchor byte // the prefix byte searched for with IndexByte
	off    int  // its offset in prefix
}

type charset [256]bool

// newSet returns the set of the bytes listed; "a-z" (letters or digits
// around a '-') is a range.
func newSet(ranges ...string) *charset {
	var s charset
	for _, r := range ranges {
		if len(r) == 3 && r[1] == '-' && alnumByte(r[0]) && alnumByte(r[2]) {
			for c := int(r[0]); c <= int(r[2]); c++ {
				s[c] = true
			}
			continue
		}
		for i := 0; i < len(r); i++ {
			s[r[i]] = true
		}
	}
	return &s
}

func alnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// run returns the end of the run of bytes in s that starts at t[i].
func (s *charset) run(t []byte, i int) int {
	for i < len(t) && s[t[i]] {
		i++
	}
	return i
}

// until returns the index of the first byte at or after t[i] that is in s.
func (s *charset) until(t []byte, i int) int {
	for i < len(t) && !s[t[i]] {
		i++
	}
	return i
}

var (
	alnum     = newSet("a-z", "A-Z", "0-9")
	upperNum  = newSet("A-Z", "0-9")
	lowerNum  = newSet("a-z", "0-9")
	word      = newSet("a-z", "A-Z", "0-9", "_")
	urlsafe   = newSet("a-z", "A-Z", "0-9", "_", "-")
	b64       = newSet("a-z", "A-Z", "0-9", "+/")
	b64pad    = newSet("a-z", "A-Z", "0-9", "+/=")
	hexLower  = newSet("a-f", "0-9")
	hexAny    = newSet("a-f", "A-F", "0-9")
	hexDash   = newSet("a-f", "0-9", "-")
	b64url    = newSet("a-z", "A-Z", "0-9", "_-=")
	wordDot   = newSet("a-z", "A-Z", "0-9", "_-=.")
	bech32    = newSet("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")
	tokenChar = newSet("a-z", "A-Z", "0-9", "_", "-") // what may not precede a token
	bearerSet = newSet("a-z", "A-Z", "0-9", "-._~+/=")
	slackHook = newSet("a-z", "A-Z", "0-9", "/_+-")
)

// anchorRank orders the bytes a rule may be anchored on: rarer in text
// first, so that the IndexByte scans over prose and base64 stay cheap.
func anchorRank(c byte) int {
	switch {
	case c == '_':
		return 0
	case c == '-':
		return 1
	case c == '.':
		return 2
	case c == '~' || c == '|':
		return 3
	case c == 'A' || c == 'J' || c == 'K':
		return 4 // shared by many prefixes: fewer passes
	case c >= 'A' && c <= 'Z':
		return 5
	case c >= '0' && c <= '9':
		return 6
	}
	return 9
}

// proseRank: a prefix with no byte ranked better ("dapi", "4b1d") would
// be anchored on a letter or digit that prose is full of, a lookup per
// byte; such a rule must say where to look: start, or at for a chosen
// anchor.
const proseRank = 6

// anchorRules are the rules anchored on one byte, indexed by the byte
// next to it in their prefix, so that each occurrence of the anchor costs
// one table lookup: before[c] holds the rules whose prefix has c just
// before the anchor, after[c] those whose prefix starts with the anchor
// and has c just after it, alone those whose prefix is the anchor alone.
type anchorRules struct {
	c      byte
	before [256][]*tokenRule
	after  [256][]*tokenRule
	alone  []*tokenRule
	bit    uint64
}

// startRules are the rules found only where a value starts.
var startRules []*tokenRule

// anchors: the bytes searched for, each with the rules it starts.
var anchors = func() (a []*anchorRules) {
	for _, r := range tokenRules {
		r.off = 0
		for k := 1; k < len(r.prefix); k++ {
			if anchorRank(r.prefix[k]) < anchorRank(r.prefix[r.off]) {
				r.off = k
			}
		}
		if r.start {
			startRules = append(startRules, r)
			continue
		}
		if r.at > 0 {
			r.off = r.at - 1
		} else if anchorRank(r.prefix[r.off]) >= proseRank {
			panic("redact: token rule " + r.id + " (" + r.prefix + ") has no rare byte to anchor on: give it start or at")
		}
		r.anchor = r.prefix[r.off]
		var ar *anchorRules
		for _, x := range a {
			if x.c == r.anchor {
				ar = x
			}
		}
		if ar == nil {
			ar = &anchorRules{c: r.anchor}
			a = append(a, ar)
		}
		switch {
		case r.off > 0:
			ar.before[r.prefix[r.off-1]] = append(ar.before[r.prefix[r.off-1]], r)
		case len(r.prefix) > 1:
			ar.after[r.prefix[1]] = append(ar.after[r.prefix[1]], r)
		default:
			ar.alone = append(ar.alone, r)
		}
	}
	return a
}()

// match returns the end of the token that starts at s, or -1.
func (r *tokenRule) match(t []byte, s int) int {
	if s > 0 && tokenChar[t[s-1]] && (r.back > 0 || tokenChar[r.prefix[0]]) {
		return -1 // not at a token's start (a prefix like ".webhook…" is a middle piece)
	}
	if r.fn != nil {
		return r.fn(t, s)
	}
	var e int
	if r.re != "" {
		r.once.Do(func() { r.rx = regexp.MustCompile(`^(?:` + r.re + `)`) })
		loc := r.rx.FindIndex(t[s:min(len(t), s+1024)])
		if loc == nil {
			return -1
		}
		e = s + loc[1]
	} else {
		if len(t)-s < len(r.prefix)+r.min {
			return -1
		}
		i := s + len(r.prefix)
		e = r.set.run(t, i)
		if n := e - i; n < r.min || r.max > 0 && n > r.max {
			return -1
		}
	}
	if r.exact && e < len(t) && alnum[t[e]] {
		return -1
	}
	if r.check != nil && !r.check(t[s:e]) {
		return -1
	}
	return e
}

// Trigger bits: which of the bytes that start a rule a text holds.
const (
	bitEq     = 1 << iota // '=': parameters, assignments, connection strings
	bitColon              // ':': assignments, header lines, URLs
	bitB                  // 'b', 'B': Bearer, Basic
	bitDash               // '-': PEM blocks (and the '-' token anchor)
	bitLt                 // '<': XML and HTML elements and controls
	bitAnchor             // anchors[i] has bit bitAnchor<<i
)

var (
	triggerBytes []byte
	triggerBits  [256]uint64
)

func init() {
	set := func(c byte, bit uint64) {
		if triggerBits[c] == 0 {
			triggerBytes = append(triggerBytes, c)
		}
		triggerBits[c] |= bit
	}
	set('=', bitEq)
	set(':', bitColon)
	set('b', bitB)
	set('B', bitB)
	set('-', bitDash)
	set('<', bitLt)
	if len(anchors) > 64-6 {
		panic("redact: too many token anchors for the trigger mask")
	}
	for i, a := range anchors {
		a.bit = bitAnchor << i
		set(a.c, a.bit)
	}
}

// triggerTableMax is the longest text whose trigger bits are read by
// table: one lookup per byte beats a call to IndexByte per trigger byte
// below it (measured with callgrind on scripts/bench's corpus).
const triggerTableMax = 1024

// triggers returns the trigger bits of the bytes t holds: a table lookup per
// byte for short texts, one IndexByte pass per trigger byte for long ones.
func triggers(t []byte) uint64 {
	if len(t) <= triggerTableMax {
		// four accumulators: independent loads, no chain through m
		var m0, m1, m2, m3 uint64
		i := 0
		for ; i+4 <= len(t); i += 4 {
			m0 |= triggerBits[t[i]]
			m1 |= triggerBits[t[i+1]]
			m2 |= triggerBits[t[i+2]]
			m3 |= triggerBits[t[i+3]]
		}
		for ; i < len(t); i++ {
			m0 |= triggerBits[t[i]]
		}
		return m0 | m1 | m2 | m3
	}
	var m uint64
	for _, c := range triggerBytes {
		if bytes.IndexByte(t, c) >= 0 {
			m |= triggerBits[c]
		}
	}
	return m
}

// scanTokens adds the spans of every prefixed token in t; m is t's
// trigger bits. With probe it adds nothing and reports whether any
// token prefix occurs at all (the test run on a string before decoding
// its escapes).
func scanTokens(t []byte, m uint64, probe bool, add func(s, e int, id string)) bool {
	for _, a := range anchors {
		if m&a.bit == 0 {
			continue
		}
		for p := 0; ; p++ {
			k := bytes.IndexByte(t[p:], a.c)
			if k < 0 {
				break
			}
			p += k
			var before, after []*tokenRule
			if p > 0 {
				before = a.before[t[p-1]]
			}
			if p+1 < len(t) {
				after = a.after[t[p+1]]
			}
			if before == nil && after == nil && a.alone == nil {
				continue // the common case: no prefix has this neighbour
			}
			if e := tryRules(t, p, [3][]*tokenRule{before, after, a.alone}, probe, add); e > p {
				if probe {
					return true
				}
				p = e - 1
			}
		}
	}
	return false
}

// tryRules tries the candidate rules at the anchor t[p] and adds the first
// token found; it returns the token's end, or -1. With probe it only
// checks that a prefix is there (returning p+1).
func tryRules(t []byte, p int, cands [3][]*tokenRule, probe bool, add func(s, e int, id string)) int {
	for _, rs := range cands {
		for _, r := range rs {
			ps := p - r.off
			if ps < 0 || len(t)-ps < len(r.prefix) || string(t[ps:ps+len(r.prefix)]) != r.prefix {
				continue
			}
			if probe {
				return p + 1
			}
			s := ps - r.back
			if s < 0 {
				continue
			}
			e := r.match(t, s)
			if e < 0 {
				continue
			}
			add(s+r.keep, e, r.id)
			if r.id == "aws-access-key-id" {
				if ks, ke := awsSecretAfter(t, e); ks >= 0 {
					add(ks, ke, "aws-secret-access-key")
				}
			}
			return e
		}
	}
	return -1
}

// scanStart tries the start rules on the value that starts at t[i] (blanks
// and one quote skipped).
func scanStart(t []byte, i int, add func(s, e int, id string)) {
	i = skipBlank(t, i)
	if i < len(t) && (t[i] == '"' || t[i] == '\'' || t[i] == '`') {
		i++
	}
	for _, r := range startRules {
		if len(t)-i > len(r.prefix) && string(t[i:i+len(r.prefix)]) == r.prefix {
			if e := r.match(t, i); e > i {
				add(i, e, r.id)
			}
		}
	}
}

func isOpenAI(tok []byte) bool {
	rest := tok[3:]
	for _, p := range []string{"proj-", "svcacct-", "admin-", "None-"} {
		if bytes.HasPrefix(rest, []byte(p)) {
			return len(rest)-len(p) >= 20
		}
	}
	return len(tok) >= 40 && bytes.Contains(tok, []byte("T3BlbkFJ"))
}

// matchJWT matches header.payload.signature where header and payload are
// base64url JSON objects (both start "eyJ") and the signature may be empty.
func matchJWT(t []byte, s int) int {
	if s > 0 && tokenChar[t[s-1]] || !bytes.HasPrefix(t[s:], []byte("eyJ")) {
		return -1
	}
	e := urlsafe.run(t, s)
	if e-s < 10 || e >= len(t) || t[e] != '.' {
		return -1
	}
	p := e + 1
	if !bytes.HasPrefix(t[p:], []byte("eyJ")) {
		return -1
	}
	e = urlsafe.run(t, p)
	if e-p < 10 || e >= len(t) || t[e] != '.' {
		return -1
	}
	return urlsafe.run(t, e+1)
}

// matchSendGrid matches SG.<22>.<43>.
func matchSendGrid(t []byte, s int) int {
	if s > 0 && tokenChar[t[s-1]] || !bytes.HasPrefix(t[s:], []byte("SG.")) {
		return -1
	}
	p := s + 3
	e := urlsafe.run(t, p)
	if e-p != 22 || e >= len(t) || t[e] != '.' {
		return -1
	}
	p = e + 1
	e = urlsafe.run(t, p)
	if e-p != 43 {
		return -1
	}
	return e
}

// awsSecretAfter finds a 40-character AWS secret access key that follows
// an access key id after a short separator ("AKIA…,wJalr…" in a
// credentials CSV, "AKIA… / wJalr…" in a note).
func awsSecretAfter(t []byte, i int) (int, int) {
	j := i
	for j < len(t) && j-i <= 5 && bytes.IndexByte([]byte(" \t\r\n,;:|=\"'/"), t[j]) >= 0 {
		j++
	}
	if j == i {
		return -1, -1
	}
	e := b64.run(t, j)
	if e-j != 40 || e < len(t) && (alnum[t[e]] || t[e] == '=') {
		return -1, -1
	}
	return j, e
}

// scanAuthSchemes finds "Bearer <token>" and "Basic <base64 user:pass>"
// (the scheme in any case) and adds the credentials' spans. It searches
// for 'b' and 'B', which are rarer in text than the other letters.
// With probe it adds nothing and reports whether a scheme word occurs.
func scanAuthSchemes(t []byte, probe bool, add func(s, e int, id string)) bool {
	for _, c := range []byte{'b', 'B'} {
		for p := 0; ; p++ {
			k := bytes.IndexByte(t[p:], c)
			if k < 0 {
				break
			}
			p += k
			if probe {
				if hasFoldPrefix(t[p:], "bearer") || hasFoldPrefix(t[p:], "basic") {
					return true
				}
				continue
			}
			if p > 0 && tokenChar[t[p-1]] {
				continue
			}
			if e := authScheme(t, p, add); e > p {
				p = e - 1
			}
		}
	}
	return false
}

// authScheme checks for a scheme and credential at t[p] ('b' or 'B') and
// returns the credential's end, or -1.
func authScheme(t []byte, p int, add func(s, e int, id string)) int {
	var n int
	switch {
	case hasFoldPrefix(t[p:], "bearer"):
		n = 6
	case hasFoldPrefix(t[p:], "basic"):
		n = 5
	default:
		return -1
	}
	ts := skipBlank(t, p+n)
	if ts == p+n {
		return -1
	}
	if n == 6 {
		te := bearerSet.run(t, ts)
		if te-ts < 10 || !hasDigitOrSym(t[ts:te]) || isPlaceholder(t[ts:te]) {
			return -1
		}
		add(ts, te, "bearer-token")
		return te
	}
	te := b64pad.run(t, ts)
	if te-ts < 8 || !isBasicCred(t[ts:te]) {
		return -1
	}
	add(ts, te, "basic-auth")
	return te
}

// hasFoldPrefix reports whether b starts with the lower-case ASCII word
// w in any case.
func hasFoldPrefix(b []byte, w string) bool {
	if len(b) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if b[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

func skipBlank(t []byte, i int) int {
	for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	return i
}

func hasDigitOrSym(b []byte) bool {
	for _, c := range b {
		if c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			return true
		}
	}
	return false
}

// isBasicCred: base64 of "user:password", printable text.
func isBasicCred(b []byte) bool {
	var buf [256]byte
	if base64.StdEncoding.DecodedLen(len(b)) > len(buf) {
		return false
	}
	n, err := base64.StdEncoding.Decode(buf[:], b)
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(buf[:], bytes.TrimRight(b, "="))
		if err != nil {
			return false
		}
	}
	d := buf[:n]
	c := bytes.IndexByte(d, ':')
	if c < 0 || c == len(d)-1 || !utf8.Valid(d) {
		return false
	}
	for _, x := range d {
		if x < 0x20 || x == 0x7f {
			return false
		}
	}
	return true
}

// scanPEM finds private-key PEM blocks and returns their bodies (between
// the BEGIN and END lines, surrounding whitespace kept).
func scanPEM(t []byte, add func(s, e int, id string)) {
	const begin = "-----BEGIN "
	for p := 0; ; {
		k := bytes.Index(t[p:], []byte(begin))
		if k < 0 {
			return
		}
		p += k + len(begin)
		l := p
		for l < len(t) && (t[l] >= 'A' && t[l] <= 'Z' || t[l] >= '0' && t[l] <= '9' || t[l] == ' ') {
			l++
		}
		label := t[p:l]
		if !bytes.HasPrefix(t[l:], []byte("-----")) ||
			!(bytes.HasSuffix(label, []byte("PRIVATE KEY")) || bytes.HasSuffix(label, []byte("PRIVATE KEY BLOCK"))) {
			continue
		}
		bs := l + 5
		be := len(t)
		if k := bytes.Index(t[bs:], []byte("-----END ")); k >= 0 {
			be = bs + k
		}
		p = be
		for bs < be && isBlank(t[bs]) {
			bs++
		}
		for be > bs && isBlank(t[be-1]) {
			be--
		}
		if bs < be && !isPlaceholder(t[bs:be]) {
			add(bs, be, "pem-private-key")
		}
	}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// slackWebhook redacts the secret path of a Slack incoming-webhook URL
// whose authority starts at t[a] (just after "://").
func slackWebhook(t []byte, a int, add func(s, e int, id string)) {
	const host = "hooks.slack.com/"
	if !bytes.HasPrefix(t[a:], []byte(host)) {
		return
	}
	p := a + len(host)
	for _, seg := range []string{"services/", "workflows/", "triggers/"} {
		if bytes.HasPrefix(t[p:], []byte(seg)) {
			s := p + len(seg)
			if e := slackHook.run(t, s); e-s >= 20 {
				add(s, e, "slack-webhook-url")
			}
			return
		}
	}
}
