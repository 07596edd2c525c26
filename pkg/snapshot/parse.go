package snapshot

import "github.com/xr-lake/xr/pkg/envelope"

// parseRecord parses one envelope line into rec, reusing rec's storage.
// A record's request and response are most of its bytes, and verifying
// its content_sha256 reads them completely and validates them as strictly
// as the envelope parser would (stricter: lone surrogates fail), so they
// are only delimited here (envelope.ParseDeferred). The caller must verify
// the hash before trusting the record.
func parseRecord(rec *envelope.Record, line []byte) error {
	*rec = envelope.Record{Extra: rec.Extra[:0]}
	return envelope.ParseDeferred(rec, line)
}

// parseChunkLine parses one chunk line into rec completely (the payloads
// validated as JSON, as redact's walk and the filters need them), reusing
// rec's storage; the required string fields may be missing, the caller
// checks what it needs.
func parseChunkLine(rec *envelope.Record, line []byte) error {
	*rec = envelope.Record{Extra: rec.Extra[:0]}
	return envelope.Parse(rec, line, true)
}
