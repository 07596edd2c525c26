package main

import (
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/xr"
)

// initScope checks init's --name, --source and --entity. --source and
// --entity must be given, but may be empty: an empty one is no filter,
// so two empty values make the dataset the whole table
// (docs/workflows.md). Left out, they are a usage error: a forgotten flag
// must not silently make a pack of every row.
func initScope(f *cli.Flags, name string) error {
	switch {
	case name == "":
		return xr.Usagef("init needs --name")
	case !f.IsSet("source") || !f.IsSet("entity"):
		return xr.Usagef("init needs --source and --entity (give --source '' --entity '' for a dataset of the whole table)")
	}
	return nil
}
