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
