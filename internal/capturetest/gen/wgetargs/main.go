// Command wgetargs prints capturetest.WgetArgs(BASE, PREFIX), one a line,
// so that scripts/capture-fixtures runs wget exactly as the live test does.
package main

import (
	"fmt"
	"os"

	"github.com/xr-lake/xr/internal/capturetest"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: wgetargs BASE-URL PREFIX")
		os.Exit(2)
	}
	for _, a := range capturetest.WgetArgs(os.Args[1], os.Args[2]) {
		fmt.Println(a)
	}
}
