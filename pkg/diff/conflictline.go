package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// Conflict is one line of a conflicts log: xr-diff's --conflicts, and
// xr-sqlload's, which logs the rows its write declined in the same form.
type Conflict struct {
	Key          string // source|entity|natural_key
	Line         int    // the incoming record's input line
	IncomingH    string
	IncomingT    time.Time // zero: none
	IncomingID   string    // "": left out
	ExistingH    string
	ExistingT    time.Time // zero: none
	ExistingFrom string    // "index" or "pack" (xr-diff), "table" (xr-sqlload)
	ExistingID   string    // "pack": the pack record's exchange_id
	ExistingAt   string    // "pack": its chunk file:line
	Strategy     string
	Resolution   string // "incoming", "existing" or "fail"
}

// AppendConflict appends c as one JSON line (with '\n'), members in the
// documented order (docs/diff.md). Every string is JSON-quoted, whatever
// bytes it holds (a hash read back from a table is not checked first).
func AppendConflict(b []byte, c *Conflict) []byte {
	b = appendMember(b, `{"k":`, c.Key)
	b = strconv.AppendInt(append(b, `,"line":`...), int64(c.Line), 10)
	b = appendMember(b, `,"incoming_h":`, c.IncomingH)
	b = appendConflictTime(append(b, `,"incoming_t":`...), c.IncomingT)
	if c.IncomingID != "" {
		b = appendMember(b, `,"incoming_id":`, c.IncomingID)
	}
	b = appendMember(b, `,"existing_h":`, c.ExistingH)
	b = appendConflictTime(append(b, `,"existing_t":`...), c.ExistingT)
	b = appendMember(b, `,"existing_from":`, c.ExistingFrom)
	if c.ExistingFrom == "pack" {
		b = appendMember(b, `,"existing_id":`, c.ExistingID)
		b = appendMember(b, `,"existing_at":`, c.ExistingAt)
	}
	b = appendMember(b, `,"strategy":`, c.Strategy)
	b = appendMember(b, `,"resolution":`, c.Resolution)
	return append(b, '}', '\n')
}

// appendMember appends name (the text up to the value, with its ':') and
// s as a JSON string.
func appendMember(b []byte, name, s string) []byte {
	return jsonscan.AppendQuoteString(append(b, name...), s)
}

func appendConflictTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return append(append(append(b, '"'), envelope.FormatTime(t)...), '"')
}

// conflictJSON is a conflicts-log line as encoding/json sees it.
type conflictJSON struct {
	K            *string `json:"k"`
	Line         int     `json:"line"`
	IncomingH    string  `json:"incoming_h"`
	IncomingT    *string `json:"incoming_t"`
	IncomingID   string  `json:"incoming_id"`
	ExistingH    string  `json:"existing_h"`
	ExistingT    *string `json:"existing_t"`
	ExistingFrom string  `json:"existing_from"`
	ExistingID   string  `json:"existing_id"`
	ExistingAt   string  `json:"existing_at"`
	Strategy     string  `json:"strategy"`
	Resolution   string  `json:"resolution"`
}

// ParseConflict decodes one line of a conflicts log, as AppendConflict
// writes it (members in any order; unknown members ignored).
func ParseConflict(line []byte) (Conflict, error) {
	var j conflictJSON
	if err := json.Unmarshal(line, &j); err != nil {
		return Conflict{}, fmt.Errorf("not a conflict line: %w", err)
	}
	if j.K == nil || j.Resolution == "" {
		return Conflict{}, errors.New(`not a conflict line: "k" or "resolution" missing`)
	}
	c := Conflict{Key: *j.K, Line: j.Line, IncomingH: j.IncomingH, IncomingID: j.IncomingID,
		ExistingH: j.ExistingH, ExistingFrom: j.ExistingFrom, ExistingID: j.ExistingID, ExistingAt: j.ExistingAt,
		Strategy: j.Strategy, Resolution: j.Resolution}
	var err error
	if c.IncomingT, err = parseConflictTime("incoming_t", j.IncomingT); err != nil {
		return Conflict{}, err
	}
	if c.ExistingT, err = parseConflictTime("existing_t", j.ExistingT); err != nil {
		return Conflict{}, err
	}
	return c, nil
}

// parseConflictTime reads a time member (null: the zero time).
func parseConflictTime(name string, s *string) (time.Time, error) {
	if s == nil {
		return time.Time{}, nil
	}
	t, err := envelope.ParseTime(*s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}
