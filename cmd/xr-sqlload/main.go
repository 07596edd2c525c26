// Command xr-sqlload upserts envelopes into the SQL mirror table. See -h.
package main

import (
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/sqlstore"
	"github.com/xr-lake/xr/pkg/xr"
)

func main() { cli.Main(command) }

var command = &cli.Command{Name: "xr-sqlload", Summary: "upsert envelopes into the SQL mirror table",
	Help: help, Common: cli.Stage, Exits: []cli.Exit{cli.ExitsConflict, cli.ExitsInterrupted}, Run: run}

func run(x *cli.Env) (*xr.Stats, error) {
	o := sqlstore.LoadOptions{Batch: sqlstore.DefaultBatch}
	var printDDL, create bool
	var conflict, conflictLog string
	f := x.Flags
	dbf := cli.RegisterDB(f, sqlstore.DefaultLockTimeout)
	f.String(&conflict, "conflict", "STRATEGY", "the conflict strategy the write enforces (default: the manifest's, else prefer_newest)")
	f.String(&conflictLog, "conflict-log", "FILE", "log every row the strategy kept to FILE (JSON lines, as xr-diff's)")
	f.Alias("conflicts", "conflict-log")
	f.Int(&o.Batch, "batch", "N", "rows per transaction")
	f.Bool(&o.DryRun, "dry-run", "report what would be inserted/updated/unchanged; change nothing")
	f.Bool(&o.NoCreate, "no-create", "fail if the table is missing instead of creating it")
	f.Bool(&printDDL, "ddl", "print the table's CREATE script for the database's engine and exit")
	f.Bool(&create, "create", "create the table if it is missing and exit, reading no input (with --dry-run: only check)")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if err := x.NoArgs("it reads stdin: xr-sqlload < FILE"); err != nil {
		return nil, err
	}
	db, err := dbf.Resolve(x.Diag())
	if err != nil {
		return nil, err
	}
	o.DB, o.DBFrom, o.LockTimeout = db.DB, db.From, db.Lock
	if err := options(x, &o, conflict); err != nil {
		return nil, err
	}
	if printDDL {
		return nil, sqlstore.PrintDDL(x.Stdout, o.DB, os.Getenv, o.Manifest)
	}
	o.MaxLine, o.Log, o.Getenv, o.Diag = x.MaxLine, x.Logger(), os.Getenv, x.Diag()
	return load(x, o, conflictLog, create)
}
