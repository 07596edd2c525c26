// Command xr-hash sets or verifies content_sha256. See -h.
package main

import (
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/xr"
)

func main() { cli.Main(command) }

var command = &cli.Command{Name: "xr-hash", Summary: "set or verify content_sha256", Help: help,
	Common: cli.Stage, Exits: []cli.Exit{cli.ExitsMismatch, cli.ExitsInterrupted}, Run: run}

func run(x *cli.Env) (*xr.Stats, error) {
	var verify, canonical bool
	var o contenthash.Options
	f := x.Flags
	f.Bool(&verify, "verify", "check content_sha256 instead of setting it (exit 4 on mismatch)")
	f.Bool(&o.DropBad, "drop-bad", "with --verify: send mismatching records to --rejects")
	f.Bool(&o.Rehash, "rehash", "replace a stored content_sha256 that does not match the content (default: refuse the record)")
	f.Bool(&o.MissingOnly, "missing-only", "compute only absent hashes; pass stored ones through unchecked (verified upstream, e.g. by xr-pack cat --verify)")
	f.Bool(&canonical, "canonical", "write each record's canonical hash input instead of the record")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if err := x.NoArgs("it reads stdin: xr-hash < FILE"); err != nil {
		return nil, err
	}
	switch {
	case verify && canonical:
		return nil, xr.Usagef("--verify and --canonical exclude each other")
	case verify:
		o.Mode = contenthash.VerifyMode
	case canonical:
		o.Mode = contenthash.CanonicalMode
	}
	var err error
	if o.Reject, err = x.RejectFunc(); err != nil {
		return nil, err
	}
	o.MaxLine, o.FlushEach, o.Log, o.Diag = x.MaxLine, x.FlushEach(), x.Logger(), x.Diag()
	return contenthash.Run(x.Ctx, x.Input(), x.Stdout, o)
}
