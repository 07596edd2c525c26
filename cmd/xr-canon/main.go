// Command xr-canon turns envelopes, or raw JSON documents with --wrap, into
// well-formed envelopes. See -h.
package main

import (
	"cmp"
	"strings"

	"github.com/xr-lake/xr/pkg/capture"
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/normalize"
	"github.com/xr-lake/xr/pkg/xr"
)

func main() { cli.Main(command) }

var command = &cli.Command{Name: "xr-canon", Summary: "validate envelopes and write them well-formed, or build them from raw JSON documents and captures",
	Help: strings.Replace(help, "{{formats}}", formatList(), 1), Common: cli.Stage, Exits: []cli.Exit{cli.ExitsInterrupted}, Run: run}

func run(x *cli.Env) (*xr.Stats, error) {
	var o normalize.Options
	var gitSHA string
	f := x.Flags
	f.Bool(&o.Wrap, "wrap", "each input line is a raw JSON document to wrap as a response (= --from jsonl)")
	f.String(&o.From, "from", "FORMAT", "build envelopes from capture FORMAT: "+strings.Join(capture.Names(), ", "))
	f.String(&o.Requests, "requests", "FILE", "llm-batch: the batch's input FILE, joined with the results by custom_id")
	f.String(&o.ExchangeType, "type", "T", "exchange_type of built records (default: the manifest's, else the format's)")
	f.String(&o.SourceSystem, "source", "S", "source_system of built records (default: the manifest's, else the format's)")
	f.String(&o.EntityType, "entity", "E", "entity_type of built records (default: the manifest's, else the format's)")
	f.String(&o.KeyPointer, "key-at", "POINTER", "JSON Pointer (RFC 6901) to the natural key: into the document (--wrap), else into the built envelope (/request/url)")
	f.Alias("key", "key-at")
	f.String(&o.TimePointer, "observed-at", "POINTER", "JSON Pointer to the observation timestamp, as --key-at (default: the capture's time, else now)")
	f.Func("tag", "T", "add tag T to built records (repeatable)", func(s string) error { o.Tags = append(o.Tags, s); return nil })
	f.String(&gitSHA, "git-sha", "SHA", "git SHA for provenance (default: $XR_GIT_SHA, $GIT_SHA, $GITHUB_SHA, $CI_COMMIT_SHA)")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if !o.Wrap && o.From == "" {
		if err := x.NoArgs("it reads stdin: xr-canon < FILE, or --from FORMAT FILE..."); err != nil {
			return nil, err
		}
	}
	o.Files = x.Args()
	m, err := x.LoadManifest()
	if err != nil {
		return nil, err
	}
	if m != nil {
		o.ExchangeType = cmp.Or(o.ExchangeType, m.ExchangeType)
		o.SourceSystem = cmp.Or(o.SourceSystem, m.SourceSystem)
		o.EntityType = cmp.Or(o.EntityType, m.EntityType)
	}
	o.MaxLine, o.FlushEach, o.Log = x.MaxLine, x.FlushEach(), x.Logger()
	o.Provenance = normalize.DefaultProvenance(gitSHA)
	if o.Reject, err = x.RejectFunc(); err != nil {
		return nil, err
	}
	return normalize.Run(x.Ctx, x.Input(), x.Stdout, o)
}
