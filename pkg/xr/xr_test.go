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
