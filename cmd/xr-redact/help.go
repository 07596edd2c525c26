package main

const help = `usage: xr-redact [-m manifest.json] [--header NAME]... [--pattern REGEX]... [--no-defaults] [--check] < in.ndjson > out.ndjson

Replaces secrets in each envelope's request and response by "[REDACTED]":
sensitive header values (authorization, cookie, x-api-key, … plus the
manifest's redaction_policy.headers_to_redact and --header), values of
secret-naming keys (password, client_secret, api_key, token, …), URL query
and form parameters and URL passwords, credentials found by their shape
(JWTs, AWS keys, PEM private keys, GitHub/GitLab/Slack/Stripe/Google/OpenAI/
Anthropic keys, bearer and basic credentials, password= assignments,
connection-string passwords) and the manifest's patterns and --pattern (Go
regular expressions; a capture group, if any, is what gets replaced).

Only the secret is replaced. A record where a rule fired gets the rule ids
added to redactions_applied and its content_sha256 removed (the old hash
no longer matches): run xr-hash after xr-redact. Records where nothing
fired pass through byte for byte. Rule ids are listed in docs/redact.md.

--check writes nothing to stdout: it lists line, exchange_id, JSON Pointer
and rule id of every secret on stderr (never the secret) and exits 4 if any.

Example:
  xr-pack cat pack | xr-canon | xr-redact -m pack/manifest.json | xr-hash > clean.ndjson
  xr-pack cat pack | xr-redact --check`
