package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/xr-lake/xr/internal/scripttest"
	"github.com/xr-lake/xr/pkg/sqlstore"
)

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
	testscript.Run(t, scripttest.Params(t, nil))
}
