// Package snapshottest makes hashed envelopes for the tests of snapshot
// packs (pkg/snapshot, cmd/xr-pack).
package snapshottest

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
)

// Spec describes a run of generated records.
type Spec struct {
	Seed   string        // varies ids and content between runs
	Start  time.Time     // observed_at of the first record
	Step   time.Duration // between records
	Keys   int           // natural keys cycle through this many (0: 10)
	Source string        // source_system (default "wookieepedia")
	Entity string        // entity_type (default "page")
	Pad    int           // extra payload bytes per record
	// Secrets gives two records in three an Authorization header and a
	// token in the URL (what a redaction policy removes).
	Secrets bool
}

// Line returns record i of the run as one envelope line (without its
// line end) carrying a correct content_sha256.
func (s Spec) Line(i int) []byte {
	if s.Keys <= 0 {
		s.Keys = 10
	}
	if s.Source == "" {
		s.Source = "wookieepedia"
	}
	if s.Entity == "" {
		s.Entity = "page"
	}
	if s.Step == 0 {
		s.Step = time.Hour
	}
	if s.Start.IsZero() {
		s.Start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", s.Seed, i)))
	id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	t := s.Start.Add(time.Duration(i) * s.Step)
	secret := ""
	if s.Secrets && i%3 != 0 {
		secret = fmt.Sprintf(`&access_token=tok%x","headers":{"Authorization":"Bearer sekrit-%x"},"note":"`, sum[16:24], sum[24:32])
	}
	line := fmt.Sprintf(`{"exchange_id":%q,"exchange_type":"http","source_system":%q,"entity_type":%q,"natural_key":"key-%d",`+
		`"request":{"url":"https://example.test/api?page=%d`+secret+`","method":"GET"},"response":{"seed":%q,"n":%d,"score":%d.5,"text":"été %s"},`+
		`"observed_at_utc":%q,"schema_version":1,"tags":["test"],"redactions_applied":[]}`,
		id, s.Source, s.Entity, i%s.Keys, i, s.Seed, i, i, strings.Repeat("x", s.Pad+i%7),
		envelope.FormatTime(t))
	var rec envelope.Record
	if err := envelope.Parse(&rec, []byte(line), false); err != nil {
		panic(err)
	}
	h, err := contenthash.Sum(&rec)
	if err != nil {
		panic(err)
	}
	rec.SetString(envelope.ContentSHA256, h)
	return envelope.Append(nil, &rec)
}

// NDJSON returns records from..to-1 of the run, one per line.
func (s Spec) NDJSON(from, to int) []byte {
	var b []byte
	for i := from; i < to; i++ {
		b = append(append(b, s.Line(i)...), '\n')
	}
	return b
}
