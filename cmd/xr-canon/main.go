// Command xr-canon turns envelopes, or raw JSON documents with --wrap, into
// well-formed envelopes. See -h.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/xr-lake/xr/pkg/capture"
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/normalize"
	"github.com/xr-lake/xr/pkg/xr"
)

const usage = `usage: xr-canon [flags] < in.ndjson > out.ndjson
       xr-canon --wrap --type T --source S --entity E [--key /ptr] < docs.ndjson
       xr-canon --from FORMAT [flags] [FILE...] > out.ndjson

Validates envelopes and writes them well-formed: exchange_id (a new UUID),
observed_at_utc (now), schema_version (1), tags and redactions_applied ([])
filled when missing; observed_at_utc normalized to UTC with 'Z'; fields in
xr's order; no insignificant whitespace. With --wrap each input line is a raw
JSON document (a captured API response) that becomes the response of a new
envelope, with provenance filled (runner, host, git SHA, xr version).
With --from each entry of a capture file (stdin, or each FILE in turn)
becomes a new envelope, provenance.capture naming the file and the entry's
position in it (docs/capture.md). Formats:
` + "{{formats}}" + `
Input compressed with gzip or zstd is decompressed as it is read.

Example:
  xr-canon --wrap -m pack/manifest.json --key /pageid < captured.ndjson \
    | xr-redact -m pack/manifest.json | xr-hash | xr-pack write pack
  xr-canon --from har -m pack/manifest.json session.har \
    | xr-redact -m pack/manifest.json | xr-hash | xr-pack write pack`

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("xr-canon", flag.ContinueOnError)
	c := cli.Register(fs)
	var o normalize.Options
	var tags stringList
	var gitSHA string
	fs.BoolVar(&o.Wrap, "wrap", false, "each input line is a raw JSON document to wrap as a response (= --from jsonl)")
	fs.StringVar(&o.From, "from", "", "build envelopes from capture `FORMAT`: "+strings.Join(capture.Names(), ", "))
	fs.StringVar(&o.Requests, "requests", "", "llm-batch: the batch's input `FILE`, joined with the results by custom_id")
	fs.StringVar(&o.ExchangeType, "type", "", "exchange_type of built records (default: manifest's, else the format's)")
	fs.StringVar(&o.SourceSystem, "source", "", "source_system of built records (default: manifest's, else the format's)")
	fs.StringVar(&o.EntityType, "entity", "", "entity_type of built records (default: manifest's, else the format's)")
	fs.StringVar(&o.KeyPointer, "key", "", "JSON Pointer (RFC 6901) to the natural key: into the document (--wrap), else into the built envelope (/request/url)")
	fs.StringVar(&o.TimePointer, "observed-at", "", "JSON Pointer to the observation timestamp, as --key (default: the capture's time, else now)")
	fs.Var(&tags, "tag", "add tag `T` to built records (repeatable)")
	fs.StringVar(&gitSHA, "git-sha", "", "git SHA for provenance (default: $XR_GIT_SHA, $GIT_SHA, $GITHUB_SHA, $CI_COMMIT_SHA)")
	fs.Usage = cli.Usage(fs, strings.Replace(usage, "{{formats}}", formatList(), 1))
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	if err := fileArgs(fs, &o); err != nil {
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

// fileArgs takes the capture files of --from; without it xr-canon reads
// stdin only. A flag after a file would be taken for a file: refused.
func fileArgs(fs *flag.FlagSet, o *normalize.Options) error {
	if !o.Wrap && o.From == "" {
		return cli.NoArgs(fs, "it reads stdin: xr-canon < FILE, or --from FORMAT FILE...")
	}
	for _, a := range fs.Args() {
		if len(a) > 1 && a[0] == '-' {
			return xr.Usagef("flags go before the files: got %q after a file", a)
		}
	}
	o.Files = fs.Args()
	return nil
}

func formatList() string {
	var b strings.Builder
	for _, n := range capture.Names() {
		f, _ := capture.Lookup(n)
		fmt.Fprintf(&b, "  %-10s %s\n", n, f.Doc)
	}
	return strings.TrimSuffix(b.String(), "\n")
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
