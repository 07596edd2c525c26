package redact

import (
	"bytes"
	"math"
)

// isNonSecret reports whether a value under a secret name is one of the
// documented non-secrets, left as it is: empty, true/false/null/none,
// the placeholder [REDACTED], a run of '*' or 'x' ("***", "xxxxxxxx"),
// an angle-bracket placeholder (<password>, <your-api-key>), a template
// or variable reference (${VAR}, {{ var }}, $VAR, %VAR%).
func isNonSecret(v []byte) bool {
	if bytes.ContainsAny(v, "%&\\") {
		var buf [128]byte
		if u := unescape(buf[:0], v); len(u) < len(v) && isNonSecret(u) {
			return true
		}
	}
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0, isPlaceholder(v):
		return true
	case len(v) <= 5 && (equalFold(v, "true") || equalFold(v, "false") || equalFold(v, "null") || equalFold(v, "none")):
		return true
	case allByte(v, '*') || len(v) >= 3 && (allByte(v, 'x') || allByte(v, 'X')):
		return true
	case v[0] == '<' && v[len(v)-1] == '>' && bytes.IndexByte(v[1:len(v)-1], '<') < 0:
		return true
	case bytes.HasPrefix(v, []byte("${")) && v[len(v)-1] == '}',
		bytes.HasPrefix(v, []byte("{{")) && bytes.HasSuffix(v, []byte("}}")),
		bytes.HasPrefix(v, []byte("$(")) && v[len(v)-1] == ')':
		return true
	case v[0] == '$' && len(v) > 1 && allIdent(v[1:]):
		return true
	case v[0] == '%' && v[len(v)-1] == '%' && len(v) > 2 && allIdent(v[1:len(v)-1]):
		return true
	}
	return false
}

func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

func allByte(b []byte, c byte) bool {
	for _, x := range b {
		if x != c {
			return false
		}
	}
	return len(b) > 0
}

func allIdent(b []byte) bool {
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return len(b) > 0
}

// looksCredential is the test for values under names that also name
// non-secrets ("token", "auth", "pwd"): an auth scheme with its
// credential ("Bearer …", "Basic …", "Token …", "Digest …"), or at least
// eight bytes without blanks that hold a digit or are twenty bytes or
// longer.
func looksCredential(s []byte) bool {
	for _, scheme := range []string{"bearer ", "basic ", "token ", "digest "} {
		if hasFoldPrefix(s, scheme) && len(s) > len(scheme) {
			return true
		}
	}
	if len(s) < 8 || bytes.ContainsAny(s, " \t\r\n") {
		return false
	}
	return len(s) >= 20 || hasDigit(s)
}

// Thresholds of the high-entropy test (docs/redact.md).
const (
	entropyMinLen  = 12
	entropyMaxLen  = 1024
	entropyMinBits = 3.0 // Shannon entropy per byte
)

// highEntropy reports whether v has the length and entropy of a
// credential: 12 to 1024 bytes of token characters (letters, digits and
// -_.~+/=), letters and digits both, at least 3 bits of Shannon entropy
// per byte, and not a UUID or a hex digest (32, 40 or 64 hex digits).
func highEntropy(v []byte) bool {
	if len(v) < entropyMinLen || len(v) > entropyMaxLen {
		return false
	}
	letter, digit, hex := false, false, true
	var counts [256]uint16
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			letter = true
			if c|0x20 > 'f' {
				hex = false
			}
		case c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=':
			hex = false
		default:
			return false
		}
		counts[c]++
	}
	if !letter || !digit || isUUID(v) || hex && (len(v) == 32 || len(v) == 40 || len(v) == 64) {
		return false
	}
	return entropy(&counts, len(v)) >= entropyMinBits
}

// entropy is the Shannon entropy in bits per byte of a text of n bytes
// with the byte counts c.
func entropy(c *[256]uint16, n int) float64 {
	h := 0.0
	for _, k := range c {
		if k > 0 {
			p := float64(k) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}

// isUUID: 8-4-4-4-12 hex digits.
func isUUID(v []byte) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !hexAny[c] {
			return false
		}
	}
	return true
}

// passes reports whether the value v (decoded text) under the name n is a
// secret in a form where the name's value test applies (JSON keys, text
// assignments, XML elements).
func (n *nameRule) passes(v []byte) bool {
	if isNonSecret(v) {
		return false
	}
	switch n.test {
	case credentialValue:
		return looksCredential(v)
	case entropyValue:
		return highEntropy(v)
	}
	return true
}

// escapes a placeholder may be written with: in a URL, in HTML or XML, in
// JSON inside a string
var escapes = []struct{ from, to string }{
	{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", `"`}, {"&#39;", "'"}, {"&#x27;", "'"},
	{`\u003c`, "<"}, {`\u003e`, ">"}, {`\u0026`, "&"}, {`\u0027`, "'"}, {`\"`, `"`},
	{"%3C", "<"}, {"%3E", ">"}, {"%7B", "{"}, {"%7D", "}"}, {"%24", "$"}, {"%2A", "*"}, {"%5B", "["}, {"%5D", "]"},
	{"%25", "%"}, {"%20", " "}, {"%3c", "<"}, {"%3e", ">"}, {"%7b", "{"}, {"%7d", "}"}, {"%2a", "*"}, {"%5b", "["}, {"%5d", "]"},
}

// unescape appends v with the escapes above (and '+' for a blank, in a
// value with '%') replaced, for the non-secret test only.
func unescape(dst, v []byte) []byte {
	plus := bytes.IndexByte(v, '%') >= 0
	for i := 0; i < len(v); {
		if plus && v[i] == '+' {
			dst = append(dst, ' ')
			i++
			continue
		}
		found := false
		if c := v[i]; c == '&' || c == '\\' || c == '%' {
			for _, e := range escapes {
				if bytes.HasPrefix(v[i:], []byte(e.from)) {
					dst = append(dst, e.to...)
					i += len(e.from)
					found = true
					break
				}
			}
		}
		if !found {
			dst = append(dst, v[i])
			i++
		}
	}
	return dst
}
