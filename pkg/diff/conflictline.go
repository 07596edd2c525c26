package diff

import (
	"fmt"
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
// documented order (docs/diff.md).
func AppendConflict(b []byte, c *Conflict) []byte {
	b = append(b, `{"k":`...)
	b = jsonscan.AppendQuoteString(b, c.Key)
	b = fmt.Appendf(b, `,"line":%d,"incoming_h":%q,"incoming_t":`, c.Line, c.IncomingH)
	b = appendConflictTime(b, c.IncomingT)
	if c.IncomingID != "" {
		b = append(b, `,"incoming_id":`...)
		b = jsonscan.AppendQuoteString(b, c.IncomingID)
	}
	b = fmt.Appendf(b, `,"existing_h":%q,"existing_t":`, c.ExistingH)
	b = appendConflictTime(b, c.ExistingT)
	b = append(b, `,"existing_from":`...)
	b = jsonscan.AppendQuoteString(b, c.ExistingFrom)
	if c.ExistingFrom == "pack" {
		b = append(b, `,"existing_id":`...)
		b = jsonscan.AppendQuoteString(b, c.ExistingID)
		b = append(b, `,"existing_at":`...)
		b = jsonscan.AppendQuoteString(b, c.ExistingAt)
	}
	return fmt.Appendf(b, `,"strategy":%q,"resolution":%q}`+"\n", c.Strategy, c.Resolution)
}

func appendConflictTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return append(append(append(b, '"'), envelope.FormatTime(t)...), '"')
}
