package main

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/xr-lake/xr/internal/scripttest"
	"github.com/xr-lake/xr/pkg/sqlstore"
)

var update = flag.Bool("update", false, "update testscript files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"xr-sqlload": main, "sqldump": sqldump})
}

// sqldump DSN: the table's payload lines on stdout (test helper; the real
// xr-sqldump is tested in its own package).
func sqldump() {
	_, err := sqlstore.Dump(context.Background(), os.Stdout, sqlstore.DumpOptions{DB: os.Args[1]})
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Cmds: scripttest.Cmds, RequireExplicitExec: true, UpdateScripts: *update})
}
