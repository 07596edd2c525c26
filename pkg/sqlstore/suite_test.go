package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// The shared integration suite: every test runs against each engine.

func TestLoadReloadUpdate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		v1 := corpus(t, 30, 0, "one")
		e.mustLoad(t, v1, "30 read, 30 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		if got := e.dump(t, nil); !bytes.Equal(got, v1) {
			sameSet(t, got, v1) // order is the engine's; the bytes must match
		}
		e.mustLoad(t, v1, "30 read, 0 inserted, 0 updated, 30 unchanged, 0 kept newer", nil)
		// new versions of keys 0-9 (new ids), plus 5 new keys
		v2 := append(corpus(t, 10, 100, "two"), bytes.Join(lines(corpus(t, 35, 0, "one"))[30:], nil)...)
		e.mustLoad(t, v2, "15 read, 5 inserted, 10 updated, 0 unchanged, 0 kept newer", nil)
		want := append(bytes.Join(lines(v1)[10:], nil), v2...)
		sameSet(t, e.dump(t, nil), want)
		// a batch holding two versions of one key applies them in order
		dup := append(corpus(t, 1, 300, "three"), corpus(t, 1, 301, "four")...)
		e.mustLoad(t, dup, "2 read, 0 inserted, 2 updated, 0 unchanged, 0 kept newer", nil)
		got := e.dump(t, func(o *DumpOptions) { o.Filter = Filter{Key: "k0", HasKey: true} })
		if !bytes.Equal(got, lines(dup)[1]) {
			t.Fatalf("key k0 holds %s, want the last version", got)
		}
	})
}

func TestRecordsWithoutKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		in := append(mkLine(t, recSpec{id: 1, response: `"a"`}), mkLine(t, recSpec{id: 2, response: `"b"`})...)
		e.mustLoad(t, in, "2 read, 2 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		e.mustLoad(t, in, "2 read, 0 inserted, 0 updated, 2 unchanged, 0 kept newer", nil)
		c := mkLine(t, recSpec{id: 3, response: `"c"`})
		e.mustLoad(t, c, "1 read, 1 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		sameSet(t, e.dump(t, nil), append(in, c...))
		idx := string(e.dump(t, func(o *DumpOptions) { o.Index = true }))
		if !strings.Contains(idx, `"k":"wiki|page|"`) || strings.Count(idx, "\n") != 3 {
			t.Fatalf("index of keyless records:\n%s", idx)
		}
	})
}

func TestBatchFailsMidway(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		in := corpus(t, 35, 0, "one")
		boom := errors.New("boom")
		st, err := e.load(t, in, func(o *LoadOptions) {
			o.Batch = 10
			o.failBatch = func(n int) error {
				if n == 2 {
					return boom
				}
				return nil
			}
		})
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "batch 3 (input lines 21-30)") {
			t.Fatalf("err = %v", err)
		}
		// the counters count the committed batches, the rest as not committed
		if st.Get("inserted") != 20 || st.Get("read") < 30 || st.Get("not_committed") != st.Get("read")-20 {
			t.Errorf("counters after a failed batch: %s", st.Summary())
		}
		// batches 1 and 2 are in, nothing of batch 3
		sameSet(t, e.dump(t, nil), bytes.Join(lines(in)[:20], nil))
		e.mustLoad(t, in, "35 read, 15 inserted, 0 updated, 20 unchanged, 0 kept newer", func(o *LoadOptions) { o.Batch = 10 })
		sameSet(t, e.dump(t, nil), in)
	})
}

func TestDryRunChangesNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		in := corpus(t, 12, 0, "one")
		e.mustLoad(t, in, "12 read, 12 inserted, 0 updated, 0 unchanged, 0 kept newer", func(o *LoadOptions) { o.DryRun = true })
		// not even the table was created (for SQLite: not even the file)
		if e.name == "sqlite" {
			if _, err := os.Stat(strings.TrimPrefix(e.db, "sqlite:")); !os.IsNotExist(err) {
				t.Fatalf("dry run left a database file: %v", err)
			}
		}
		_, err := Dump(context.Background(), new(bytes.Buffer), DumpOptions{DB: e.db, Manifest: e.man})
		if err == nil {
			t.Fatal("dry run created the table")
		}
		e.mustLoad(t, bytes.Join(lines(in)[:6], nil), "6 read, 6 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		before := e.dump(t, nil)
		plan := append(in, corpus(t, 2, 50, "two")...) // 6 new, 6 same, 2 updates
		e.mustLoad(t, plan, "14 read, 6 inserted, 2 updated, 6 unchanged, 0 kept newer", func(o *LoadOptions) { o.DryRun = true })
		if after := e.dump(t, nil); !bytes.Equal(before, after) {
			t.Fatal("dry run changed the table")
		}
		e.mustLoad(t, plan, "14 read, 6 inserted, 2 updated, 6 unchanged, 0 kept newer", nil)
	})
}

func TestUnicodeAndLargeRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		big := `"` + strings.Repeat("0123456789abcdef", 20<<20/16) + `"`
		in := bytes.Join([][]byte{
			mkLine(t, recSpec{id: 1, nk: key("caf\u00e9"), response: "{\"t\":\"caf\u00e9 \u00e9t\u00e9\"}"}),     // NFC
			mkLine(t, recSpec{id: 2, nk: key("cafe\u0301"), response: "{\"t\":\"cafe\u0301 e\u0301te\u0301\"}"}), // NFD: another key
			mkLine(t, recSpec{id: 3, nk: key("\U0001F600"), response: "{\"t\":\"\U0001F600\U0001D11E\"," + `"esc":"\ud83d\ude00\u0000\n\u00e9"}`}),
			mkLine(t, recSpec{id: 4, src: "\u7DAD\u57FA", ent: "\u9801\u9762", nk: key("\u6771\u4EAC"), response: "{\"t\":\"\u6771\u4EAC\u90FD\",\"n\":1.50e+3}"}),
			mkLine(t, recSpec{id: 5, nk: key("big"), response: big}),
			mkLine(t, recSpec{id: 6, nk: key("Page"), response: `1`}),
			mkLine(t, recSpec{id: 7, nk: key("page"), response: `2`}), // case matters
		}, nil)
		e.mustLoad(t, in, "7 read, 7 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		got := e.dump(t, nil)
		sameSet(t, got, in)
		e.mustLoad(t, in, "7 read, 0 inserted, 0 updated, 7 unchanged, 0 kept newer", nil)
		one := e.dump(t, func(o *DumpOptions) { o.Filter = Filter{Source: "\u7DAD\u57FA", Key: "\u6771\u4EAC", HasKey: true} })
		if !bytes.Equal(one, lines(in)[3]) {
			t.Fatalf("CJK key filter gave %q", one)
		}
	})
}

func TestHostileIdentifiersRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		for _, bad := range []func(){
			func() { e.man.SQLTarget.Table = `x"; DROP TABLE y; --` },
			func() { e.man.SQLTarget.Schema = "lake]; DROP TABLE y; --" },
			func() { s := "nk`"; e.man.SQLTarget.NaturalKeyColumn = &s },
			func() { s := "payload_json"; e.man.SQLTarget.HashColumn = &s },
			func() { e.man.SQLTarget.Table = strings.Repeat("t", 49) },
		} {
			saved := e.man.SQLTarget
			bad()
			_, err := e.load(t, corpus(t, 1, 0, "x"), nil)
			var ue *xr.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "sql_target") {
				t.Fatalf("hostile sql_target %+v: err = %v", e.man.SQLTarget, err)
			}
			e.man.SQLTarget = saved
		}
		// custom, valid names are honored
		nk, h := "PageKey", "Sha256"
		e.man.SQLTarget.Table, e.man.SQLTarget.NaturalKeyColumn, e.man.SQLTarget.HashColumn = "Pages", &nk, &h
		in := corpus(t, 3, 0, "x")
		e.mustLoad(t, in, "3 read, 3 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		sameSet(t, e.dump(t, nil), in)
	})
}

func TestRefusesUnhashedInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		good := corpus(t, 2, 0, "x")
		tampered := bytes.Replace(lines(good)[1], []byte(`"v":"x"`), []byte(`"v":"y"`), 1)
		_, err := e.load(t, append(lines(good)[0], tampered...), nil)
		if err == nil || !strings.Contains(err.Error(), "line 2: content_sha256: ") {
			t.Fatalf("err = %v", err)
		}
		var rejected []int
		st, err := e.load(t, append(append([]byte{}, lines(good)[0]...), tampered...), func(o *LoadOptions) {
			o.Reject = func(line int, raw []byte, err error) error { rejected = append(rejected, line); return nil }
		})
		if err != nil || st.Summary() != "2 read, 1 inserted, 0 updated, 0 unchanged, 0 kept newer, 1 rejected" || len(rejected) != 1 || rejected[0] != 2 {
			t.Fatalf("with rejects: %v %v %v", st.Summary(), err, rejected)
		}
	})
}

// A decoded value that a text column cannot hold (a NUL, which
// PostgreSQL's text refuses; more characters than the column's varchar(n)
// or NVARCHAR(n)) is refused before its batch, naming line and field, and
// goes to --rejects like any bad record -- alike on every engine (SQLite's
// TEXT would take it, PostgreSQL's batch would fail without a line).
func TestRefusesWhatAColumnCannotHold(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		in := bytes.Join([][]byte{
			mkLine(t, recSpec{id: 1, nk: key("ok")}),
			mkLine(t, recSpec{id: 2, nk: key("a\x00b")}),
			mkLine(t, recSpec{id: 3, nk: key("s"), src: "wi\x00ki"}),
			mkLine(t, recSpec{id: 4, nk: key("e"), ent: strings.Repeat("e", 101)}),
			mkLine(t, recSpec{id: 5, nk: key("t"), typ: strings.Repeat("t", 51)}),
			mkLine(t, recSpec{id: 6, nk: key(strings.Repeat("k", 501))}),
			mkLine(t, recSpec{id: 7, nk: key(strings.Repeat("\u00e9", 500))}), // 500 characters, 1000 bytes: fits
			mkLine(t, recSpec{id: 8, nk: key("x"), ent: "p\x00"}),
			mkLine(t, recSpec{id: 9, typ: "h\x00"}), // no natural key
			mkLine(t, recSpec{id: 10, nk: key("last")}),
		}, nil)
		_, err := e.load(t, in, nil)
		if err == nil || !strings.Contains(err.Error(), "line 2: natural_key: ") {
			t.Fatalf("without --rejects: err = %v", err)
		}
		var rejected []string
		st, err := e.load(t, in, func(o *LoadOptions) {
			o.Reject = func(line int, raw []byte, err error) error { rejected = append(rejected, err.Error()); return nil }
		})
		if err != nil || st.Summary() != "10 read, 3 inserted, 0 updated, 0 unchanged, 0 kept newer, 7 rejected" {
			t.Fatalf("with rejects: %v, %v (%q)", st.Summary(), err, rejected)
		}
		for i, want := range []string{"line 2: natural_key: ", "line 3: source_system: ", "line 4: entity_type: ",
			"line 5: exchange_type: ", "line 6: natural_key: ", "line 8: entity_type: ", "line 9: exchange_type: "} {
			if i >= len(rejected) || !strings.HasPrefix(rejected[i], want) {
				t.Fatalf("rejected %q, want %d: %q", rejected, i, want)
			}
		}
		want := bytes.Join([][]byte{lines(in)[0], lines(in)[6], lines(in)[9]}, nil)
		sameSet(t, e.dump(t, nil), want)
	})
}

// An exchange_id stored for one record and reused by another (another
// hash, and not the same natural key's row) is refused naming the line and
// the id, to --rejects when given, instead of stopping the load on the
// primary key.
func TestReusedExchangeIDRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		stored := append(mkLine(t, recSpec{id: 1, nk: key("k1"), response: `"a"`}), mkLine(t, recSpec{id: 2, response: `"b"`})...)
		e.mustLoad(t, stored, "2 read, 2 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		in := bytes.Join([][]byte{
			mkLine(t, recSpec{id: 1, nk: key("k2"), response: `"x"`}), // id of k1, another key: refused
			mkLine(t, recSpec{id: 1, nk: key("k1"), response: `"y"`}), // k1's new version, same id: updated
			mkLine(t, recSpec{id: 2, nk: key("k3"), response: `"z"`}), // id of the keyless record: refused
			mkLine(t, recSpec{id: 3, response: `"w"`}),                // new: inserted
			mkLine(t, recSpec{id: 2, response: `"v"`}),                // keyless, another hash, stored id: refused
			mkLine(t, recSpec{id: 2, response: `"b"`}),                // the stored keyless record: unchanged
			mkLine(t, recSpec{id: 2, nk: key("k1"), response: `"u"`}), // k1 with the keyless record's id: refused
		}, nil)
		_, err := e.load(t, in, nil)
		if err == nil || !strings.Contains(err.Error(), "line 1: exchange_id: 00000000-0000-4000-8000-000000000001 ") {
			t.Fatalf("without --rejects: err = %v", err)
		}
		sameSet(t, e.dump(t, nil), stored)
		var rejected []string
		st, err := e.load(t, in, func(o *LoadOptions) {
			o.Reject = func(line int, raw []byte, err error) error {
				if !bytes.Equal(append(raw, '\n'), lines(in)[line-1]) {
					t.Errorf("line %d rejected with raw %q", line, raw)
				}
				rejected = append(rejected, err.Error())
				return nil
			}
		})
		if err != nil || st.Summary() != "7 read, 1 inserted, 1 updated, 1 unchanged, 0 kept newer, 4 rejected" {
			t.Fatalf("with rejects: %v, %v (%q)", st.Summary(), err, rejected)
		}
		slices.Sort(rejected)
		for i, want := range []string{"line 1: exchange_id: ", "line 3: exchange_id: ", "line 5: exchange_id: ", "line 7: exchange_id: "} {
			if i >= len(rejected) || !strings.HasPrefix(rejected[i], want) {
				t.Fatalf("rejected %q, want %d: %q", rejected, i, want)
			}
		}
		sameSet(t, e.dump(t, nil), bytes.Join([][]byte{lines(in)[1], lines(stored)[1], lines(in)[3]}, nil))
	})
}

func TestDumpFiltersAndIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		in := bytes.Join([][]byte{
			mkLine(t, recSpec{id: 1, nk: key("a"), observed: "2026-01-01T00:00:00Z"}),
			mkLine(t, recSpec{id: 2, nk: key("b"), observed: "2026-01-02T00:00:00.5+02:00"}),
			mkLine(t, recSpec{id: 3, nk: key("c"), observed: "2026-01-03T00:00:00Z", src: "other"}),
		}, nil)
		e.mustLoad(t, in, "3 read, 3 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		since, _ := envelope.ParseTime("2026-01-01T12:00:00Z")
		until, _ := envelope.ParseTime("2026-01-03T00:00:00Z")
		got := e.dump(t, func(o *DumpOptions) { o.Filter = Filter{Since: since, Until: until} })
		if !bytes.Equal(got, lines(in)[1]) {
			t.Fatalf("since/until gave %q", got)
		}
		e.man.SourceSystem = "other"
		got = e.dump(t, nil)
		if !bytes.Equal(got, lines(in)[2]) {
			t.Fatalf("manifest source filter gave %q", got)
		}
		e.man.SourceSystem = ""
		idx := e.dump(t, func(o *DumpOptions) { o.Index = true; o.Filter = Filter{Key: "b", HasKey: true} })
		rec, _ := envelope.NewReader(bytes.NewReader(lines(in)[1]), 0).Read()
		want := fmt.Sprintf(`{"h":%q,"k":"wiki|page|b","id":"00000000-0000-4000-8000-000000000002","t":"2026-01-01T22:00:00.5Z"}`+"\n", rec.Hash())
		if string(idx) != want {
			t.Fatalf("index line\n got %s\nwant %s", idx, want)
		}
	})
}

// --index prints each exchange_id exactly as the envelope (the payload,
// the pack) holds it, in whatever case, on every engine: PostgreSQL's uuid
// and SQL Server's UNIQUEIDENTIFIER (and the lowercased SQLite column)
// would print another text, and xr-diff would see another id.
func TestIndexIDAsInEnvelope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		withID := func(l []byte, id string) []byte {
			return bytes.Replace(l, []byte(fmt.Sprintf("%q", idText(l))), []byte(fmt.Sprintf("%q", id)), 1)
		}
		upper := withID(mkLine(t, recSpec{id: 1, nk: key("upper")}), "0B6D4F0E-6A53-4C1E-9A51-6B1E2B3C4D5E")
		mixed := withID(mkLine(t, recSpec{id: 2, nk: key("mixed")}), "0b6D4f0E-6a53-4C1e-9A51-6b1E2b3C4d5F")
		lower := mkLine(t, recSpec{id: 3, nk: key("lower")})
		// exchange_id last, and spaces: not the canonical form
		l := withID(mkLine(t, recSpec{id: 4, nk: key("last")}), "ABCDEF01-6A53-4C1E-9A51-6B1E2B3C4D5E")
		first := `"exchange_id":"ABCDEF01-6A53-4C1E-9A51-6B1E2B3C4D5E",`
		last := append([]byte(`{ `), bytes.Replace(l[1:len(l)-2], []byte(first), nil, 1)...)
		last = append(last, `, "exchange_id" : "ABCDEF01-6A53-4C1E-9A51-6B1E2B3C4D5E"}`+"\n"...)
		in := bytes.Join([][]byte{upper, mixed, lower, last}, nil)
		e.mustLoad(t, in, "4 read, 4 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		want := map[string]string{}
		for _, l := range lines(in) {
			rec, err := envelope.NewReader(bytes.NewReader(l), 0).Read()
			if err != nil {
				t.Fatal(err)
			}
			want[rec.Key()] = rec.ID()
		}
		got := map[string]string{}
		for _, l := range lines(e.dump(t, func(o *DumpOptions) { o.Index = true })) {
			var x struct{ K, ID string }
			if err := json.Unmarshal(l, &x); err != nil {
				t.Fatal(err)
			}
			got[x.K] = x.ID
		}
		if !maps.Equal(got, want) {
			t.Fatalf("index ids\n got %v\nwant %v", got, want)
		}
	})
}

func idText(l []byte) string {
	rec, err := envelope.NewReader(bytes.NewReader(l), 0).Read()
	if err != nil {
		panic(err)
	}
	return rec.ID()
}

func TestConcurrentLoaders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		in := lines(corpus(t, 300, 0, "one"))
		e.mustLoad(t, bytes.Join(in[:10], nil), "10 read, 10 inserted, 0 updated, 0 unchanged, 0 kept newer", nil) // table exists
		var wg sync.WaitGroup
		var mu sync.Mutex
		var inserted int64
		errs := make(chan error, 4)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := append([][]byte{}, in...)
				r := rand.New(rand.NewPCG(uint64(w), 1))
				r.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
				st, err := Load(context.Background(), bytes.NewReader(bytes.Join(mine, nil)), LoadOptions{DB: e.db, Manifest: e.man, Batch: 25})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				inserted += st.Get("inserted")
				mu.Unlock()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent loader: %v", err)
		}
		if inserted != 290 {
			t.Errorf("loaders inserted %d rows in all, want 290", inserted)
		}
		sameSet(t, e.dump(t, nil), bytes.Join(in, nil))
	})
}

// TestKillMidRun kill -9s a loader process mid-run, reruns, and checks
// the table equals an uninterrupted load.
func TestKillMidRun(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		// 400 keys, then new versions of the first 100: the rerun must end
		// with the second versions
		in := append(corpus(t, 400, 0, "one"), corpus(t, 100, 1000, "two")...)
		want := append(bytes.Join(lines(in)[100:400], nil), bytes.Join(lines(in)[400:], nil)...)
		f := t.TempDir() + "/in.ndjson"
		if err := os.WriteFile(f, in, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "XR_SQLSTORE_CHILD=load", "XR_CHILD_DB="+e.db, "XR_CHILD_IN="+f,
			"XR_CHILD_SCHEMA="+e.man.SQLTarget.Schema)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// wait until some batches are committed, then kill -9
		deadline := time.Now().Add(60 * time.Second)
		for {
			n := countRows(e)
			if n >= 60 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("child loader made no progress: %s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		n := countRows(e)
		if n >= 400 {
			t.Fatalf("child finished (%d rows) before the kill; make it slower", n)
		}
		st, err := e.load(t, in, func(o *LoadOptions) { o.Batch = 20 })
		if err != nil {
			t.Fatal(err)
		}
		if st.Get("inserted")+st.Get("unchanged")+st.Get("updated") != 500 || st.Get("updated") != 100 {
			t.Fatalf("rerun after kill at %d rows: %s", n, st.Summary())
		}
		sameSet(t, e.dump(t, nil), want)
	})
}

func countRows(e env) int {
	var out bytes.Buffer
	if _, err := Dump(context.Background(), &out, DumpOptions{DB: e.db, Manifest: e.man, Index: true}); err != nil {
		return 0
	}
	return bytes.Count(out.Bytes(), []byte("\n"))
}

// childLoad is the loader process of TestKillMidRun: small batches, a
// pause after each so the parent can kill it mid-run.
func childLoad() {
	f, err := os.Open(os.Getenv("XR_CHILD_IN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m := newManifest()
	if s := os.Getenv("XR_CHILD_SCHEMA"); s != "" {
		m.SQLTarget.Schema = s
	}
	_, err = Load(context.Background(), f, LoadOptions{DB: os.Getenv("XR_CHILD_DB"), Manifest: m, Batch: 20,
		failBatch: func(int) error { time.Sleep(30 * time.Millisecond); return nil }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// An interrupt (SIGINT cancels the context) commits nothing half-done:
// the batch in flight is rolled back, earlier ones stay.
func TestInterruptRollsBackBatchInFlight(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		in := corpus(t, 30, 0, "one")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := Load(ctx, bytes.NewReader(in), LoadOptions{DB: e.db, Manifest: e.man, Batch: 10,
			failBatch: func(n int) error {
				if n == 1 {
					cancel() // arrives while batch 2's statements are done, before its commit
				}
				return nil
			}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		sameSet(t, e.dump(t, nil), bytes.Join(lines(in)[:10], nil))
	})
}

// A libpq keyword DSN (host=… port=… dbname=… user=…) loads and dumps
// on PostgreSQL.
func TestKeywordDSNConnects(t *testing.T) {
	e := newEnv(t, "postgres")
	u, err := url.Parse(e.db)
	if err != nil {
		t.Fatal(err)
	}
	e.db = fmt.Sprintf("host=%s port=%s dbname=%s user=%s sslmode=disable", u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/"), u.User.Username())
	var lines []string
	in := corpus(t, 5, 0, "one")
	e.mustLoad(t, in, "5 read, 5 inserted, 0 updated, 0 unchanged, 0 kept newer", func(o *LoadOptions) { o.Diag = xr.NewDiag(func(s string) { lines = append(lines, s) }, nil) })
	sameSet(t, e.dump(t, nil), in)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "database: postgres postgres@127.0.0.1:"+u.Port()+"/"+strings.TrimPrefix(u.Path, "/")+" (from --db)") {
		t.Errorf("database line: %q", lines)
	}
}
