package diff

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAppendConflict: a conflicts-log line is JSON with the documented
// members in order, whatever bytes its strings hold (xr-sqlload logs the
// hash a table holds, which nothing has validated).
func TestAppendConflict(t *testing.T) {
	c := &Conflict{Key: "s|e|k", Line: 3, IncomingH: "aa", IncomingT: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), IncomingID: "id1",
		ExistingH: "bb", ExistingFrom: "pack", ExistingID: "id1", ExistingAt: "D/records/c.ndjson:7", Strategy: "fail", Resolution: "fail"}
	want := `{"k":"s|e|k","line":3,"incoming_h":"aa","incoming_t":"2026-01-02T03:04:05Z","incoming_id":"id1","existing_h":"bb","existing_t":null,` +
		`"existing_from":"pack","existing_id":"id1","existing_at":"D/records/c.ndjson:7","strategy":"fail","resolution":"fail"}` + "\n"
	if got := string(AppendConflict(nil, c)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	c = &Conflict{Key: "s|e|k", IncomingH: "\x00\xff", ExistingH: "\x7f\"\\", ExistingFrom: "table", Strategy: "prefer_newest", Resolution: "existing"}
	var back map[string]any
	if err := json.Unmarshal(AppendConflict(nil, c), &back); err != nil || back["existing_h"] != "\x7f\"\\" {
		t.Errorf("odd bytes in a hash: %v, %q", err, back["existing_h"])
	}
}

// TestParseConflict: ParseConflict reads back what AppendConflict writes,
// member for member, and refuses a line that is not a conflict.
func TestParseConflict(t *testing.T) {
	for _, c := range []*Conflict{
		{Key: "s|e|k", Line: 3, IncomingH: "aa", IncomingT: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), IncomingID: "id1",
			ExistingH: "bb", ExistingFrom: "pack", ExistingID: "id1", ExistingAt: "D/records/c.ndjson:7", Strategy: "fail", Resolution: "fail"},
		{Key: "a|b|\"q\" é", ExistingH: "cc", ExistingT: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), ExistingFrom: "table",
			Strategy: "prefer_newest", Resolution: "existing"},
	} {
		line := AppendConflict(nil, c)
		back, err := ParseConflict(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if again := AppendConflict(nil, &back); string(again) != string(line) {
			t.Errorf("round trip:\n got %s\nwant %s", again, line)
		}
	}
	for _, bad := range []string{`{"line":1}`, `[1]`, `{"k":"a|b|c","resolution":"incoming","incoming_t":"yesterday"}`} {
		if _, err := ParseConflict([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
