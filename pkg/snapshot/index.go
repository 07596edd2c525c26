package snapshot

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// IndexEntry is one line of index.jsonl:
//
//	{"h": "<content_sha256>", "k": "<source|entity|natural_key>", "id": "<exchange_id>", "t": "<observed_at>", "f": "<chunk path>"}
//
// An empty string stands for a null or absent member.
type IndexEntry struct {
	Hash string // h: content_sha256
	Key  string // k: source_system|entity_type|natural_key
	ID   string // id: exchange_id
	Time string // t: observed_at_utc, as the index holds it
	File string // f: chunk path relative to the pack
	// KP is the "kp" member xr adds where Key is ambiguous (more than two
	// '|', or an empty natural key: see KeyParts.NeedsParts): the key's parts as a JSON array
	// ["source", "entity", natural_key or null], written in one form; ""
	// when absent. The reference ignores it.
	KP string
}

// EntryFor returns the index entry of rec stored in chunk file f.
func EntryFor(rec *envelope.Record, f string) IndexEntry {
	e := IndexEntry{Hash: rec.Hash(), Key: rec.Key(), ID: rec.ID(), File: f}
	if p := rec.Parts(); p.NeedsParts() {
		e.KP = string(p.AppendJSON(nil))
	}
	if t, ok := rec.ObservedAt(); ok {
		e.Time = FormatIndexTime(t)
	}
	return e
}

// FormatIndexTime formats t as the reference's index does (Python's
// isoformat of a UTC datetime): 2026-01-14T22:00:00+00:00, with six
// fraction digits when there is a fraction (nine when it is finer than a
// microsecond).
func FormatIndexTime(t time.Time) string {
	t = t.UTC()
	b := make([]byte, 0, 35)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if ns := t.Nanosecond(); ns != 0 {
		if ns%1000 == 0 {
			b = t.AppendFormat(b, ".000000")
		} else {
			b = t.AppendFormat(b, ".000000000")
		}
	}
	return string(append(b, "+00:00"...))
}

// AppendIndexLine appends e as one index line (with its '\n') in the
// reference's form: `{"h": "…", "k": "…", "id": "…", "t": "…", "f": "…"}`,
// Python json.dumps separators, non-ASCII kept as is, empty values as null;
// then `, "kp": [...]` when e.KP is set (an ambiguous k).
func AppendIndexLine(dst []byte, e IndexEntry) []byte {
	member := func(dst []byte, name, v string) []byte {
		dst = append(dst, name...)
		if v == "" {
			return append(dst, "null"...)
		}
		return jsonscan.AppendQuoteString(dst, v)
	}
	dst = member(dst, `{"h": `, e.Hash)
	dst = member(dst, `, "k": `, e.Key)
	dst = member(dst, `, "id": `, e.ID)
	dst = member(dst, `, "t": `, e.Time)
	dst = member(dst, `, "f": `, e.File)
	if e.KP != "" {
		dst = append(append(dst, `, "kp": `...), e.KP...)
	}
	return append(dst, '}', '\n')
}

// ParseIndexLine parses one index line. Members may come in any order and
// with any JSON spacing; unknown members are ignored; "h" is required,
// "f" is optional (xr-diff's --against lines may lack it).
func ParseIndexLine(line []byte) (IndexEntry, error) {
	var e IndexEntry
	i := jsonscan.SkipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return e, errors.New("not a JSON object")
	}
	i = jsonscan.SkipSpace(line, i+1)
	for i < len(line) && line[i] != '}' {
		if line[i] != '"' {
			return e, errors.New("want an object key")
		}
		kend, err := jsonscan.SkipString(line, i)
		if err != nil {
			return e, err
		}
		key := string(line[i+1 : kend-1])
		i = jsonscan.SkipSpace(line, kend)
		if i >= len(line) || line[i] != ':' {
			return e, errors.New("want ':' after an object key")
		}
		i = jsonscan.SkipSpace(line, i+1)
		vstart := i
		if i, err = jsonscan.Skip(line, i); err != nil {
			return e, fmt.Errorf("%s: %w", key, err)
		}
		raw := line[vstart:i]
		var dst *string
		switch key {
		case "kp": // kept in the one form xr writes
			if string(raw) != "null" {
				p, err := envelope.ParseKeyParts(raw)
				if err != nil {
					return e, fmt.Errorf("kp: %w", err)
				}
				e.KP = string(p.AppendJSON(nil))
			}
		case "h":
			dst = &e.Hash
		case "k":
			dst = &e.Key
		case "id":
			dst = &e.ID
		case "t":
			dst = &e.Time
		case "f":
			dst = &e.File
		}
		if dst != nil {
			switch {
			case raw[0] == '"':
				if *dst, err = jsonscan.Unquote(raw); err != nil {
					return e, fmt.Errorf("%s: %w", key, err)
				}
			case string(raw) == "null":
				*dst = ""
			default:
				return e, fmt.Errorf("%s: want a string, got %s", key, raw)
			}
		}
		i = jsonscan.SkipSpace(line, i)
		if i < len(line) && line[i] == ',' {
			i = jsonscan.SkipSpace(line, i+1)
		} else if i >= len(line) || line[i] != '}' {
			return e, errors.New("want ',' or '}'")
		}
	}
	if i >= len(line) {
		return e, errors.New("unexpected end of line (truncated?)")
	}
	if j := jsonscan.SkipSpace(line, i+1); j != len(line) {
		return e, errors.New("unexpected text after the object")
	}
	if !envelope.IsDigest(e.Hash) {
		return e, fmt.Errorf("h: not a lowercase hex SHA-256 digest: %q", e.Hash)
	}
	return e, nil
}

// IndexLineError is a bad line of an index file.
type IndexLineError struct {
	Line int
	Err  error
}

func (e *IndexLineError) Error() string {
	return "index line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

func (e *IndexLineError) Unwrap() error { return e.Err }

// ReadIndex reads index lines from r and calls fn for each (line numbers
// start at 1; blank lines are skipped). A line that does not parse ends
// the read with an *IndexLineError, unless onBad is non-nil, in which case
// onBad gets it and the read goes on. An error from fn or onBad ends the
// read and is returned as it is.
func ReadIndex(r io.Reader, fn func(line int, e IndexEntry) error, onBad func(*IndexLineError) error) error {
	rd := envelope.NewReader(r, 0)
	for {
		line, err := rd.ReadLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var le *envelope.LineError
			if errors.As(err, &le) {
				ie := &IndexLineError{Line: le.Line, Err: le.Err}
				if onBad == nil {
					return ie
				}
				if err := onBad(ie); err != nil {
					return err
				}
				continue
			}
			return err
		}
		e, perr := ParseIndexLine(line)
		if perr != nil {
			ie := &IndexLineError{Line: rd.LineNumber(), Err: perr}
			if onBad == nil {
				return ie
			}
			if err := onBad(ie); err != nil {
				return err
			}
			continue
		}
		if err := fn(rd.LineNumber(), e); err != nil {
			return err
		}
	}
}
