// Command xr-sqlload upserts envelopes into the SQL mirror table. See -h.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/sqlstore"
)

const usage = `usage: xr-sqlload [-m manifest.json] [--db DSN | --db-file FILE] [--batch N] [--lock-timeout DUR] [--dry-run] < plan.ndjson

Upserts hashed envelopes into the manifest's sql_target table (default
lake.RawExchangeRecord; created if missing): same hash stored = unchanged,
same natural key with another hash = updated, else inserted. One
transaction per batch; a rerun after any failure converges. Records
without a valid content_sha256 are refused (run xr-hash).

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
	dbf := sqlstore.RegisterFlags(fs)
	fs.IntVar(&o.Batch, "batch", sqlstore.DefaultBatch, "rows per transaction")
	fs.BoolVar(&o.DryRun, "dry-run", false, "report what would be inserted/updated/unchanged; change nothing")
	fs.BoolVar(&o.NoCreate, "no-create", false, "fail if the table is missing instead of creating it")
	fs.BoolVar(&printDDL, "ddl", false, "print the table's CREATE script for the database's engine and exit")
	fs.Usage = cli.Usage(fs, usage)
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	if err := cli.NoArgs(fs, "it reads stdin: xr-sqlload < FILE"); err != nil {
		return c.Finish("xr-sqlload", os.Stderr, nil, err)
	}
	db, err := dbf.Resolve(fs)
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
	in, stopProgress := cli.Input(ctx, "xr-sqlload", os.Stdin)
	st, err := sqlstore.Load(ctx, in, o)
	stopProgress()
	return c.Finish("xr-sqlload", os.Stderr, st, err)
}
