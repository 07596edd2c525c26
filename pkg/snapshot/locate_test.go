package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

// TestLocate: a record is named by its chunk file and line, found by
// exchange_id (any case) or hash, also when the index lags behind the
// chunks; a record the pack lacks is not found.
func TestLocate(t *testing.T) {
	dir := newPack(t)
	s := snapshottest.Spec{Seed: "loc", Start: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Step: time.Hour}
	if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 30)), WriteOptions{ChunkSize: 4}); err != nil {
		t.Fatal(err)
	}
	var want []Position
	var recs []envelope.Record
	cs, _ := Chunks(dir)
	for _, c := range cs {
		for i, l := range readLines(t, filepath.Join(dir, c.Rel)) {
			var r envelope.Record
			if err := envelope.Parse(&r, []byte(l), false); err != nil {
				t.Fatal(err)
			}
			recs, want = append(recs, r), append(want, Position{c.Rel, i + 1})
		}
	}
	check := func(name string) {
		for _, i := range []int{0, 5, 17, len(recs) - 1} {
			for _, m := range []func(indexline.Entry) bool{ByID(strings.ToUpper(recs[i].ID())), ByHash(recs[i].Hash())} {
				p, ok, err := Locate(ctx, dir, m)
				if err != nil || !ok || p != want[i] {
					t.Errorf("%s: record %d at %v (%v, %v), want %v", name, i, p, ok, err, want[i])
				}
			}
		}
		if p, ok, err := Locate(ctx, dir, ByID("00000000-0000-4000-8000-000000000000")); ok || err != nil {
			t.Errorf("%s: a missing record found at %v (%v)", name, p, err)
		}
	}
	check("indexed")
	if want[17].String() != want[17].File+":"+strconv.Itoa(want[17].Line) || !strings.HasPrefix(want[17].String(), "records/2026/") {
		t.Errorf("String: %s", want[17])
	}
	// an index that names the wrong chunk for each record, or none at all
	lines := readLines(t, filepath.Join(dir, IndexFile))
	for i := range lines {
		lines[i] = strings.Replace(lines[i], `"f": "records/`, `"f": "records/x`, 1)
	}
	writeLines(t, filepath.Join(dir, IndexFile), lines)
	check("wrong chunk named")
	os.Remove(filepath.Join(dir, IndexFile))
	check("no index")
}
