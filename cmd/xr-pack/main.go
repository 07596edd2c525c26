// Command xr-pack manages snapshot packs: init, write, cat, index, verify,
// redact, secrets, locate, archive and extract. See docs/pack.md.
package main

import "github.com/xr-lake/xr/pkg/cli"

func main() { cli.Main(command) }

var command = &cli.Command{Name: "xr-pack", Summary: "create, fill, read, check and archive snapshot packs", Help: `usage: xr-pack COMMAND [flags] [DIR | FILE]

Manages snapshot packs: a dataset's folder of manifest.json, index.jsonl and
records/YYYY/YYYY-MM-DD/chunk-NNNN.ndjson (see docs/pack.md). The pack a
command works on is its argument (or -m DIR/manifest.json); what a command
creates is named by --out.

Example:
  xr-pack init --name my-pages --source wookieepedia --entity page --out snaps
  xr-canon < records.ndjson | xr-hash | xr-pack write snaps/my-pages
  xr-pack verify snaps/my-pages`,
	Sub: []*cli.Command{initCmd, writeCmd, catCmd, indexCmd, verifyCmd, redactCmd, secretsCmd, locateCmd, archiveCmd, extractCmd, reportCmd}}
