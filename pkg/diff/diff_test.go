package diff

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

const (
	t1 = "2026-01-15T10:00:00Z"
	t2 = "2026-01-15T11:00:00Z"
)

func TestClasses(t *testing.T) {
	old := rec{"luke", "v1", t1}
	index := indexOf(old, rec{"", "blob", t1})
	in := []rec{
		old,                 // unchanged: hash in the index
		{"leia", "v1", t1},  // new key
		{"luke", "v2", t2},  // changed, newer: emitted
		{"", "blob", t2},    // no key, hash known: unchanged
		{"", "blob2", t1},   // no key, hash unknown: new
		{"vader", "v1", ""}, // new without a timestamp
		{"vader", "v1", t1}, // the same hash again: unchanged
		{"", "blob2", t2},   // the same unkeyed hash again: unchanged
	}
	out, st := mustRun(t, inputOf(in...), index, Options{})
	want := inputOf(in[1], in[2], in[4], in[5])
	if out != want {
		t.Errorf("out:\n%s\nwant:\n%s", out, want)
	}
	if got, w := counts(st), "new=3 changed=1 unchanged=4 emitted=4 dropped=4 in=1 ex=0"; got != w {
		t.Errorf("counts %s, want %s", got, w)
	}
	if st.Get("read") != 8 || st.Get("conflicts") != 1 {
		t.Errorf("read %d conflicts %d", st.Get("read"), st.Get("conflicts"))
	}
}

// TestStrategies covers every strategy and the tie rules of prefer_newest
// against the index.
func TestStrategies(t *testing.T) {
	cases := []struct {
		name         string
		strategy     string
		incoming     string
		exT, inT     string
		incomingWins bool
	}{
		{"newest: incoming newer", "prefer_newest", "json", t1, t2, true},
		{"newest: incoming older", "prefer_newest", "json", t2, t1, false},
		{"newest from sql: incoming newer", "prefer_newest", "sql", t1, t2, true},
		{"newest from sql: incoming older", "prefer_newest", "sql", t2, t1, false},
		// the reference's json_time >= sql_time: a tie goes to the pack
		{"newest: tie, the pack's incoming record wins", "prefer_newest", "json", t1, t1, true},
		{"newest: tie, the pack's existing record stays", "prefer_newest", "sql", t1, t1, false},
		{"newest: tie at a different offset spelling", "prefer_newest", "json", "2026-01-15T12:00:00+02:00", t1, true},
		{"newest from sql: tie at a different offset spelling", "prefer_newest", "sql", "2026-01-15T12:00:00+02:00", t1, false},
		{"newest: incoming without time loses", "prefer_newest", "json", t1, "", false},
		{"newest from sql: incoming without time loses", "prefer_newest", "sql", t1, "", false},
		{"newest: existing without time loses", "prefer_newest", "json", "", t1, true},
		{"newest from sql: existing without time loses", "prefer_newest", "sql", "", t1, true},
		{"newest: neither has a time: the pack's incoming", "prefer_newest", "json", "", "", true},
		{"newest: neither has a time: the pack's existing", "prefer_newest", "sql", "", "", false},
		{"newest: sub-second newer", "prefer_newest", "json", "2026-01-15T10:00:00.1234567Z", "2026-01-15T10:00:00.1234568Z", true},
		{"incoming", "prefer_incoming", "json", t2, t1, true},
		{"existing", "prefer_existing", "json", t1, t2, false},
		{"prefer_json from json", "prefer_json", "json", t2, t1, true},
		{"prefer_sql from json", "prefer_sql", "json", t1, t2, false},
		{"prefer_json from sql", "prefer_json", "sql", t1, t2, false},
		{"prefer_sql from sql", "prefer_sql", "sql", t2, t1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseStrategy(c.strategy, c.incoming)
			if err != nil {
				t.Fatal(err)
			}
			ex, in := rec{"k", "old", c.exT}, rec{"k", "new", c.inT}
			log := filepath.Join(t.TempDir(), "conflicts.ndjson")
			out, st := mustRun(t, inputOf(in), indexOf(ex), Options{Conflict: s, IncomingSQL: c.incoming == "sql", Conflicts: log})
			if got := out != ""; got != c.incomingWins {
				t.Errorf("incoming emitted = %v, want %v", got, c.incomingWins)
			}
			res, n := "existing", st.Get("resolved_existing")
			if c.incomingWins {
				res, n = "incoming", st.Get("resolved_incoming")
			}
			if n != 1 || st.Get("conflicts") != 1 || st.Get("changed") != 1 {
				t.Errorf("counters: %s", st.Summary())
			}
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"resolution":"`+res+`"`) || !strings.Contains(string(b), `"existing_h":"`+ex.hash()+`"`) ||
				!strings.Contains(string(b), `"incoming_h":"`+in.hash()+`"`) || !strings.Contains(string(b), `"k":"src|page|k"`) {
				t.Errorf("conflict log: %s", b)
			}
		})
	}
}

func TestParseStrategyErrors(t *testing.T) {
	var ue *xr.UsageError
	if _, err := ParseStrategy("newest", "json"); !errors.As(err, &ue) {
		t.Errorf("bad strategy: %v", err)
	}
	if _, err := ParseStrategy("prefer_json", "csv"); !errors.As(err, &ue) {
		t.Errorf("bad side: %v", err)
	}
	for _, s := range []string{"1/1x", "2/2", "-1/2", "0/0", "a/b", "1"} {
		if _, err := ParseShard(s); !errors.As(err, &ue) {
			t.Errorf("ParseShard(%q) = %v, want a usage error", s, err)
		}
	}
	if sh, err := ParseShard("1/3"); err != nil || sh != (Shard{1, 3}) {
		t.Errorf("ParseShard(1/3) = %v, %v", sh, err)
	}
}

// TestInputVersions: several versions of one key in the input are the
// input's history, not conflicts: the newest supersedes the others (on a
// tie the later line), whatever the strategy, each other version counted
// as superseded; only the final winner is emitted.
func TestInputVersions(t *testing.T) {
	a, b, c := rec{"k", "a", t1}, rec{"k", "b", t2}, rec{"k", "c", t1}
	cases := []struct {
		strategy Strategy
		in       []rec
		want     []rec
		sup      int64
	}{
		{PreferNewest, []rec{a, b}, []rec{b}, 1},
		{PreferNewest, []rec{b, a}, []rec{b}, 1},
		{PreferNewest, []rec{a, c}, []rec{c}, 1}, // a tie: the later line
		{PreferNewest, []rec{c, a}, []rec{a}, 1},
		{PreferIncoming, []rec{a, c, b}, []rec{b}, 2},
		{PreferIncoming, []rec{b, a}, []rec{b}, 1},
		{PreferExisting, []rec{b, a}, []rec{b}, 1},
		{PreferExisting, []rec{a, b}, []rec{b}, 1},
		{Fail, []rec{a, b, c}, []rec{b}, 2},
		{PreferNewest, []rec{a, a, a}, []rec{a}, 0},
		{PreferIncoming, []rec{a, b, a}, []rec{b}, 2},
	}
	for _, cs := range cases {
		for _, sql := range []bool{false, true} {
			out, st := mustRun(t, inputOf(cs.in...), "", Options{Conflict: cs.strategy, IncomingSQL: sql})
			if want := inputOf(cs.want...); out != want {
				t.Errorf("%v %v: out\n%s want\n%s", cs.strategy, cs.in, out, want)
			}
			if st.Get("conflicts") != 0 || st.Get("superseded") != cs.sup || st.Get("new") != 1 ||
				st.Get("read") != st.Get("new")+st.Get("unchanged")+st.Get("superseded") {
				t.Errorf("%v %v: %s, want %d superseded and no conflict", cs.strategy, cs.in, st.Summary(), cs.sup)
			}
		}
	}
	// an input version replaces the indexed one (a conflict), then the
	// indexed hash comes again, older: superseded by the input's version
	ix := rec{"k", "a", t1}
	out, st := mustRun(t, inputOf(rec{"k", "b", t2}, rec{"k", "a", t1}), indexOf(ix), Options{Conflict: PreferIncoming})
	if want := inputOf(rec{"k", "b", t2}); out != want || st.Get("conflicts") != 1 || st.Get("superseded") != 1 {
		t.Errorf("back to the indexed version: %q, %s", out, st.Summary())
	}
}

func TestByHash(t *testing.T) {
	old := rec{"k", "v1", t1}
	in := []rec{old, {"k", "v2", ""}, {"k", "v2", t2}, {"", "x", ""}, {"j", "v1", t1}}
	out, st := mustRun(t, inputOf(in...), indexOf(old), Options{ByHash: true, Conflict: Fail})
	if want := inputOf(in[1], in[3], in[4]); out != want {
		t.Errorf("out:\n%s\nwant:\n%s", out, want)
	}
	if st.Get("conflicts") != 0 || st.Get("new") != 3 || st.Get("unchanged") != 2 {
		t.Errorf("counters: %s", st.Summary())
	}
}

func TestFailWritesNothing(t *testing.T) {
	in := inputOf(rec{"a", "1", t1}, rec{"b", "1", t1}, rec{"k", "new", t2}, rec{"c", "1", t1})
	log := filepath.Join(t.TempDir(), "c.ndjson")
	out, _, err := run(t, in, indexOf(rec{"k", "old", t1}), Options{Conflict: Fail, Conflicts: log})
	if !errors.Is(err, xr.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	if out != "" {
		t.Errorf("fail wrote %q", out)
	}
	for _, s := range []string{"line 3:", `"src|page|k"`, rec{"k", "new", ""}.hash(), rec{"k", "old", ""}.hash()} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), `"resolution":"fail"`) {
		t.Errorf("conflict log: %s", b)
	}
	// two input versions of a key are its history, not a conflict
	if out, _, err := run(t, inputOf(rec{"k", "1", t1}, rec{"k", "2", t2}), "", Options{Conflict: Fail}); err != nil || out != inputOf(rec{"k", "2", t2}) {
		t.Errorf("input versions under fail: %v, %q", err, out)
	}
}

func TestMissingHash(t *testing.T) {
	in := inputOf(rec{"a", "1", t1}) + `{"exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"x"}` + "\n"
	_, _, err := run(t, in, "", Options{})
	var le *envelope.LineError
	if !errors.As(err, &le) || le.Line != 2 || !strings.Contains(err.Error(), "content_sha256: missing (run xr-hash first)") {
		t.Fatalf("err = %v", err)
	}
	// with a reject sink the line goes there and the rest goes on
	var rejected []int
	o := Options{Reject: func(line int, raw []byte, err error) error { rejected = append(rejected, line); return nil }}
	out, st := mustRun(t, in+inputOf(rec{"b", "1", t1}), "", o)
	if len(rejected) != 1 || rejected[0] != 2 || st.Get("emitted") != 2 || st.Get("rejected") != 1 || strings.Contains(out, `"x"`) {
		t.Errorf("rejected %v, %s, out %s", rejected, st.Summary(), out)
	}
}

func TestBadInputLine(t *testing.T) {
	_, _, err := run(t, inputOf(rec{"a", "1", t1})+"{\"exchange_type\":\n", "", Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "line 2: ") {
		t.Fatalf("err = %v", err)
	}
}

func TestEmpty(t *testing.T) {
	out, st := mustRun(t, "", "", Options{})
	if out != "" || st.Get("read") != 0 {
		t.Errorf("%q %s", out, st.Summary())
	}
	// blank lines and CRLF in both files
	in := "\n" + strings.ReplaceAll(inputOf(rec{"a", "1", t1}, rec{"b", "1", t1}), "\n", "\r\n") + "\n"
	out, st = mustRun(t, in, "\r\n"+strings.ReplaceAll(indexOf(rec{"a", "1", t1}), "\n", "\r\n")+"\n\n", Options{})
	if want := strings.ReplaceAll(inputOf(rec{"b", "1", t1}), "\n", "") + "\n"; out != want || st.Get("unchanged") != 1 {
		t.Errorf("%q, want %q; %s", out, want, st.Summary())
	}
}

// TestIndexForms: the reference's spaced lines with +00:00 times and our
// compact ones with Z are the same index; so are other spacings and orders.
func TestIndexForms(t *testing.T) {
	recs := []rec{{"a", "1", t1}, {"b", "1", t2}, {"", "n", t1}, {"c", "1", ""}}
	forms := map[string]string{
		"reference": lines(recs, func(r rec) string { return r.indexLine(true) }),
		"compact":   indexOf(recs...),
		"reordered": lines(recs, func(r rec) string {
			tv := "null"
			if r.t != "" {
				tv = `"` + strings.Replace(r.t, "T", " ", 1) + `"`
			}
			return "  { \"f\" : \"x\" , \t\"t\":" + tv + `,"extra":[1,{"h":"no"}], "k":"src|page|` + r.nk + `" , "h" : "` + r.hash() + `" }  `
		}),
	}
	in := inputOf(rec{"a", "1", t2}, rec{"a", "2", t2}, rec{"b", "2", t2}, rec{"", "n", t2}, rec{"c", "2", t1}, rec{"d", "1", t1})
	var first string
	for name, ix := range forms {
		out, st := mustRun(t, in, strings.ReplaceAll(ix, "\n", "\n"), Options{})
		// b is a tie: the incoming (the pack's, by default) record wins it
		if got, w := counts(st), "new=1 changed=3 unchanged=2 emitted=4 dropped=2 in=3 ex=0"; got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Errorf("%s: output differs:\n%s\nvs\n%s", name, out, first)
		}
	}
}

func TestIndexErrors(t *testing.T) {
	good := indexOf(rec{"a", "1", t1})
	cases := []struct{ line, want string }{
		{`{"h":"abc","k":"s|e|x"}`, "index.jsonl: line 2: h: not a lowercase hex SHA-256 digest"},
		{`{"k":"s|e|x"}`, "index.jsonl: line 2: h: missing (required)"},
		{`{"h":"` + digest("x") + `","t":"yesterday"}`, "index.jsonl: line 2: t: not an ISO 8601 timestamp"},
		{`{"h":"` + digest("x") + `","t":5}`, "index.jsonl: line 2: t: want an ISO 8601 string"},
		{`{"h":"` + digest("x") + `","k":7}`, "index.jsonl: line 2: k: want a string"},
		{`{"h":"` + digest("x") + `"`, "index.jsonl: line 2: "},
		{`["h"]`, "index.jsonl: line 2: not a JSON object"},
		{`{"h":"` + strings.ToUpper(digest("x")) + `"}`, "index.jsonl: line 2: h: not a lowercase hex"},
		{`{"h":"` + digest("x") + `"} x`, "index.jsonl: line 2: "},
	}
	for _, c := range cases {
		_, _, err := run(t, "", good+c.line+"\n", Options{})
		var ie *IndexError
		if !errors.As(err, &ie) || ie.Line != 2 || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want prefix %q", c.line, err, c.want)
		}
	}
	_, _, err := run(t, "", strings.Repeat("x", 100)+"\n", Options{MaxLine: 50})
	if err == nil || !strings.Contains(err.Error(), "line 1: line too long") {
		t.Errorf("long line: %v", err)
	}
}

// TestAgainstSources: a file, a pack folder, a fresh pack without an index,
// and errors for what is neither.
func TestAgainstSources(t *testing.T) {
	dir := t.TempDir()
	ix := indexOf(rec{"a", "1", t1})
	if err := os.WriteFile(filepath.Join(dir, "index.jsonl"), []byte(ix), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh")
	os.Mkdir(fresh, 0o755)
	os.WriteFile(filepath.Join(fresh, "manifest.json"), []byte("{}"), 0o644)
	in := inputOf(rec{"a", "1", t1}, rec{"b", "1", t1})
	for _, against := range []string{filepath.Join(dir, "index.jsonl"), dir} {
		out := new(strings.Builder)
		st, err := Run(context.Background(), strings.NewReader(in), out, Options{Against: against, TempDir: dir})
		if err != nil || st.Get("unchanged") != 1 || st.Get("emitted") != 1 || out.String() != inputOf(rec{"b", "1", t1}) {
			t.Errorf("%s: %v %s %q", against, err, st.Summary(), out)
		}
	}
	if st, err := Run(context.Background(), strings.NewReader(in), new(strings.Builder), Options{Against: fresh, TempDir: dir}); err != nil || st.Get("new") != 2 {
		t.Errorf("fresh pack: %v", err)
	}
	for _, bad := range []string{filepath.Join(dir, "nope"), t.TempDir(), ""} {
		if _, err := Run(context.Background(), strings.NewReader(in), new(strings.Builder), Options{Against: bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestSeekableInput: a regular file is re-read, not spooled; input that
// starts mid-file starts there on the second pass too.
func TestSeekableInput(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "in.ndjson")
	head := inputOf(rec{"z", "1", t1})
	os.WriteFile(p, []byte(head+inputOf(rec{"a", "1", t1}, rec{"b", "1", t1})), 0o644)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Seek(int64(len(head)), 0)
	var out strings.Builder
	st, err := Run(context.Background(), f, &out, Options{Against: "x", Index: strings.NewReader(indexOf(rec{"a", "1", t1})), TempDir: "/nonexistent"})
	if err != nil || out.String() != inputOf(rec{"b", "1", t1}) {
		t.Errorf("%v %q %s", err, out.String(), st.Summary())
	}
}

// TestShards: the shards' outputs together are the whole output, and an
// index key lands in the same shard as its input versions.
func TestShards(t *testing.T) {
	var ix, in []rec
	for i := range 200 {
		k := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		ix = append(ix, rec{k, "1", t1})
		in = append(in, rec{k, "2", t2}, rec{k, "1", t1}, rec{"", k, t1})
	}
	all, st := mustRun(t, inputOf(in...), indexOf(ix...), Options{})
	got := map[string]bool{}
	var conflicts int64
	for i := range 3 {
		out, sst := mustRun(t, inputOf(in...), indexOf(ix...), Options{Shard: Shard{i, 3}})
		conflicts += sst.Get("conflicts")
		for _, l := range strings.SplitAfter(out, "\n") {
			if l != "" {
				got[l] = true
			}
		}
		if sst.Get("read")+sst.Get("other_shard") != 600 {
			t.Errorf("shard %d: %s", i, sst.Summary())
		}
	}
	for _, l := range strings.SplitAfter(all, "\n") {
		if l != "" && !got[l] {
			t.Errorf("missing from the shards: %s", l)
		}
	}
	if len(got) != strings.Count(all, "\n") || conflicts != st.Get("conflicts") {
		t.Errorf("shards: %d lines, %d conflicts; whole: %d lines, %d conflicts", len(got), conflicts, strings.Count(all, "\n"), st.Get("conflicts"))
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, strings.NewReader(inputOf(rec{"a", "1", t1})), new(strings.Builder), Options{Against: "x", Index: strings.NewReader("")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// TestIndexCurrent: of several versions of a key, the newest is current,
// ties broken by hash, whatever the line order.
func TestIndexCurrent(t *testing.T) {
	vs := []rec{{"k", "1", t1}, {"k", "2", t2}, {"k", "3", t2}, {"k", "4", ""}}
	best := rec{"k", "2", t2}
	if digest("k/3") > digest("k/2") {
		best = rec{"k", "3", t2}
	}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}} {
		var rs []rec
		for _, i := range order {
			rs = append(rs, vs[i])
		}
		ix, err := Load(context.Background(), strings.NewReader(indexOf(rs...)), "x", LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h, _, ok := ix.Current(recordKeyHash("src", "page", "k"))
		if !ok || h != decode(best.hash()) {
			t.Errorf("order %v: current %x, want %s", order, h, best.hash())
		}
		if _, _, ok := ix.Current(recordKeyHash("src", "page", "nope")); ok {
			t.Error("found a missing key")
		}
	}
}

func decode(s string) (h [32]byte) {
	hex.Decode(h[:], []byte(s))
	return h
}

func TestKeyHash(t *testing.T) {
	text := func(k string) uint64 {
		h, amb := keyTextHash([]byte(k))
		if amb {
			t.Errorf("%q: ambiguous", k)
		}
		return h
	}
	if recordKeyHash("s", "e", "x") != text("s|e|x") || text("s|e|x") == 0 {
		t.Error("parts and text disagree")
	}
	if text("s|e|") != 0 || keyHash(envelope.KeyParts{Source: "s", Entity: "e"}) != 0 {
		t.Error("unkeyed text got a key")
	}
	if keyHash(envelope.KeyParts{Source: "s", Entity: "e", Natural: "x|", HasNatural: true}) != recordKeyHash("s", "e", "x|") {
		t.Error("kp and record disagree")
	}
	if recordKeyHash("s", "e", "ab") == recordKeyHash("s", "e", "ba") {
		t.Error("collision")
	}
	// no two tuples whose text is one are conflated
	if recordKeyHash("a|b", "c", "k") == recordKeyHash("a", "b|c", "k") || recordKeyHash("s", "e", "x|y") == recordKeyHash("s", "e|x", "y") ||
		recordKeyHash("ab", "", "c") == recordKeyHash("a", "b", "c") || recordKeyHash("", "", "abc") == recordKeyHash("a", "", "bc") {
		t.Error("tuples with one text conflated")
	}
	for _, k := range []string{"a|b|c|k", "s|e|x|y", "s|e|x|"} {
		if _, amb := keyTextHash([]byte(k)); !amb {
			t.Errorf("%q: not ambiguous", k)
		}
	}
	if h, amb := keyTextHash([]byte("nopipes")); amb || h == 0 {
		t.Error("a text without '|' is a key of its own")
	}
}

// TestKeyText: an index key with JSON escapes, and a numeric natural key,
// name the same key as the record's text.
func TestKeyText(t *testing.T) {
	idx := `{"h":"` + digest("old1") + `","k":"src|page|Padm\u00e9 \"A\"","t":"2026-01-15T10:00:00Z"}` + "\n" +
		`{"h":"` + digest("old2") + `","k":"src|page|123","t":"2026-01-15T10:00:00Z"}` + "\n"
	in := `{"exchange_type":"http","source_system":"src","entity_type":"page","natural_key":"Padmé \"A\"","observed_at_utc":"2026-01-16T10:00:00Z","content_sha256":"` + digest("new1") + `"}` + "\n" +
		`{"exchange_type":"http","source_system":"src","entity_type":"page","natural_key":123,"observed_at_utc":"2026-01-14T10:00:00Z","content_sha256":"` + digest("new2") + `"}` + "\n"
	out, st := mustRun(t, in, idx, Options{})
	if st.Get("conflicts") != 2 || st.Get("resolved_incoming") != 1 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "Padmé") {
		t.Errorf("%s\n%s", st.Summary(), out)
	}
}
