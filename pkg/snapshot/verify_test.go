package snapshot

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
	"github.com/xr-lake/xr/pkg/xr"
)

func TestVerifyFindsEachProblem(t *testing.T) {
	s := snapshottest.Spec{Seed: "v", Start: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Step: time.Hour}
	first := "records/2026/2026-07-01/chunk-0001.ndjson"
	cases := []struct {
		name    string
		counter string
		text    string
		rebuild bool // index --rebuild repairs it
		break_  func(t *testing.T, dir string)
	}{
		{"index line missing", "missing_index", first + ": line 2: no index line", true, func(t *testing.T, dir string) {
			p := filepath.Join(dir, IndexFile)
			l := readLines(t, p)
			writeLines(t, p, append(l[:1:1], l[2:]...))
		}},
		{"index line twice", "duplicate_index", "index line 21: same record as index line 3", true, func(t *testing.T, dir string) {
			p := filepath.Join(dir, IndexFile)
			l := readLines(t, p)
			writeLines(t, p, append(l, l[2]))
		}},
		{"extra index line", "extra_index", "index line 21: no such record", true, func(t *testing.T, dir string) {
			p := filepath.Join(dir, IndexFile)
			l := readLines(t, p)
			i := strings.Index(l[0], `"h": "`) + 6
			writeLines(t, p, append(l, l[0][:i]+"0"+l[0][i+1:]))
		}},
		{"f names another chunk", "wrong_file", "index line 1: f is records/x.ndjson but the record is in " + first + " line 1", true, func(t *testing.T, dir string) {
			p := filepath.Join(dir, IndexFile)
			l := readLines(t, p)
			l[0] = strings.Replace(l[0], first, "records/x.ndjson", 1)
			writeLines(t, p, l)
		}},
		{"k differs", "index_differs", "index line 4: k or t differs", true, func(t *testing.T, dir string) {
			p := filepath.Join(dir, IndexFile)
			l := readLines(t, p)
			l[3] = strings.Replace(l[3], "|key-3", "|key-X", 1)
			writeLines(t, p, l)
		}},
		{"torn index line", "bad_index_lines", "index line 20: ", true, func(t *testing.T, dir string) {
			p := filepath.Join(dir, IndexFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-30], 0o644)
		}},
		{"leftover temp file", "temp_files", ".xr-tmp-chunk", true, func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "records/2026/2026-07-01/.xr-tmp-chunk-0009.ndjson-1"), []byte("{"), 0o644)
		}},
		{"chunk line cut", "bad_lines", first + ": line 3: ", false, func(t *testing.T, dir string) {
			p := filepath.Join(dir, first)
			l := readLines(t, p)
			l[2] = l[2][:50]
			writeLines(t, p, l)
		}},
		{"chunk content edited", "bad_hashes", first + ": line 2: content_sha256", false, func(t *testing.T, dir string) {
			p := filepath.Join(dir, first)
			l := readLines(t, p)
			l[1] = strings.Replace(l[1], `"n":1`, `"n":7`, 1)
			writeLines(t, p, l)
		}},
		{"record twice in chunks", "duplicate_records", first + ": line 6: the same record", false, func(t *testing.T, dir string) {
			p := filepath.Join(dir, first)
			l := readLines(t, p)
			writeLines(t, p, append(l, l[0]))
		}},
		{"manifest broken", "bad_manifest", "manifest.json: ", false, func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte("{"), 0o644)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := newPack(t)
			if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 20)), WriteOptions{ChunkSize: 5}); err != nil {
				t.Fatal(err)
			}
			mustVerify(t, dir)
			c.break_(t, dir)
			st, err := Verify(ctx, dir, VerifyOptions{})
			if !errors.Is(err, xr.ErrMismatch) {
				t.Fatalf("verify: %v", err)
			}
			if st.Get(c.counter) == 0 || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("want %s naming %q; got %s\n%v", c.counter, c.text, st.Summary(), err)
			}
			var seen []string
			Verify(ctx, dir, VerifyOptions{Problem: func(m string) { seen = append(seen, m) }})
			if len(seen) == 0 || !strings.Contains(strings.Join(seen, "\n"), c.text) {
				t.Fatalf("Problem callback got %q", seen)
			}
			if !c.rebuild {
				return
			}
			if _, err := Rebuild(ctx, dir, RebuildOptions{}); err != nil {
				t.Fatal(err)
			}
			if st := mustVerify(t, dir); st.Get("records") != 20 || st.Get("index_entries") != 20 {
				t.Fatalf("after rebuild: %s", st.Summary())
			}
		})
	}
}

func TestWriteRepairsALaggingIndex(t *testing.T) {
	s := snapshottest.Spec{Seed: "lag", Step: time.Minute}
	dir := newPack(t)
	if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 10)), WriteOptions{ChunkSize: 4}); err != nil {
		t.Fatal(err)
	}
	// as if killed between a chunk's rename and its index lines: drop
	// the last chunk's lines and tear the one before
	p := filepath.Join(dir, IndexFile)
	l := readLines(t, p)
	os.WriteFile(p, []byte(strings.Join(l[:7], "\n")+"\n"+l[7][:20]), 0o644)
	if _, err := Verify(ctx, dir, VerifyOptions{}); !errors.Is(err, xr.ErrMismatch) {
		t.Fatalf("verify: %v", err)
	}
	st, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 12)), WriteOptions{ChunkSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if st.Get("written") != 2 || st.Get("skipped") != 10 {
		t.Fatalf("write after the crash: %s", st.Summary())
	}
	if v := mustVerify(t, dir); v.Get("records") != 12 {
		t.Fatalf("verify: %s", v.Summary())
	}
}
