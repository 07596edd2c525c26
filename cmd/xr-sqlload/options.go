package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/sqlstore"
	"github.com/xr-lake/xr/pkg/xr"
)

// options fills o's manifest and conflict strategy (--conflict, else the
// manifest's).
func options(x *cli.Env, o *sqlstore.LoadOptions, conflict string) error {
	var err error
	if o.Manifest, err = x.LoadManifest(); err != nil {
		return err
	}
	if conflict == "" && o.Manifest != nil {
		conflict = o.Manifest.SyncPolicy.ConflictStrategy
	}
	o.Conflict, err = diff.ParseStrategy(conflict, "json")
	return err
}

// load runs the load, with the --conflict-log file when one is named;
// --create loads no input: the load's first step makes the table ready.
func load(x *cli.Env, o sqlstore.LoadOptions, conflictLog string, create bool) (*xr.Stats, error) {
	var err error
	if o.Reject, err = x.RejectFunc(); err != nil {
		return nil, err
	}
	in := io.Reader(strings.NewReader(""))
	switch {
	case create && o.NoCreate:
		return nil, xr.Usagef("--create and --no-create: give one of them")
	case !create:
		in = x.Input()
	}
	if conflictLog == "" {
		return sqlstore.Load(x.Ctx, in, o)
	}
	f, err := os.Create(conflictLog)
	if err != nil {
		return nil, fmt.Errorf("--conflict-log: %w", err)
	}
	clog := bufio.NewWriter(f)
	o.Conflicts = clog
	st, err := sqlstore.Load(x.Ctx, in, o)
	ferr := clog.Flush()
	if cerr := f.Close(); ferr == nil {
		ferr = cerr
	}
	if ferr != nil && err == nil {
		err = fmt.Errorf("--conflict-log: %w", ferr)
	}
	return st, err
}
