package main

import (
	"fmt"
	"strings"

	"github.com/xr-lake/xr/pkg/capture"
)

// help is xr-canon's -h text; {{formats}} stands for the list of --from's
// formats (formatList).
const help = `usage: xr-canon [flags] < in.ndjson > out.ndjson
       xr-canon --wrap --type T --source S --entity E [--key-at POINTER] [--observed-at POINTER] < docs.ndjson
       xr-canon --from FORMAT [flags] [FILE...] > out.ndjson

Validates envelopes and writes them well-formed: exchange_id (a new UUID),
observed_at_utc (now), schema_version (1), tags and redactions_applied ([])
filled when missing; observed_at_utc normalized to UTC with 'Z'; fields in
xr's order; no insignificant whitespace. With --wrap each input line is a raw
JSON document (a captured API response) that becomes the response of a new
envelope, with provenance filled (runner, host, git SHA, xr version).
With --from each entry of a capture file (stdin, or each FILE in turn)
becomes a new envelope, provenance.capture naming the file and the entry's
position in it (docs/capture.md). Formats:
{{formats}}
Input compressed with gzip or zstd is decompressed as it is read.

Example:
  xr-canon --wrap -m pages/manifest.json --key-at /title < captured.ndjson \
    | xr-redact -m pages/manifest.json | xr-hash | xr-pack write pages
  xr-canon --from har -m pages/manifest.json session.har \
    | xr-redact -m pages/manifest.json | xr-hash | xr-pack write pages`

// formatList is the list of --from's formats for -h.
func formatList() string {
	var b strings.Builder
	for _, n := range capture.Names() {
		f, _ := capture.Lookup(n)
		fmt.Fprintf(&b, "  %-10s %s\n", n, f.Doc)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
