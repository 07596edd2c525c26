// Command xr-diff keeps only the records that are new or changed against
// an index. See -h.
package main

import (
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/xr"
)

func main() { cli.Main(command) }

var command = &cli.Command{Name: "xr-diff", Summary: "keep only the records that are new or changed against an index",
	Help: help, Common: cli.Stage, Exits: []cli.Exit{cli.ExitsConflict, cli.ExitsInterrupted}, Run: run}

func run(x *cli.Env) (*xr.Stats, error) {
	var o diff.Options
	var conflict, incoming, by, shard = "", "json", "key", ""
	f := x.Flags
	f.String(&o.Against, "against", "INDEX", "the other side's index: index file, pack folder, /dev/fd/N, or - (stdin)")
	f.String(&conflict, "conflict", "STRATEGY", "how a conflict is resolved (default: the manifest's, else prefer_newest)")
	f.String(&incoming, "incoming", "json|sql", "which side the input is (prefer_json/prefer_sql, and prefer_newest's ties)")
	f.String(&o.Pack, "pack", "DIR", "the pack on the JSON side: name its records by file:line; with --incoming sql, check exchange_ids")
	f.String(&by, "by", "key|hash", "key: natural keys and conflicts; hash: only hash presence counts")
	f.String(&o.Conflicts, "conflict-log", "FILE", "write every conflict to FILE (JSON lines)")
	f.Alias("conflicts", "conflict-log")
	f.String(&shard, "shard", "I/N", "keep only shard I of N of the index and input")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	in, closeIn, err := input(x, o.Against)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	if err := options(x, &o, conflict, incoming, by, shard); err != nil {
		return nil, err
	}
	if o.Against == "-" {
		o.Index = x.Interruptible()
	}
	return diff.Run(x.Ctx, in, x.Stdout, o)
}
