package xr

import "testing"

func TestStats(t *testing.T) {
	s := NewStats("read", "written")
	s.Inc("read")
	s.Add("bad_lines", 2)
	s.Inc("read")
	if got := s.Summary(); got != "2 read, 0 written, 2 bad lines" {
		t.Fatalf("Summary = %q", got)
	}
	if got := string(s.JSON()); got != `{"read":2,"written":0,"bad_lines":2}` {
		t.Fatalf("JSON = %s", got)
	}
	var nilStats *Stats
	if nilStats.Get("x") != 0 || nilStats.Summary() != "" || string(nilStats.JSON()) != "{}" {
		t.Fatal("a nil *Stats must read as empty")
	}
}

// TestParseStats: ParseStats reads back what JSON writes, counters in order,
// and refuses anything else.
func TestParseStats(t *testing.T) {
	s := NewStats("read", "written")
	s.Add("rule:url:query:api_key", 7)
	s.Add("big", 1<<40)
	back, err := ParseStats(s.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if string(back.JSON()) != string(s.JSON()) {
		t.Fatalf("round trip: %s, want %s", back.JSON(), s.JSON())
	}
	if b, err := ParseStats([]byte(" {}\n")); err != nil || len(b.Names()) != 0 {
		t.Fatalf("empty object: %v %v", b, err)
	}
	for _, bad := range []string{``, `[]`, `{"a":"1"}`, `{"a":1.5}`, `{"a":1`, `{"a":1}{}`, `{"a":{}}`} {
		if _, err := ParseStats([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}
