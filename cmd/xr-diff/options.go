package main

import (
	"io"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/xr"
)

// options fills o from the flags' values and the manifest.
func options(x *cli.Env, o *diff.Options, conflict, incoming, by, shard string) error {
	if by != "key" && by != "hash" {
		return xr.Usagef("--by: want key or hash, not %q", by)
	}
	o.ByHash, o.IncomingSQL = by == "hash", incoming == "sql"
	var err error
	if conflict == "" && x.Manifest != "" {
		m, err := x.LoadManifest()
		if err != nil {
			return err
		}
		conflict = m.SyncPolicy.ConflictStrategy
	}
	if o.Conflict, err = diff.ParseStrategy(conflict, incoming); err != nil {
		return err
	}
	if o.Shard, err = diff.ParseShard(shard); err != nil {
		return err
	}
	if o.Reject, err = x.RejectFunc(); err != nil {
		return err
	}
	o.MaxLine, o.FlushEach, o.Log = x.MaxLine, x.FlushEach(), x.Logger()
	return nil
}

// input opens the envelopes: FILE, else stdin (unless --against - takes it).
func input(x *cli.Env, against string) (io.Reader, func() error, error) {
	switch args := x.Args(); {
	case len(args) > 1:
		return nil, nil, xr.Usagef("want at most one input FILE, got %d arguments", len(args))
	case len(args) == 1:
		f, err := os.Open(args[0])
		if err != nil {
			return nil, nil, err
		}
		return x.InputFrom(f), f.Close, nil
	case against == "-":
		return nil, nil, xr.Usagef("--against - reads the index from stdin: give the envelopes as a FILE argument")
	}
	return x.Input(), func() error { return nil }, nil
}
