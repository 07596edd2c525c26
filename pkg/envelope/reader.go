package envelope

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// DefaultMaxLine is the default cap on one envelope line: 64 MiB.
const DefaultMaxLine = 64 << 20

// Reader reads envelopes, one per line. Blank lines are skipped, CRLF line
// ends and a UTF-8 byte order mark on the first line are accepted.
type Reader struct {
	br      *bufio.Reader
	max     int
	line    int
	buf     []byte // the current line, without its line end
	own     []byte // a line longer than br's buffer, gathered
	rec     Record
	lenient bool
	deferP  bool
}

// NewReader returns a Reader with the given line cap (<= 0: DefaultMaxLine).
func NewReader(r io.Reader, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	return &Reader{br: bufio.NewReaderSize(r, 256<<10), max: maxLine}
}

// Lenient makes Read skip the required-field checks (exchange_type,
// source_system, entity_type), for tools that only look at a few fields.
func (r *Reader) Lenient() { r.lenient = true }

// DeferPayloads makes Read only delimit request and response instead of
// validating them, for stages that canonicalize both right after (which
// validates them fully): xr-hash reads each payload byte once, not twice.
func (r *Reader) DeferPayloads() { r.deferP = true }

// Buffered is how many bytes of input are read ahead: 0 means the next
// ReadLine reads from the input, and may wait for it.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// LineNumber is the number of the last line read.
func (r *Reader) LineNumber() int { return r.line }

// Bytes returns the last line read, exactly as it came in (without the
// line end or a first-line BOM). It is valid until the next Read.
func (r *Reader) Bytes() []byte { return r.buf }

// ReadLine returns the next non-blank line without parsing it.
func (r *Reader) ReadLine() ([]byte, error) {
	for {
		// a line that fits in the read buffer is returned from it, without
		// a copy; a longer one is gathered in own
		r.own = r.own[:0]
		var b []byte
		for {
			chunk, err := r.br.ReadSlice('\n')
			if len(r.own)+len(chunk) > r.max+2 { // +2: the line end itself
				r.line++
				r.buf = r.own // the part read, for --rejects
				n := len(r.own) + len(chunk) + r.skipRest(chunk, err)
				return nil, &LineError{Line: r.line, Err: &LongLineError{Max: r.max, Bytes: n}}
			}
			if err == bufio.ErrBufferFull {
				r.own = append(r.own, chunk...)
				continue
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			if len(r.own) > 0 {
				b = append(r.own, chunk...)
				r.own = b
			} else {
				b = chunk[:len(chunk):len(chunk)] // an append must not write into br
			}
			if len(b) == 0 && err == io.EOF {
				return nil, io.EOF
			}
			break
		}
		r.line++
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
		if r.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(b) > r.max {
			r.buf = b
			return nil, &LineError{Line: r.line, Err: &LongLineError{Max: r.max, Bytes: len(b)}}
		}
		if len(b) == 0 || b[0] <= ' ' && len(bytes.TrimLeft(b, " \t\r")) == 0 {
			continue
		}
		r.buf = b
		return b, nil
	}
}

// skipRest discards the remainder of an over-long line whose last read
// was chunk (with err), and returns how many bytes the line had beyond
// chunk, its line end ("\n" or "\r\n", which two reads may split) not
// counted.
func (r *Reader) skipRest(chunk []byte, err error) int {
	n := 0
	var tail [2]byte // the last two bytes read
	keep := func(c []byte) {
		if len(c) == 1 {
			tail[0], tail[1] = tail[1], c[0]
		} else if len(c) > 1 {
			tail[0], tail[1] = c[len(c)-2], c[len(c)-1]
		}
	}
	keep(chunk)
	for err == bufio.ErrBufferFull {
		chunk, err = r.br.ReadSlice('\n')
		n += len(chunk)
		keep(chunk)
	}
	if tail[1] == '\n' {
		n--
		if tail[0] == '\r' {
			n--
		}
	}
	return n
}

// Read returns the next envelope, or io.EOF. Errors about one line are
// *LineError; the Reader can go on with the next line after one.
func (r *Reader) Read() (*Record, error) {
	line, err := r.ReadLine()
	if err != nil {
		return nil, err
	}
	return r.parseLine(line)
}

// parseLine parses the line just read into the Reader's Record.
func (r *Reader) parseLine(line []byte) (*Record, error) {
	r.rec = Record{Line: r.line, Extra: r.rec.Extra[:0]}
	if err := parse(&r.rec, line, r.lenient, r.deferP); err != nil {
		var le *LineError
		if errors.As(err, &le) {
			le.Line = r.line
			return nil, le
		}
		return nil, &LineError{Line: r.line, Err: err}
	}
	return &r.rec, nil
}

// Parse parses one envelope line into rec (raw values alias line) and
// validates it. With lenient, the required string fields may be missing.
func Parse(rec *Record, line []byte, lenient bool) error {
	return parse(rec, line, lenient, false)
}

// ParseDeferred is Parse with request and response only delimited, not
// validated (see Reader.DeferPayloads): for callers that canonicalize both
// right after, which validates them fully, so that each payload byte is
// read once.
func ParseDeferred(rec *Record, line []byte) error {
	return parse(rec, line, false, true)
}

func parse(rec *Record, line []byte, lenient, deferPayloads bool) error {
	o := jsonscan.ObjectText(line)
	for o.Next() {
		key := o.Key()
		skip := jsonscan.Skip
		if deferPayloads && (string(key) == `"request"` || string(key) == `"response"`) {
			skip = jsonscan.Delimit
		}
		v, err := o.ValueWith(skip)
		if err != nil {
			return &LineError{Field: fieldLabel(key), Err: err}
		}
		if err := rec.setMember(key, v); err != nil {
			return err
		}
	}
	if err := o.Err(); err != nil {
		return &LineError{Err: err}
	}
	return rec.validate(lenient)
}

func fieldLabel(key []byte) string {
	s, err := jsonscan.Unquote(key)
	if err != nil {
		return string(key)
	}
	return s
}

// setMember stores one top-level member; a duplicated known key keeps the
// last value, as JSON parsers (and the reference) do.
func (rec *Record) setMember(key, val []byte) error {
	name := key[1 : len(key)-1]
	if f, ok := fieldByRawName(name); ok {
		rec.raw[f] = val
		rec.str[f] = ""
		if val[0] == '"' && isStringField[f] {
			s, err := jsonscan.Unquote(val)
			if err != nil {
				return &LineError{Field: f.String(), Err: err}
			}
			rec.str[f] = s
		}
		return nil
	}
	rec.Extra = append(rec.Extra, Member{Name: key, Raw: val})
	return nil
}

// isStringField marks the fields whose decoded text the Record keeps.
var isStringField = [numFields]bool{ExchangeID: true, ExchangeType: true, SourceSystem: true,
	EntityType: true, NaturalKey: true, ObservedAt: true, ContentSHA256: true}

func fieldByRawName(name []byte) (Field, bool) {
	for i, n := range fieldNames {
		if string(name) == n {
			return Field(i), true
		}
	}
	return 0, false
}

// validate checks the types of the known fields.
func (rec *Record) validate(lenient bool) error {
	fail := func(f Field, format string, args ...any) error {
		return &LineError{Field: f.String(), Err: fmt.Errorf(format, args...)}
	}
	for _, f := range []Field{ExchangeType, SourceSystem, EntityType} {
		v := rec.raw[f]
		switch {
		case v == nil && lenient:
		case v == nil:
			return fail(f, "missing (required)")
		case v[0] != '"':
			return fail(f, "want a string, got %s", kind(v))
		case rec.str[f] == "":
			return fail(f, "empty (required)")
		}
	}
	if v := rec.raw[NaturalKey]; v != nil {
		if c := v[0]; c != '"' && c != 'n' && c != '-' && (c < '0' || c > '9') {
			return fail(NaturalKey, "want a string, number or null, got %s", kind(v))
		}
	}
	if v := rec.raw[ExchangeID]; v != nil && string(v) != "null" {
		if v[0] != '"' || !IsUUID(rec.str[ExchangeID]) {
			return fail(ExchangeID, "not a UUID: %s", clip(v))
		}
	}
	if v := rec.raw[ObservedAt]; v != nil && string(v) != "null" {
		if v[0] != '"' {
			return fail(ObservedAt, "want an ISO 8601 string, got %s", kind(v))
		}
		if _, err := ParseTime(rec.str[ObservedAt]); err != nil {
			return fail(ObservedAt, "%v", err)
		}
	}
	if v := rec.raw[ContentSHA256]; v != nil && string(v) != "null" {
		if v[0] != '"' || (rec.str[ContentSHA256] != "" && !IsDigest(rec.str[ContentSHA256])) {
			return fail(ContentSHA256, "not a lowercase hex SHA-256 digest: %s", clip(v))
		}
	}
	if v := rec.raw[SchemaVersion]; v != nil && !isInteger(v) {
		return fail(SchemaVersion, "want an integer from -2147483648 to 2147483647, got %s", clip(v))
	}
	for _, f := range []Field{Tags, RedactionsApplied} {
		if v := rec.raw[f]; v != nil && string(v) != "null" {
			if err := checkStringArray(v); err != nil {
				return fail(f, "%v", err)
			}
		}
	}
	return nil
}

func checkStringArray(v []byte) error {
	if v[0] != '[' {
		return fmt.Errorf("want an array of strings, got %s", kind(v))
	}
	i, more, err := jsonscan.FirstElement(v, 0)
	for more && err == nil {
		if v[i] != '"' {
			return fmt.Errorf("want an array of strings, found %s", kind(v[i:]))
		}
		if i, err = jsonscan.SkipString(v, i); err == nil {
			i, more, err = jsonscan.NextElement(v, i)
		}
	}
	return err
}

func kind(v []byte) string {
	switch c := v[0]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "a number"
	}
}

func clip(v []byte) string {
	if len(v) > 80 {
		return string(v[:77]) + "..."
	}
	return string(v)
}
