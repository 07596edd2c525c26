// Command xr-sqldump streams envelopes (or index lines) out of the SQL
// mirror table. See -h.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/sqlstore"
	"github.com/xr-lake/xr/pkg/xr"
)

const usage = `usage: xr-sqldump [-m manifest.json] [--db DSN | --db-file FILE] [--lock-timeout DUR] [--source S] [--entity E | --scope-of FILE] [--since T] [--until T] [--key K] [--index]

Streams the records of the manifest's sql_target table to stdout, each line
exactly as xr-sqlload stored it, filtered by the manifest's source_system and
entity_type (or --source/--entity), observed_at_utc in [--since, --until),
and --key (natural key). --index prints {"h","k","id","t"} lines (the id as
the envelope holds it), for xr-diff --against. Database as for xr-sqlload
(a DSN with a password belongs in $XR_DB or --db-file, not on the command
line). A dump that waits more than a second for a lock says so on stderr
and fails after --lock-timeout (default 1m0s).

--scope-of FILE replaces that scope with every source_system/entity_type
pair the envelopes of FILE hold (the whole table beyond 256 pairs): the
index an import diffs against must cover every key its records can touch,
whatever the manifest's scope says (xr-snapshot import does this).

Example:
  xr-sqldump -m pack/manifest.json | xr-diff --against pack/index.jsonl | xr-pack write pack
  xr-diff --against <(xr-sqldump -m pack/manifest.json --index --scope-of new.ndjson) < new.ndjson`

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("xr-sqldump", flag.ContinueOnError)
	c := cli.Register(fs)
	var o sqlstore.DumpOptions
	var since, until, key, scopeOf string
	dbf := cli.RegisterDB(fs, sqlstore.DefaultLockTimeout)
	fs.StringVar(&o.Filter.Source, "source", "", "only this source_system (default: the manifest's)")
	fs.StringVar(&o.Filter.Entity, "entity", "", "only this entity_type (default: the manifest's)")
	fs.StringVar(&since, "since", "", "only records observed at or after `T` (ISO 8601, or a date: midnight UTC)")
	fs.StringVar(&until, "until", "", "only records observed before this ISO 8601 `time`")
	fs.StringVar(&key, "key", "", "only the record with this natural key")
	fs.StringVar(&scopeOf, "scope-of", "", "only the source/entity pairs the envelopes of `FILE` hold (instead of the manifest's)")
	fs.BoolVar(&o.Index, "index", false, `print index lines {"h","k","id","t"} instead of envelopes`)
	fs.Usage = cli.Usage(fs, usage)
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	if err := cli.NoArgs(fs, "it writes stdout: xr-sqldump > FILE"); err != nil {
		return c.Finish("xr-sqldump", os.Stderr, nil, err)
	}
	db, err := dbf.Resolve(fs, sqlstore.HasPassword)
	if err != nil {
		return c.Finish("xr-sqldump", os.Stderr, nil, err)
	}
	o.Warn = func(msg string) { fmt.Fprintln(os.Stderr, "xr-sqldump: "+msg) }
	for _, w := range db.Warned {
		o.Warn(w)
	}
	o.DB, o.DBFrom, o.LockTimeout = db.DB, db.From, db.Lock
	if o.Filter.Since, err = cli.ParseTimeBound("since", since); err != nil {
		return c.Finish("xr-sqldump", os.Stderr, nil, err)
	}
	if o.Filter.Until, err = cli.ParseTimeBound("until", until); err != nil {
		return c.Finish("xr-sqldump", os.Stderr, nil, err)
	}
	fs.Visit(func(f *flag.Flag) { o.Filter.HasKey = o.Filter.HasKey || f.Name == "key" })
	o.Filter.Key = key
	if c.Manifest != "" {
		if o.Manifest, err = manifest.Load(c.Manifest); err != nil {
			return c.Finish("xr-sqldump", os.Stderr, nil, err)
		}
	}
	ctx, stop := cli.SignalContext()
	defer stop()
	if scopeOf != "" {
		if o.Filter.Source != "" || o.Filter.Entity != "" {
			return c.Finish("xr-sqldump", os.Stderr, nil, xr.Usagef("--scope-of replaces --source and --entity: give one or the other"))
		}
		f, err := os.Open(scopeOf)
		if err != nil {
			return c.Finish("xr-sqldump", os.Stderr, nil, fmt.Errorf("--scope-of: %w", err))
		}
		o.Scopes, o.AllScopes, err = sqlstore.ScopesOf(ctx, f, scopeOf, c.MaxLine)
		f.Close()
		if err != nil {
			return c.Finish("xr-sqldump", os.Stderr, nil, fmt.Errorf("--scope-of: %w", err))
		}
		o.ByScopes = true
	}
	o.Getenv, o.Log, o.FlushEach = os.Getenv, c.Logger(os.Stderr), cli.IsTerminal(os.Stdout)
	if !c.Quiet {
		o.Notify = func(msg string) { fmt.Fprintln(os.Stderr, "xr-sqldump: "+msg) }
	}
	st, err := sqlstore.Dump(ctx, os.Stdout, o)
	return c.Finish("xr-sqldump", os.Stderr, st, err)
}
