package cli

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimeBound(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-01-15":                time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
		"2026-01-15T12:00:00+02:00": time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC),
		"":                          {},
	} {
		got, err := ParseTimeBound("since", in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTimeBound(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseTimeBound("until", "yesterday"); err == nil || ExitCode(err) != ExitUsage || !strings.HasPrefix(err.Error(), "--until: ") {
		t.Errorf("a bad bound: %v", err)
	}
}
