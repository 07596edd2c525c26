package diff

import (
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
