package main

import (
	"flag"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/xr-lake/xr/internal/scripttest"
)

var update = flag.Bool("update", false, "update testscript files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"xr-canon": main})
}

func TestScripts(t *testing.T) {
	// the scripts pipe into xr-hash too: build it for them
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", bin, "../xr-hash").CombinedOutput(); err != nil {
		t.Fatalf("building xr-hash: %v\n%s", err, out)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script", Cmds: scripttest.Cmds, RequireExplicitExec: true, UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", bin+string(filepath.ListSeparator)+env.Getenv("PATH"))
			td, err := filepath.Abs("testdata")
			env.Setenv("TESTDATA", td)
			return err
		},
	})
}
