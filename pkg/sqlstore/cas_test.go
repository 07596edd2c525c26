package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/xr"
)

// versions returns one record per key k<from>..k<to-1>, observed at
// observed, with content v.
func versions(t *testing.T, from, to, idBase int, v, observed string) []byte {
	var b []byte
	for i := from; i < to; i++ {
		b = append(b, mkLine(t, recSpec{id: idBase + i, nk: key(fmt.Sprintf("k%d", i)),
			response: fmt.Sprintf(`{"n":%d,"v":%q}`, i, v), observed: observed})...)
	}
	return b
}

// The write enforces the strategy (issue 18): SQL holds k0 newer, k1
// older, k2 at the same instant as the input's versions; k3 and a keyless
// record are new.
func TestWriteEnforcesStrategy(t *testing.T) {
	stored := bytes.Join([][]byte{
		versions(t, 0, 1, 0, "sql", "2026-06-01T00:00:00Z"),
		versions(t, 1, 2, 0, "sql", "2026-01-01T00:00:00Z"),
		versions(t, 2, 3, 0, "sql", "2026-03-01T00:00:00Z"),
	}, nil)
	in := bytes.Join([][]byte{
		versions(t, 0, 1, 100, "pack", "2026-01-01T00:00:00Z"),      // older than SQL's
		versions(t, 1, 2, 100, "pack", "2026-06-01T00:00:00Z"),      // newer
		versions(t, 2, 3, 100, "pack", "2026-03-01T01:00:00+01:00"), // the same instant: a tie
		versions(t, 3, 4, 100, "pack", "2026-01-01T00:00:00Z"),      // new key
		mkLine(t, recSpec{id: 200, response: `"keyless"`}),
	}, nil)
	sl, il := lines(stored), lines(in)
	for _, c := range []struct {
		s    diff.Strategy
		want string
		keep []int // the stored lines that stay
		take []int // the input lines that are written
	}{
		{diff.PreferNewest, "5 read, 2 inserted, 2 updated, 0 unchanged, 1 kept newer", []int{0}, []int{1, 2, 3, 4}},
		{diff.PreferIncoming, "5 read, 2 inserted, 3 updated, 0 unchanged, 0 kept newer", nil, []int{0, 1, 2, 3, 4}},
		{diff.PreferExisting, "5 read, 2 inserted, 0 updated, 0 unchanged, 3 kept newer", []int{0, 1, 2}, []int{3, 4}},
	} {
		t.Run(c.s.String(), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, e env) {
				e.mustLoad(t, stored, "3 read, 3 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
				var log bytes.Buffer
				opts := func(o *LoadOptions) { o.Conflict, o.Conflicts = c.s, &log }
				// a dry run counts the same and changes nothing
				e.mustLoad(t, in, c.want, func(o *LoadOptions) { opts(o); o.DryRun = true })
				sameSet(t, e.dump(t, nil), stored)
				dry := log.String()
				log.Reset()
				e.mustLoad(t, in, c.want, opts)
				var want [][]byte
				for _, i := range c.keep {
					want = append(want, sl[i])
				}
				for _, i := range c.take {
					want = append(want, il[i])
				}
				sameSet(t, e.dump(t, nil), bytes.Join(want, nil))
				if log.String() != dry {
					t.Errorf("dry run logged\n%s\nthe load\n%s", dry, log.String())
				}
				if got := strings.Count(log.String(), "\n"); got != len(c.keep) {
					t.Fatalf("conflicts log has %d lines, want %d:\n%s", got, len(c.keep), log.String())
				}
				if c.s == diff.PreferNewest && !strings.HasPrefix(log.String(), `{"k":"wiki|page|k0","line":1,"incoming_h":`) ||
					!strings.Contains(log.String(), `"existing_from":"table","strategy":"`+c.s.String()+`","resolution":"existing"}`) && len(c.keep) > 0 {
					t.Errorf("conflicts log:\n%s", log.String())
				}
				if c.s == diff.PreferNewest && !strings.Contains(log.String(), `"incoming_t":"2026-01-01T00:00:00Z"`) ||
					c.s == diff.PreferNewest && !strings.Contains(log.String(), `"existing_t":"2026-06-01T00:00:00Z"`) {
					t.Errorf("conflicts log times:\n%s", log.String())
				}
				// a rerun is unchanged where it wrote and declines again where it did not
				st, err := e.load(t, in, opts)
				if err != nil || st.Get("kept_newer") != int64(len(c.keep)) || st.Get("unchanged") != int64(len(c.take)) {
					t.Fatalf("rerun: %v, %v", st.Summary(), err)
				}
			})
		})
	}
	// fail: the batch holding a conflict is not committed, exit 3
	t.Run("fail", func(t *testing.T) {
		forEachEngine(t, func(t *testing.T, e env) {
			e.mustLoad(t, stored, "3 read, 3 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
			var log bytes.Buffer
			_, err := e.load(t, in, func(o *LoadOptions) { o.Conflict, o.Conflicts = diff.Fail, &log })
			if !errors.Is(err, xr.ErrConflict) || !strings.Contains(err.Error(), `line 1: conflict: key "wiki|page|k0"`) {
				t.Fatalf("err = %v", err)
			}
			sameSet(t, e.dump(t, nil), stored)
			if !strings.Contains(log.String(), `"resolution":"fail"`) || strings.Count(log.String(), "\n") != 1 {
				t.Errorf("conflicts log:\n%s", log.String())
			}
			// without conflicts, fail loads
			e.mustLoad(t, bytes.Join(il[3:], nil), "2 read, 2 inserted, 0 updated, 0 unchanged, 0 kept newer",
				func(o *LoadOptions) { o.Conflict = diff.Fail })
		})
	})
}

// The race of issue 18: a plan computed (xr-diff against the table's
// index) before a concurrent writer stored newer versions of some keys
// leaves those newer versions in place; the rest of the plan applies.
func TestStalePlanKeepsNewerRows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		v1 := versions(t, 0, 40, 0, "one", "2026-01-01T00:00:00Z")
		e.mustLoad(t, v1, "40 read, 40 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		index := e.dump(t, func(o *DumpOptions) { o.Index = true })
		v2 := versions(t, 0, 40, 100, "two", "2026-02-01T00:00:00Z")
		var plan bytes.Buffer
		if _, err := diff.Run(context.Background(), bytes.NewReader(v2), &plan, diff.Options{Against: "sql", Index: bytes.NewReader(index)}); err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(plan.Bytes(), []byte("\n")); n != 40 {
			t.Fatalf("plan holds %d records, want 40", n)
		}
		// meanwhile a writer stores newer versions of k0..k14
		v3 := versions(t, 0, 15, 200, "three", "2026-03-01T00:00:00Z")
		e.mustLoad(t, v3, "15 read, 0 inserted, 15 updated, 0 unchanged, 0 kept newer", nil)
		var log bytes.Buffer
		e.mustLoad(t, plan.Bytes(), "40 read, 0 inserted, 25 updated, 0 unchanged, 15 kept newer",
			func(o *LoadOptions) { o.Conflicts = &log })
		want := append(append([]byte{}, v3...), bytes.Join(lines(v2)[15:], nil)...)
		sameSet(t, e.dump(t, nil), want)
		if strings.Count(log.String(), `"resolution":"existing"`) != 15 {
			t.Errorf("conflicts log:\n%s", log.String())
		}
	})
}

// The same race with the writer and the stale plan's loader running at
// once, in small batches, in either order: every key ends with its
// newest version.
func TestConcurrentWriterAndStalePlan(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		v1 := versions(t, 0, 60, 0, "one", "2026-01-01T00:00:00Z")
		e.mustLoad(t, v1, "60 read, 60 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		plan := versions(t, 0, 60, 100, "two", "2026-02-01T00:00:00Z") // computed against v1
		newer := versions(t, 0, 30, 200, "three", "2026-03-01T00:00:00Z")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		stats := make([]*xr.Stats, 2)
		for i, in := range [][]byte{plan, newer} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stats[i], errs[i] = Load(context.Background(), bytes.NewReader(in), LoadOptions{DB: e.db, Manifest: e.man, Batch: 5})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		want := append(append([]byte{}, newer...), bytes.Join(lines(plan)[30:], nil)...)
		sameSet(t, e.dump(t, nil), want)
		// whichever came first for a key, the other's write was declined
		// or replaced it: 30 keys saw both, 30 only the plan
		if s := stats[0].Get("updated") + stats[1].Get("updated"); s < 60 || s > 90 ||
			stats[0].Get("kept_newer")+stats[1].Get("kept_newer") != 90-s {
			t.Errorf("plan: %s; writer: %s", stats[0].Summary(), stats[1].Summary())
		}
	})
}

// Issue 18's reproduction, on every engine (SQL Server's suite too): SQL
// holds a newer version of a key; the pack's manifest is scoped "mixed",
// which names none of its records' source and entity. The index of the
// records' own scopes (xr-sqldump --scope-of) lets xr-diff see the
// conflict and keep SQL's row; the manifest-scoped index sees nothing,
// and then the loader's compare-and-set keeps SQL's row.
func TestNewerRowSurvivesScopeMismatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		newer := versions(t, 0, 1, 0, "new", "2026-06-01T00:00:00Z")
		older := versions(t, 0, 1, 100, "old", "2026-01-01T00:00:00Z")
		e.mustLoad(t, newer, "1 read, 1 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
		e.man.SourceSystem, e.man.EntityType = "mixed", "mixed"
		if idx := e.dump(t, func(o *DumpOptions) { o.Index = true }); len(idx) != 0 {
			t.Fatalf("the manifest's scope holds %q", idx)
		}
		scopes, all, err := ScopesOf(context.Background(), bytes.NewReader(older), "pack", 0)
		if err != nil || all {
			t.Fatal(err, all)
		}
		idx := e.dump(t, func(o *DumpOptions) { o.Index, o.ByScopes, o.Scopes = true, true, scopes })
		if !bytes.Contains(idx, []byte(`"k":"wiki|page|k0"`)) {
			t.Fatalf("the records' scopes give the index %q", idx)
		}
		var plan bytes.Buffer
		st, err := diff.Run(context.Background(), bytes.NewReader(older), &plan, diff.Options{Against: "sql", Index: bytes.NewReader(idx)})
		if err != nil || st.Get("conflicts") != 1 || st.Get("resolved_existing") != 1 || plan.Len() != 0 {
			t.Fatalf("diff against the records' scopes: %s, %v, plan %q", st.Summary(), err, plan.String())
		}
		// a plan from the manifest-scoped (empty) index: the write declines
		e.mustLoad(t, older, "1 read, 0 inserted, 0 updated, 0 unchanged, 1 kept newer", nil)
		sameSet(t, e.dump(t, func(o *DumpOptions) { o.ByScopes, o.AllScopes = true, true }), newer)
	})
}
