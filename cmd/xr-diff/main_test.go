package main

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/xr-lake/xr/internal/scripttest"
)

var update = flag.Bool("update", false, "update testscript files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"xr-diff": main})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script", Cmds: scripttest.Cmds, RequireExplicitExec: true, UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			td, err := filepath.Abs("testdata")
			env.Setenv("TESTDATA", td)
			return err
		},
	})
}
