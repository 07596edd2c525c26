// Command xr-sqldump streams envelopes (or index lines) out of the SQL
// mirror table. See -h.
package main

import (
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/sqlstore"
	"github.com/xr-lake/xr/pkg/xr"
)

func main() { cli.Main(command) }

var command = &cli.Command{Name: "xr-sqldump", Summary: "stream envelopes (or index lines) out of the SQL mirror table",
	Help: help, Common: cli.Manifest | cli.Stats | cli.MaxLine | cli.Verbose,
	Exits: []cli.Exit{cli.ExitsInterrupted}, Run: run}

func run(x *cli.Env) (*xr.Stats, error) {
	var o sqlstore.DumpOptions
	var since, until, scopeOf string
	f := x.Flags
	dbf := cli.RegisterDB(f, sqlstore.DefaultLockTimeout)
	f.String(&o.Filter.Source, "source", "S", "only this source_system (default: the manifest's)")
	f.String(&o.Filter.Entity, "entity", "E", "only this entity_type (default: the manifest's)")
	f.String(&o.Filter.Key, "key", "K", "only the record whose natural_key is K")
	f.String(&since, "since", "T", "only records observed at or after T (ISO 8601, or a date: midnight UTC)")
	f.String(&until, "until", "T", "only records observed before T")
	f.String(&scopeOf, "scope-of", "FILE", "only the source/entity pairs the envelopes of FILE hold (instead of the manifest's)")
	f.Bool(&o.Index, "index", `print index lines {"h","k","id","t"} instead of envelopes`)
	f.Bool(&o.IfExists, "if-exists", "a missing table (or SQLite file) dumps nothing instead of failing")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if err := x.NoArgs("it writes stdout: xr-sqldump > FILE"); err != nil {
		return nil, err
	}
	db, err := dbf.Resolve(x.Diag())
	if err != nil {
		return nil, err
	}
	o.DB, o.DBFrom, o.LockTimeout, o.Filter.HasKey = db.DB, db.From, db.Lock, f.IsSet("key")
	if err := options(x, &o, since, until, scopeOf); err != nil {
		return nil, err
	}
	o.Getenv, o.Log, o.FlushEach, o.Diag = os.Getenv, x.Logger(), x.FlushEach(), x.Diag()
	return sqlstore.Dump(x.Ctx, x.Stdout, o)
}
