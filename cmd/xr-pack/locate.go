package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

const locateUsage = `usage: xr-pack locate --id ID DIR

Prints where the pack DIR stores the record whose exchange_id is ID, as
DIR/records/…/chunk-NNNN.ndjson:LINE (the form editors and grep take), for
a message that names a record by its exchange_id: the index names the chunk
file, the chunk the line (a lagging index costs a scan of the chunks). A
pack without such a record is an error (exit 1). UUIDs compare without
regard to case.

Example:
  xr-pack locate --id 0e40b65a-84a6-42da-9ae0-5c11f37b1905 data/snapshots/pages
`

func runLocate(ctx context.Context, args []string) int {
	var id string
	return packCommand(args, "locate", locateUsage, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "the record's exchange_id")
	}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		if id == "" {
			return nil, xr.Usagef("--id is required")
		}
		p, ok, err := snapshot.Locate(ctx, dir, snapshot.ByID(id))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: no record with exchange_id %s", dir, id)
		}
		_, err = fmt.Fprintln(os.Stdout, p.In(dir))
		return nil, err
	})
}
