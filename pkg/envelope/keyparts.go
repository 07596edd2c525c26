package envelope

import (
	"bytes"
	"errors"
	"strings"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// The index key text "source|entity|natural_key" (the reference's "k") is
// ambiguous when a part holds a '|': (a|b, c, k) and (a, b|c, k) both give
// "a|b|c|k". xr never compares keys by that text. It compares the parts,
// and where the text is ambiguous its index lines carry the parts as an
// extra member the reference ignores:
//
//	"kp": ["a|b", "c", "k"]     (natural_key null when the record has none)
//
// A "k" with exactly two '|' names one tuple (its natural key is the text
// after the second '|'; nothing there: no natural key, or an empty one,
// which the text cannot tell apart, so a line of an empty natural key
// carries "kp" too: ["a", "b", ""]); a "k" with more than two and no "kp"
// is ambiguous and must be resolved another way or refused.

// NeedsParts reports whether an index line of this key must carry its
// parts ("kp"): when a part holds a '|' (the text is ambiguous), or when
// its natural key is the empty string, whose text "source|entity|" is also
// that of a record without a natural key (keyed by its hash alone).
func (p KeyParts) NeedsParts() bool {
	return p.HasNatural && p.Natural == "" ||
		strings.Contains(p.Source, "|") || strings.Contains(p.Entity, "|") || strings.Contains(p.Natural, "|")
}

// KeyParts is a key as its three parts.
type KeyParts struct {
	Source, Entity string
	Natural        string
	HasNatural     bool // false: natural_key null (or absent)
}

// Parts returns rec's key parts.
func (r *Record) Parts() KeyParts {
	return KeyParts{Source: r.str[SourceSystem], Entity: r.str[EntityType], Natural: r.NaturalKeyText(), HasNatural: r.HasNaturalKey()}
}

// Text returns the reference's key text "source|entity|natural_key".
func (p KeyParts) Text() string { return IndexKey(p.Source, p.Entity, p.Natural) }

// AppendJSON appends the "kp" value: ["source","entity","natural_key"],
// natural_key null when there is none.
func (p KeyParts) AppendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	dst = jsonscan.AppendQuoteString(dst, p.Source)
	dst = append(dst, ", "...)
	dst = jsonscan.AppendQuoteString(dst, p.Entity)
	dst = append(dst, ", "...)
	if p.HasNatural {
		dst = jsonscan.AppendQuoteString(dst, p.Natural)
	} else {
		dst = append(dst, "null"...)
	}
	return append(dst, ']')
}

// errKeyParts is a "kp" that is not three parts.
var errKeyParts = errors.New(`want ["source_system", "entity_type", natural_key or null]`)

// ParseKeyParts reads a "kp" value (a JSON value's extent, as jsonscan.Skip
// delimits it): exactly two strings and a string or null.
func ParseKeyParts(raw []byte) (KeyParts, error) {
	var parts [3]string
	null := false
	i, more, err := jsonscan.FirstElement(raw, jsonscan.SkipSpace(raw, 0))
	for n := range parts {
		if !more || err != nil {
			return KeyParts{}, errKeyParts
		}
		var end int
		if end, err = jsonscan.Skip(raw, i); err != nil {
			return KeyParts{}, err
		}
		switch v := raw[i:end]; {
		case n == 2 && string(v) == "null":
			null = true
		case v[0] == '"':
			if parts[n], err = jsonscan.Unquote(v); err != nil {
				return KeyParts{}, err
			}
		default:
			return KeyParts{}, errKeyParts
		}
		i, more, err = jsonscan.NextElement(raw, end)
	}
	if more || err != nil || i != len(raw) {
		return KeyParts{}, errKeyParts
	}
	return KeyParts{Source: parts[0], Entity: parts[1], Natural: parts[2], HasNatural: !null}, nil
}

// SplitKeyText splits an index key text k at its first two '|'. pipes is
// how many '|' k has, 3 standing for three or more: only with exactly two
// does k name one tuple (source, entity, natural; an empty natural is no
// natural key or an empty one, which the text cannot tell apart); with
// more it is ambiguous (its line's "kp" must say), with fewer it names no
// record's key.
func SplitKeyText(k []byte) (source, entity, natural []byte, pipes int) {
	i := bytes.IndexByte(k, '|')
	if i < 0 {
		return nil, nil, nil, 0
	}
	j := bytes.IndexByte(k[i+1:], '|')
	if j < 0 {
		return nil, nil, nil, 1
	}
	j += i + 1
	if bytes.IndexByte(k[j+1:], '|') >= 0 {
		return nil, nil, nil, 3
	}
	return k[:i], k[i+1 : j], k[j+1:], 2
}
