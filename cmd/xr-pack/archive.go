package main

import (
	"context"
	"fmt"
	"os"
)

// runArchive implements `xr-pack archive DIR --out FILE`.
func runArchive(ctx context.Context, args []string) int {
	_ = ctx
	fmt.Fprintln(os.Stderr, "xr-pack archive: not implemented yet")
	return 2
}

// runExtract implements `xr-pack extract --in FILE --out DIR`.
func runExtract(ctx context.Context, args []string) int {
	_ = ctx
	fmt.Fprintln(os.Stderr, "xr-pack extract: not implemented yet")
	return 2
}

// runVerifyArchive implements `xr-pack verify FILE` on an archive file.
func runVerifyArchive(ctx context.Context, args []string) int {
	_ = ctx
	fmt.Fprintln(os.Stderr, "xr-pack verify: not implemented yet")
	return 2
}
