package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestProgressLine: with a total the line tells percent, rate and ETA;
// without, what is done and how fast.
func TestProgressLine(t *testing.T) {
	s := progressState{name: "xr-canon", label: "xr-canon", elapsed: 2 * time.Second, reading: 2 * time.Second,
		total: 200e6, bytes: 50e6, records: 1234}
	want := "xr-canon: 25% 50.0 of 200.0 MB, 1234 records, 25.0 MB/s, ETA 0:06"
	if got := s.line(); got != want {
		t.Errorf("line:\n got %q\nwant %q", got, want)
	}
	s.total = 0
	want = "xr-canon: 50.0 MB, 1234 records, 25.0 MB/s"
	if got := s.line(); got != want {
		t.Errorf("line without total:\n got %q\nwant %q", got, want)
	}
	s.total, s.bytes, s.reading = 200e6, 0, 0
	if got := s.line(); !strings.HasSuffix(got, "ETA --:--") {
		t.Errorf("line before any rate: %q", got)
	}
	if got := clock(3*time.Hour + 2*time.Minute + 5*time.Second); got != "3:02:05" {
		t.Errorf("clock: %q", got)
	}
}

// TestProgressFitWidth: a frame never wraps (a wrapped line cannot be
// redrawn with \r).
func TestProgressFitWidth(t *testing.T) {
	if got := fitWidth("xr-snapshot import 1/4 été", 12); got != "xr-snapshot" {
		t.Errorf("fitWidth: %q", got)
	}
	if got := fitWidth("short", 80); got != "short" {
		t.Errorf("fitWidth: %q", got)
	}
}

// TestProgressJSON: a status line is one JSON object with restic's field
// names, and the percent only when the total is known.
func TestProgressJSON(t *testing.T) {
	s := progressState{name: "xr-pack cat", label: "xr-snapshot import 1/4 reading the pack", elapsed: 3 * time.Second,
		reading: 2 * time.Second, total: 100, bytes: 100, records: 3}
	var got map[string]any
	if err := json.Unmarshal(s.appendJSON(nil, true), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"message_type": "status", "command": "xr-pack cat", "label": "xr-snapshot import 1/4 reading the pack",
		"seconds_elapsed": 3.0, "bytes_done": 100.0, "records_done": 3.0, "bytes_per_second": 50.0,
		"total_bytes": 100.0, "percent_done": 1.0, "seconds_remaining": 0.0, "final": true}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields: %v", got)
	}
	s.total, s.label = 0, s.name
	got = nil
	if err := json.Unmarshal(s.appendJSON(nil, false), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"total_bytes", "percent_done", "seconds_remaining", "label"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s without a total: %v", k, got)
		}
	}
}
