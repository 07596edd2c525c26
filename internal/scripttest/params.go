package scripttest

import (
	"errors"
	"flag"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// Update rewrites the scripts' expected output: go test ./cmd/... -update.
var Update = flag.Bool("update", false, "update testscript files")

// TestCmd is a custom script command.
type TestCmd = func(ts *testscript.TestScript, neg bool, args []string)

// Params are the settings every command's script test shares: scripts in
// testdata/script, the shared commands (Cmds) plus extra, explicit exec,
// -update, $TESTDATA naming the package's testdata folder and $SHARED the
// repository's (the fixtures several packages use), and on PATH the
// other xr commands named in others (built from ../NAME), for scripts that
// pipe into them.
func Params(t *testing.T, extra map[string]TestCmd, others ...string) testscript.Params {
	cmds := map[string]TestCmd{}
	for k, v := range Cmds {
		cmds[k] = v
	}
	for k, v := range extra {
		cmds[k] = v
	}
	bin := ""
	if len(others) > 0 {
		bin = t.TempDir()
		for _, name := range others {
			if out, err := exec.Command("go", "build", "-o", bin, "../"+name).CombinedOutput(); err != nil {
				t.Fatalf("building %s: %v\n%s", name, err, out)
			}
		}
	}
	return testscript.Params{
		Dir: "testdata/script", Cmds: cmds, RequireExplicitExec: true, UpdateScripts: *Update,
		Setup: func(env *testscript.Env) error {
			if bin != "" {
				env.Setenv("PATH", bin+string(filepath.ListSeparator)+env.Getenv("PATH"))
			}
			td, err := filepath.Abs("testdata")
			env.Setenv("TESTDATA", td)
			shared, serr := filepath.Abs(filepath.Join("..", "..", "testdata"))
			env.Setenv("SHARED", shared)
			return errors.Join(err, serr)
		},
	}
}
