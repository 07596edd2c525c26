package redact

import (
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// member is one top-level member of an envelope line: the key starts at
// ks, the value spans [vs, ve).
type member struct {
	ks, vs, ve int
	f          envelope.Field
	known      bool
}

// splice writes the envelope line with new request, response and
// natural_key values (nil: unchanged), redactions_applied set to applied and content_sha256
// removed, keeping every other byte of the line as it is: whitespace,
// separators, member order, unknown members. A redactions_applied that
// was absent goes where DESIGN's field order has it (after the last
// member ordered before it). It reports false, writing nothing,
// for a line it does not handle (a repeated member among those it
// changes); the caller then re-encodes the record instead.
func splice(dst, line []byte, vals [3][]byte, applied []byte, ms []member) ([]byte, []member, bool) {
	ms = ms[:0]
	var seen [5]bool
	o := jsonscan.ObjectText(line)
	for o.Next() {
		key := o.Key()
		m := member{ks: o.KeyStart(), vs: o.ValueStart()}
		m.f, m.known = envelope.FieldByName(string(key[1 : len(key)-1]))
		if k := touched(m); k >= 0 {
			if seen[k] {
				return dst, ms, false
			}
			seen[k] = true
		}
		v, err := o.Value()
		if err != nil {
			return dst, ms, false
		}
		m.ve = m.vs + len(v)
		ms = append(ms, m)
	}
	if o.Err() != nil {
		return dst, ms, false
	}
	if len(ms) == 0 {
		return dst, ms, false
	}
	// an absent redactions_applied goes after the last member that DESIGN
	// orders before it (at the front if there is none)
	insert, at := !seen[3], -1
	for j, m := range ms {
		if m.known && m.f < envelope.RedactionsApplied {
			at = j
		}
	}
	out := append(dst, line[:ms[0].ks]...)
	first := true
	emit := func(sep []byte) {
		if !first {
			out = append(out, sep...)
		}
		first = false
	}
	if insert && at < 0 {
		emit(nil)
		out = append(append(out, `"redactions_applied":`...), applied...)
	}
	for j, m := range ms {
		sep := []byte{','}
		if j > 0 {
			sep = line[ms[j-1].ve:m.ks]
		}
		if !m.known || m.f != envelope.ContentSHA256 {
			emit(sep)
			out = append(out, line[m.ks:m.vs]...)
			switch {
			case m.known && m.f == envelope.Request && vals[0] != nil:
				out = append(out, vals[0]...)
			case m.known && m.f == envelope.Response && vals[1] != nil:
				out = append(out, vals[1]...)
			case m.known && m.f == envelope.NaturalKey && vals[2] != nil:
				out = append(out, vals[2]...)
			case m.known && m.f == envelope.RedactionsApplied:
				out = append(out, applied...)
			default:
				out = append(out, line[m.vs:m.ve]...)
			}
		}
		if insert && j == at {
			emit([]byte{','})
			out = append(append(out, `"redactions_applied":`...), applied...)
		}
	}
	return append(out, line[ms[len(ms)-1].ve:]...), ms, true
}

// touched returns the index of the members splice changes, or -1.
func touched(m member) int {
	if !m.known {
		return -1
	}
	switch m.f {
	case envelope.Request:
		return 0
	case envelope.Response:
		return 1
	case envelope.ContentSHA256:
		return 2
	case envelope.RedactionsApplied:
		return 3
	case envelope.NaturalKey:
		return 4
	}
	return -1
}
