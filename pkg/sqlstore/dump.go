package sqlstore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// DumpOptions configures Dump.
type DumpOptions struct {
	DB       string
	DBFrom   string // as in LoadOptions
	Getenv   func(string) string
	Manifest *manifest.Manifest // sql_target, and source_system/entity_type as the default filter
	Filter   Filter             // Source/Entity here override the manifest's
	Index    bool               // index lines instead of envelopes
	// ByScopes replaces the manifest's and Filter's source/entity with
	// Scopes: the rows of each of these pairs (none when empty), or with
	// AllScopes of every pair; the rest of Filter applies to each.
	ByScopes  bool
	Scopes    []Scope
	AllScopes bool
	// LockTimeout and Diag: as in LoadOptions.
	LockTimeout time.Duration
	Diag        xr.Diag
	Log         *slog.Logger
	// FlushEach flushes after every line (stdout is a terminal).
	FlushEach bool
}

// Dump streams the table's records to out: each payload_json line as it
// was loaded, or with Index one {"h","k","id","t"} line per row, built
// from the columns and the id's text in the payload (envelopeID). Memory
// does not grow with the table. Counter: written.
func Dump(ctx context.Context, out io.Writer, o DumpOptions) (*xr.Stats, error) {
	st := xr.NewStats("written")
	t, d, err := resolve(o.DB, o.DBFrom, o.Getenv, o.Manifest, o.Diag.Note, "")
	if err != nil {
		return st, err
	}
	f := o.Filter
	if m := o.Manifest; m != nil {
		if f.Source == "" {
			f.Source = m.SourceSystem
		}
		if f.Entity == "" {
			f.Entity = m.EntityType
		}
	}
	if d.Engine == SQLite { // reading must not create an empty database
		if _, err := os.Stat(d.Conn); err != nil {
			return st, fmt.Errorf("sqlite database %s: %w", d.Conn, err)
		}
	}
	o.LockTimeout = lockLimit(o.LockTimeout)
	e, err := open(ctx, d, t, o.LockTimeout, o.Log)
	if err != nil {
		return st, err
	}
	defer e.close()
	// a dump waits for a lock before its first row, if at all
	w := watchLock(ctx, e, o.Diag.Warn, "reading table "+t.Name(), o.LockTimeout)
	watching := true
	bw := bufio.NewWriterSize(out, outBuf)
	var n int64
	var line []byte
	put := func(b []byte) error {
		if watching {
			w.end()
			watching = false
		}
		n++
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
		if o.FlushEach {
			return bw.Flush()
		}
		return nil
	}
	for _, g := range o.filters(f) {
		if o.Index {
			err = e.dumpIndex(ctx, g, func(r *IndexRow) error {
				line = indexline.AppendCompact(line[:0], indexEntry(r))
				return put(line)
			})
		} else {
			err = e.dumpPayloads(ctx, g, func(p []byte) error {
				if err := put(p); err != nil {
					return err
				}
				return bw.WriteByte('\n')
			})
		}
		if err != nil {
			break
		}
	}
	if watching {
		if holder := w.end(); err != nil && isLockTimeout(err) {
			err = fmt.Errorf("reading table %s: %w", t.Name(), &lockTimeoutError{limit: o.LockTimeout, holder: holder, err: err})
		}
	}
	st.Add("written", n)
	if ferr := bw.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil && ctx.Err() != nil {
		return st, ctx.Err()
	}
	return st, err
}

// filters are the dump's queries: f, or under ByScopes f for each of
// Scopes, or for the whole table (any source and entity) with AllScopes.
func (o *DumpOptions) filters(f Filter) []Filter {
	if !o.ByScopes {
		return []Filter{f}
	}
	if o.AllScopes {
		f.Source, f.Entity = "", ""
		return []Filter{f}
	}
	fs := make([]Filter, len(o.Scopes))
	for i, s := range o.Scopes {
		fs[i] = f
		fs[i].Source, fs[i].Entity = s.Source, s.Entity
	}
	return fs
}

// indexEntry is the index line of a row: k is source|entity|natural_key
// (nothing after the last '|' without a key), the text of
// envelope.Record.Key(); t is observed_at_utc in UTC with Z; "kp" (the
// key's parts) is set when k cannot tell them apart
// (envelope.KeyParts.NeedsParts).
func indexEntry(r *IndexRow) indexline.Entry {
	e := indexline.Entry{Hash: r.Hash, Key: envelope.IndexKey(r.Source, r.Entity, deref(r.NaturalKey)), ID: r.ID, Time: envelope.FormatTime(r.Observed)}
	if p := (envelope.KeyParts{Source: r.Source, Entity: r.Entity, Natural: deref(r.NaturalKey), HasNatural: r.NaturalKey != nil}); p.NeedsParts() {
		e.KP = string(p.AppendJSON(nil))
	}
	return e
}

// canonID is how a canonical envelope line (DESIGN order, as xr-canon
// writes it) starts. The index query sends only the first idProbe
// characters of such a payload, the id; the whole payload of any other.
const (
	canonID = `{"exchange_id":"`
	idProbe = len(canonID) + 36 + 1
)

// envelopeID returns the exchange_id as the envelope holds it: the
// column's type may print another text (PostgreSQL's uuid and SQL Server's
// UNIQUEIDENTIFIER print their own case, and the loader stores it
// lowercased), and xr-diff compares the text. p is the payload, or its
// first idProbe characters when it starts with canonID; col, the
// column's text, is the answer only when p gives none that matches it.
func envelopeID(p []byte, col string) string {
	if len(p) == idProbe && bytes.HasPrefix(p, []byte(canonID)) && p[idProbe-1] == '"' {
		if id := string(p[len(canonID) : idProbe-1]); strings.EqualFold(id, col) {
			return id
		}
	}
	if raw, ok, err := jsonscan.Pointer(p, "/exchange_id"); ok && err == nil {
		if id, err := jsonscan.Unquote(raw); err == nil && strings.EqualFold(id, col) {
			return id
		}
	}
	return col
}

// deref is *p, or "" for nil (a NULL column).
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
