package cli

import (
	"os/signal"
	"syscall"
)

// Every xr command imports cli, and some write to stdout before they call
// SignalContext (-h, --version, xr-sqlload --ddl). With SIGPIPE at its
// default, the Go runtime kills a process whose write to a closed stdout
// fails (status 141, so `xr-canon -h | head -n1` "failed"). Ignoring it from
// the start makes every such write return EPIPE instead, which the commands
// already end on quietly with status 0.
func init() {
	signal.Ignore(syscall.SIGPIPE)
}
