package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/xr"
)

// `xr-canon -h | head -n1`, `xr-sqlload --ddl | true`: output written
// before a command's work must not kill it with SIGPIPE (141);
// a closed stdout ends every command quietly with status 0.
func TestHelpToClosedStdout(t *testing.T) {
	if os.Getenv("XR_CLI_SIGPIPE_CHILD") == "1" {
		cmd := &Command{Name: "xr-x", Help: "usage: xr-x\n\n" + strings.Repeat("Example:\n  xr-x < a\n", 2000),
			Run: func(x *Env) (*xr.Stats, error) { return nil, x.Parse() }}
		os.Exit(cmd.Exec(context.Background(), []string{"-h"}, os.Stdin, os.Stdout, os.Stderr))
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before anything is written
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelpToClosedStdout$")
	cmd.Env = append(os.Environ(), "XR_CLI_SIGPIPE_CHILD=1")
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	var ee *exec.ExitError
	if errors.As(err, &ee) || err != nil {
		t.Fatalf("-h into a closed pipe: %v (want exit 0); stderr %q", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Fatalf("-h into a closed pipe wrote to stderr: %q", stderr.String())
	}
}
