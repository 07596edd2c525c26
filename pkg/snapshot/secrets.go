package snapshot

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/redact"
)

// packRedactor compiles the redaction policy of the pack's manifest: the
// same rules xr-redact -m applies. It returns nil when the policy is off.
func packRedactor(dir string) (*redact.Redactor, error) {
	m, err := manifest.Load(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	if !m.RedactionPolicy.Enabled {
		return nil, nil
	}
	r, err := redact.New(redact.Options{Policy: &m.RedactionPolicy})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return r, nil
}

// redactItem applies r to w.rec (parsed, its hash verified) as
// `xr-redact -m | xr-hash` would: when a rule fires, it.line becomes the
// redacted record with its new content_sha256, it.rules the rule ids that
// fired, and it.e and it.h describe the redacted record. Nothing changes
// when no rule fires.
func redactItem(r *redact.Redactor, w *worker, it *item) error {
	if r == nil {
		return nil
	}
	if w.scrub == nil {
		w.scrub = r.NewScrubber()
	}
	ids := w.scrub.Record(&w.rec)
	if ids == nil {
		return nil
	}
	sum, err := w.hash.Sum(&w.rec)
	if err != nil {
		return err
	}
	w.rec.SetString(envelope.ContentSHA256, sum)
	it.line = envelope.Append(nil, &w.rec)
	it.rules = slices.Clone(ids)
	e := EntryFor(&w.rec, "")
	it.e.Hash = e.Hash
	decodeHash(&it.h, e.Hash)
	return nil
}

// SecretsNotice is the one line every reader of a pack prints when the
// pack holds records that its redaction policy would change.
func SecretsNotice(dir string, n int64) string {
	return fmt.Sprintf("%s: %d records hold secrets that the pack's redaction policy removes; scrub them with: xr-pack redact %s", dir, n, dir)
}
