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
		// way; "a|" makes the text ambiguous, so the line carries the key's
		// parts, as xr-sqldump --index writes them): nothing to do
		kp := ""
		if nk == "a|" {
			kp = `,"kp":["src","page","a|"]`
		}
		index := fmt.Sprintf(`{"h":%q,"k":"src|page|%s","id":null,"t":%q%s}`+"\n", digest(nk+"/v2"), nk, t2, kp)
		out, _ = mustRun(t, v2+"\n", index, Options{})
		if strings.TrimSpace(out) != "" {
			t.Errorf("key %q, newest already stored: emitted\n%s", nk, out)
		}
	}
}

// TestPipeInKeys: four records whose key texts pair up ("a|b|c|k" and
// "s|e|x|y") are four keys (issue 12): the input keeps them apart, an
// index names them by their "kp", and a reference-format line whose k is
// ambiguous is refused, naming it, wherever keys are compared.
func TestPipeInKeys(t *testing.T) {
	type tuple struct{ s, e, k string }
	four := []tuple{{"a|b", "c", "k"}, {"a", "b|c", "k"}, {"s", "e", "x|y"}, {"s", "e|x", "y"}}
	line := func(tp tuple, label, ts string) string {
		return fmt.Sprintf(`{"exchange_type":"http","source_system":%q,"entity_type":%q,"natural_key":%q,"response":%q,"observed_at_utc":%q,"content_sha256":%q}`,
			tp.s, tp.e, tp.k, label, ts, digest(tp.s+"/"+tp.e+"/"+tp.k+"/"+label))
	}
	var in, index string
	for _, tp := range four {
		in += line(tp, "v1", t1) + "\n"
		index += fmt.Sprintf(`{"h":%q,"k":%q,"id":null,"t":%q,"kp":[%q,%q,%q]}`+"\n",
			digest(tp.s+"/"+tp.e+"/"+tp.k+"/v1"), tp.s+"|"+tp.e+"|"+tp.k, t1, tp.s, tp.e, tp.k)
	}
	out, st := mustRun(t, in, "", Options{})
	if out != in || st.Get("new") != 4 || st.Get("conflicts") != 0 {
		t.Fatalf("four keys against nothing: %s\n%s", st.Summary(), out)
	}
	// against their own index lines: all unchanged
	out, st = mustRun(t, in, index, Options{})
	if out != "" || st.Get("unchanged") != 4 {
		t.Fatalf("four keys against their index: %s\n%s", st.Summary(), out)
	}
	// a newer version of one key conflicts with that key only
	v2 := line(four[1], "v2", t2) + "\n"
	out, st = mustRun(t, v2, index, Options{})
	if out != v2 || st.Get("changed") != 1 || st.Get("conflicts") != 1 || st.Get("resolved_incoming") != 1 {
		t.Fatalf("new version of (a, b|c, k): %s\n%s", st.Summary(), out)
	}
	// the same index in the reference's form (no kp): refused, naming the
	// line, in key mode; --by hash needs no keys
	ref := strings.ReplaceAll(index, `,"kp":`, `,"x":`)
	_, _, err := run(t, in, ref, Options{})
	if err == nil || !strings.Contains(err.Error(), "line 1: k: more than two '|'") {
		t.Fatalf("an ambiguous k without kp: err %v", err)
	}
	out, st = mustRun(t, in, ref, Options{ByHash: true})
	if out != "" || st.Get("unchanged") != 4 {
		t.Fatalf("--by hash against the reference's form: %s\n%s", st.Summary(), out)
	}
}
