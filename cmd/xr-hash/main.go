// Command xr-hash sets or verifies content_sha256. See -h.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/contenthash"
)

const usage = `usage: xr-hash [--rehash | --missing-only | --verify [--drop-bad --rejects FILE] | --canonical] < in.ndjson > out.ndjson

Sets content_sha256 on every envelope: the SHA-256 of the canonical JSON of
exchange_type, source_system, entity_type, natural_key, request and response,
byte for byte as the reference tool computes it. Run it after xr-redact.

A record without content_sha256 (or with an empty one: xr-redact clears the
hash of the records it changes) gets it computed. A record whose stored hash
does not match its content was changed after it was hashed (by hand, or by
tampering): it is refused as "line N: content_sha256 … does not match the
content" (exit 4), or goes to --rejects FILE. --rehash replaces such hashes
instead, counting them ("rehashed"): only for content changed on purpose.
--missing-only computes only the absent hashes ("computed") and passes the
records that carry one through unchecked: only behind a stage that verified
them, as xr-snapshot import runs it after xr-pack cat --verify and xr-redact.

--verify passes records through untouched and exits 4 if any stored hash is
missing or wrong, naming each bad line and exchange_id on stderr; with
--drop-bad those records go to --rejects instead of stdout. --canonical
writes each record's exact hash input instead, for debugging a mismatch.

Example:
  xr-pack cat pack | xr-canon | xr-hash --verify > /dev/null
  xr-canon < edited.ndjson | xr-hash --rehash > fixed.ndjson
  xr-hash --canonical < one.ndjson | jq .`

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("xr-hash", flag.ContinueOnError)
	c := cli.Register(fs)
	var verify, canonical bool
	var o contenthash.Options
	fs.BoolVar(&verify, "verify", false, "check content_sha256 instead of setting it (exit 4 on mismatch)")
	fs.BoolVar(&o.DropBad, "drop-bad", false, "with --verify: send mismatching records to --rejects")
	fs.BoolVar(&o.Rehash, "rehash", false, "replace a stored content_sha256 that does not match the content (default: refuse the record)")
	fs.BoolVar(&o.MissingOnly, "missing-only", false, "compute only absent hashes; pass stored ones through unchecked (verified upstream, e.g. by xr-pack cat --verify)")
	fs.BoolVar(&canonical, "canonical", false, "write each record's canonical hash input instead of the record")
	fs.Usage = cli.Usage(fs, usage)
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	if err := cli.NoArgs(fs, "it reads stdin: xr-hash < FILE"); err != nil {
		return c.Finish("xr-hash", os.Stderr, nil, err)
	}
	switch {
	case verify && canonical:
		fmt.Fprintln(os.Stderr, "xr-hash: --verify and --canonical exclude each other")
		return cli.ExitUsage
	case verify:
		o.Mode = contenthash.VerifyMode
	case canonical:
		o.Mode = contenthash.CanonicalMode
	}
	reject, err := c.RejectFunc()
	if err != nil {
		return c.Finish("xr-hash", os.Stderr, nil, err)
	}
	o.Reject, o.MaxLine, o.FlushEach, o.Log = reject, c.MaxLine, cli.IsTerminal(os.Stdout), c.Logger(os.Stderr)
	o.Warn = func(msg string) { fmt.Fprintln(os.Stderr, "xr-hash: "+msg) }
	ctx, stop := cli.SignalContext()
	defer stop()
	in, stopProgress := cli.Input(ctx, "xr-hash", os.Stdin)
	st, err := contenthash.Run(ctx, in, os.Stdout, o)
	stopProgress()
	return c.Finish("xr-hash", os.Stderr, st, err)
}
