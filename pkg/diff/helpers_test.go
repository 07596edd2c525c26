package diff

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/xr"
)

// digest makes a content hash from a label.
func digest(label string) string {
	s := sha256.Sum256([]byte(label))
	return hex.EncodeToString(s[:])
}

// rec is a test record: a natural key ("" = none), its hash label and an
// observed time ("" = none).
type rec struct {
	nk, label, t string
}

func (r rec) hash() string { return digest(r.nk + "/" + r.label) }

func (r rec) line() string {
	nk := "null"
	if r.nk != "" {
		nk = fmt.Sprintf("%q", r.nk)
	}
	t := ""
	if r.t != "" {
		t = fmt.Sprintf(`,"observed_at_utc":%q`, r.t)
	}
	return fmt.Sprintf(`{"exchange_type":"http","source_system":"src","entity_type":"page","natural_key":%s,"response":%q%s,"content_sha256":%q}`,
		nk, r.label, t, r.hash())
}

// indexLine writes r as an index line, in the reference's spaced form
// (with +00:00 times) or our compact one.
func (r rec) indexLine(reference bool) string {
	t := "null"
	if r.t != "" {
		t = fmt.Sprintf("%q", r.t)
		if reference {
			t = strings.Replace(t, "Z", "+00:00", 1)
		}
	}
	if reference {
		return fmt.Sprintf(`{"h": %q, "k": "src|page|%s", "id": "00000000-0000-0000-0000-000000000000", "t": %s, "f": "records/x.ndjson"}`, r.hash(), r.nk, t)
	}
	return fmt.Sprintf(`{"h":%q,"k":"src|page|%s","id":"00000000-0000-0000-0000-000000000000","t":%s}`, r.hash(), r.nk, t)
}

func lines(rs []rec, f func(rec) string) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(f(r))
		b.WriteByte('\n')
	}
	return b.String()
}

func inputOf(rs ...rec) string { return lines(rs, rec.line) }

func indexOf(rs ...rec) string { return lines(rs, func(r rec) string { return r.indexLine(false) }) }

// run runs the diff of input against index and returns stdout.
func run(t *testing.T, input, index string, o Options) (string, *xr.Stats, error) {
	t.Helper()
	var out bytes.Buffer
	o.Index = strings.NewReader(index)
	if o.Against == "" {
		o.Against = "index.jsonl"
	}
	if o.TempDir == "" {
		o.TempDir = t.TempDir()
	}
	st, err := Run(context.Background(), strings.NewReader(input), &out, o)
	return out.String(), st, err
}

// mustRun is run that fails the test on an error.
func mustRun(t *testing.T, input, index string, o Options) (string, *xr.Stats) {
	t.Helper()
	out, st, err := run(t, input, index, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out, st
}

// counts renders the counters that classify records.
func counts(st *xr.Stats) string {
	return fmt.Sprintf("new=%d changed=%d unchanged=%d emitted=%d dropped=%d in=%d ex=%d",
		st.Get("new"), st.Get("changed"), st.Get("unchanged"), st.Get("emitted"), st.Get("dropped"),
		st.Get("resolved_incoming"), st.Get("resolved_existing"))
}
