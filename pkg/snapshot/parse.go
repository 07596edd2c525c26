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
