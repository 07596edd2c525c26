// Package envelope reads and writes exchange-record envelopes: one JSON
// object per line (NDJSON). A Record keeps every field as its raw JSON
// bytes, so payloads (request, response, provenance) and unknown fields
// travel through xr byte for byte; only the fields a stage changes are
// re-encoded. Fields are written in the order DESIGN.md fixes, unknown
// top-level fields after the known ones, in their input order.
package envelope

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// Field names a known top-level envelope field. The constants are in
// output order.
type Field int

const (
	ExchangeID Field = iota
	ExchangeType
	SourceSystem
	EntityType
	NaturalKey
	Request
	Response
	ObservedAt
	Provenance
	ContentSHA256
	SchemaVersion
	Tags
	RedactionsApplied
	ResponseRef
	numFields
)

var fieldNames = [numFields]string{
	"exchange_id", "exchange_type", "source_system", "entity_type",
	"natural_key", "request", "response", "observed_at_utc", "provenance",
	"content_sha256", "schema_version", "tags", "redactions_applied",
	"response_ref",
}

// String returns the field's JSON name.
func (f Field) String() string { return fieldNames[f] }

// FieldByName returns the known field with the JSON name s.
func FieldByName(s string) (Field, bool) {
	for i, n := range fieldNames {
		if n == s {
			return Field(i), true
		}
	}
	return 0, false
}

// Member is an unknown top-level field, kept as raw JSON.
type Member struct {
	Name []byte // the key as a raw JSON string literal, quotes included
	Raw  []byte // the raw JSON value
}

// Record is one envelope. Raw values alias the Reader's line buffer until
// the next Read; call Clone to keep a record longer.
type Record struct {
	// Line is the 1-based input line number (0 for records built in code).
	Line  int
	raw   [numFields][]byte
	Extra []Member

	// decoded string fields, filled by the Reader and the setters
	str [numFields]string
}

// Raw returns the raw JSON of field f, or nil when it is absent.
func (r *Record) Raw(f Field) []byte { return r.raw[f] }

// Has reports whether field f is present.
func (r *Record) Has(f Field) bool { return r.raw[f] != nil }

// SetRaw sets field f to the raw JSON value v (nil removes the field). The
// caller guarantees v is valid JSON of the right type.
func (r *Record) SetRaw(f Field, v []byte) {
	r.raw[f] = v
	r.str[f] = ""
	if len(v) > 0 && v[0] == '"' && isStringField[f] {
		r.str[f], _ = jsonscan.Unquote(v)
	}
}

// SetString sets a string field.
func (r *Record) SetString(f Field, s string) {
	r.raw[f] = jsonscan.AppendQuoteString(nil, s)
	r.str[f] = s
}

// Delete removes field f.
func (r *Record) Delete(f Field) { r.raw[f], r.str[f] = nil, "" }

// Str returns the decoded value of a string field; "" when the field is
// absent, null or not a string.
func (r *Record) Str(f Field) string { return r.str[f] }

// ID returns exchange_id.
func (r *Record) ID() string { return r.str[ExchangeID] }

// Hash returns content_sha256 ("" when unset).
func (r *Record) Hash() string { return r.str[ContentSHA256] }

// HasNaturalKey reports whether natural_key is present and not null.
func (r *Record) HasNaturalKey() bool {
	v := r.raw[NaturalKey]
	return v != nil && string(v) != "null"
}

// NaturalKeyText returns the natural key as text: the decoded string, a
// number's lexeme, or "" when absent or null.
func (r *Record) NaturalKeyText() string {
	v := r.raw[NaturalKey]
	switch {
	case v == nil || string(v) == "null":
		return ""
	case v[0] == '"':
		return r.str[NaturalKey]
	default:
		return string(v)
	}
}

// Key returns the index key "source_system|entity_type|natural_key"
// (nothing after the last '|' when there is no natural key), as the
// reference tool writes it.
func (r *Record) Key() string {
	return IndexKey(r.str[SourceSystem], r.str[EntityType], r.NaturalKeyText())
}

// IndexKey joins the parts of an index key: "source|entity|natural_key",
// with nothing after the last '|' when there is no natural key (""). Every
// index (the pack's, xr-sqldump --index's) writes keys through it.
func IndexKey(source, entity, naturalKey string) string {
	return source + "|" + entity + "|" + naturalKey
}

// ObservedAt parses observed_at_utc. The zero time and false mean absent.
func (r *Record) ObservedAt() (time.Time, bool) {
	if r.str[ObservedAt] == "" {
		return time.Time{}, false
	}
	t, err := ParseTime(r.str[ObservedAt])
	return t, err == nil
}

// Clone returns a deep copy that does not alias any buffer.
func (r *Record) Clone() *Record {
	c := &Record{Line: r.Line, str: r.str}
	for i, v := range r.raw {
		if v != nil {
			c.raw[i] = append([]byte{}, v...)
		}
	}
	for _, m := range r.Extra {
		c.Extra = append(c.Extra, Member{Name: append([]byte{}, m.Name...), Raw: append([]byte{}, m.Raw...)})
	}
	return c
}

// LineError is a problem with one input line.
type LineError struct {
	Line  int
	Field string // "" when the problem is with the line as a whole
	Err   error
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %s: %v", e.Line, e.Field, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ErrTooLong is wrapped by the error for a line over the reader's cap.
var ErrTooLong = errors.New("line too long")

// LongLineError is a line over the reader's cap (it matches ErrTooLong).
// Bytes is the whole line's length (without its line end), so that a
// --rejects line can say how much of it was cut.
type LongLineError struct {
	Max   int // the cap (--max-line)
	Bytes int // the line's length
}

func (e *LongLineError) Error() string {
	return fmt.Sprintf("%v: over %d bytes (raise --max-line)", ErrTooLong, e.Max)
}

// Is makes errors.Is(err, ErrTooLong) hold.
func (e *LongLineError) Is(target error) bool { return target == ErrTooLong }

// ParseTime parses an ISO 8601 / RFC 3339 timestamp with any UTC offset
// ("Z", "+02:00", "+0200", "+02"), a 'T' or ' ' separator, optional
// seconds and fraction (any number of digits, kept to the nanosecond). A
// timestamp without an offset is taken as UTC, as the reference does.
func ParseTime(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("not an ISO 8601 timestamp (%s): %q", why, s)
	}
	if len(s) < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' {
		return bad("want YYYY-MM-DDTHH:MM")
	}
	num := func(p string) int {
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return -1
			}
			n = n*10 + int(p[i]-'0')
		}
		return n
	}
	year, month, day := num(s[0:4]), num(s[5:7]), num(s[8:10])
	hour, min := num(s[11:13]), num(s[14:16])
	sec, nsec := 0, 0
	rest := s[16:]
	if len(rest) > 0 && rest[0] == ':' {
		if len(rest) < 3 {
			return bad("seconds")
		}
		sec = num(rest[1:3])
		rest = rest[3:]
		if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
			j := 1
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if j == 1 {
				return bad("empty fraction")
			}
			frac := rest[1:j]
			for k := 0; k < 9; k++ {
				nsec *= 10
				if k < len(frac) {
					nsec += int(frac[k] - '0')
				}
			}
			rest = rest[j:]
		}
	}
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59 {
		return bad("field out of range")
	}
	off := 0
	switch {
	case rest == "" || rest == "Z" || rest == "z":
	case rest[0] == '+' || rest[0] == '-':
		d := rest[1:]
		var oh, om int
		switch {
		case len(d) == 2:
			oh, om = num(d), 0
		case len(d) == 4:
			oh, om = num(d[0:2]), num(d[2:4])
		case len(d) == 5 && d[2] == ':':
			oh, om = num(d[0:2]), num(d[3:5])
		default:
			return bad("offset")
		}
		if oh < 0 || oh > 23 || om < 0 || om > 59 {
			return bad("offset out of range")
		}
		off = oh*3600 + om*60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return bad("trailing text")
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC)
	if t.Day() != day {
		return bad("no such day")
	}
	return t.Add(-time.Duration(off) * time.Second), nil
}

var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// UnixNano returns t in Unix nanoseconds, clamped to the int64 range
// (years 1678 to 2262), so that math.MinInt64 stays free to mean "no
// time" (as xr-diff's index uses it).
func UnixNano(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64 + 1
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// ParseUnixNano parses s as ParseTime does and returns UnixNano of it; the
// common forms YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM) without allocating
// (xr-diff reads millions of index timestamps).
func ParseUnixNano(s []byte) (int64, error) {
	if t, ok := fastTime(s); ok {
		return t, nil
	}
	t, err := ParseTime(string(s))
	if err != nil {
		return 0, err
	}
	return UnixNano(t), nil
}

// fastTime is ParseUnixNano's path for the common forms, which must give
// exactly what ParseTime gives (FuzzFastTime); ok is false for anything
// else, which is left to ParseTime.
func fastTime(s []byte) (int64, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	d := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	for _, i := range [...]int{0, 2, 5, 8, 11, 14, 17} {
		if s[i] < '0' || s[i] > '9' || s[i+1] < '0' || s[i+1] > '9' {
			return 0, false
		}
	}
	year := d(0)*100 + d(2)
	mon, day, hh, mm, ss := d(5), d(8), d(11), d(14), d(17)
	if mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 1 {
			return 0, false
		}
		for k := 1; k <= 9; k++ {
			nsec *= 10
			if k < j {
				nsec += int(rest[k] - '0')
			}
		}
		rest = rest[j:]
	}
	off := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		for _, c := range [...]byte{rest[1], rest[2], rest[4], rest[5]} {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		oh, om := int(rest[1]-'0')*10+int(rest[2]-'0'), int(rest[4]-'0')*10+int(rest[5]-'0')
		if oh > 23 || om > 59 {
			return 0, false
		}
		off = oh*3600 + om*60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return 0, false
	}
	if day > daysIn(year, mon) {
		return 0, false
	}
	secs := int64(daysSinceEpoch(year, mon, day))*86400 + int64(hh*3600+mm*60+ss-off)
	if secs < minNanoSec || secs > maxNanoSec { // near the ends of UnixNano's range
		return UnixNano(time.Unix(secs, int64(nsec))), true
	}
	return secs*1e9 + int64(nsec), true
}

// The seconds whose every nanosecond UnixNano holds without clamping.
const (
	minNanoSec = math.MinInt64/int64(time.Second) + 1
	maxNanoSec = math.MaxInt64/int64(time.Second) - 1
)

// daysIn is the number of days of month mon (1-12) of year.
func daysIn(year, mon int) int {
	switch mon {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch counts the days from 1970-01-01 to the proleptic
// Gregorian date (H. Hinnant's days_from_civil), for years 0 to 9999.
func daysSinceEpoch(year, mon, day int) int {
	if mon <= 2 {
		year--
	}
	era := (year+400)/400 - 1 // floor(year/400) for year >= -1
	yoe := year - era*400
	doy := (153*((mon+9)%12)+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// FormatTime writes t in UTC with a 'Z', keeping sub-second digits (up to
// nanoseconds, trailing zeros dropped): the normalized observed_at_utc.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999Z")
}

// IsDigest reports whether s is a lowercase hex SHA-256 digest.
func IsDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// IsUUID reports whether s is a UUID in its 36-character text form.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isInteger reports whether v is an integer that fits the SQL mirror's
// INT column (32 bits on every engine), so a load never truncates it.
func isInteger(v []byte) bool {
	_, err := strconv.ParseInt(string(v), 10, 32)
	return err == nil
}
