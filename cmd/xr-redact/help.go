package main

const help = `usage: xr-redact [-m manifest.json] [--header NAME]... [--pattern REGEX]... [--no-defaults] < in.ndjson > out.ndjson
       xr-redact --check [--json] [FILE|DIR|ARCHIVE|-]...

Replaces secrets in each envelope's request, response and (string)
natural_key by "[REDACTED]": sensitive header values (authorization, cookie, x-api-key, … plus the
manifest's redaction_policy.headers_to_redact and --header); the value of
every secret-naming name (password, client_secret, api_key, token, …) in
every form it takes: JSON key, name=value or name: value in logs, YAML,
.env and code, URL and form parameter, connection-string keyword, header,
XML element and attribute, HTML control; credentials found by their shape
(about 140 formats: JWTs, AWS/GCP/Azure keys, PEM private keys, GitHub,
GitLab, Slack, Stripe, OpenAI, Anthropic and many more, bearer and basic
credentials, URL passwords); vendor keys without a prefix under a name
that mentions the vendor (DATADOG_APP_KEY=…); high-entropy values under
secret-ish names (bot_token, smtp_pass); and the manifest's patterns and
--pattern (Go regular expressions; a capture group, if any, is what gets
replaced).

Only the secret is replaced. A record where a rule fired gets the rule ids
added to redactions_applied and its content_sha256 removed (the old hash
no longer matches): run xr-hash after xr-redact. Records where nothing
fired pass through byte for byte. Rule ids are listed in docs/redact.md.

--check writes no records: it lists the file, line, exchange_id, JSON
Pointer and rule id of every secret (never the secret) on stderr, or with
--json as NDJSON on stdout, and exits 4 if any. It reads stdin, or each
FILE (NDJSON), pack folder DIR (chunk by chunk, with the pack's own
policy unless -m) and pack ARCHIVE (zip, tar.zst, encrypted: the
passphrase from --passphrase-file or SNAPSHOT_ENCRYPTION_KEY) named.

Example:
  xr-pack cat pages | xr-canon | xr-redact -m pages/manifest.json | xr-hash > clean.ndjson
  xr-redact --check --json pages records.ndjson > findings.ndjson || test $? -eq 4`
