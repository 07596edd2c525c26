package snapshot

import (
	"bytes"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// A record's request and response are most of its bytes, and verifying
// its content_sha256 already reads them completely: the canonical form
// validates them as strictly as the envelope parser would (stricter: lone
// surrogates fail). parseRecord therefore validates them once, not twice:
// it skims over the two payloads to find where they end, lets
// envelope.Parse validate the rest of the line with the payloads replaced
// by null, then puts the payloads back. The caller must verify the hash
// (which canonicalizes the payloads) before trusting the record.
// Anything the skim does not understand goes to envelope.Parse whole, so
// errors read the same as everywhere else.

// parseRecord parses line into rec; scratch is reused between calls and
// holds the bytes rec's other fields point into.
func parseRecord(rec *envelope.Record, line, scratch []byte) ([]byte, error) {
	var spans [2][2]int // request, response value spans
	reduced, ok := skimEnvelope(line, scratch[:0], &spans)
	if ok {
		*rec = envelope.Record{Extra: rec.Extra[:0]}
		if envelope.Parse(rec, reduced, false) == nil {
			for k, f := range [2]envelope.Field{envelope.Request, envelope.Response} {
				if s := spans[k]; s[1] > 0 {
					rec.SetRaw(f, line[s[0]:s[1]])
				}
			}
			return reduced, nil
		}
	}
	*rec = envelope.Record{Extra: rec.Extra[:0]}
	return reduced, envelope.Parse(rec, line, false)
}

// skimEnvelope copies line into dst with the values of the top-level
// request and response members replaced by null, noting their spans.
// ok is false when the line is not shaped like a JSON object.
func skimEnvelope(line, dst []byte, spans *[2][2]int) ([]byte, bool) {
	i := jsonscan.SkipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return dst, false
	}
	last := 0
	i = jsonscan.SkipSpace(line, i+1)
	for i < len(line) && line[i] != '}' {
		if line[i] != '"' {
			return dst, false
		}
		kend := skimString(line, i)
		if kend < 0 {
			return dst, false
		}
		key := line[i+1 : kend-1]
		i = jsonscan.SkipSpace(line, kend)
		if i >= len(line) || line[i] != ':' {
			return dst, false
		}
		vs := jsonscan.SkipSpace(line, i+1)
		ve := skimValue(line, vs)
		if ve < 0 {
			return dst, false
		}
		k := -1
		switch string(key) {
		case "request":
			k = 0
		case "response":
			k = 1
		}
		if k >= 0 {
			dst = append(append(dst, line[last:vs]...), "null"...)
			last = ve
			spans[k] = [2]int{vs, ve}
		}
		i = jsonscan.SkipSpace(line, ve)
		if i < len(line) && line[i] == ',' {
			i = jsonscan.SkipSpace(line, i+1)
		} else if i >= len(line) || line[i] != '}' {
			return dst, false
		}
	}
	return append(dst, line[last:]...), true
}

// skimString returns the end of the string literal at b[i] (after its
// closing quote), or -1. It does not validate the contents.
func skimString(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
}

// skimValue returns the end of the JSON value at b[i] — exact for valid
// JSON; for invalid JSON some position within b, or -1.
func skimValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skimString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				j := skimString(b, i)
				if j < 0 {
					return -1
				}
				i = j
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !jsonscan.IsSpace(b[j]) {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}
