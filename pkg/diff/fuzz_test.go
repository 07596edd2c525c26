package diff

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// FuzzIndexLine: parseIndexLine never panics, and what it accepts
// encoding/json accepts too, with the same digest in "h".
func FuzzIndexLine(f *testing.F) {
	if b, err := os.ReadFile("testdata/reference-index.jsonl"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f.Add(l)
		}
	}
	f.Add(`{"h":"` + digest("x") + `","k":"a|b|\u00e9","t":"2026-01-15 10:30:00.5+02"}`)
	f.Add(`{"h":"` + digest("x") + `","k":null,"t":null,"x":[{}]}`)
	f.Fuzz(func(t *testing.T, line string) {
		if line == "" {
			return
		}
		var e entry
		if _, _, err := parseIndexLine([]byte(line), &e, nil); err != nil {
			return
		}
		var v struct{ H string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("accepted %q, encoding/json: %v", line, err)
		}
		if hex.EncodeToString(e.h[:]) != v.H {
			t.Fatalf("%q: h %x, encoding/json %s", line, e.h, v.H)
		}
	})
}
