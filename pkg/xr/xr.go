// Package xr holds the small vocabulary every stage shares: the sentinel
// errors that decide exit codes, usage errors, and the ordered counters a
// stage reports. It imports nothing of xr, so any package may use it.
package xr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is xr's version, reported by --version and written into
// provenance.connector_version. Commands may override it at link time.
var Version = "0.1.0"

var (
	// ErrConflict: a conflict under --conflict fail (exit 3).
	ErrConflict = errors.New("conflict")
	// ErrMismatch: verification found mismatches (exit 4).
	ErrMismatch = errors.New("verification found mismatches")
)

// UsageError is a bad flag, argument or option value (exit 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Stats is an ordered set of named counters: the summary line and the
// --stats file list them in the order they were first added.
type Stats struct {
	names []string
	vals  map[string]int64
}

// NewStats returns counters pre-declared in this order, all zero.
func NewStats(names ...string) *Stats {
	s := &Stats{vals: map[string]int64{}}
	for _, n := range names {
		s.Add(n, 0)
	}
	return s
}

// Add adds d to counter name, declaring it if new.
func (s *Stats) Add(name string, d int64) {
	if s.vals == nil {
		s.vals = map[string]int64{}
	}
	if _, ok := s.vals[name]; !ok {
		s.names = append(s.names, name)
	}
	s.vals[name] += d
}

// Inc adds one to counter name.
func (s *Stats) Inc(name string) { s.Add(name, 1) }

// Get returns counter name (0 if never added).
func (s *Stats) Get(name string) int64 {
	if s == nil {
		return 0
	}
	return s.vals[name]
}

// Names returns the counter names in order.
func (s *Stats) Names() []string {
	if s == nil {
		return nil
	}
	return s.names
}

// Summary renders "3 read, 2 written, 1 skipped".
func (s *Stats) Summary() string {
	if s == nil {
		return ""
	}
	parts := make([]string, 0, len(s.names))
	for _, n := range s.names {
		label := n
		if !strings.Contains(n, ":") { // a name like rule:url:query:api_key is an id, kept as it is
			label = strings.ReplaceAll(n, "_", " ")
		}
		parts = append(parts, strconv.FormatInt(s.vals[n], 10)+" "+label)
	}
	return strings.Join(parts, ", ")
}

// JSON renders the counters as one flat JSON object, in order.
func (s *Stats) JSON() []byte {
	b := []byte{'{'}
	if s != nil {
		for i, n := range s.names {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, n)
			b = append(b, ':')
			b = strconv.AppendInt(b, s.vals[n], 10)
		}
	}
	return append(b, '}')
}

// ParseStats reads back what JSON writes (a --stats file): one flat JSON
// object of integer counters, kept in their order.
func ParseStats(b []byte) (*Stats, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("stats: not a JSON object")
	}
	s := NewStats()
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		v, err := d.Token()
		n, ok := v.(json.Number)
		if err != nil || !ok {
			return nil, fmt.Errorf("stats: %q: not a number", k)
		}
		i, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("stats: %q: not an integer: %s", k, n)
		}
		s.Add(k.(string), i)
	}
	if _, err := d.Token(); err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	if _, err := d.Token(); err == nil {
		return nil, errors.New("stats: more than one JSON value")
	}
	return s, nil
}

// RejectFunc receives a bad input line (its number, raw bytes and what is
// wrong) when the user asked for --rejects; a stage then counts the line as
// rejected and goes on. A nil RejectFunc means a bad line stops the stage.
type RejectFunc func(line int, raw []byte, err error) error

// RejectOrFail handles one bad line: with no reject sink it returns err
// (the stage stops); otherwise it hands the line over and counts it as
// "rejected".
func RejectOrFail(reject RejectFunc, st *Stats, line int, raw []byte, err error) error {
	if reject == nil {
		return err
	}
	st.Inc("rejected")
	return reject(line, raw, err)
}

// Diag is where a stage's diagnostic lines go: the one sink every
// package's Options carry (the field Diag). A line is a message alone,
// without the command's name or a newline; the command (pkg/cli) prints it
// on stderr as "xr-X: msg". Note lines are what -q silences (the database
// used, a notice along the way); Warn lines always show (a warning, a
// problem found, a lock wait). The zero Diag discards both.
type Diag struct{ note, warn func(string) }

// NewDiag returns the Diag that hands note and warn lines to the two
// functions (nil discards).
func NewDiag(note, warn func(msg string)) Diag { return Diag{note, warn} }

// Note hands over a line -q silences.
func (d Diag) Note(msg string) {
	if d.note != nil {
		d.note(msg)
	}
}

// Warn hands over a line that always shows.
func (d Diag) Warn(msg string) {
	if d.warn != nil {
		d.warn(msg)
	}
}
