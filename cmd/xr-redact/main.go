// Command xr-redact scrubs secrets out of envelopes before they are
// stored. See -h.
package main

import (
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/redact"
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
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if err := x.NoArgs("it reads stdin: xr-redact < FILE"); err != nil {
		return nil, err
	}
	m, err := x.LoadManifest()
	if err != nil {
		return nil, err
	}
	if m != nil {
		o.Policy = &m.RedactionPolicy
		if !m.RedactionPolicy.Enabled {
			x.Warn(x.Manifest + ": redaction_policy.enabled is false: records pass through unredacted")
		}
	}
	if o.Reject, err = x.RejectFunc(); err != nil {
		return nil, err
	}
	o.MaxLine, o.FlushEach, o.Log = x.MaxLine, x.FlushEach(), x.Logger()
	o.OnFinding = func(f redact.Finding) { x.Warn(f.String()) }
	return redact.Run(x.Ctx, x.Input(), x.Stdout, o)
}
