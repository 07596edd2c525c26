// Command xr-redact scrubs secrets out of envelopes before they are
// stored. See -h.
package main

import (
	"github.com/xr-lake/xr/pkg/archive"
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/redact"
	"github.com/xr-lake/xr/pkg/secretcheck"
	"github.com/xr-lake/xr/pkg/xr"
)

func main() { cli.Main(command) }

var command = &cli.Command{Name: "xr-redact", Summary: "scrub secrets out of envelopes before they are stored",
	Help: help, Common: cli.Stage, Exits: []cli.Exit{{Code: cli.ExitMismatch, Means: "secrets found (--check)"}, cli.ExitsInterrupted}, Run: run}

func run(x *cli.Env) (*xr.Stats, error) {
	var o redact.Options
	f := x.Flags
	f.Func("header", "NAME", "also redact the header NAME (any case; repeatable)", func(s string) error { o.Headers = append(o.Headers, s); return nil })
	f.Func("pattern", "REGEX", "also redact matches of the Go regular expression REGEX (repeatable)", func(s string) error { o.Patterns = append(o.Patterns, s); return nil })
	f.Bool(&o.NoDefaults, "no-defaults", "use only the manifest's and the flags' headers and patterns, no built-in rules")
	f.Bool(&o.Check, "check", "write nothing; list the secrets found and exit 4 if any")
	var asJSON bool
	var passFile string
	f.Bool(&asJSON, "json", "with --check: write the findings as NDJSON on stdout")
	f.String(&passFile, "passphrase-file", "FILE", "with --check of an encrypted archive: read the passphrase from FILE (chmod 600)")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if !o.Check {
		if err := x.NoArgs("it reads stdin: xr-redact < FILE; --check also reads FILE, a pack DIR or an archive"); err != nil {
			return nil, err
		}
		if asJSON || passFile != "" {
			return nil, xr.Usagef("--json and --passphrase-file go with --check")
		}
	}
	m, err := policy(x, &o)
	if err != nil {
		return nil, err
	}
	if o.Reject, err = x.RejectFunc(); err != nil {
		return nil, err
	}
	o.MaxLine, o.FlushEach, o.Log = x.MaxLine, x.FlushEach(), x.Logger()
	o.OnFinding = func(f redact.Finding) { x.Warn(f.String()) }
	if !o.Check {
		return redact.Run(x.Ctx, x.Input(), x.Stdout, o)
	}
	return secretcheck.Run(x.Ctx, x.Args(), x.Input(), secretcheck.Options{Redact: o, JSON: asJSON, Out: x.Stdout,
		Archive: archive.ReadOptions{Key: secretcheck.Passphrase(passFile, m)}, Diag: x.Diag()})
}
