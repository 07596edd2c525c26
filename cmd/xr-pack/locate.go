package main

import (
	"fmt"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

var locateCmd = &cli.Command{Name: "locate", Summary: "name a record's chunk file and line: xr-pack locate --id ID DIR",
	Help: locateUsage, Common: cli.Manifest, Exits: interrupted, Run: runLocate}

func runLocate(x *cli.Env) (*xr.Stats, error) {
	var id string
	x.Flags.String(&id, "id", "ID", "the record's exchange_id")
	dir, err := parsePack(x)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, xr.Usagef("--id is required")
	}
	p, ok, err := snapshot.Locate(x.Ctx, dir, snapshot.ByID(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: no record with exchange_id %s", dir, id)
	}
	_, err = fmt.Fprintln(x.Stdout, p.In(dir))
	return nil, err
}
