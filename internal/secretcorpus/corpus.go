package secretcorpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
)

// A Record is one envelope line of the corpus and what was planted in it.
type Record struct {
	Line     string // the envelope, one JSON line (no newline)
	Kind     string // the credential kind planted, or ""
	Position string
	// Secrets must not appear in the output (the secret and, for a URL,
	// its escaped form).
	Secrets []string
	// Rule must be among the record's redactions_applied ("" when the
	// position or the name decides the id).
	Rule string
	// Lookalike: the record holds only a look-alike, and must come out
	// byte for byte as it went in.
	Lookalike string
}

// carrierNames carry prefixed tokens: secret names, and neutral ones
// under which only the token's shape can find it.
var carrierNames = []string{"token", "api_key", "access_token", "client_secret", "note", "value", "data", "config", "ref"}

// neutral reports whether a carrier name names no secret (the token's own
// rule must fire).
func neutral(k string) bool {
	switch k {
	case "note", "value", "data", "config", "ref":
		return true
	}
	return false
}

// Generate returns the corpus for seed: every kind in every position it
// fits (one secret per record), then every look-alike in every position it
// fits. The same seed gives the same records.
func Generate(seed uint64) []Record {
	r := rand.New(rand.NewPCG(seed, 0x5ec7e7))
	var out []Record
	n := 0
	for _, k := range Kinds {
		for _, p := range Positions {
			if !fits(k, p) {
				continue
			}
			secret := k.Gen(r)
			v := secret
			if k.Wrap != nil {
				v = k.Wrap(secret)
			}
			name := k.Context
			if name == "" {
				name = carrierNames[r.IntN(len(carrierNames))]
				if p.URL && !urlSafe(v) {
					name = carrierNames[r.IntN(4)] // escaped: only the name can tell
				}
			}
			depth := 1 + r.IntN(8)
			req, resp := p.Plant(name, v, depth)
			rec := Record{Kind: k.Name, Position: p.Name, Secrets: []string{secret}}
			if p.URL {
				rec.Secrets = append(rec.Secrets, url.QueryEscape(secret))
			}
			if k.Rule != "" && !p.Carrier && (k.Context != "" || neutral(name)) {
				rec.Rule = k.Rule
			}
			n++
			rec.Line = envelope(r, n, k.Name, req, resp)
			out = append(out, rec)
		}
	}
	for _, l := range Lookalikes(r) {
		for _, p := range Positions {
			if p.Carrier || l.Multiline && !p.Multiline || weakWord(l) && !p.JSON {
				continue
			}
			req, resp := p.Plant(l.Key, l.Value, 1+r.IntN(8))
			n++
			out = append(out, Record{Position: p.Name, Lookalike: l.Name, Line: envelope(r, n, "lookalike-"+l.Name, req, resp)})
		}
	}
	return out
}

// fits reports whether kind k can be planted at p.
func fits(k Kind, p Position) bool {
	if k.Multiline {
		return p.Multiline
	}
	return p.Name != "pem-file"
}

// weakWord: a look-alike that is a plain word under a name that also
// names secrets ("token", "pwd", "key"): it is left alone as a JSON value,
// while URL parameters and headers count any value under such a name.
func weakWord(l Lookalike) bool {
	switch l.Key {
	case "token", "authorization", "pwd", "key":
		return true
	}
	return false
}

// envelope makes one envelope line; half of them escape HTML characters
// as encoding/json does by default (\u003c), half do not.
func envelope(r *rand.Rand, n int, kind string, req, resp map[string]any) string {
	rec := map[string]any{
		"exchange_id":     fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n),
		"exchange_type":   "http",
		"source_system":   "secretcorpus",
		"entity_type":     kind,
		"natural_key":     fmt.Sprintf("rec-%d", n),
		"request":         req,
		"response":        resp,
		"observed_at_utc": "2024-05-01T10:00:00Z",
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(r.IntN(2) == 0)
	if err := e.Encode(rec); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Strings returns every string value (and key) of the JSON line, decoded,
// joined by NUL bytes: what a secret must not appear in.
func Strings(line []byte) (string, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	var sb strings.Builder
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			sb.WriteString(x)
			sb.WriteByte(0)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				sb.WriteString(k)
				sb.WriteByte(0)
				walk(e)
			}
		}
	}
	walk(v)
	return sb.String(), nil
}
