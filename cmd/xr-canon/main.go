// Command xr-canon turns envelopes, or raw JSON documents with --wrap, into
// well-formed envelopes. See -h.
package main

import (
	"flag"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/normalize"
)

const usage = `usage: xr-canon [flags] < in.ndjson > out.ndjson
       xr-canon --wrap --type T --source S --entity E [--key /ptr] < docs.ndjson

Validates envelopes and writes them well-formed: exchange_id (a new UUID),
observed_at_utc (now), schema_version (1), tags and redactions_applied ([])
filled when missing; observed_at_utc normalized to UTC with 'Z'; fields in
xr's order; no insignificant whitespace. With --wrap each input line is a raw
JSON document (a captured API response) that becomes the response of a new
envelope, with provenance filled (runner, host, git SHA, xr version).

Example:
  xr-canon --wrap -m pack/manifest.json --key /pageid < captured.ndjson \
    | xr-redact -m pack/manifest.json | xr-hash | xr-pack write pack`

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("xr-canon", flag.ContinueOnError)
	c := cli.Register(fs)
	var o normalize.Options
	var tags stringList
	var gitSHA string
	fs.BoolVar(&o.Wrap, "wrap", false, "each input line is a raw JSON document to wrap as a response")
	fs.StringVar(&o.ExchangeType, "type", "", "exchange_type of wrapped records (default: manifest's)")
	fs.StringVar(&o.SourceSystem, "source", "", "source_system of wrapped records (default: manifest's)")
	fs.StringVar(&o.EntityType, "entity", "", "entity_type of wrapped records (default: manifest's)")
	fs.StringVar(&o.KeyPointer, "key", "", "JSON Pointer (RFC 6901) to the natural key in each document")
	fs.StringVar(&o.TimePointer, "observed-at", "", "JSON Pointer to the observation timestamp (default: now)")
	fs.Var(&tags, "tag", "add tag `T` to wrapped records (repeatable)")
	fs.StringVar(&gitSHA, "git-sha", "", "git SHA for provenance (default: $XR_GIT_SHA, $GIT_SHA, $GITHUB_SHA, $CI_COMMIT_SHA)")
	fs.Usage = cli.Usage(fs, usage)
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	if err := cli.NoArgs(fs, "it reads stdin: xr-canon < FILE"); err != nil {
		return c.Finish("xr-canon", os.Stderr, nil, err)
	}
	if c.Manifest != "" {
		m, err := manifest.Load(c.Manifest)
		if err != nil {
			return c.Finish("xr-canon", os.Stderr, nil, err)
		}
		o.ExchangeType = or(o.ExchangeType, m.ExchangeType)
		o.SourceSystem = or(o.SourceSystem, m.SourceSystem)
		o.EntityType = or(o.EntityType, m.EntityType)
	}
	o.Tags, o.MaxLine, o.FlushEach = tags, c.MaxLine, cli.IsTerminal(os.Stdout)
	o.Provenance = normalize.DefaultProvenance(gitSHA)
	reject, err := c.RejectFunc()
	if err != nil {
		return c.Finish("xr-canon", os.Stderr, nil, err)
	}
	o.Reject, o.Log = reject, c.Logger(os.Stderr)
	ctx, stop := cli.SignalContext()
	defer stop()
	in, stopProgress := cli.Input(ctx, "xr-canon", os.Stdin)
	st, err := normalize.Run(ctx, in, os.Stdout, o)
	stopProgress()
	return c.Finish("xr-canon", os.Stderr, st, err)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type stringList []string

func (s *stringList) String() string     { return "" }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
