// Package scripttest is the shared setup of xr's testscript tests: the
// custom commands every script may use.
package scripttest

import (
	"errors"
	"os/exec"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// Cmds are the custom script commands:
//
//	exitcode N cmd args...   run cmd and require exit status N
//	                         (testscript itself only knows zero and non-zero)
//	compress gzip|zstd SRC DST [CUT]
//	                         write SRC compressed to DST (cut to CUT bytes)
var Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exitcode": exitcode,
	"compress": compress,
}

func exitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: bad status %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		got = ee.ExitCode()
	default:
		// ts.Exec wraps the exit error's text; recover the status from it
		got = -1
		if s := err.Error(); len(s) > 12 && s[:12] == "exit status " {
			got, _ = strconv.Atoi(s[12:])
		}
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d (%v)", args[1], got, want, err)
	}
}
