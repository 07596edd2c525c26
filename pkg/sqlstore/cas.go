package sqlstore

import (
	"fmt"
	"time"

	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// casMode is what the write does with an incoming row whose natural key
// is stored with another hash. The statement that writes the row decides
// it (a compare-and-set), so a plan computed against a stale or partial
// index -- a concurrent writer, an index of another scope -- cannot
// replace a newer row with an older record.
type casMode int

const (
	// replaceAlways: prefer_incoming / prefer_json.
	replaceAlways casMode = iota
	// replaceOlder: prefer_newest. The stored row is replaced only when
	// its observed_at_utc is not later than the incoming one's (a tie goes
	// to the incoming record, the reference's json_time >= sql_time) or
	// is NULL (older than any time, as in xr-diff).
	replaceOlder
	// replaceNever: prefer_existing / prefer_sql, and fail (where a
	// declined row then stops the load).
	replaceNever
)

func modeOf(s diff.Strategy) casMode {
	switch s {
	case diff.PreferIncoming:
		return replaceAlways
	case diff.PreferNewest:
		return replaceOlder
	}
	return replaceNever
}

// decline is a row the write declined: its key is stored with another
// hash that the strategy keeps.
type decline struct {
	r        *row
	hash     string    // the stored row's
	observed time.Time // the stored row's; zero when NULL
}

// applied is what one batch's upsert did.
type applied struct {
	ins, upd int64
	refused  []refusal // left out: exchange_id stored for another record
	declined []decline // left alone: the stored row won
}

// conflict is d as a conflicts-log line (xr-diff's form, existing_from
// "table").
func (d *decline) conflict(s diff.Strategy, resolution string) *diff.Conflict {
	return &diff.Conflict{
		Key: envelope.IndexKey(d.r.src, d.r.ent, d.r.nk), Line: d.r.line,
		IncomingH: d.r.hash, IncomingT: d.r.observed, IncomingID: d.r.id,
		ExistingH: d.hash, ExistingT: d.observed, ExistingFrom: "table",
		Strategy: s.String(), Resolution: resolution,
	}
}

// conflictErr is the error of a declined row under --conflict fail.
func (d *decline) conflictErr() error {
	return fmt.Errorf("line %d: %w: key %q: incoming %s, existing %s (stored in the table)",
		d.r.line, xr.ErrConflict, envelope.IndexKey(d.r.src, d.r.ent, d.r.nk), d.r.hash, d.hash)
}
