#!/bin/sh
# examples/build.sh: (re)build the example packs in examples/snapshots from
# the deterministic captures of examples/gen: canonicalized and hashed, but
# not redacted (the secrets in some headers are what the demo's import
# redacts). Needs the xr binaries on PATH (make examples does that).
set -eu
cd "$(dirname "$0")/.."
rm -rf examples/snapshots
mkdir -p examples/snapshots
mk() { # name type source entity description
	xr-pack init --name "$1" --type "$2" --source "$3" --entity "$4" --description "$5" --owner xr-examples --out examples/snapshots
	go run ./examples/gen "$1" | xr-canon | xr-hash | xr-pack write "examples/snapshots/$1"
}
mk wookieepedia-pages mediawiki wookieepedia page "Wookieepedia page snapshots (example)"
mk openalex-works openalex openalex work "OpenAlex works by DOI (example)"
mk local-llm-completions llm local_llm completion "Local LLM completions, no natural key (example)"
rm -f examples/snapshots/*/.xr-pack.lock
