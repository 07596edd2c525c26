package diff

import (
	"fmt"
	"strings"
	"testing"
)

// A natural key that is an empty string, or that ends in '|', is still a
// natural key (only null is none): the SQL loader upserts such a record by
// its key, so the plan must hold one version per key, the newest. When the
// plan held every version, the loader applied them in turn and each sync
// overwrote the row again (SQL → older version → newer → …), never
// converging.
func TestEmptyAndPipeEndingKeys(t *testing.T) {
	line := func(nk, label, t string) string {
		return fmt.Sprintf(`{"exchange_type":"http","source_system":"src","entity_type":"page","natural_key":%q,"response":%q,"observed_at_utc":%q,"content_sha256":%q}`,
			nk, label, t, digest(nk+"/"+label))
	}
	for _, nk := range []string{"", "a|"} {
		v1, v2 := line(nk, "v1", t1), line(nk, "v2", t2)
		// the pack's history against nothing: the newest version only
		out, st := mustRun(t, v1+"\n"+v2+"\n", "", Options{})
		if out != v2+"\n" {
			t.Errorf("key %q, history against an empty index:\n%s\nwant only the newest:\n%s", nk, out, v2)
		}
		if st.Get("conflicts") != 0 || st.Get("superseded") != 1 {
			t.Errorf("key %q: %s, want 1 superseded and no conflict (two versions of one key)", nk, st.Summary())
		}
		// that plan against SQL holding it (its index line ends in '|' either
		// way): nothing to do
		index := fmt.Sprintf(`{"h":%q,"k":"src|page|%s","id":null,"t":%q}`+"\n", digest(nk+"/v2"), nk, t2)
		out, _ = mustRun(t, v2+"\n", index, Options{})
		if strings.TrimSpace(out) != "" {
			t.Errorf("key %q, newest already stored: emitted\n%s", nk, out)
		}
	}
}
