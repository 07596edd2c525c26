package envelope

import "testing"

// TestNeedsParts: an index line carries its key's parts where the text
// "source|entity|natural_key" cannot tell them apart: a '|' in a part, or
// an empty natural key (whose text is that of a record without one).
func TestNeedsParts(t *testing.T) {
	for _, c := range []struct {
		p    KeyParts
		want bool
	}{
		{KeyParts{Source: "s", Entity: "e", Natural: "k", HasNatural: true}, false},
		{KeyParts{Source: "s", Entity: "e"}, false}, // no natural key: keyed by hash alone
		{KeyParts{Source: "s", Entity: "e", Natural: "", HasNatural: true}, true},
		{KeyParts{Source: "a|b", Entity: "c", Natural: "k", HasNatural: true}, true},
		{KeyParts{Source: "a", Entity: "b", Natural: "c|k", HasNatural: true}, true},
		{KeyParts{Source: "a|b", Entity: "c"}, true},
	} {
		if got := c.p.NeedsParts(); got != c.want {
			t.Errorf("%+v: NeedsParts %v, want %v", c.p, got, c.want)
		}
	}
}

// TestParseKeyParts: a "kp" is exactly [source, entity, natural_key or
// null]; anything else is refused, not read as some other key.
func TestParseKeyParts(t *testing.T) {
	for raw, want := range map[string]KeyParts{
		`["s","e","k"]`:          {Source: "s", Entity: "e", Natural: "k", HasNatural: true},
		`[ "a|b" , "c" , null ]`: {Source: "a|b", Entity: "c"},
		`["s","e",""]`:           {Source: "s", Entity: "e", HasNatural: true},
		`["s\u007c","e","k\""]`:  {Source: "s|", Entity: "e", Natural: `k"`, HasNatural: true},
	} {
		got, err := ParseKeyParts([]byte(raw))
		if err != nil || got != want {
			t.Errorf("%s: got %+v, %v; want %+v", raw, got, err, want)
		}
		if back, err := ParseKeyParts(got.AppendJSON(nil)); err != nil || back != got {
			t.Errorf("%s: AppendJSON does not read back: %+v, %v", raw, back, err)
		}
	}
	for _, raw := range []string{``, `null`, `[]`, `["s","e"]`, `["s","e",null,"k"]`, `["s","e","k","x"]`,
		`["s",null,"k"]`, `[null,"e","k"]`, `["s","e",1]`, `["s","e","k",]`, `["s","e","k"`, `{"s":"e"}`} {
		if p, err := ParseKeyParts([]byte(raw)); err == nil {
			t.Errorf("%s: accepted as %+v", raw, p)
		}
	}
}

func TestSplitKeyText(t *testing.T) {
	for k, want := range map[string][4]string{
		"s|e|k": {"s", "e", "k", "2"}, "s|e|": {"s", "e", "", "2"}, "||": {"", "", "", "2"},
		"a|b|c|k": {"", "", "", "3"}, "s|e": {"", "", "", "1"}, "": {"", "", "", "0"},
	} {
		s, e, n, pipes := SplitKeyText([]byte(k))
		if got := [4]string{string(s), string(e), string(n), string(rune('0' + pipes))}; got != want {
			t.Errorf("%q: got %q, want %q", k, got, want)
		}
	}
}
