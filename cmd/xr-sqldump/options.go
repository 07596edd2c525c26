package main

import (
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/sqlstore"
	"github.com/xr-lake/xr/pkg/xr"
)

// options fills o's time bounds, manifest and --scope-of scopes.
func options(x *cli.Env, o *sqlstore.DumpOptions, since, until, scopeOf string) error {
	var err error
	if o.Filter.Since, err = cli.ParseTimeBound("since", since); err != nil {
		return err
	}
	if o.Filter.Until, err = cli.ParseTimeBound("until", until); err != nil {
		return err
	}
	if o.Manifest, err = x.LoadManifest(); err != nil {
		return err
	}
	if scopeOf == "" {
		return nil
	}
	if o.Filter.Source != "" || o.Filter.Entity != "" {
		return xr.Usagef("--scope-of replaces --source and --entity: give one or the other")
	}
	f, err := os.Open(scopeOf)
	if err != nil {
		return fmt.Errorf("--scope-of: %w", err)
	}
	defer f.Close()
	o.Scopes, o.AllScopes, err = sqlstore.ScopesOf(x.Ctx, f, scopeOf, x.MaxLine)
	if err != nil {
		return fmt.Errorf("--scope-of: %w", err)
	}
	o.ByScopes = true
	return nil
}
