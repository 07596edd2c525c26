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
	# written with the redaction policy off (xr-pack write would apply it),
	# then switched on: the packs hold secrets for the readers to report
	m=examples/snapshots/$1/manifest.json
	policy "$m" true false
	go run ./examples/gen "$1" | xr-canon | xr-hash | xr-pack write "examples/snapshots/$1"
	policy "$m" false true
	rm -f "examples/snapshots/$1/.xr-pack.secrets"
}
policy() { # manifest from to: redaction_policy.enabled (the first "enabled")
	sed "0,/\"enabled\": $2/s//\"enabled\": $3/" "$1" > "$1.tmp" && mv "$1.tmp" "$1"
}
mk wookieepedia-pages mediawiki wookieepedia page "Wookieepedia page snapshots (example)"
mk openalex-works openalex openalex work "OpenAlex works by DOI (example)"
mk local-llm-completions llm local_llm completion "Local LLM completions, no natural key (example)"
rm -f examples/snapshots/*/.xr-pack.lock
# fixed manifest times, so that a rebuild gives the same bytes
for m in examples/snapshots/*/manifest.json; do
	sed 's/"\(created_at\|updated_at\)": "[^"]*"/"\1": "2024-01-20T00:00:00.000000+00:00"/' "$m" > "$m.tmp" && mv "$m.tmp" "$m"
done

# a small sample of raw captures (no hash yet, secrets still in), for the
# README's first pipeline: xr-canon < examples/records.ndjson | xr-hash
for d in wookieepedia-pages openalex-works local-llm-completions; do
	go run ./examples/gen "$d" > "examples/.raw-$d.ndjson"
done
{
	sed -n 1,12p examples/.raw-wookieepedia-pages.ndjson
	sed -n 1,4p examples/.raw-openalex-works.ndjson
	sed -n 1,4p examples/.raw-local-llm-completions.ndjson
} > examples/records.ndjson
rm -f examples/.raw-*.ndjson
