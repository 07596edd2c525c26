package cli

import (
	"flag"

	"github.com/xr-lake/xr/pkg/xr"
)

// NoArgs is the usage error of a command that takes no positional
// arguments (a filter on stdin, or a source on stdout) when it got some:
// silently ignoring `xr-hash in.ndjson --verify` would read stdin instead
// of the file, and drop every flag after the file name. hint says where the
// data goes instead ("it reads stdin: xr-hash < FILE").
func NoArgs(fs *flag.FlagSet, hint string) error {
	if fs.NArg() == 0 {
		return nil
	}
	return xr.Usagef("takes no arguments (%s), got %q", hint, fs.Arg(0))
}
