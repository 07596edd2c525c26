package model_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/xr-lake/xr/internal/pgtest"
)

var (
	// binDir holds the commands built once for the whole test binary and
	// bin/xr-snapshot; shimDir an xr-sqlload wrapper that plays the
	// concurrent writer (see raceShim).
	binDir, shimDir string
	long            = flag.Bool("long", false, "run thousands of sequences (also XR_MODEL_LONG=1)")
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := 1
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "model:", err)
	} else {
		code = m.Run()
	}
	pgtest.Stop()
	if binDir != "" {
		os.RemoveAll(filepath.Dir(binDir))
	}
	os.Exit(code)
}

// setup builds ./cmd/... once into a temporary bin directory, links
// xr-snapshot beside the commands and writes the race shim.
func setup() error {
	tmp, err := os.MkdirTemp("", "xr-model-")
	if err != nil {
		return err
	}
	binDir = filepath.Join(tmp, "bin")
	shimDir = filepath.Join(tmp, "shim")
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	// XR_MODEL_BUILD_ROOT: test the commands of another checkout (a
	// branch in progress) against this model
	if r := os.Getenv("XR_MODEL_BUILD_ROOT"); r != "" {
		root = r
	}
	cmd := exec.Command("go", "build", "-o", binDir+"/", "./cmd/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/...: %v\n%s", err, out)
	}
	if err := os.Symlink(filepath.Join(root, "bin", "xr-snapshot"), filepath.Join(binDir, "xr-snapshot")); err != nil {
		return err
	}
	if err := os.MkdirAll(shimDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(shimDir, "xr-sqlload"), []byte(raceShim), 0o755); err != nil {
		return err
	}
	return nil
}

// raceShim stands in for xr-sqlload during a "race" step: before the
// import's load (the call writing the import.load stats) it lets another
// writer store $XR_MODEL_RACE_FILE in the table, between the index dump
// the plan was computed against and the load of that plan.
const raceShim = `#!/bin/sh
case "$*" in
*import.load*)
	if [ -n "${XR_MODEL_RACE_FILE:-}" ] && [ -f "$XR_MODEL_RACE_FILE" ]; then
		"$XR_MODEL_BIN/xr-sqlload" $XR_MODEL_RACE_ARGS <"$XR_MODEL_RACE_FILE" || exit 97
		rm -f "$XR_MODEL_RACE_FILE"
	fi
	;;
esac
exec "$XR_MODEL_BIN/xr-sqlload" "$@"
`
