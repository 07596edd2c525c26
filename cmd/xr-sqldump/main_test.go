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
	testscript.Main(m, map[string]func(){"xr-sqldump": main, "sqlload": sqlload})
}

// sqlload DSN < in: fills the table (test helper; the real xr-sqlload is
// tested in its own package).
func sqlload() {
	_, err := sqlstore.Load(context.Background(), os.Stdin, sqlstore.LoadOptions{DB: os.Args[1]})
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Cmds: scripttest.Cmds, RequireExplicitExec: true, UpdateScripts: *update})
}
