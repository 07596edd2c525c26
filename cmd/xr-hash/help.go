package main

const help = `usage: xr-hash [--rehash | --missing-only | --verify [--drop-bad --rejects FILE] | --canonical] < in.ndjson > out.ndjson

Sets content_sha256 on every envelope: the SHA-256 of the canonical JSON of
exchange_type, source_system, entity_type, natural_key, request and response,
byte for byte as the reference tool computes it. Run it after xr-redact.

A record without content_sha256 (or with an empty one: xr-redact clears the
hash of the records it changes) gets it computed. A record whose stored hash
does not match its content was changed after it was hashed (by hand, or by
tampering): it is refused as "line N: content_sha256 … does not match the
content" (exit 4), or goes to --rejects FILE. --rehash replaces such hashes
instead, counting them ("rehashed"): only for content changed on purpose.
--missing-only computes only the absent hashes ("computed") and passes the
records that carry one through unchecked: only behind a stage that verified
them, as xr-snapshot import runs it after xr-pack cat --verify and xr-redact.

--verify passes records through untouched and exits 4 if any stored hash is
missing or wrong, naming each bad line and exchange_id on stderr; with
--drop-bad those records go to --rejects instead of stdout. --canonical
writes each record's exact hash input instead, for debugging a mismatch.

Example:
  xr-pack cat pages | xr-canon | xr-hash --verify > /dev/null
  xr-canon < edited.ndjson | xr-hash --rehash > fixed.ndjson
  xr-hash --canonical < one.ndjson | jq .`
