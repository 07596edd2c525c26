package sqlstore

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
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
	// IfExists dumps nothing, successfully, when the table (or the SQLite
	// file) is not there, instead of failing: a table no load has created
	// yet holds no rows (xr-snapshot's dry runs).
	IfExists bool
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
	missing := func() (*xr.Stats, error) {
		o.Diag.Note(fmt.Sprintf("table %s does not exist: nothing to dump", t.NameIn(d.Engine)))
		return st, nil
	}
	if d.Engine == SQLite { // reading must not create an empty database
		if _, err := os.Stat(d.Conn); errors.Is(err, os.ErrNotExist) && o.IfExists {
			return missing()
		} else if err != nil {
			return st, fmt.Errorf("sqlite database %s: %w", d.Conn, err)
		}
	}
	o.LockTimeout = lockLimit(o.LockTimeout)
	e, err := open(ctx, d, t, o.LockTimeout, o.Log)
	if err != nil {
		return st, err
	}
	defer e.close()
	if o.IfExists {
		if ok, err := e.exists(ctx); err != nil || !ok {
			if err != nil {
				return st, err
			}
			return missing()
		}
	}
	// a dump waits for a lock before its first row, if at all
	w := watchLock(ctx, e, o.Diag.Warn, "reading table "+t.NameIn(d.Engine), o.LockTimeout)
	watching := true
	bw := bufio.NewWriterSize(out, outBuf)
	var n int64
	var line []byte
	meter := xr.MeterOf(ctx) // no total: counting the rows first would cost a scan
	put := func(b []byte) error {
		if watching {
			w.end()
			watching = false
		}
		n++
		meter.Add(int64(len(b))+1, 1)
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
			err = fmt.Errorf("reading table %s: %w", t.NameIn(d.Engine), &lockTimeoutError{limit: o.LockTimeout, holder: holder, err: err})
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

// where builds the WHERE clause of a dump with ? placeholders.
func (f Filter) where(n ddlNames, ph func(i int) string, ts func(time.Time) any) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.Replace(cond, "?", ph(len(args)), 1))
	}
	if f.Source != "" {
		add("source_system = ?", f.Source)
	}
	if f.Entity != "" {
		add("entity_type = ?", f.Entity)
	}
	if f.HasKey {
		add(n.NK+" = ?", f.Key)
	}
	if !f.Since.IsZero() {
		add("observed_at_utc >= ?", ts(f.Since.UTC()))
	}
	if !f.Until.IsZero() {
		add("observed_at_utc < ?", ts(f.Until.UTC()))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// queryer is a *sql.DB or a *sql.Conn.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqlPayloads streams the one-column result of q (database/sql engines).
func sqlPayloads(ctx context.Context, db queryer, q string, args []any, emit func([]byte) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var b sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&b); err != nil {
			return err
		}
		if err := emit(b); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sqlIndex streams index rows (hash, source, entity, key, id, observed,
// payload or its id probe) of q; observed is scanned into obs and
// converted by setTime.
func sqlIndex(ctx context.Context, db queryer, q string, args []any, obs any, setTime func(*IndexRow) error, emit func(*IndexRow) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r IndexRow
	var nk sql.NullString
	var p sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&r.Hash, &r.Source, &r.Entity, &nk, &r.ID, obs, &p); err != nil {
			return err
		}
		r.ID = envelopeID(p, r.ID)
		r.NaturalKey = nil
		if nk.Valid {
			r.NaturalKey = &nk.String
		}
		if err := setTime(&r); err != nil {
			return fmt.Errorf("observed_at_utc of %s: %v", r.ID, err)
		}
		if err := emit(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sqliteTransient: a table locked in a shared cache. SQLITE_BUSY is not
// transient: it comes after busy_timeout, the lock timeout, has passed
// (isLockTimeout).
