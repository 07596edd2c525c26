package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"
)

type msEngine struct {
	db          *sql.DB
	conn        *sql.Conn // the loader's dedicated connection (#temp lives here)
	spid        atomic.Int64
	lockTimeout time.Duration
	n           ddlNames
	s           msStmts
}

type msStmts struct {
	session, appLock, exists, temp, knownIDs, refuse, declined, dump, index, hasRowID, limits, blockers string
	upsert                                                                                              [3]string // by casMode
}

// msLockTimeout is the SET LOCK_TIMEOUT statement for a lock timeout
// (negative: -1, no limit). sp_getapplock takes @@LOCK_TIMEOUT too.
func msLockTimeoutStmt(d time.Duration) string {
	ms := int64(-1)
	if d >= 0 {
		ms = min(d.Milliseconds(), math.MaxInt32)
	}
	return fmt.Sprintf("SET LOCK_TIMEOUT %d; SELECT @@SPID;", ms)
}

// msTempCols are the bulk-copied columns of #xr_load; seq is the row's
// place in the batch, so new rows get row_id in input order.
var msTempCols = []string{"exchange_id", "exchange_type", "source_system", "entity_type", "natural_key",
	"observed_at_utc", "content_sha256", "payload_json", "schema_version", "seq"}

// The upsert: the UPDATE replaces the rows whose natural key is stored
// with another hash, as far as the strategy's compare-and-set in its WHERE
// allows (casMode; prefer_existing has no UPDATE), then the INSERT adds
// the rows whose hash and key are both absent.
const (
	msUpsertHead = `SET NOCOUNT ON;
DECLARE @upd int, @ins int;
`
	msUpdate = `UPDATE t SET
    t.exchange_id = CAST(s.exchange_id AS UNIQUEIDENTIFIER), t.exchange_type = s.exchange_type,
    t.observed_at_utc = s.observed_at_utc, t.{{.Hash}} = s.content_sha256, t.payload_json = s.payload_json,
    t.schema_version = s.schema_version, t.updated_at_utc = SYSUTCDATETIME()
FROM {{.T}} AS t WITH (UPDLOCK, HOLDLOCK)
JOIN #xr_load AS s
  ON t.source_system = s.source_system AND t.entity_type = s.entity_type AND t.{{.NK}} = s.natural_key
WHERE s.natural_key IS NOT NULL AND t.{{.NK}} IS NOT NULL AND t.{{.Hash}} <> s.content_sha256`
	msUpdateEnd = `;
SET @upd = @@ROWCOUNT;
`
	msUpsertTail = `INSERT INTO {{.T}} (exchange_id, exchange_type, source_system, entity_type, {{.NK}}, observed_at_utc, {{.Hash}}, payload_json, schema_version)
SELECT CAST(s.exchange_id AS UNIQUEIDENTIFIER), s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM #xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM {{.T}} AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.{{.Hash}} = s.content_sha256)
  AND (s.natural_key IS NULL OR NOT EXISTS (SELECT 1 FROM {{.T}} AS k WITH (UPDLOCK, HOLDLOCK)
       WHERE k.{{.NK}} IS NOT NULL AND k.source_system = s.source_system AND k.entity_type = s.entity_type AND k.{{.NK}} = s.natural_key))
ORDER BY s.seq;
SET @ins = @@ROWCOUNT;
SELECT @ins, @upd;`
)

func msUpsert(n ddlNames) [3]string {
	return [3]string{
		replaceAlways: mustRender(msUpsertHead+msUpdate+msUpdateEnd+msUpsertTail, n),
		replaceOlder: mustRender(msUpsertHead+msUpdate+`
  AND (t.observed_at_utc IS NULL OR t.observed_at_utc <= s.observed_at_utc)`+msUpdateEnd+msUpsertTail, n),
		replaceNever: mustRender(msUpsertHead+"SET @upd = 0;\n"+msUpsertTail, n),
	}
}

func msStatements(n ddlNames) msStmts {
	return msStmts{
		// the options that DML on a table with a filtered index needs,
		// set on the loader's connection in their own batch
		session: `SET ANSI_NULLS ON; SET QUOTED_IDENTIFIER ON; SET ANSI_PADDING ON; SET ANSI_WARNINGS ON; ` +
			`SET ARITHABORT ON; SET CONCAT_NULL_YIELDS_NULL ON; SET NUMERIC_ROUNDABORT OFF; SET XACT_ABORT ON;`,
		// loaders of one table take turns per batch (released at commit
		// or rollback); readers are not blocked. The wait is limited by
		// the session's SET LOCK_TIMEOUT (sp_getapplock's default).
		appLock: mustRender(`DECLARE @r int;
EXEC @r = sp_getapplock @Resource = N'xr:{{.SchemaName}}.{{.TableName}}', @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @r = -3 THROW 51205, 'xr: the table''s load lock: chosen as deadlock victim', 1;
IF @r = -1 THROW 51222, 'xr: the table''s load lock: not granted within the lock timeout', 1;
IF @r < 0 THROW 51000, 'xr: could not take the table''s load lock (cancelled)', 1;`, n),
		// the session that blocks the loader's (needs VIEW SERVER STATE;
		// without it the wait is not reported, only its timeout)
		blockers: `SELECT TOP (1) r.blocking_session_id, COALESCE(s.program_name, N''), COALESCE(s.login_name, N''), COALESCE(s.host_name, N''), r.wait_type
FROM sys.dm_exec_requests AS r LEFT JOIN sys.dm_exec_sessions AS s ON s.session_id = r.blocking_session_id
WHERE r.session_id = @p1 AND r.blocking_session_id > 0`,
		// the quoted name: OBJECT_ID parses it like T-SQL, so a schema or
		// table named like a keyword still resolves
		exists: mustRender(`SELECT CASE WHEN OBJECT_ID(N'{{.T}}', N'U') IS NULL THEN 0 ELSE 1 END`, n),
		// a plain batch (no parameters), so the #temp table belongs to the
		// session, not to an sp_executesql scope. Its columns are copied
		// from the target (SELECT TOP (0) ... INTO): the same types,
		// lengths and collations, so the joins below compare like with
		// like. A #temp column would otherwise take tempdb's default
		// collation, and comparing it with the table's raises error 468
		// (collation conflict) -- also for a table created by the
		// reference tool with the database's default collation.
		temp: mustRender(`IF OBJECT_ID(N'tempdb..#xr_load') IS NULL
BEGIN
SELECT TOP (0) CAST(NULL AS CHAR(36)) AS exchange_id, t.exchange_type, t.source_system, t.entity_type,
    t.{{.NK}} AS natural_key, t.observed_at_utc, t.{{.Hash}} AS content_sha256, t.payload_json, t.schema_version,
    CAST(0 AS INT) AS seq
INTO #xr_load FROM {{.T}} AS t;
END
ELSE TRUNCATE TABLE #xr_load;`, n),
		// No MERGE: a set-based UPDATE of rows whose natural key is stored
		// with another hash, then an INSERT of rows whose hash and key are
		// both absent. UPDLOCK+HOLDLOCK keep the checked ranges locked to
		// the end of the transaction. The key probes state the filtered
		// index's predicate (NK IS NOT NULL) themselves, so matching the
		// filtered index does not depend on the optimizer inferring it
		// from the join equality; a probe that cannot use the index scans
		// the whole table every batch.
		// the copied rows whose exchange_id is stored for a record (and
		// whose hash is not stored: those are unchanged), for idClash
		knownIDs: mustRender(`SELECT s.seq, t.source_system, t.entity_type, t.{{.NK}}, t.{{.Hash}}
FROM #xr_load AS s JOIN {{.T}} AS t WITH (UPDLOCK, HOLDLOCK) ON t.exchange_id = CAST(s.exchange_id AS UNIQUEIDENTIFIER)
WHERE NOT EXISTS (SELECT 1 FROM {{.T}} AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.{{.Hash}} = s.content_sha256)`, n),
		refuse: `DELETE FROM #xr_load WHERE seq = @p1`,
		upsert: msUpsert(n),
		// after the upsert: the batch's keyed rows whose key still holds
		// another hash are the ones the compare-and-set declined
		declined: mustRender(`SELECT s.seq, t.{{.Hash}}, t.observed_at_utc
FROM #xr_load AS s JOIN {{.T}} AS t WITH (UPDLOCK, HOLDLOCK)
  ON t.source_system = s.source_system AND t.entity_type = s.entity_type AND t.{{.NK}} = s.natural_key
WHERE s.natural_key IS NOT NULL AND t.{{.NK}} IS NOT NULL AND t.{{.Hash}} <> s.content_sha256
ORDER BY s.seq`, n),
		// the N-type text columns' lengths in bytes (-1: MAX), for colLimits
		limits: mustRender(`SELECT c.name, c.max_length FROM sys.columns AS c
WHERE c.object_id = OBJECT_ID(N'{{.T}}', N'U') AND TYPE_NAME(c.system_type_id) IN (N'nvarchar', N'nchar')`, n),
		// a table created by the reference tool (the spec's DDL) has no
		// row_id: its dump comes in storage order
		hasRowID: mustRender(`SELECT CASE WHEN COL_LENGTH(N'{{.T}}', N'row_id') IS NULL THEN 0 ELSE 1 END`, n),
		dump:     mustRender(`SELECT payload_json FROM {{.T}}`, n),
		// the id's text from the payload (see envelopeID)
		index: mustRender(`SELECT {{.Hash}}, source_system, entity_type, {{.NK}}, LOWER(CONVERT(CHAR(36), exchange_id)), observed_at_utc`+
			`, CASE WHEN LEFT(payload_json, 16) = N'{"exchange_id":"' THEN LEFT(payload_json, 53) ELSE payload_json END FROM {{.T}}`, n),
	}
}

func openSQLServer(ctx context.Context, d DSN, t Target, lockTimeout time.Duration) (engine, error) {
	db, err := sql.Open("sqlserver", d.Conn)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	n := t.names(SQLServer)
	return &msEngine{db: db, lockTimeout: lockTimeout, n: n, s: msStatements(n)}, nil
}

// blocker asks the server (on another pooled connection) which session
// blocks the loader's connection.
func (e *msEngine) blocker(ctx context.Context) string {
	spid := e.spid.Load()
	if spid == 0 {
		return ""
	}
	var blocking int64
	var app, login, host, wait string
	err := e.db.QueryRowContext(ctx, e.s.blockers, spid).Scan(&blocking, &app, &login, &host, &wait)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("a lock (%s) held by SQL Server session %d (program %q, login %s, host %s)", wait, blocking, app, login, host)
}

func (e *msEngine) close() error {
	if e.conn != nil {
		e.conn.Close()
	}
	return e.db.Close()
}

// durable: nothing to do; every commit is fully durable.
func (e *msEngine) durable(context.Context) error { return nil }

type msTx struct {
	e  *msEngine
	tx *sql.Tx
}

// session returns the dedicated connection, with the session options
// and the lock timeout set, opening it again after a reset.
func (e *msEngine) session(ctx context.Context) (*sql.Conn, error) {
	if e.conn != nil {
		if err := e.conn.PingContext(ctx); err != nil { // reconnect after a reset
			e.conn.Close()
			e.conn = nil
		}
	}
	if e.conn == nil {
		c, err := e.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := c.ExecContext(ctx, e.s.session); err != nil {
			c.Close()
			return nil, err
		}
		var spid int64
		if err := c.QueryRowContext(ctx, msLockTimeoutStmt(e.lockTimeout)).Scan(&spid); err != nil {
			c.Close()
			return nil, err
		}
		e.spid.Store(spid)
		e.conn = c
	}
	return e.conn, nil
}

func (e *msEngine) begin(ctx context.Context) (loadTx, error) {
	c, err := e.session(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &msTx{e: e, tx: tx}, nil
}

func (t *msTx) ensure(ctx context.Context, create bool) error {
	if _, err := t.tx.ExecContext(ctx, t.e.s.appLock); err != nil {
		return err
	}
	var ok int
	if err := t.tx.QueryRowContext(ctx, t.e.s.exists).Scan(&ok); err != nil {
		return err
	}
	if ok == 1 {
		return nil
	}
	if !create {
		return errNoTable(t.e.n.SchemaName+"."+t.e.n.TableName, SQLServer)
	}
	ddl, err := renderDDL(SQLServer, t.e.n)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, ddl)
	return err
}

func (t *msTx) upsert(ctx context.Context, rows []row, mode casMode) (a applied, err error) {
	// every row is checked before the bulk copy starts: a bulk copy
	// abandoned halfway leaves the connection mid-message
	ids := make([]string, len(rows))
	for i := range rows {
		if ids[i], err = msCheck(&rows[i]); err != nil {
			return a, err
		}
	}
	if _, err := t.tx.ExecContext(ctx, t.e.s.temp); err != nil {
		return a, err
	}
	if _, err := t.tx.ExecContext(ctx, t.e.s.appLock); err != nil {
		return a, err
	}
	stmt, err := t.tx.PrepareContext(ctx, mssql.CopyIn("#xr_load", mssql.BulkOptions{Tablock: true}, msTempCols...))
	if err != nil {
		return a, err
	}
	defer stmt.Close()
	for i := range rows {
		r := &rows[i]
		var nk any
		if r.hasNK {
			nk = r.nk
		}
		if _, err := stmt.ExecContext(ctx, ids[i], r.typ, r.src, r.ent, nk, r.observed, r.hash, r.payload, r.schemaVersion, int64(i)); err != nil {
			return a, err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil { // flushes the bulk copy
		return a, err
	}
	if a.refused, err = t.refuse(ctx, rows); err != nil {
		return a, err
	}
	if err := t.tx.QueryRowContext(ctx, t.e.s.upsert[mode]).Scan(&a.ins, &a.upd); err != nil {
		return a, err
	}
	if mode != replaceAlways {
		a.declined, err = t.declined(ctx, rows)
	}
	return a, err
}

// declined lists the batch's rows the upsert's compare-and-set left out,
// with the stored row that won.
func (t *msTx) declined(ctx context.Context, rows []row) ([]decline, error) {
	res, err := t.tx.QueryContext(ctx, t.e.s.declined)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var ds []decline
	var seq int64
	var h string
	var obs sql.NullTime
	for res.Next() {
		if err := res.Scan(&seq, &h, &obs); err != nil {
			return nil, err
		}
		d := decline{r: &rows[seq], hash: h}
		if obs.Valid {
			d.observed = obs.Time.UTC()
		}
		ds = append(ds, d)
	}
	return ds, res.Err()
}

// refuse takes the rows whose exchange_id is stored for another record
// (idClash) out of #xr_load.
func (t *msTx) refuse(ctx context.Context, rows []row) ([]refusal, error) {
	res, err := t.tx.QueryContext(ctx, t.e.s.knownIDs)
	if err != nil {
		return nil, err
	}
	var refused []refusal
	var seqs []int64
	var seq int64
	var s storedID
	var nk sql.NullString
	for res.Next() {
		if err := res.Scan(&seq, &s.src, &s.ent, &nk, &s.hash); err != nil {
			res.Close()
			return nil, err
		}
		s.nk = nil
		if nk.Valid {
			k := nk.String
			s.nk = &k
		}
		if err := idClash(&rows[seq], s); err != nil {
			refused, seqs = append(refused, refusal{&rows[seq], err}), append(seqs, seq)
		}
	}
	res.Close()
	if err := res.Err(); err != nil {
		return nil, err
	}
	for _, seq := range seqs {
		if _, err := t.tx.ExecContext(ctx, t.e.s.refuse, seq); err != nil {
			return nil, err
		}
	}
	return refused, nil
}

func (t *msTx) commit(context.Context) error { return t.tx.Commit() }
func (t *msTx) rollback(context.Context) error {
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// limits reads the lengths of the table's text columns (NVARCHAR(n)
// counts UTF-16 code units).
func (t *msTx) limits(ctx context.Context) (colLimits, error) {
	l := colLimits{utf16: true}
	rows, err := t.tx.QueryContext(ctx, t.e.s.limits)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	lens := map[string]int{}
	for rows.Next() {
		var name string
		var bytes int
		if err := rows.Scan(&name, &bytes); err != nil {
			return l, err
		}
		if bytes > 0 {
			lens[strings.ToLower(name)] = bytes / 2
		}
	}
	if err := rows.Err(); err != nil {
		return l, err
	}
	for i, col := range limitedCols(t.e.n) {
		l.max[i] = lens[strings.ToLower(col)]
	}
	return l, nil
}

// msCheck refuses, naming the input line, an exchange_id that is not a
// UUID (SQL Server would fail the whole batch with error 8169) and returns
// the id as the bulk copy sends it. Text too long for its column is
// refused before, by colLimits.check, as a rejectable record.
func msCheck(r *row) (string, error) {
	id, err := msUUID(r.id)
	if err != nil {
		return "", fmt.Errorf("line %d: exchange_id: %v", r.line, err)
	}
	return id, nil
}

// msUUID checks an exchange_id in Go, as the PostgreSQL loader does, and
// gives it the one text form CAST(... AS UNIQUEIDENTIFIER) reads (36
// characters with hyphens): a bad id fails with its input line instead of
// error 8169 for the whole batch.
func msUUID(s string) (string, error) {
	u, err := parseUUID(s)
	if err != nil {
		return "", err
	}
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func msPlaceholder(i int) string { return fmt.Sprintf("@p%d", i) }

// msTS sends a filter time as DATETIME2 (civil), like the column, not as
// the driver's default DATETIMEOFFSET.
func msTS(t time.Time) any { return civil.DateTimeOf(t.UTC()) }

// order is the dumps' ORDER BY: load order (row_id) when the table has
// one.
func (e *msEngine) order(ctx context.Context, c *sql.Conn) (string, error) {
	var has int
	if err := c.QueryRowContext(ctx, e.s.hasRowID).Scan(&has); err != nil {
		return "", err
	}
	if has == 1 {
		return " ORDER BY row_id", nil
	}
	return "", nil
}

func (e *msEngine) dumpPayloads(ctx context.Context, f Filter, emit func([]byte) error) error {
	w, args := f.where(e.n, msPlaceholder, msTS)
	c, err := e.session(ctx)
	if err != nil {
		return err
	}
	o, err := e.order(ctx, c)
	if err != nil {
		return err
	}
	return sqlPayloads(ctx, c, e.s.dump+w+o, args, emit)
}

func (e *msEngine) exists(ctx context.Context) (bool, error) {
	c, err := e.session(ctx)
	if err != nil {
		return false, err
	}
	var ok int
	err = c.QueryRowContext(ctx, e.s.exists).Scan(&ok)
	return ok == 1, err
}

func (e *msEngine) dumpIndex(ctx context.Context, f Filter, emit func(*IndexRow) error) error {
	w, args := f.where(e.n, msPlaceholder, msTS)
	c, err := e.session(ctx)
	if err != nil {
		return err
	}
	o, err := e.order(ctx, c)
	if err != nil {
		return err
	}
	var obs time.Time
	return sqlIndex(ctx, c, e.s.index+w+o, args, &obs, func(r *IndexRow) error {
		r.Observed = obs.UTC()
		return nil
	}, emit)
}

// msTransientNumbers are the SQL Server errors worth running a batch
// again for: deadlock victim (1205), lock resources (1204; a lock request
// timeout, 1222, is the user's --lock-timeout: not retried), snapshot update conflict (3960), a killed or
// shutting-down session (596, 6005), the applock's deadlock return
// (51205, raised by our own statement), and Azure SQL's documented
// transient errors (busy, failover, resource limits).
var msTransientNumbers = map[int32]bool{
	1204: true, 1205: true, 3960: true, 596: true, 6005: true, 51205: true,
	4221: true, 10928: true, 10929: true, 40143: true, 40197: true, 40501: true, 40540: true,
	40613: true, 42108: true, 42109: true, 49918: true, 49919: true, 49920: true,
}

// msTransient: a transient server error anywhere in the batch's error
// chain (go-mssqldb reports the last error of a batch as the number and
// keeps the others in All: a deadlock may come with "the statement has
// been terminated"), or a connection that broke mid-response (go-mssqldb
// returns io.EOF or a StreamError and marks the connection bad; begin
// then opens a new one).
func msTransient(err error) bool {
	if me, ok := asMSError(err); ok {
		return msAnyNumber(me, func(n int32) bool { return msTransientNumbers[n] })
	}
	var se mssql.StreamError
	var sv mssql.ServerError
	return errors.Is(err, io.EOF) || errors.As(err, &se) || errors.As(err, &sv)
}

// asMSError finds a SQL Server error in err's chain (go-mssqldb returns
// it as a value or as a pointer).
func asMSError(err error) (mssql.Error, bool) {
	var me mssql.Error
	if errors.As(err, &me) {
		return me, true
	}
	var pe *mssql.Error
	if errors.As(err, &pe) && pe != nil {
		return *pe, true
	}
	return mssql.Error{}, false
}

// msAnyNumber reports whether me or any error of its batch (All) has a
// number that in accepts.
func msAnyNumber(me mssql.Error, in func(int32) bool) bool {
	if in(me.Number) {
		return true
	}
	for _, e := range me.All {
		if in(e.Number) {
			return true
		}
	}
	return false
}
