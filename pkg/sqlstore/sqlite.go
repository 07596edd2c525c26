package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteTime is how SQLite stores times: fixed width, so text order is
// time order.
const sqliteTime = "2006-01-02T15:04:05.000000000Z"

type sqliteEngine struct {
	db *sql.DB
	n  ddlNames
	s  sqliteStmts
	// beginning is set while BEGIN IMMEDIATE waits for the write lock,
	// the one place where a load waits for another connection
	beginning atomic.Bool
}

type sqliteStmts struct {
	exists, byHash, byID, byKey, update, updateOlder, insert string
	dump, index                                              string
}

const sqliteUpdate = `UPDATE {{.T}} SET exchange_id = ?, exchange_type = ?, observed_at_utc = ?, {{.Hash}} = ?, payload_json = ?, schema_version = ?, ` +
	`updated_at_utc = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE rowid = ?`

func sqliteStatements(n ddlNames) sqliteStmts {
	return sqliteStmts{
		exists: mustRender(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{{.TableName}}'`, n),
		// look-ups bind only short strings; the payload is bound once, by
		// the statement that writes it
		byHash: mustRender(`SELECT 1 FROM {{.T}} WHERE {{.Hash}} = ?`, n),
		byID:   mustRender(`SELECT source_system, entity_type, {{.NK}}, {{.Hash}} FROM {{.T}} WHERE exchange_id = ?`, n),
		byKey:  mustRender(`SELECT rowid, {{.Hash}}, observed_at_utc FROM {{.T}} WHERE source_system = ? AND entity_type = ? AND {{.NK}} = ?`, n),
		update: mustRender(sqliteUpdate, n),
		// prefer_newest's compare-and-set: the fixed-width text orders
		// like the times
		updateOlder: mustRender(sqliteUpdate+` AND (observed_at_utc IS NULL OR observed_at_utc <= ?)`, n),
		insert: mustRender(`INSERT INTO {{.T}} (exchange_id, exchange_type, source_system, entity_type, {{.NK}}, observed_at_utc, {{.Hash}}, payload_json, schema_version) `+
			`VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, n),
		dump: mustRender(`SELECT payload_json FROM {{.T}}`, n),
		// the id's text from the payload (see envelopeID)
		index: mustRender(`SELECT {{.Hash}}, source_system, entity_type, {{.NK}}, exchange_id, observed_at_utc`+
			`, CASE WHEN substr(payload_json, 1, 16) = '{"exchange_id":"' THEN substr(payload_json, 1, 53) ELSE payload_json END FROM {{.T}}`, n),
	}
}

func openSQLite(ctx context.Context, d DSN, t Target, lockTimeout time.Duration) (engine, error) {
	if strings.ContainsAny(d.Conn, "?#") {
		return nil, fmt.Errorf("sqlite file name must not contain ? or #: %q", d.Conn)
	}
	// WAL lets dumps read while a load writes; BEGIN IMMEDIATE takes the
	// write lock up front, so concurrent loaders queue (busy_timeout: the
	// lock timeout) instead of deadlocking on a lock upgrade.
	conn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=synchronous(NORMAL)&_txlock=immediate", d.Conn, lockMillis(lockTimeout, math.MaxInt32))
	db, err := sql.Open("sqlite", conn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	// 16 KiB pages (fewer overflow pages for multi-KB payloads) take
	// effect only on a new, empty file, so before WAL mode, which both
	// persist in the file.
	for _, p := range []string{"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			db.Close()
			return nil, err
		}
	}
	n := t.names(SQLite)
	return &sqliteEngine{db: db, n: n, s: sqliteStatements(n)}, nil
}

func (e *sqliteEngine) close() error { return e.db.Close() }

// blocker: SQLite cannot name the other connection; a BEGIN IMMEDIATE
// that waits is waiting for it.
func (e *sqliteEngine) blocker(context.Context) string {
	if e.beginning.Load() {
		return "the write lock: database is locked by another connection"
	}
	return ""
}

// durable: nothing to do. As with the sqlite3 shell, WAL with
// synchronous=NORMAL keeps the file consistent; the last commits become
// durable at the next checkpoint (at the latest when the file is closed).
func (e *sqliteEngine) durable(context.Context) error { return nil }

type sqliteTx struct {
	e  *sqliteEngine
	tx *sql.Tx
}

func (e *sqliteEngine) begin(ctx context.Context) (loadTx, error) {
	e.beginning.Store(true)
	tx, err := e.db.BeginTx(ctx, nil)
	e.beginning.Store(false)
	if err != nil {
		return nil, err
	}
	return &sqliteTx{e: e, tx: tx}, nil
}

func (t *sqliteTx) ensure(ctx context.Context, create bool) error {
	var n int
	if err := t.tx.QueryRowContext(ctx, t.e.s.exists).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if !create {
		return errNoTable(t.e.n.TableName, SQLite)
	}
	ddl, err := renderDDL(SQLite, t.e.n)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, ddl)
	return err
}

// limits: SQLite's TEXT has no length; the spec's lengths keep the
// engines alike (a record SQLite took would fail on PostgreSQL).
func (t *sqliteTx) limits(context.Context) (colLimits, error) { return specLimits, nil }

func (t *sqliteTx) upsert(ctx context.Context, rows []row, mode casMode) (a applied, err error) {
	update := t.e.s.update
	if mode == replaceOlder {
		update = t.e.s.updateOlder
	}
	var st [5]*sql.Stmt
	for i, q := range []string{t.e.s.byHash, t.e.s.byKey, update, t.e.s.insert, t.e.s.byID} {
		if st[i], err = t.tx.PrepareContext(ctx, q); err != nil {
			return a, err
		}
		defer st[i].Close()
	}
	byHash, byKey, upd, insert, byID := st[0], st[1], st[2], st[3], st[4]
	var one, rowid int64
	var s storedID
	var snk, sobs sql.NullString
	var shash string
	for i := range rows {
		r := &rows[i]
		// same hash stored: unchanged
		switch err := byHash.QueryRowContext(ctx, r.hash).Scan(&one); err {
		case nil:
			continue
		case sql.ErrNoRows:
		default:
			return a, err
		}
		// its id stored for another record: refused
		switch err := byID.QueryRowContext(ctx, r.id).Scan(&s.src, &s.ent, &snk, &s.hash); err {
		case nil:
			s.nk = nil
			if snk.Valid {
				s.nk = &snk.String
			}
			if err := idClash(r, s); err != nil {
				a.refused = append(a.refused, refusal{r, err})
				continue
			}
		case sql.ErrNoRows:
		default:
			return a, err
		}
		obs := r.observed.Format(sqliteTime)
		if r.hasNK {
			// natural key stored (with another hash): replace that row,
			// if the strategy lets the statement do it
			switch err := byKey.QueryRowContext(ctx, r.src, r.ent, r.nk).Scan(&rowid, &shash, &sobs); err {
			case nil:
				n := int64(0)
				if mode != replaceNever {
					args := []any{r.id, r.typ, obs, r.hash, r.payload, r.schemaVersion, rowid}
					if mode == replaceOlder {
						args = append(args, obs)
					}
					res, err := upd.ExecContext(ctx, args...)
					if err == nil {
						n, err = res.RowsAffected()
					}
					if err != nil {
						return a, err
					}
				}
				if n == 1 {
					a.upd++
				} else {
					d := decline{r: r, hash: shash}
					if sobs.Valid {
						d.observed, _ = time.Parse(sqliteTime, sobs.String)
					}
					a.declined = append(a.declined, d)
				}
				continue
			case sql.ErrNoRows:
			default:
				return a, err
			}
		}
		var nk any
		if r.hasNK {
			nk = r.nk
		}
		if _, err := insert.ExecContext(ctx, r.id, r.typ, r.src, r.ent, nk, obs, r.hash, r.payload, r.schemaVersion); err != nil {
			return a, err
		}
		a.ins++
	}
	return a, nil
}

func (t *sqliteTx) commit(context.Context) error { return t.tx.Commit() }
func (t *sqliteTx) rollback(context.Context) error {
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

func sqliteTS(t time.Time) any { return t.Format(sqliteTime) }
func qmark(int) string         { return "?" }

func (e *sqliteEngine) dumpPayloads(ctx context.Context, f Filter, emit func([]byte) error) error {
	w, args := f.where(e.n, qmark, sqliteTS)
	return sqlPayloads(ctx, e.db, e.s.dump+w+" ORDER BY rowid", args, emit)
}

func (e *sqliteEngine) exists(ctx context.Context) (bool, error) {
	var n int
	err := e.db.QueryRowContext(ctx, e.s.exists).Scan(&n)
	return n > 0, err
}

func (e *sqliteEngine) dumpIndex(ctx context.Context, f Filter, emit func(*IndexRow) error) error {
	w, args := f.where(e.n, qmark, sqliteTS)
	var obs string
	return sqlIndex(ctx, e.db, e.s.index+w+" ORDER BY rowid", args, &obs, func(r *IndexRow) (err error) {
		r.Observed, err = time.Parse(sqliteTime, obs)
		return err
	}, emit)
}

func sqliteTransient(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_LOCKED
	}
	return false
}
