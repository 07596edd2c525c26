// Command xr-diff keeps only the records that are new or changed against
// an index. See -h.
package main

import (
	"flag"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

const usage = `usage: xr-diff --against INDEX [--conflict S] [--incoming json|sql] [--pack DIR] [--conflicts FILE] [--by key|hash] [FILE] > plan.ndjson

Writes the envelopes of stdin (or FILE) that the other side needs, given
its index: INDEX is an index file ({"h","k","id","t"[,"f"]} lines, as
xr-pack index and xr-sqldump --index print them), a pack folder (its
index.jsonl), a process substitution, or - for stdin (the envelopes then
come from FILE). Every record needs content_sha256 (run xr-hash first).
Keys are compared by their parts, never by the text source|entity|key
(which (a|b, c, k) and (a, b|c, k) share): an index line whose k has more
than two '|' needs its "kp" parts (xr writes them; xr-pack index --rebuild
adds them to a reference-made pack) or, when INDEX is a pack folder, its
record in the chunk f names; else it is refused in key mode.

  unchanged  its hash is in the index (or earlier in the input): dropped
  new        its natural key (source|entity|natural_key) is not there, or,
             without a natural key, its hash is not: emitted
  changed    its key is there with another hash: a conflict, resolved by
             --conflict; incoming wins: emitted, existing wins: dropped

Conflict strategies:
  prefer_newest    the later observed_at_utc wins (compared in UTC, to the
                   nanosecond); a tie goes to the JSON side, as the
                   reference's json_time >= sql_time: the incoming record
                   when stdin is the pack (--incoming json, the import),
                   the existing one with --incoming sql (the export); a
                   missing timestamp is older than any (two missing tie)
  prefer_json      the pack's record wins (stdin is the pack unless
  prefer_sql       --incoming sql says it is the SQL side)
  prefer_incoming  the incoming record always wins
  prefer_existing  the existing record always stays
  fail             exit 3 at the first conflict, writing nothing

The input is read in full before anything is written. Several input
versions of one key are the input's history, not conflicts: the newest
(on a tie the later line) supersedes the others, whatever the strategy,
and only it is emitted; the others count as superseded. The same hash
twice is emitted once. --by hash ignores keys: only a hash the index
lacks is emitted. --conflicts FILE gets one JSON object per conflict (k,
both hashes and times, strategy, resolution). --shard I/N
keeps one of N parts of index and input (by key, or by hash without one),
so N processes can split a sync.

--pack DIR names the pack on the JSON side: where the input comes from
(the import), or, with --incoming sql, the pack the index is (the export).
A conflict under fail then names the pack's record by chunk file and line
(records/2024/2024-01-16/chunk-0002.ndjson:17) and SQL's by its key; and
in the export, a SQL record whose exchange_id the pack holds with other
content is a conflict on that record: the pack's record staying drops it,
SQL's winning stops the run (a pack holds one record per exchange_id and
never rewrites one).

Example:
  xr-pack cat pack | xr-canon | xr-hash \
    | xr-diff --against <(xr-sqldump -m M --index) --pack pack --conflicts c.ndjson > plan.ndjson
  xr-sqldump -m M | xr-diff --against pack --pack pack --incoming sql | xr-pack write pack`

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("xr-diff", flag.ContinueOnError)
	c := cli.Register(fs)
	var o diff.Options
	var conflict, incoming, by, shard string
	fs.StringVar(&o.Against, "against", "", "the other side's `INDEX`: index file, pack folder, /dev/fd/N, or - (stdin)")
	fs.StringVar(&conflict, "conflict", "", "conflict `strategy` (default: the manifest's, else prefer_newest)")
	fs.StringVar(&incoming, "incoming", "json", "which side the input is (prefer_json/prefer_sql, and prefer_newest's ties): json or sql")
	fs.StringVar(&o.Pack, "pack", "", "the pack `DIR` on the JSON side: name its records by file:line; with --incoming sql, check exchange_ids")
	fs.StringVar(&by, "by", "key", "key: natural keys and conflicts; hash: only hash presence counts")
	fs.StringVar(&o.Conflicts, "conflicts", "", "write every conflict to `FILE` (JSON lines)")
	fs.StringVar(&shard, "shard", "", "keep only shard `I/N` of the index and input")
	fs.Usage = cli.Usage(fs, usage)
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	st, err := start(c, &o, conflict, incoming, by, shard, fs.Args())
	return c.Finish("xr-diff", os.Stderr, st, err)
}

func start(c *cli.Common, o *diff.Options, conflict, incoming, by, shard string, args []string) (*xr.Stats, error) {
	in := os.Stdin
	switch {
	case len(args) > 1:
		return nil, xr.Usagef("want at most one input FILE, got %d arguments", len(args))
	case len(args) == 1:
		f, err := os.Open(args[0])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	case o.Against == "-":
		return nil, xr.Usagef("--against - reads the index from stdin: give the envelopes as a FILE argument")
	}
	if by != "key" && by != "hash" {
		return nil, xr.Usagef("--by: want key or hash, not %q", by)
	}
	o.ByHash = by == "hash"
	if conflict == "" && c.Manifest != "" {
		m, err := manifest.Load(c.Manifest)
		if err != nil {
			return nil, err
		}
		conflict = m.SyncPolicy.ConflictStrategy
	}
	var err error
	if o.Conflict, err = diff.ParseStrategy(conflict, incoming); err != nil {
		return nil, err
	}
	o.IncomingSQL = incoming == "sql"
	if o.Shard, err = diff.ParseShard(shard); err != nil {
		return nil, err
	}
	if o.Reject, err = c.RejectFunc(); err != nil {
		return nil, err
	}
	o.MaxLine, o.FlushEach, o.Log = c.MaxLine, cli.IsTerminal(os.Stdout), c.Logger(os.Stderr)
	ctx, stop := cli.SignalContext()
	defer stop()
	if o.Against == "-" {
		o.Index = cli.Interruptible(ctx, os.Stdin)
	}
	// on a terminal the progress reader hides a file's seekability: the
	// input is then spooled, which only costs a copy
	r, stopProgress := cli.Input(ctx, "xr-diff", in)
	defer stopProgress()
	return diff.Run(ctx, r, os.Stdout, *o)
}
