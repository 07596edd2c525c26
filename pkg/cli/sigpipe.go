package cli

import (
	"os/signal"
	"syscall"
)

// Every xr command imports cli. With SIGPIPE at its default, the Go runtime
// kills a process whose write to a closed stdout fails (status 141, so
// `xr-canon -h | head -n1` "failed"). Ignoring it from the start makes every
// such write return EPIPE instead, which the commands end on quietly with
// status 0 (ExitCode). Exec's signal context names SIGINT and SIGTERM
// only: catching every signal would catch SIGPIPE too.
func init() {
	signal.Ignore(syscall.SIGPIPE)
}
