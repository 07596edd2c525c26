// Command xr-pack manages snapshot packs: init, write, cat, index, verify,
// redact, secrets, locate, archive and extract. See docs/pack.md.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/xr-lake/xr/pkg/cli"
)

const usageText = `usage: xr-pack COMMAND [flags] [DIR]

Commands:
  init     create a pack:            xr-pack init --name N --source S --entity E --out DIR
  write    append envelopes (stdin):  xr-hash < in.ndjson | xr-pack write DIR/N
  cat      stream the records:        xr-pack cat DIR/N | xr-canon | xr-sqlload -m DIR/N/manifest.json
  index    print or rebuild the index: xr-pack index [--rebuild] DIR/N
  verify   check a pack (or an archive file): xr-pack verify DIR/N
  redact   scrub the secrets of a pack in place, per its manifest: xr-pack redact DIR/N
  secrets  count the records holding secrets its policy removes: xr-pack secrets DIR/N
  locate   name a record's chunk file and line: xr-pack locate --id ID DIR/N
  archive  write a pack archive:      xr-pack archive DIR/N --out FILE
  extract  unpack an archive:         xr-pack extract --in FILE --out DIR

Run 'xr-pack COMMAND -h' for a command's flags.
`

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := cli.SignalContext()
	defer stop()
	return dispatch(ctx, os.Args[1:])
}

func dispatch(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usageText)
		return cli.ExitUsage
	}
	var h func(context.Context, []string) int
	switch args[0] {
	case "init":
		h = runInit
	case "write":
		h = runWrite
	case "cat":
		h = runCat
	case "index":
		h = runIndex
	case "verify":
		if isFileArg(args[1:]) {
			h = runVerifyArchive
		} else {
			h = runVerify
		}
	case "redact":
		h = runRedact
	case "secrets":
		h = runSecrets
	case "locate":
		h = runLocate
	case "archive":
		h = runArchive
	case "extract":
		h = runExtract
	case "-h", "--help", "-help", "help":
		fmt.Fprint(os.Stdout, usageText+"\n"+cli.ExitCodesHelp+"\n")
		return cli.ExitOK
	case "--version", "-version":
		fmt.Fprintf(os.Stdout, "xr-pack %s\n", cli.VersionString())
		return cli.ExitOK
	default:
		fmt.Fprintf(os.Stderr, "xr-pack: unknown command %q\n", args[0])
		fmt.Fprint(os.Stderr, usageText)
		return cli.ExitUsage
	}
	return h(ctx, args[1:])
}
