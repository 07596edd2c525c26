// Package sqlstore mirrors envelopes into a SQL table and streams them
// back out: DSN resolution, one small dialect per engine (SQLite through
// modernc.org/sqlite, PostgreSQL through pgx, SQL Server through
// go-mssqldb), the batched idempotent upsert behind xr-sqlload and the
// streaming dump behind xr-sqldump.
//
// The table holds the current record per natural key: a record whose
// content_sha256 is already stored is unchanged; one whose natural key is
// stored with another hash replaces that row if the conflict strategy
// says so (else it is declined: kept_newer); anything else is inserted.
// Records without a natural key are unique by hash. payload_json holds
// the envelope line exactly as it came in, so a dump gives it back byte
// for byte.
package sqlstore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/template"
	"time"

	"github.com/xr-lake/xr/ddl"
	"github.com/xr-lake/xr/pkg/dbsecret"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// engine is one database dialect.
type engine interface {
	// begin starts a transaction on the loader's dedicated connection.
	begin(ctx context.Context) (loadTx, error)
	// exists reports whether the table is there (outside a transaction:
	// a dump's --if-exists takes no lock).
	exists(ctx context.Context) (bool, error)
	dumpPayloads(ctx context.Context, f Filter, emit func([]byte) error) error
	dumpIndex(ctx context.Context, f Filter, emit func(*IndexRow) error) error
	// durable makes every committed batch durable, after the last one.
	durable(ctx context.Context) error
	// blocker names what the work in progress waits for, when it waits for
	// a lock another session holds and the engine can tell ("" otherwise).
	// It runs concurrently with that work.
	blocker(ctx context.Context) string
	close() error
}

// loadTx is one load transaction.
type loadTx interface {
	// ensure creates the table if it is missing (or fails when !create).
	ensure(ctx context.Context, create bool) error
	// limits reads the lengths of the table's text columns (after ensure).
	limits(ctx context.Context) (colLimits, error)
	// upsert applies one batch (no two rows share a key, hash or id),
	// except the rows it refuses (an exchange_id stored for another
	// record, see idClash), which it leaves out, and the rows whose
	// stored version mode keeps, which its statements decline (the
	// compare-and-set is in the statement that writes).
	upsert(ctx context.Context, rows []row, mode casMode) (applied, error)
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
}

// Filter selects the rows a dump streams.
type Filter struct {
	Source, Entity string    // "" = any
	Since, Until   time.Time // zero = open; Since inclusive, Until exclusive
	Key            string    // natural key text
	HasKey         bool      // Key is set
}

// IndexRow is one index line: h, k, id, t.
type IndexRow struct {
	Hash, Source, Entity string
	NaturalKey           *string
	ID                   string
	Observed             time.Time
}

// open connects to the database d names; a statement waits at most
// lockTimeout for a lock (negative: no limit).
func open(ctx context.Context, d DSN, t Target, lockTimeout time.Duration, log *slog.Logger) (engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var e engine
	var err error
	switch d.Engine {
	case SQLite:
		e, err = openSQLite(ctx, d, t, lockTimeout)
	case Postgres:
		e, err = openPostgres(ctx, d, t, lockTimeout)
	case SQLServer:
		e, err = openSQLServer(ctx, d, t, lockTimeout)
	default:
		return nil, fmt.Errorf("unknown engine %q", d.Engine)
	}
	if err != nil {
		reason := strings.NewReplacer(":\n\t", ": ", "\n\t", "; ", "\n", "; ").Replace(err.Error())
		return nil, fmt.Errorf("cannot connect to %s: %s", d.Describe(), dbsecret.Redact(reason))
	}
	log.Debug("connected", "db", d.Describe())
	return e, nil
}

// DDL returns the CREATE script of the table for engine e, rendered
// with t's names.
func DDL(e Engine, t Target) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	return renderDDL(e, t.names(e))
}

func renderDDL(e Engine, n ddlNames) (string, error) {
	b, err := ddl.FS.ReadFile(string(e) + "/table.sql")
	if err != nil {
		return "", err
	}
	return render(string(b), n)
}

// outBuf is the dump's output buffer size.
const outBuf = 64 << 10

// resolve validates the target and finds the database, telling note the
// notes and the database line, which ends with suffix.
// from names what gave db ("" = --db).
func resolve(db, from string, getenv func(string) string, m *manifest.Manifest, note func(string), suffix string) (Target, DSN, error) {
	t, err := TargetFrom(m)
	if err != nil {
		return t, DSN{}, xr.Usagef("%v", err)
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	d, err := ResolveDSN(db, getenv)
	if err != nil {
		return t, d, xr.Usagef("%v", err)
	}
	if db != "" && from != "" {
		d.From = from
	}
	for _, n := range d.Notes {
		note(n)
	}
	note(fmt.Sprintf("database: %s, table %s%s", d.Describe(), t.NameIn(d.Engine), suffix))
	return t, d, nil
}

// PrintDDL writes the CREATE script of m's table for the engine the DSN
// (resolved as Load does) names.
func PrintDDL(w io.Writer, db string, getenv func(string) string, m *manifest.Manifest) error {
	t, d, err := resolve(db, "", getenv, m, func(string) {}, "")
	if err != nil {
		return err
	}
	s, err := DDL(d.Engine, t)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, s)
	return err
}

// render fills a statement or DDL template with validated names.
func render(text string, n ddlNames) (string, error) {
	tm, err := template.New("sql").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if err := tm.Execute(&sb, n); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// mustRender is render for the statement templates compiled into xr.
func mustRender(text string, n ddlNames) string {
	s, err := render(text, n)
	if err != nil {
		panic(err)
	}
	return s
}
