package normalize

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, in string, o Options) (string, error) {
	t.Helper()
	o.Now = func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 500, time.UTC) }
	var out bytes.Buffer
	_, err := Run(context.Background(), strings.NewReader(in), &out, o)
	return out.String(), err
}

func TestFill(t *testing.T) {
	out, err := run(t, `{"exchange_type":"http","source_system":"s","entity_type":"e","observed_at_utc":"2026-01-15T10:30:00.5-05:00","response":{ "a" : [1, 2] },"content_sha256":null}`+"\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"natural_key":null,"request":null,"response":{"a":[1,2]},"observed_at_utc":"2026-01-15T15:30:00.5Z","schema_version":1,"tags":[],"redactions_applied":[]}`} {
		if !strings.Contains(out, want) {
			t.Fatalf("output %s\nlacks %s", out, want)
		}
	}
	if strings.Contains(out, "content_sha256") {
		t.Fatalf("a null content_sha256 must be removed: %s", out)
	}
	out, _ = run(t, `{"exchange_type":"h","source_system":"s","entity_type":"e"}`+"\n", Options{})
	if !strings.Contains(out, `"observed_at_utc":"2026-11-29T12:00:00.0000005Z"`) {
		t.Fatalf("a missing time must be now, in UTC: %s", out)
	}
}

func TestWrap(t *testing.T) {
	o := Options{Wrap: true, ExchangeType: "http", SourceSystem: "s", EntityType: "e", KeyPointer: "/k",
		Provenance: Provenance{RunnerName: "xr-canon", Host: "h", ConnectorVersion: "1"}}
	out, err := run(t, `{"k":"K1","v":1}`+"\n"+`{"k":7}`+"\n", o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"natural_key":"K1","request":null,"response":{"k":"K1","v":1}`) ||
		!strings.Contains(out, `"natural_key":7,`) ||
		!strings.Contains(out, `"provenance":{"runner_name":"xr-canon","host":"h","git_sha":null,"connector_version":"1","capture":"jsonl:-:1"}`) {
		t.Fatalf("wrapped output:\n%s", out)
	}
	if _, err := run(t, `{"v":1}`+"\n", o); err == nil || !strings.Contains(err.Error(), "line 1: --key-at /k: no such value") {
		t.Fatalf("missing key: err = %v", err)
	}
	o.SourceSystem = ""
	if _, err := run(t, "{}\n", o); err == nil || !strings.Contains(err.Error(), "--source") {
		t.Fatalf("missing --source: err = %v", err)
	}
}
