package envelope

import (
	"testing"
	"time"
)

// TestFastTime: the allocation-free path agrees with ParseTime and leaves
// other forms to it; ParseUnixNano gives the same either way.
func TestFastTime(t *testing.T) {
	for _, s := range []string{
		"2026-01-15T10:30:00+00:00", "2026-01-15T10:30:00Z", "2026-01-15T10:30:00.5Z",
		"2026-01-15T10:30:00.123456789123-05:30", "1969-12-31T23:59:59.999999+14:00", "2024-02-29T00:00:00Z",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0000-02-29T12:00:00Z", "0000-01-01T00:00:00+01:00", "2000-02-29T00:00:00Z",
		// the ends of the int64 nanosecond range, where UnixNano clamps
		"1677-09-21T00:12:43.145224192Z", "1677-09-21T00:12:43.145224191Z", "1677-09-21T00:12:44Z", "1677-09-21T01:12:43.145224192+01:00",
		"2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775808Z", "2262-04-11T23:47:15Z", "2262-04-11T22:47:16.854775808-01:00",
	} {
		got, ok := fastTime([]byte(s))
		want, err := ParseTime(s)
		if !ok || err != nil || got != UnixNano(want) {
			t.Errorf("%s: fast %d %v, ParseTime %v %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"2026-01-15 10:30:00Z", "2026-01-15T10:30Z", "2026-02-30T00:00:00Z", "2026-01-15T10:30:00+0000", "2026-01-15T10:30:00", "2026-01-15T10:30:00.Z", "2026-01-15T25:30:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z"} {
		if _, ok := fastTime([]byte(s)); ok {
			t.Errorf("%s: fast path took it", s)
		}
		want, werr := ParseTime(s)
		got, err := ParseUnixNano([]byte(s))
		if (werr == nil) != (err == nil) || err == nil && got != UnixNano(want) {
			t.Errorf("%s: ParseUnixNano %d %v, ParseTime %v %v", s, got, err, want, werr)
		}
	}
	if UnixNano(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)) <= UnixNano(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("clamping broke the order")
	}
}

// FuzzFastTime: whatever the fast path takes, ParseTime takes too, at the
// same instant.
func FuzzFastTime(f *testing.F) {
	for _, s := range []string{"2026-01-15T10:30:00+00:00", "2026-01-15T10:30:00.123456789123-05:30", "2024-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2026-01-15T10:30:00.Z", "1969-12-31T23:59:59.999999+14:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := fastTime([]byte(s))
		if !ok {
			return
		}
		want, err := ParseTime(s)
		if err != nil || got != UnixNano(want) {
			t.Fatalf("%q: fast path %d, ParseTime %v %v", s, got, want, err)
		}
	})
}
