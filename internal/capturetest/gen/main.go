// Command gen serves the capture test site (internal/capturetest) on
// 127.0.0.1, for scripts/capture-fixtures: it prints the site's base URL
// on stdout and serves until stdin closes.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/xr-lake/xr/internal/capturetest"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", l.Addr())
	go http.Serve(l, capturetest.Handler())
	io.Copy(io.Discard, os.Stdin)
}
