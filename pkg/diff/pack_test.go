package diff

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// idLine is a record with an exchange_id and its true content hash: a
// pack's record, or SQL's row.
func idLine(id, nk, label, t string) string {
	r := rec{nk, label, t}
	l := `{"exchange_id":"` + id + `",` + strings.TrimPrefix(r.line(), "{")
	return strings.Replace(l, r.hash(), hashOf(l), 1)
}

// hashOf computes a line's content hash.
func hashOf(line string) string {
	var r envelope.Record
	if err := envelope.Parse(&r, []byte(line), false); err != nil {
		panic(err)
	}
	h, err := contenthash.Sum(&r)
	if err != nil {
		panic(err)
	}
	return h
}

// testPack writes lines into a fresh pack, two records a chunk.
func testPack(t *testing.T, lines ...string) string {
	t.Helper()
	dir, err := snapshot.Init(t.TempDir(), manifest.Default("p", "http", "src", "page"))
	if err != nil {
		t.Fatal(err)
	}
	in := strings.Join(lines, "\n") + "\n"
	if _, err := snapshot.Write(context.Background(), dir, strings.NewReader(in), snapshot.WriteOptions{ChunkSize: 2}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// exportRun diffs SQL's rows against the pack, as the export does.
func exportRun(t *testing.T, dir, rows string, s Strategy) (string, *xr.Stats, string, error) {
	t.Helper()
	var out bytes.Buffer
	log := filepath.Join(t.TempDir(), "c.ndjson")
	st, err := Run(context.Background(), strings.NewReader(rows), &out,
		Options{Against: dir, Pack: dir, IncomingSQL: true, Conflict: s, Conflicts: log, TempDir: t.TempDir()})
	b, _ := os.ReadFile(log)
	return out.String(), st, string(b), err
}

const (
	id1 = "00000000-0000-4000-8000-000000000001"
	id2 = "00000000-0000-4000-8000-000000000002"
	id3 = "00000000-0000-4000-8000-000000000003"
	id4 = "00000000-0000-4000-8000-000000000004"
)

// TestExportIDConflict: SQL's row whose exchange_id the pack holds with
// other content (here: SQL's is redacted, the pack's not) is a conflict
// on that record, not a new record: the pack's stays on a tie and under
// prefer_json (the record is dropped and logged with the pack's file and
// line); SQL's winning stops the run, naming the pack's record and SQL's
// key; fail exits with a conflict. A record new to the pack is emitted.
func TestExportIDConflict(t *testing.T) {
	dir := testPack(t, idLine(id1, "a", "a1", t1), idLine(id2, "b", "b1", t1), idLine(id3, "", "n1", t1))
	// the pack's third record is in the second chunk, on its first line
	where := filepath.ToSlash(dir) + "/records/2026/2026-01-15/chunk-0002.ndjson:1"
	keyless := idLine(id3, "", "n1-redacted", t1) // keyless: by hash, it would be new
	keyed := idLine(id1, "a", "a1-redacted", t1)  // a tie on its key too
	fresh := idLine(id4, "c", "c1", t2)
	rows := keyed + "\n" + keyless + "\n" + fresh + "\n"

	for _, s := range []Strategy{PreferNewest, PreferExisting} {
		out, st, log, err := exportRun(t, dir, rows, s)
		if err != nil || out != fresh+"\n" {
			t.Fatalf("%v: %v, emitted:\n%s", s, err, out)
		}
		if got, w := counts(st), "new=1 changed=2 unchanged=0 emitted=1 dropped=2 in=0 ex=2"; got != w || st.Get("conflicts") != 2 {
			t.Errorf("%v: %s, want %s and 2 conflicts", s, got, w)
		}
		if !strings.Contains(log, `"existing_from":"pack","existing_id":"`+id3+`","existing_at":"`+where+`"`) || strings.Count(log, "\n") != 2 {
			t.Errorf("%v: conflict log:\n%s", s, log)
		}
	}
	// the keyless row observed later: prefer_newest makes SQL's win, which
	// a pack cannot apply
	later := idLine(id3, "", "n1-redacted", t2)
	for _, s := range []Strategy{PreferNewest, PreferIncoming} {
		out, _, _, err := exportRun(t, dir, later+"\n", s)
		if err == nil || out != "" || errors.Is(err, xr.ErrConflict) ||
			!strings.HasPrefix(err.Error(), where+": exchange_id "+id3+": SQL's record (key \"src|page|\"") ||
			!strings.Contains(err.Error(), "line 1 of the SQL dump") || !strings.Contains(err.Error(), "xr-pack redact "+dir) {
			t.Errorf("%v: %v, emitted %q", s, err, out)
		}
	}
	out, _, log, err := exportRun(t, dir, keyless+"\n", Fail)
	if !errors.Is(err, xr.ErrConflict) || out != "" || !strings.HasPrefix(err.Error(), where+": conflict: exchange_id "+id3) ||
		!strings.Contains(log, `"resolution":"fail"`) {
		t.Errorf("fail: %v, emitted %q, log %s", err, out, log)
	}
	// without --pack, the keyless row is new (nothing checks its id)
	var buf bytes.Buffer
	if _, err := Run(context.Background(), strings.NewReader(keyless+"\n"), &buf, Options{Against: dir, IncomingSQL: true, TempDir: t.TempDir()}); err != nil || buf.String() != keyless+"\n" {
		t.Errorf("without --pack: %v, %q", err, buf.String())
	}
}

// TestFailNamesPackRecord: under fail, the conflict names the pack's
// record by chunk file and line, and SQL's by its key, in both
// directions; the input's line number means nothing to the user.
func TestFailNamesPackRecord(t *testing.T) {
	dir := testPack(t, idLine(id1, "a", "a1", t1), idLine(id2, "b", "b1", t1), idLine(id3, "c", "c1", t1))
	where := filepath.ToSlash(dir) + "/records/2026/2026-01-15/chunk-0002.ndjson:1"
	// import: the pack's record (found by exchange_id: the stream's copy
	// may be redacted, with another hash) against SQL's index
	in := idLine(id3, "c", "c1-redacted", t2) + "\n"
	_, _, err := run(t, in, indexOf(rec{"c", "sql", t1}), Options{Conflict: Fail, Pack: dir})
	if !errors.Is(err, xr.ErrConflict) || !strings.HasPrefix(err.Error(), where+`: conflict: key "src|page|c": the pack's record `+hashOf(in)) ||
		!strings.Contains(err.Error(), "SQL's "+rec{"c", "sql", t1}.hash()) {
		t.Errorf("import: %v", err)
	}
	// a record the pack does not hold (an index out of date): its line
	in = idLine(id4, "c", "c2", t2) + "\n"
	_, _, err = run(t, in, indexOf(rec{"c", "sql", t1}), Options{Conflict: Fail, Pack: dir})
	if !errors.Is(err, xr.ErrConflict) || !strings.HasPrefix(err.Error(), `line 1: conflict: key "src|page|c": the pack's record`) {
		t.Errorf("import, not in the pack: %v", err)
	}
	// export: SQL's row against the pack's current version of its key
	var out bytes.Buffer
	_, err = Run(context.Background(), strings.NewReader(idLine(id4, "c", "sql", t2)+"\n"), &out,
		Options{Against: dir, Pack: dir, IncomingSQL: true, Conflict: Fail, TempDir: t.TempDir()})
	if !errors.Is(err, xr.ErrConflict) || !strings.HasPrefix(err.Error(), where+`: conflict: key "src|page|c": the pack's record `+hashOf(idLine(id3, "c", "c1", t1))) ||
		!strings.HasSuffix(err.Error(), "(line 1 of the SQL dump)") || out.Len() != 0 {
		t.Errorf("export: %v", err)
	}
}

// TestIDPrints: the export's exchange_id filter finds every id of the
// pack whatever its case, and an empty or index-less pack holds none.
func TestIDPrints(t *testing.T) {
	dir := testPack(t, idLine(id1, "a", "a1", t1), idLine(id2, "b", "b1", t1), idLine(id3, "", "n1", t1))
	p, err := loadIDPrints(context.Background(), dir)
	if err != nil || len(p) != 3 {
		t.Fatalf("%v, %d prints", err, len(p))
	}
	for _, id := range []string{id1, id2, id3, strings.ToUpper(id3)} {
		if !p.has(id) {
			t.Errorf("%s: not found", id)
		}
	}
	if p.has(id4) {
		t.Errorf("%s: found, the pack does not hold it", id4)
	}
	if p, err := loadIDPrints(context.Background(), t.TempDir()); err != nil || p.has(id1) {
		t.Errorf("no index: %v, %v", err, p)
	}
}
