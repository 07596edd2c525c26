package sqlstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

type pgEngine struct {
	d              DSN
	lockTimeout    time.Duration
	conn           *pgx.Conn
	pid            atomic.Uint32 // conn's server process, for blocker
	n              ddlNames
	s              pgStmts
	nkCol, hashCol string // unquoted, for COPY's column list

	watchMu sync.Mutex
	watch   *pgx.Conn // blocker's own connection, opened on first use

	// batches commit without waiting for the WAL flush: marker is the
	// hash of a row the last of them wrote since the last durable() (""
	// when none did), lost says that reopen found it gone
	marker string
	lost   bool
}

type pgStmts struct {
	lockCreate, exists, limits, temp, lock, knownHashes, knownIDs, knownKeys, dump, index string
	upsert                                                                                [3]string // by casMode
}

// pgTempCols are the columns COPY writes into the temp table.
var pgTempCols = []string{"exchange_id", "exchange_type", "source_system", "entity_type", "natural_key",
	"observed_at_utc", "content_sha256", "payload_json", "schema_version"}

// The rows whose natural key is stored with another hash go through the
// temp table: the rows whose hash is stored are left alone, the rest are
// inserted or replace the row holding their natural key -- as the
// strategy's compare-and-set in the ON CONFLICT clause allows (casMode).
// It returns the hash of every row it wrote (xmax = 0 tells an inserted
// row from an updated one); a row it does not return was declined.
const (
	pgUpsert = `INSERT INTO {{.T}} AS t (exchange_id, exchange_type, source_system, entity_type, {{.NK}}, observed_at_utc, {{.Hash}}, payload_json, schema_version)
SELECT s.exchange_id::uuid, s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM {{.T}} AS h WHERE h.{{.Hash}} = s.content_sha256)
ON CONFLICT (source_system, entity_type, {{.NK}}) WHERE {{.NK}} IS NOT NULL`
	pgReplace = ` DO UPDATE SET
 exchange_id = excluded.exchange_id, exchange_type = excluded.exchange_type, observed_at_utc = excluded.observed_at_utc,
 {{.Hash}} = excluded.{{.Hash}}, payload_json = excluded.payload_json, schema_version = excluded.schema_version,
 updated_at_utc = (now() AT TIME ZONE 'utc')`
	pgReturning = `
RETURNING t.{{.Hash}}::text, (t.xmax = 0)`
)

func pgStatements(n ddlNames) pgStmts {
	return pgStmts{
		// one creator at a time, so concurrent first loads do not race
		// on CREATE ... IF NOT EXISTS
		lockCreate: mustRender(`SELECT pg_advisory_xact_lock(hashtext('xr:{{.SchemaName}}.{{.TableName}}'))`, n),
		exists:     mustRender(`SELECT to_regclass('{{.T}}') IS NOT NULL`, n),
		// the varchar(n) columns' lengths in characters
		limits: mustRender(`SELECT a.attname::text, a.atttypmod - 4 FROM pg_attribute AS a `+
			`WHERE a.attrelid = to_regclass('{{.T}}') AND a.attnum > 0 AND NOT a.attisdropped `+
			`AND a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4`, n),
		temp: `CREATE TEMP TABLE IF NOT EXISTS xr_load (exchange_id text, exchange_type text, source_system text, ` +
			`entity_type text, natural_key text, observed_at_utc timestamp, content_sha256 text, payload_json text, ` +
			`schema_version integer) ON COMMIT DELETE ROWS`,
		// loaders of one table take turns per batch; readers (dumps) are
		// not blocked.
		lock: mustRender(`LOCK TABLE {{.T}} IN SHARE ROW EXCLUSIVE MODE`, n),
		// which of the batch's hashes, and natural keys, are stored
		knownHashes: mustRender(`SELECT {{.Hash}}::text FROM {{.T}} WHERE {{.Hash}} = ANY($1::bpchar[])`, n),
		// which of the batch's exchange ids are stored, for which record
		knownIDs: mustRender(`SELECT exchange_id::text, source_system, entity_type, {{.NK}}, {{.Hash}}::text FROM {{.T}} `+
			`WHERE exchange_id = ANY($1::text[]::uuid[])`, n),
		knownKeys: mustRender(`SELECT k.i, t.{{.Hash}}::text, t.observed_at_utc FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS k(s, e, n, i) `+
			`JOIN {{.T}} AS t ON t.source_system = k.s AND t.entity_type = k.e AND t.{{.NK}} = k.n`, n),
		upsert: [3]string{
			replaceAlways: mustRender(pgUpsert+pgReplace+pgReturning, n),
			replaceOlder:  mustRender(pgUpsert+pgReplace+"\nWHERE t.observed_at_utc IS NULL OR t.observed_at_utc <= excluded.observed_at_utc"+pgReturning, n),
			replaceNever:  mustRender(pgUpsert+" DO NOTHING"+pgReturning, n),
		},
		dump: mustRender(`SELECT payload_json FROM {{.T}}`, n),
		// the id's text from the payload (see envelopeID)
		index: mustRender(`SELECT {{.Hash}}, source_system, entity_type, {{.NK}}, exchange_id::text, observed_at_utc`+
			`, CASE WHEN left(payload_json, 16) = '{"exchange_id":"' THEN left(payload_json, 53) ELSE payload_json END FROM {{.T}}`, n),
	}
}

func openPostgres(ctx context.Context, d DSN, t Target, lockTimeout time.Duration) (engine, error) {
	n := t.names(Postgres)
	e := &pgEngine{d: d, lockTimeout: lockTimeout, n: n, s: pgStatements(n), nkCol: t.NKCol, hashCol: t.HashCol}
	if err := e.connect(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *pgEngine) connect(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(e.d.Conn)
	if err != nil {
		return err
	}
	// a dump is one streaming scan: parallel workers would only shuffle
	// the table's order
	if _, ok := cfg.RuntimeParams["max_parallel_workers_per_gather"]; !ok {
		cfg.RuntimeParams["max_parallel_workers_per_gather"] = "0"
	}
	// --lock-timeout wins over a lock_timeout in the DSN
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(lockMillis(e.lockTimeout, 0), 10)
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	e.conn = c
	e.pid.Store(c.PgConn().PID())
	return nil
}

func (e *pgEngine) close() error {
	e.watchMu.Lock()
	if e.watch != nil {
		e.watch.Close(context.Background())
	}
	e.watchMu.Unlock()
	if e.conn == nil {
		return nil
	}
	return e.conn.Close(context.Background())
}

// pgBlockers names the sessions that block a server process, the first
// of them in full (pg_blocking_pids: lock waits, advisory locks too).
const pgBlockers = `SELECT a.pid, count(*) OVER (), coalesce(a.application_name, ''), coalesce(a.usename::text, ''), ` +
	`coalesce(a.state, ''), coalesce(a.query, '') FROM pg_stat_activity AS a WHERE a.pid = ANY(pg_blocking_pids($1)) ORDER BY a.pid LIMIT 1`

// blocker asks the server, on a connection of its own, which session
// the load's (or dump's) connection waits for.
func (e *pgEngine) blocker(ctx context.Context) string {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	if e.watch == nil || e.watch.IsClosed() {
		cfg, err := pgx.ParseConfig(e.d.Conn)
		if err != nil {
			return ""
		}
		cfg.RuntimeParams["application_name"] = "xr lock watch"
		if e.watch, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			e.watch = nil
			return ""
		}
	}
	var pid, n int64
	var app, user, state, query string
	err := e.watch.QueryRow(ctx, pgBlockers, int64(e.pid.Load())).Scan(&pid, &n, &app, &user, &state, &query)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "a lock held by PostgreSQL pid %d (", pid)
	if app != "" {
		fmt.Fprintf(&sb, "application %q, ", app)
	}
	fmt.Fprintf(&sb, "user %s, %s", user, state)
	if query != "" {
		fmt.Fprintf(&sb, ", query %q", oneLine(query, 80))
	}
	sb.WriteString(")")
	if n > 1 {
		fmt.Fprintf(&sb, " and %d other sessions", n-1)
	}
	return sb.String()
}

// durable commits one transaction that has an id (txid_current) with the
// session's synchronous_commit: its commit waits for the WAL flush, which
// covers every batch committed before it.
func (e *pgEngine) durable(ctx context.Context) error {
	if err := e.reopen(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, e.conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "SELECT txid_current()")
		return err
	})
	if err == nil {
		e.marker = ""
	}
	return err
}

// errCommitsLost: batches committed asynchronously are gone from the table.
var errCommitsLost = errors.New("the connection to PostgreSQL broke, and the last batch committed before it " +
	"(without waiting for the WAL flush, as every batch but the load's last commit does) is not in the table: " +
	"the server lost it, and maybe batches before it, in a crash; they are not counted as committed: run the load again")

// reopen connects again after the connection broke (a reset, the
// server's restart). Batches committed asynchronously since the last
// durable point may have been lost if the server crashed: the row that
// the last of them wrote tells (WAL is replayed in order, so if that
// commit survived, every earlier one did). If it is gone the load stops
// with errCommitsLost instead of going on and reporting them as loaded.
func (e *pgEngine) reopen(ctx context.Context) error {
	if e.lost {
		return errCommitsLost
	}
	if e.conn != nil && !e.conn.IsClosed() {
		return nil
	}
	if err := e.connect(ctx); err != nil {
		return err
	}
	if e.marker == "" {
		return nil
	}
	found := false
	if err := collect(ctx, e.conn, e.s.knownHashes, func(string) { found = true }, []string{e.marker}); err != nil {
		return err
	}
	if !found {
		e.lost = true
		return errCommitsLost
	}
	return nil
}

type pgTx struct {
	e     *pgEngine
	tx    pgx.Tx
	used  bool
	wrote string // the hash of a row this transaction wrote, for reopen
}

func (e *pgEngine) begin(ctx context.Context) (loadTx, error) {
	if err := e.reopen(ctx); err != nil {
		return nil, err
	}
	tx, err := e.conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &pgTx{e: e, tx: tx}, nil
}

func (t *pgTx) ensure(ctx context.Context, create bool) error {
	if _, err := t.tx.Exec(ctx, t.e.s.lockCreate); err != nil {
		return err
	}
	var ok bool
	if err := t.tx.QueryRow(ctx, t.e.s.exists).Scan(&ok); err != nil {
		return err
	}
	if ok {
		return nil
	}
	if !create {
		return errNoTable(t.e.n.SchemaName+"."+t.e.n.TableName, Postgres)
	}
	ddl, err := renderDDL(Postgres, t.e.n)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, ddl)
	return err
}

// limits reads the lengths of the table's varchar(n) columns (in
// characters, as PostgreSQL counts them).
func (t *pgTx) limits(ctx context.Context) (colLimits, error) {
	var l colLimits
	lens := map[string]int{}
	var name string
	var n int32
	rows, err := t.tx.Query(ctx, t.e.s.limits)
	if err != nil {
		return l, err
	}
	_, err = pgx.ForEachRow(rows, []any{&name, &n}, func() error { lens[name] = int(n); return nil })
	if err != nil {
		return l, err
	}
	for i, col := range limitedCols(t.e.n) {
		l.max[i] = lens[col]
	}
	return l, nil
}

// upsert classifies the batch under the table lock (stored hash:
// unchanged; stored natural key: update; else new), COPYs the new rows
// straight into the table, and sends only the updates through the temp
// table and INSERT ... ON CONFLICT. The lock keeps the classification
// true until commit.
func (t *pgTx) upsert(ctx context.Context, rows []row, mode casMode) (a applied, err error) {
	// batches commit without waiting for the WAL flush (a flush per batch
	// made whole loads 1.3-1.7x slower); the loader's synchronous commit
	// every confirmEvery and at the end (durable) flushes them, and only
	// then counts them as committed
	if _, err := t.tx.Exec(ctx, "SET LOCAL synchronous_commit = off; SET LOCAL plan_cache_mode = force_custom_plan; "+t.e.s.lock); err != nil {
		return a, err
	}
	hashes := make([]string, len(rows))
	for i := range rows {
		hashes[i] = rows[i].hash
	}
	known := make(map[string]bool)
	if err := collect(ctx, t.tx, t.e.s.knownHashes, func(h string) { known[h] = true }, hashes); err != nil {
		return a, err
	}
	// a changed record whose exchange_id is stored for another record is
	// refused
	var ids []string
	for i := range rows {
		if !known[rows[i].hash] {
			ids = append(ids, rows[i].id)
		}
	}
	byID := make(map[string]storedID)
	if len(ids) > 0 {
		res, err := t.tx.Query(ctx, t.e.s.knownIDs, ids)
		if err != nil {
			return a, err
		}
		var id string
		var s storedID
		if _, err := pgx.ForEachRow(res, []any{&id, &s.src, &s.ent, &s.nk, &s.hash}, func() error {
			c := s
			if s.nk != nil {
				k := *s.nk
				c.nk = &k
			}
			byID[id] = c
			return nil
		}); err != nil {
			return a, err
		}
	}
	skip := make(map[int]bool)
	for i := range rows {
		if s, ok := byID[rows[i].id]; ok && !known[rows[i].hash] {
			if err := idClash(&rows[i], s); err != nil {
				a.refused, skip[i] = append(a.refused, refusal{&rows[i], err}), true
			}
		}
	}
	var src, ent, nk []string
	var idx []int32
	for i := range rows {
		if r := &rows[i]; r.hasNK && !known[r.hash] && !skip[i] {
			src, ent, nk, idx = append(src, r.src), append(ent, r.ent), append(nk, r.nk), append(idx, int32(i))
		}
	}
	// the stored version of each changed key (for a declined row's log)
	stored := make(map[int32]decline)
	if len(idx) > 0 {
		res, err := t.tx.Query(ctx, t.e.s.knownKeys, src, ent, nk, idx)
		if err != nil {
			return a, err
		}
		var i int32
		var d decline
		var obs *time.Time
		if _, err := pgx.ForEachRow(res, []any{&i, &d.hash, &obs}, func() error {
			d.r, d.observed = &rows[i], time.Time{}
			if obs != nil {
				d.observed = obs.UTC()
			}
			stored[i] = d
			return nil
		}); err != nil {
			return a, err
		}
	}
	var fresh, changed []*row
	for i := range rows {
		_, isStored := stored[int32(i)]
		switch r := &rows[i]; {
		case known[r.hash] || skip[i]:
		case isStored:
			changed = append(changed, r)
		default:
			fresh = append(fresh, r)
		}
	}
	if len(fresh) > 0 {
		t.wrote = fresh[0].hash
		cols := []string{"exchange_id", "exchange_type", "source_system", "entity_type", t.e.nkCol, "observed_at_utc", t.e.hashCol, "payload_json", "schema_version"}
		n, err := t.tx.CopyFrom(ctx, pgx.Identifier{t.e.n.SchemaName, t.e.n.TableName}, cols, copyRows(fresh, true))
		if err != nil {
			return a, err
		}
		a.ins = n
	}
	if len(changed) > 0 {
		if _, err := t.tx.Exec(ctx, t.e.s.temp); err != nil {
			return a, err
		}
		if t.used { // the dry run's one transaction: empty the previous batch
			if _, err := t.tx.Exec(ctx, `DELETE FROM xr_load`); err != nil {
				return a, err
			}
		}
		t.used = true
		if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"xr_load"}, pgTempCols, copyRows(changed, false)); err != nil {
			return a, err
		}
		res, err := t.tx.Query(ctx, t.e.s.upsert[mode])
		if err != nil {
			return a, err
		}
		written := make(map[string]bool, len(changed))
		var h string
		var inserted bool
		if _, err := pgx.ForEachRow(res, []any{&h, &inserted}, func() error {
			written[h] = true
			if t.wrote == "" {
				t.wrote = h
			}
			if inserted {
				a.ins++
			} else {
				a.upd++
			}
			return nil
		}); err != nil {
			return a, err
		}
		for i := range rows {
			if d, ok := stored[int32(i)]; ok && !written[rows[i].hash] {
				a.declined = append(a.declined, d)
			}
		}
	}
	return a, nil
}

// collect runs a one-column query and hands each value to add.
func collect[T any](ctx context.Context, tx interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, q string, add func(T), args ...any) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var v T
	for rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return err
		}
		add(v)
	}
	return rows.Err()
}

// copyRows feeds rows to COPY; uuidID sends exchange_id as a uuid (the
// table) instead of text (the temp table).
func copyRows(rows []*row, uuidID bool) pgx.CopyFromSource {
	vals := make([]any, 9)
	return pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := rows[i]
		var nk any
		if r.hasNK {
			nk = r.nk
		}
		vals[0] = r.id
		if uuidID {
			u, err := parseUUID(r.id)
			if err != nil {
				return nil, fmt.Errorf("line %d: exchange_id: %v", r.line, err)
			}
			vals[0] = u
		}
		vals[1], vals[2], vals[3], vals[4] = r.typ, r.src, r.ent, nk
		vals[5], vals[6], vals[7], vals[8] = r.observed, r.hash, r.payload, int32(r.schemaVersion)
		return vals, nil
	})
}

func parseUUID(s string) ([16]byte, error) {
	var u [16]byte
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return u, fmt.Errorf("not a UUID: %q", s)
	}
	_, err := hex.Decode(u[:], []byte(h))
	return u, err
}

func (t *pgTx) commit(ctx context.Context) error {
	if err := t.tx.Commit(ctx); err != nil {
		return err
	}
	if t.wrote != "" {
		t.e.marker = t.wrote
	}
	return nil
}
func (t *pgTx) rollback(ctx context.Context) error {
	if err := t.tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}

func pgPlaceholder(i int) string { return fmt.Sprintf("$%d", i) }
func pgTS(t time.Time) any       { return t }

func (e *pgEngine) dumpPayloads(ctx context.Context, f Filter, emit func([]byte) error) error {
	w, args := f.where(e.n, pgPlaceholder, pgTS)
	rows, err := e.conn.Query(ctx, e.s.dump+w, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := emit(rows.RawValues()[0]); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (e *pgEngine) exists(ctx context.Context) (bool, error) {
	var ok bool
	err := e.conn.QueryRow(ctx, e.s.exists).Scan(&ok)
	return ok, err
}

func (e *pgEngine) dumpIndex(ctx context.Context, f Filter, emit func(*IndexRow) error) error {
	w, args := f.where(e.n, pgPlaceholder, pgTS)
	rows, err := e.conn.Query(ctx, e.s.index+w, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r IndexRow
	for rows.Next() {
		r.NaturalKey = nil
		if err := rows.Scan(&r.Hash, &r.Source, &r.Entity, &r.NaturalKey, &r.ID, &r.Observed, nil); err != nil {
			return err
		}
		r.ID = envelopeID(rows.RawValues()[6], r.ID)
		if err := emit(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pgTransient: serialization failure, deadlock, the server going away,
// or a connection that broke before anything was sent. A lock timeout
// (55P03) is not: the user's limit has passed (isLockTimeout).
func pgTransient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return true
		}
		return false
	}
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}
