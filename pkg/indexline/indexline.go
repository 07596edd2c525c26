// Package indexline owns the index line, the one-line summary of a record
// that a pack's index.jsonl holds and `xr-sqldump --index` writes for
// xr-diff's --against:
//
//	{"h": "<content_sha256>", "k": "<source|entity|natural_key>", "id": "<exchange_id>", "t": "<observed_at>", "f": "<chunk path>"}
//
// It reads them in two ways that accept the same lines with the same
// error texts (FuzzScanParse): Scan, which fills Fields without
// allocating (xr-diff loads millions), and Parse, which returns an Entry
// of strings. It writes them in two forms: Append, the reference's pack
// form (Python json.dumps separators), and AppendCompact, the dump's.
package indexline

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// Entry is one index line. An empty string stands for a null or absent
// member.
type Entry struct {
	Hash string // h: content_sha256 (required)
	Key  string // k: source_system|entity_type|natural_key
	ID   string // id: exchange_id
	Time string // t: observed_at_utc, as the line holds it
	File string // f: chunk path relative to the pack (packs only)
	// KP is the "kp" member xr adds where Key is ambiguous (more than two
	// '|', or an empty natural key: see envelope.KeyParts.NeedsParts): the
	// key's parts as a JSON array ["source", "entity", natural_key or
	// null], in the one form xr writes; "" when absent. The reference
	// ignores it.
	KP string
}

// NoTime is Fields.Time for a null or absent "t": older than every real
// time (envelope.UnixNano keeps it free).
const NoTime int64 = math.MinInt64

// For returns the index entry of rec stored in chunk file f.
func For(rec *envelope.Record, f string) Entry {
	e := Entry{Hash: rec.Hash(), Key: rec.Key(), ID: rec.ID(), File: f}
	if p := rec.Parts(); p.NeedsParts() {
		e.KP = string(p.AppendJSON(nil))
	}
	if t, ok := rec.ObservedAt(); ok {
		e.Time = FormatTime(t)
	}
	return e
}

// FormatTime formats t as the reference's index does (Python's
// isoformat of a UTC datetime): 2026-01-14T22:00:00+00:00, with six
// fraction digits when there is a fraction (nine when it is finer than a
// microsecond).
func FormatTime(t time.Time) string {
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

// Fields is what Scan finds in one line. The slices point into the line
// or into the Fields' own buffer, and are valid until the next Scan.
type Fields struct {
	Hash     [32]byte
	Key      []byte // k's text; nil when null or absent ("" is not nil)
	ID, File []byte // id and f as text; nil when null or absent
	TimeText []byte // t as the line holds it; nil when null or absent
	Time     int64  // t in Unix ns (envelope.ParseUnixNano); NoTime when null or absent
	KP       envelope.KeyParts
	HasKP    bool // a non-null "kp" (KP is then set)

	buf []byte // unescaped strings
}

// Error is what is wrong with one index line: the member it is about
// ("" for the line as a whole) and why. Its text is the one wording of
// every reader of index lines (`xr-diff --against`, `xr-pack verify`).
type Error struct {
	Field string
	Err   error
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func fieldErr(field string, format string, args ...any) error {
	return &Error{Field: field, Err: fmt.Errorf(format, args...)}
}

// Scan reads one index line (without its line end) into f, without
// allocating once f's buffer has grown. Members may come in any order with
// any JSON spacing; unknown ones are skipped (and validated); "h" is
// required, and a repeated member counts with its last value. Errors are
// *Error.
func (f *Fields) Scan(line []byte) error {
	*f = Fields{Time: NoTime, buf: f.buf[:0]}
	haveH := false
	o := jsonscan.ObjectText(line)
	for o.Next() {
		v, err := o.Value()
		if err != nil {
			return &Error{Field: string(memberName(o.Key())), Err: err}
		}
		switch string(o.Key()) { // members written without escapes, as every writer does
		case `"h"`:
			if len(v) != 66 || v[0] != '"' || !decodeDigest(&f.Hash, v[1:65]) {
				return fieldErr("h", "not a lowercase hex SHA-256 digest: %s", clip(v))
			}
			haveH = true
		case `"k"`:
			if f.Key, err = f.text("k", v); err != nil {
				return err
			}
		case `"id"`:
			if f.ID, err = f.text("id", v); err != nil {
				return err
			}
		case `"f"`:
			if f.File, err = f.text("f", v); err != nil {
				return err
			}
		case `"t"`:
			switch {
			case string(v) == "null":
				f.TimeText, f.Time = nil, NoTime
			case v[0] != '"':
				return fieldErr("t", "want an ISO 8601 string, got %s", clip(v))
			default:
				t, err := envelope.ParseUnixNano(v[1 : len(v)-1])
				if err != nil {
					return &Error{Field: "t", Err: err}
				}
				f.TimeText, f.Time = v[1:len(v)-1], t
			}
		case `"kp"`:
			if string(v) == "null" {
				f.KP, f.HasKP = envelope.KeyParts{}, false
				break
			}
			if f.KP, err = envelope.ParseKeyParts(v); err != nil {
				return &Error{Field: "kp", Err: err}
			}
			f.HasKP = true
		}
	}
	if err := o.Err(); err != nil {
		return &Error{Err: err}
	}
	if !haveH {
		return fieldErr("h", "missing (required)")
	}
	return nil
}

// text reads the string member v (or null: nil) of field name.
func (f *Fields) text(name string, v []byte) ([]byte, error) {
	if v[0] == '"' && bytes.IndexByte(v, '\\') < 0 { // most strings: no escapes
		return v[1 : len(v)-1], nil
	}
	return f.unquote(name, v)
}

// unquote is text's slow path: null, a value that is no string, or a
// string with escapes (decoded into f's buffer).
func (f *Fields) unquote(name string, v []byte) ([]byte, error) {
	switch {
	case string(v) == "null":
		return nil, nil
	case v[0] != '"':
		return nil, fieldErr(name, "want a string, got %s", clip(v))
	}
	start := len(f.buf)
	var err error
	if f.buf, err = jsonscan.AppendUnquote(f.buf, v); err != nil {
		return nil, &Error{Field: name, Err: err}
	}
	return f.buf[start:len(f.buf):len(f.buf)], nil
}

// memberName is a key's text for an error (escapes as written).
func memberName(key []byte) []byte { return key[1 : len(key)-1] }

// Parse reads one index line as Scan does, into an Entry.
func Parse(line []byte) (Entry, error) {
	var f Fields
	if err := f.Scan(line); err != nil {
		return Entry{}, err
	}
	return f.Entry(), nil
}

// Entry returns the scanned line as an Entry.
func (f *Fields) Entry() Entry {
	e := Entry{Hash: hex.EncodeToString(f.Hash[:]), Key: string(f.Key), ID: string(f.ID), Time: string(f.TimeText), File: string(f.File)}
	if f.HasKP {
		e.KP = string(f.KP.AppendJSON(nil))
	}
	return e
}

// Append appends e as one line (with its '\n') in the reference's pack
// form: `{"h": "…", "k": "…", "id": "…", "t": "…", "f": "…"}`, Python
// json.dumps separators, non-ASCII kept as is, empty values as null; then
// `, "kp": [...]` when e.KP is set.
func Append(dst []byte, e Entry) []byte {
	return appendLine(dst, e, `{"h": `, `, "k": `, `, "id": `, `, "t": `, `, "f": `, `, "kp": `)
}

// AppendCompact appends e as one line (with its '\n') without spaces, as
// `xr-sqldump --index` writes it: `{"h":"…","k":"…","id":"…","t":"…"}`,
// "f" only when e.File is set, then "kp" when e.KP is.
func AppendCompact(dst []byte, e Entry) []byte {
	f := `,"f":`
	if e.File == "" {
		f = ""
	}
	return appendLine(dst, e, `{"h":`, `,"k":`, `,"id":`, `,"t":`, f, `,"kp":`)
}

// appendLine writes e with the members' openings given (an empty f: no
// "f" member).
func appendLine(dst []byte, e Entry, h, k, id, t, f, kp string) []byte {
	member := func(dst []byte, name, v string) []byte {
		dst = append(dst, name...)
		if v == "" {
			return append(dst, "null"...)
		}
		return jsonscan.AppendQuoteString(dst, v)
	}
	dst = member(dst, h, e.Hash)
	dst = member(dst, k, e.Key)
	dst = member(dst, id, e.ID)
	dst = member(dst, t, e.Time)
	if f != "" {
		dst = member(dst, f, e.File)
	}
	if e.KP != "" {
		dst = append(append(dst, kp...), e.KP...)
	}
	return append(dst, '}', '\n')
}

// LineError is a bad line of an index file: its number and what is wrong.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return "index line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

func (e *LineError) Unwrap() error { return e.Err }

// Reader reads index lines: blank lines are skipped, CRLF line ends and a
// byte order mark on the first line are accepted (envelope.Reader's
// rules), a line over the cap is an error of its own.
type Reader struct {
	r *envelope.Reader
	f Fields
}

// NewReader returns a Reader with the given line cap (<= 0:
// envelope.DefaultMaxLine).
func NewReader(r io.Reader, maxLine int) *Reader {
	return &Reader{r: envelope.NewReader(r, maxLine)}
}

// Scan reads and scans the next line, returning its Fields (valid until
// the next call) and line number; io.EOF at the end. A bad line is a
// *LineError, after which reading can go on.
func (r *Reader) Scan() (*Fields, int, error) {
	line, err := r.r.ReadLine()
	if err != nil {
		var le *envelope.LineError
		if errors.As(err, &le) {
			return nil, le.Line, &LineError{Line: le.Line, Err: le.Err}
		}
		return nil, r.r.LineNumber(), err
	}
	if err := r.f.Scan(line); err != nil {
		return nil, r.r.LineNumber(), &LineError{Line: r.r.LineNumber(), Err: err}
	}
	return &r.f, r.r.LineNumber(), nil
}

// Read reads index lines from r and calls fn for each (line numbers start
// at 1). A bad line ends the read with its *LineError, unless onBad is
// non-nil: onBad then gets it and the read goes on. An error from fn or
// onBad ends the read and is returned as it is.
func Read(r io.Reader, fn func(line int, e Entry) error, onBad func(*LineError) error) error {
	rd := NewReader(r, 0)
	for {
		f, n, err := rd.Scan()
		if err == io.EOF {
			return nil
		}
		if le := (*LineError)(nil); errors.As(err, &le) {
			if onBad == nil {
				return le
			}
			if err := onBad(le); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(n, f.Entry()); err != nil {
			return err
		}
	}
}

// unhex maps a lowercase hex digit to its value, anything else to 0xff.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// decodeDigest decodes 64 lowercase hex digits into h, reporting whether
// they were that (envelope.IsDigest and hex.Decode in one pass).
func decodeDigest(h *[32]byte, b []byte) bool {
	if len(b) != 64 {
		return false
	}
	b = b[:64:64]
	var bad byte
	for i := 0; i < 64; i += 2 {
		hi, lo := unhex[b[i]], unhex[b[i+1]]
		bad |= hi | lo
		h[i>>1] = hi<<4 | lo
	}
	return bad&0xf0 == 0
}

// clip shortens a value quoted in an error.
func clip(v []byte) string {
	if len(v) > 80 {
		return string(v[:77]) + "..."
	}
	return string(v)
}
