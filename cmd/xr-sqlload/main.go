// Command xr-sqlload upserts envelopes into the SQL mirror table. See -h.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/sqlstore"
)

const usage = `usage: xr-sqlload [-m manifest.json] [--db DSN | --db-file FILE] [--conflict S] [--conflicts FILE] [--batch N] [--lock-timeout DUR] [--dry-run] < plan.ndjson

Upserts hashed envelopes into the manifest's sql_target table (default
lake.RawExchangeRecord; created if missing): same hash stored = unchanged,
natural key not stored = inserted; natural key stored with another hash =
a conflict, which the write itself resolves by --conflict (a
compare-and-set in the UPDATE, so a stale plan never replaces newer data):
  prefer_newest    (default) replace the stored row only if its
                   observed_at_utc is not later than the record's (a tie
                   goes to the record, as in the reference tool)
  prefer_json, prefer_incoming   always replace
  prefer_sql, prefer_existing    never replace
  fail             exit 3 at such a row; its batch is not committed
                   (earlier batches are)
A row the strategy kept is counted as kept_newer and, with --conflicts
FILE, logged as xr-diff logs conflicts ("existing_from":"table").
--conflict defaults to the manifest's sync_policy.conflict_strategy.
One transaction per batch; a rerun after any failure converges. Records
without a valid content_sha256 are refused (run xr-hash). The counters
count committed batches (PostgreSQL: once a synchronous commit made them
durable, every 5 s and at the end); after a failure the rest of what was
read is counted as "not committed".

Database: --db or --db-file, else $XR_DB, else $INGEST_SQLSERVER_CONN_STR,
else $INGEST_SQLSERVER_HOST/PORT/DATABASE/USER/PASSWORD, else sqlite:lake.db.
DSN forms: sqlite:PATH, postgres://user@host:5432/db, libpq keywords
("host=h port=5432 dbname=lake user=u"), sqlserver://..., ADO or ODBC SQL
Server strings. A password on the command line shows in ps: put such a DSN
in $XR_DB or a file (--db-file; a warning says so). --ddl prints the CREATE
script and exits.

Locks: a batch that waits more than a second for a lock held by another
session says so on stderr (naming the holder when the engine can tell);
after --lock-timeout (default 1m0s) the load fails naming the batch and its
input lines. Batches committed before stay.

Example:
  xr-pack cat pack | xr-canon | xr-hash | xr-diff --against <(xr-sqldump -m pack/manifest.json --index) > plan.ndjson
  xr-sqlload -m pack/manifest.json --db postgres://xr@localhost/lake < plan.ndjson`

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("xr-sqlload", flag.ContinueOnError)
	c := cli.Register(fs)
	var o sqlstore.LoadOptions
	var printDDL bool
	dbf := cli.RegisterDB(fs, sqlstore.DefaultLockTimeout)
	var conflict, conflicts string
	fs.IntVar(&o.Batch, "batch", sqlstore.DefaultBatch, "rows per transaction")
	fs.BoolVar(&o.DryRun, "dry-run", false, "report what would be inserted/updated/unchanged; change nothing")
	fs.BoolVar(&o.NoCreate, "no-create", false, "fail if the table is missing instead of creating it")
	fs.StringVar(&conflict, "conflict", "", "conflict `strategy` the write enforces (default: the manifest's, else prefer_newest)")
	fs.StringVar(&conflicts, "conflicts", "", "log every row the strategy kept to `FILE` (JSON lines, as xr-diff's)")
	fs.BoolVar(&printDDL, "ddl", false, "print the table's CREATE script for the database's engine and exit")
	fs.Usage = cli.Usage(fs, usage)
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	if err := cli.NoArgs(fs, "it reads stdin: xr-sqlload < FILE"); err != nil {
		return c.Finish("xr-sqlload", os.Stderr, nil, err)
	}
	db, err := dbf.Resolve(fs, sqlstore.HasPassword)
	if err != nil {
		return c.Finish("xr-sqlload", os.Stderr, nil, err)
	}
	o.Warn = func(msg string) { fmt.Fprintln(os.Stderr, "xr-sqlload: "+msg) }
	for _, w := range db.Warned {
		o.Warn(w)
	}
	o.DB, o.DBFrom, o.LockTimeout = db.DB, db.From, db.Lock
	if c.Manifest != "" {
		m, err := manifest.Load(c.Manifest)
		if err != nil {
			return c.Finish("xr-sqlload", os.Stderr, nil, err)
		}
		o.Manifest = m
		if conflict == "" {
			conflict = m.SyncPolicy.ConflictStrategy
		}
	}
	if o.Conflict, err = diff.ParseStrategy(conflict, "json"); err != nil {
		return c.Finish("xr-sqlload", os.Stderr, nil, err)
	}
	if printDDL {
		return c.Finish("xr-sqlload", os.Stderr, nil, sqlstore.PrintDDL(os.Stdout, o.DB, os.Getenv, o.Manifest))
	}
	reject, err := c.RejectFunc()
	if err != nil {
		return c.Finish("xr-sqlload", os.Stderr, nil, err)
	}
	o.Reject, o.MaxLine, o.Log, o.Getenv = reject, c.MaxLine, c.Logger(os.Stderr), os.Getenv
	if !c.Quiet {
		o.Notify = func(msg string) { fmt.Fprintln(os.Stderr, "xr-sqlload: "+msg) }
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	var clog *bufio.Writer
	var clogFile *os.File
	if conflicts != "" {
		if clogFile, err = os.Create(conflicts); err != nil {
			return c.Finish("xr-sqlload", os.Stderr, nil, fmt.Errorf("--conflicts: %w", err))
		}
		clog = bufio.NewWriter(clogFile)
		o.Conflicts = clog
	}
	in, stopProgress := cli.Input(ctx, "xr-sqlload", os.Stdin)
	st, err := sqlstore.Load(ctx, in, o)
	stopProgress()
	if clog != nil {
		ferr := clog.Flush()
		if cerr := clogFile.Close(); ferr == nil {
			ferr = cerr
		}
		if ferr != nil && err == nil {
			err = fmt.Errorf("--conflicts: %w", ferr)
		}
	}
	return c.Finish("xr-sqlload", os.Stderr, st, err)
}
