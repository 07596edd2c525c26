// Command xr-redact scrubs secrets out of envelopes before they are
// stored. See -h.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/redact"
)

const usage = `usage: xr-redact [-m manifest.json] [--header NAME]... [--pattern REGEX]... [--no-defaults] [--check] < in.ndjson > out.ndjson

Replaces secrets in each envelope's request and response by "[REDACTED]":
sensitive header values (authorization, cookie, x-api-key, … plus the
manifest's redaction_policy.headers_to_redact and --header), values of
secret-naming keys (password, client_secret, api_key, token, …), URL query
and form parameters and URL passwords, credentials found by their shape
(JWTs, AWS keys, PEM private keys, GitHub/GitLab/Slack/Stripe/Google/OpenAI/
Anthropic keys, bearer and basic credentials, password= assignments,
connection-string passwords) and the manifest's patterns and --pattern (Go
regular expressions; a capture group, if any, is what gets replaced).

Only the secret is replaced. A record where a rule fired gets the rule ids
added to redactions_applied and its content_sha256 removed (the old hash
no longer matches): run xr-hash after xr-redact. Records where nothing
fired pass through byte for byte. Rule ids are listed in docs/redact.md.

--check writes nothing to stdout: it lists line, exchange_id, JSON Pointer
and rule id of every secret on stderr (never the secret) and exits 4 if any.

Example:
  xr-pack cat pack | xr-canon | xr-redact -m pack/manifest.json | xr-hash > clean.ndjson
  xr-pack cat pack | xr-redact --check`

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("xr-redact", flag.ContinueOnError)
	c := cli.Register(fs)
	var o redact.Options
	fs.Func("header", "also redact the header `NAME` (any case; repeatable)", func(s string) error { o.Headers = append(o.Headers, s); return nil })
	fs.Func("pattern", "also redact matches of the Go `REGEX` (repeatable)", func(s string) error { o.Patterns = append(o.Patterns, s); return nil })
	fs.BoolVar(&o.NoDefaults, "no-defaults", false, "use only the manifest's and the flags' headers and patterns, no built-in rules")
	fs.BoolVar(&o.Check, "check", false, "write nothing; list the secrets found and exit 4 if any")
	fs.Usage = cli.Usage(fs, usage)
	if done, code := cli.Parse(fs, c, os.Args[1:], os.Stdout, os.Stderr); done {
		return code
	}
	if err := cli.NoArgs(fs, "it reads stdin: xr-redact < FILE"); err != nil {
		return c.Finish("xr-redact", os.Stderr, nil, err)
	}
	if c.Manifest != "" {
		m, err := manifest.Load(c.Manifest)
		if err != nil {
			return c.Finish("xr-redact", os.Stderr, nil, err)
		}
		o.Policy = &m.RedactionPolicy
		if !m.RedactionPolicy.Enabled {
			fmt.Fprintf(os.Stderr, "xr-redact: %s: redaction_policy.enabled is false: records pass through unredacted\n", c.Manifest)
		}
	}
	reject, err := c.RejectFunc()
	if err != nil {
		return c.Finish("xr-redact", os.Stderr, nil, err)
	}
	o.Reject, o.MaxLine, o.FlushEach, o.Log = reject, c.MaxLine, cli.IsTerminal(os.Stdout), c.Logger(os.Stderr)
	o.OnFinding = func(f redact.Finding) { fmt.Fprintf(os.Stderr, "xr-redact: %s\n", f) }
	ctx, stop := cli.SignalContext()
	defer stop()
	in, stopProgress := cli.Input(ctx, "xr-redact", os.Stdin)
	st, err := redact.Run(ctx, in, os.Stdout, o)
	stopProgress()
	return c.Finish("xr-redact", os.Stderr, st, err)
}
