package redact

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// A tokenRule finds a credential by its literal prefix ("ghp_", "AKIA",
// "eyJ"): the prefix must start a token (no token character before it) and
// be followed by a run of the rule's characters of the right length.
type tokenRule struct {
	id       string
	prefix   string
	set      *charset // the characters after the prefix
	min, max int      // length bounds of that run (max 0: unbounded)
	exact    bool     // the run must end at a non-alphanumeric byte
	check    func(tok []byte) bool
	fn       func(t []byte, s int) int // a matcher replacing the above

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
	word      = newSet("a-z", "A-Z", "0-9", "_")
	urlsafe   = newSet("a-z", "A-Z", "0-9", "_", "-")
	b64       = newSet("a-z", "A-Z", "0-9", "+/")
	b64pad    = newSet("a-z", "A-Z", "0-9", "+/=")
	hexLower  = newSet("a-f", "0-9")
	hexAny    = newSet("a-f", "A-F", "0-9")
	hexDash   = newSet("a-f", "0-9", "-")
	b64url    = newSet("a-z", "A-Z", "0-9", "_-=")
	bech32    = newSet("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")
	tokenChar = newSet("a-z", "A-Z", "0-9", "_", "-") // what may not precede a token
	bearerSet = newSet("a-z", "A-Z", "0-9", "-._~+/=")
	slackHook = newSet("a-z", "A-Z", "0-9", "/_+-")
)

// tokenRules, tried in this order at each anchor (longer prefixes first
// where two share a start).
var tokenRules = []*tokenRule{
	{id: "jwt", prefix: "eyJ", fn: matchJWT},
	{id: "aws-access-key-id", prefix: "AKIA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "aws-access-key-id", prefix: "ASIA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "aws-access-key-id", prefix: "ABIA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "aws-access-key-id", prefix: "ACCA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "google-api-key", prefix: "AIza", set: urlsafe, min: 35, max: 35, exact: true},
	{id: "github-fine-grained-pat", prefix: "github_pat_", set: word, min: 22},
	{id: "github-token", prefix: "ghp_", set: alnum, min: 36},
	{id: "github-token", prefix: "gho_", set: alnum, min: 36},
	{id: "github-token", prefix: "ghu_", set: alnum, min: 36},
	{id: "github-token", prefix: "ghs_", set: alnum, min: 36},
	{id: "github-token", prefix: "ghr_", set: alnum, min: 36},
	{id: "gitlab-token", prefix: "glpat-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "glptt-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "glrt-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "gldt-", set: urlsafe, min: 20},
	{id: "slack-token", prefix: "xoxb-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxp-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxa-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxr-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxs-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxe-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xapp-", set: urlsafe, min: 10},
	{id: "stripe-secret-key", prefix: "sk_live_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "sk_test_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "rk_live_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "rk_test_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "whsec_", set: alnum, min: 24},
	{id: "anthropic-api-key", prefix: "sk-ant-", set: urlsafe, min: 32},
	{id: "openai-api-key", prefix: "sk-", set: urlsafe, min: 20, check: isOpenAI},
	{id: "npm-token", prefix: "npm_", set: alnum, min: 36, max: 36, exact: true},
	{id: "pypi-token", prefix: "pypi-AgEIcHlwaS5vcmc", set: urlsafe, min: 50},
	{id: "huggingface-token", prefix: "hf_", set: alnum, min: 30, max: 40, exact: true},
	{id: "digitalocean-token", prefix: "dop_v1_", set: hexLower, min: 64, max: 64, exact: true},
	{id: "digitalocean-token", prefix: "doo_v1_", set: hexLower, min: 64, max: 64, exact: true},
	{id: "shopify-token", prefix: "shpat_", set: hexLower, min: 32, max: 32, exact: true},
	{id: "shopify-token", prefix: "shpss_", set: hexLower, min: 32, max: 32, exact: true},
	{id: "shopify-token", prefix: "shpca_", set: hexLower, min: 32, max: 32, exact: true},
	{id: "shopify-token", prefix: "shppa_", set: hexLower, min: 32, max: 32, exact: true},
	{id: "sendgrid-api-key", prefix: "SG.", fn: matchSendGrid},
	{id: "twilio-api-key", prefix: "SK", set: hexAny, min: 32, max: 32, exact: true},
	{id: "square-token", prefix: "sq0atp-", set: urlsafe, min: 22},
	{id: "square-token", prefix: "sq0csp-", set: urlsafe, min: 43},
	{id: "linear-api-key", prefix: "lin_api_", set: alnum, min: 40, max: 40, exact: true},
	{id: "postman-api-key", prefix: "PMAK-", set: hexDash, min: 59, max: 59, exact: true},
	{id: "grafana-token", prefix: "glc_", set: b64url, min: 32},
	{id: "grafana-token", prefix: "glsa_", set: word, min: 41},
	{id: "age-secret-key", prefix: "AGE-SECRET-KEY-1", set: bech32, min: 58, max: 58, exact: true},
	{id: "newrelic-api-key", prefix: "NRAK-", set: upperNum, min: 27, max: 27, exact: true},
	{id: "sentry-token", prefix: "sntrys_", set: b64url, min: 50},
	{id: "sentry-token", prefix: "sntryu_", set: hexLower, min: 64, max: 64, exact: true},
	{id: "figma-token", prefix: "figd_", set: urlsafe, min: 40},
	{id: "supabase-token", prefix: "sbp_", set: hexLower, min: 40, max: 40, exact: true},
	{id: "pulumi-token", prefix: "pul-", set: hexLower, min: 40, max: 40, exact: true},
	{id: "heroku-api-key", prefix: "HRKU-AA", set: urlsafe, min: 58},
	{id: "atlassian-api-token", prefix: "ATATT3", set: b64url, min: 180},
	{id: "docker-hub-token", prefix: "dckr_pat_", set: urlsafe, min: 27},
	{id: "rubygems-api-key", prefix: "rubygems_", set: hexLower, min: 48, max: 48, exact: true},
}

// anchors: the bytes searched for, each with the rules it starts.
var anchors = func() (a []anchorRules) {
	// Rare bytes make the IndexByte scans cheap on prose and base64.
	prefer := "_J-GS"
	for _, r := range tokenRules {
		r.off = -1
		for _, c := range []byte(prefer) {
			if k := bytes.IndexByte([]byte(r.prefix), c); k >= 0 {
				r.anchor, r.off = c, k
				break
			}
		}
		if r.off < 0 {
			r.anchor, r.off = r.prefix[0], 0
		}
		found := false
		for i := range a {
			if a[i].c == r.anchor {
				a[i].rules = append(a[i].rules, r)
				found = true
			}
		}
		if !found {
			a = append(a, anchorRules{c: r.anchor, rules: []*tokenRule{r}})
		}
	}
	return a
}()

type anchorRules struct {
	c     byte
	rules []*tokenRule
}

// match returns the end of the token that starts at s, or -1.
func (r *tokenRule) match(t []byte, s int) int {
	if r.fn != nil {
		return r.fn(t, s)
	}
	if len(t)-s < len(r.prefix)+r.min || string(t[s:s+len(r.prefix)]) != r.prefix {
		return -1
	}
	if s > 0 && tokenChar[t[s-1]] {
		return -1
	}
	i := s + len(r.prefix)
	e := r.set.run(t, i)
	n := e - i
	if n < r.min || r.max > 0 && n > r.max {
		return -1
	}
	if r.exact && e < len(t) && alnum[t[e]] {
		return -1
	}
	if r.check != nil && !r.check(t[s:e]) {
		return -1
	}
	return e
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

// Trigger bits: which of the bytes that start a rule a text holds.
const (
	bitEq     = 1 << iota // '=': parameters, assignments, connection strings
	bitColon              // ':': assignments, header lines, URLs
	bitB                  // 'b', 'B': Bearer, Basic
	bitDash               // '-': PEM blocks (and the '-' token anchor)
	bitAnchor             // anchors[i] has bit bitAnchor<<i
)

var (
	triggerBytes []byte
	triggerBits  [256]uint16
)

func init() {
	set := func(c byte, bit uint16) {
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
	for i, a := range anchors {
		set(a.c, bitAnchor<<i)
	}
}

// triggers returns the trigger bits of the bytes t holds: a table lookup per
// byte for short texts, one IndexByte pass per trigger byte for long ones.
func triggers(t []byte) uint16 {
	var m uint16
	if len(t) <= 256 {
		for _, c := range t {
			m |= triggerBits[c]
		}
		return m
	}
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
func scanTokens(t []byte, m uint16, probe bool, add func(s, e int, id string)) bool {
	for i, a := range anchors {
		if m&(bitAnchor<<i) == 0 {
			continue
		}
		for p := 0; ; p++ {
			k := bytes.IndexByte(t[p:], a.c)
			if k < 0 {
				break
			}
			p += k
			for _, r := range a.rules {
				s := p - r.off
				if s < 0 || len(t)-s < len(r.prefix) || t[s] != r.prefix[0] || string(t[s:s+len(r.prefix)]) != r.prefix {
					continue
				}
				if probe {
					return true
				}
				e := r.match(t, s)
				if e < 0 {
					continue
				}
				add(s, e, r.id)
				if r.id == "aws-access-key-id" {
					if ks, ke := awsSecretAfter(t, e); ks >= 0 {
						add(ks, ke, "aws-secret-access-key")
					}
				}
				p = e - 1
				break
			}
		}
	}
	return false
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
