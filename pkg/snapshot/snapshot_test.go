package snapshot

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
	"github.com/xr-lake/xr/pkg/xr"
)

var ctx = context.Background()

// copyDir copies a directory tree (the golden pack) into a temp dir.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// fileSums maps every file of a pack (but the index and lock) to its hash.
func fileSums(t testing.TB, dir string) map[string][32]byte {
	t.Helper()
	m := map[string][32]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == IndexFile || rel == LockFile {
			return nil
		}
		b, _ := os.ReadFile(p)
		m[rel] = sha256.Sum256(b)
		return nil
	})
	return m
}

func newPack(t testing.TB) string {
	t.Helper()
	dir, err := Init(t.TempDir(), manifest.Default("p", "http", "wookieepedia", "page"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustVerify(t testing.TB, dir string) *xr.Stats {
	t.Helper()
	st, err := Verify(ctx, dir, VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return st
}

func catAll(t testing.TB, dir string, o CatOptions) string {
	t.Helper()
	var out bytes.Buffer
	if _, err := Cat(ctx, dir, &out, o); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestReferencePack(t *testing.T) {
	dir := copyDir(t, "../../testdata/reference-pack")
	st := mustVerify(t, dir)
	if st.Get("records") != 50 || st.Get("chunks") != 8 || st.Get("index_entries") != 50 {
		t.Fatalf("verify counters: %s", st.Summary())
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err == nil {
		t.Fatal("verify left a lock file in the pack")
	}
	// cat yields the records the reference wrote, in its order
	want, _ := os.ReadFile("testdata/reference-pack-expected.ndjson")
	var wantIDs []string
	for _, l := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		var e struct {
			ID   string `json:"exchange_id"`
			Hash string `json:"content_sha256"`
			File string `json:"file"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		wantIDs = append(wantIDs, e.ID+" "+e.Hash+" "+e.File)
	}
	var got []string
	f, _ := os.Open(filepath.Join(dir, IndexFile))
	defer f.Close()
	if err := indexline.Read(f, func(_ int, e indexline.Entry) error {
		got = append(got, e.ID+" "+e.Hash+" "+e.File)
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(wantIDs, "\n") {
		t.Fatalf("index differs from the expected listing:\n%s", strings.Join(got, "\n"))
	}
	lines := strings.Split(strings.TrimSpace(catAll(t, dir, CatOptions{})), "\n")
	if len(lines) != 50 {
		t.Fatalf("cat: %d lines", len(lines))
	}
	for i, l := range lines {
		id := strings.Fields(wantIDs[i])[0]
		if !strings.Contains(l, `"exchange_id": "`+id+`"`) {
			t.Fatalf("cat line %d is not record %s", i+1, id)
		}
	}
	// a rebuild reproduces the reference's index byte for byte
	if _, err := Rebuild(ctx, dir, RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile("../../testdata/reference-pack/index.jsonl")
	b, _ := os.ReadFile(filepath.Join(dir, IndexFile))
	if !bytes.Equal(a, b) {
		t.Fatalf("rebuilt index differs from the reference's")
	}
}

func TestAppendToReferencePack(t *testing.T) {
	dir := copyDir(t, "../../testdata/reference-pack")
	before := fileSums(t, dir)
	oldIndex, _ := os.ReadFile(filepath.Join(dir, IndexFile))
	spec := snapshottest.Spec{Seed: "ref", Start: time.Date(2026, 1, 16, 12, 0, 0, 0, time.UTC), Step: 5 * time.Hour}
	st, err := Write(ctx, dir, bytes.NewReader(spec.NDJSON(0, 30)), WriteOptions{ChunkSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if st.Get("written") != 30 {
		t.Fatalf("write: %s", st.Summary())
	}
	after := fileSums(t, dir)
	for f, s := range before {
		if after[f] != s {
			t.Errorf("%s changed", f)
		}
	}
	newIndex, _ := os.ReadFile(filepath.Join(dir, IndexFile))
	if !bytes.HasPrefix(newIndex, oldIndex) {
		t.Fatal("the old index lines were not kept as they were")
	}
	chunks, _ := Chunks(dir)
	for _, c := range chunks {
		if _, old := before[filepath.FromSlash(c.Rel)]; !old && c.Num <= 8 {
			t.Errorf("new chunk %s reuses a number of the reference's", c.Rel)
		}
	}
	if v := mustVerify(t, dir); v.Get("records") != 80 {
		t.Fatalf("verify: %s", v.Summary())
	}
	// new chunks hold records of one UTC day each, in that day's folder
	for _, c := range chunks {
		if c.Num <= 8 {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, c.Rel))
		day := strings.Split(c.Rel, "/")[2]
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !strings.Contains(l, `"observed_at_utc":"`+day+"T") {
				t.Errorf("%s holds a record of another day: %.80s", c.Rel, l)
			}
		}
	}
	// the same stream again adds nothing
	st, err = Write(ctx, dir, bytes.NewReader(spec.NDJSON(0, 30)), WriteOptions{ChunkSize: 4})
	if err != nil || st.Get("skipped") != 30 || st.Get("written") != 0 {
		t.Fatalf("rewrite: %s %v", st.Summary(), err)
	}
	// a record already in the reference's part is skipped too
	ref, _ := os.ReadFile(filepath.Join(dir, "records/2026/2026-01-14/chunk-0001.ndjson"))
	first := ref[:bytes.IndexByte(ref, '\n')+1]
	st, err = Write(ctx, dir, bytes.NewReader(first), WriteOptions{})
	if err != nil || st.Get("skipped") != 1 {
		t.Fatalf("reference record: %s %v", st.Summary(), err)
	}
}

func TestWriteChunking(t *testing.T) {
	dir := newPack(t)
	// three days, interleaved input
	var in []byte
	days := []snapshottest.Spec{}
	for d := 0; d < 3; d++ {
		days = append(days, snapshottest.Spec{Seed: "d" + strconv.Itoa(d), Start: time.Date(2026, 5, 1+d, 0, 0, 0, 0, time.UTC), Step: time.Minute})
	}
	for i := 0; i < 25; i++ {
		for _, s := range days {
			in = append(append(in, s.Line(i)...), '\n')
		}
	}
	if _, err := Write(ctx, dir, bytes.NewReader(in), WriteOptions{ChunkSize: 10}); err != nil {
		t.Fatal(err)
	}
	chunks, _ := Chunks(dir)
	if len(chunks) != 9 {
		t.Fatalf("want 3 days x 3 chunks, got %v", chunks)
	}
	if chunks[0].Rel != "records/2026/2026-05-01/chunk-0001.ndjson" {
		t.Fatalf("first chunk %s", chunks[0].Rel)
	}
	seen := map[int]bool{}
	for _, c := range chunks {
		if seen[c.Num] {
			t.Fatalf("chunk number %d twice", c.Num)
		}
		seen[c.Num] = true
	}
	// byte cap: every record alone
	dir2 := newPack(t)
	if _, err := Write(ctx, dir2, bytes.NewReader(days[0].NDJSON(0, 5)), WriteOptions{ChunkBytes: 10}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := Chunks(dir2); len(cs) != 5 {
		t.Fatalf("byte cap: %d chunks", len(cs))
	}
	mustVerify(t, dir)
	mustVerify(t, dir2)
	// a second write continues the numbering
	if _, err := Write(ctx, dir, bytes.NewReader(days[0].NDJSON(25, 27)), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := Chunks(dir)
	if len(cs) != 10 || cs[3].Rel != "records/2026/2026-05-01/chunk-0010.ndjson" {
		t.Fatalf("numbering did not continue: %v", cs)
	}
}

func TestCatFilters(t *testing.T) {
	dir := newPack(t)
	s := snapshottest.Spec{Seed: "cat", Start: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Step: 6 * time.Hour, Keys: 4}
	if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 40)), WriteOptions{ChunkSize: 3}); err != nil {
		t.Fatal(err)
	}
	all := catAll(t, dir, CatOptions{})
	if n := strings.Count(all, "\n"); n != 40 {
		t.Fatalf("cat: %d", n)
	}
	if all != string(s.NDJSON(0, 40)) {
		t.Fatal("cat does not give the records back in order, byte for byte")
	}
	since := catAll(t, dir, CatOptions{Since: time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC)})
	if since != string(s.NDJSON(8, 12)) {
		t.Fatalf("since/until: %q", since)
	}
	key := catAll(t, dir, CatOptions{Key: "wookieepedia|page|key-1"})
	if n := strings.Count(key, "\n"); n != 10 || strings.Contains(key, `"key-2"`) {
		t.Fatalf("key: %d lines", n)
	}
	if got := catAll(t, dir, CatOptions{Key: "nope|x|y"}); got != "" {
		t.Fatalf("unknown key: %q", got)
	}
}

func TestWriteRefusesBadRecords(t *testing.T) {
	dir := newPack(t)
	good := snapshottest.Spec{Seed: "bad"}.Line(0)
	cases := map[string]string{
		"no hash":    strings.Replace(string(good), `"content_sha256":"`, `"x":"`, 1),
		"wrong hash": strings.Replace(string(good), `"natural_key":"key-0"`, `"natural_key":"key-9"`, 1),
		"no time":    strings.Replace(string(good), `"observed_at_utc"`, `"observed"`, 1),
		"not json":   `{"exchange_type":`,
	}
	want := map[string]string{"no hash": "run xr-hash", "wrong hash": "does not match the content", "no time": "observed_at_utc: missing", "not json": "line 2: "}
	for name, line := range cases {
		in := string(good) + "\n" + line + "\n"
		st, err := Write(ctx, dir, strings.NewReader(in), WriteOptions{})
		if err == nil || !strings.Contains(err.Error(), want[name]) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%s: err %v", name, err)
		}
		if errors.Is(err, xr.ErrMismatch) {
			t.Errorf("%s: a refused record is not a verification mismatch", name)
		}
		_ = st
	}
	// the good line before the bad one was kept, once
	if st := mustVerify(t, dir); st.Get("records") != 1 {
		t.Fatalf("records: %s", st.Summary())
	}
	// with a reject sink, bad lines are counted and the rest goes in
	var rejected []int
	in := string(good) + "\n" + cases["no hash"] + "\n" + string(snapshottest.Spec{Seed: "bad"}.Line(1)) + "\n"
	st, err := Write(ctx, dir, strings.NewReader(in), WriteOptions{Reject: func(line int, raw []byte, err error) error {
		rejected = append(rejected, line)
		return nil
	}})
	if err != nil || st.Get("rejected") != 1 || st.Get("written") != 1 || st.Get("skipped") != 1 || len(rejected) != 1 || rejected[0] != 2 {
		t.Fatalf("rejects: %s %v %v", st.Summary(), err, rejected)
	}
}

func TestLock(t *testing.T) {
	dir := newPack(t)
	lk, err := lockPack(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Write(ctx, dir, strings.NewReader(""), WriteOptions{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("second writer: %v", err)
	}
	if _, err := Verify(ctx, dir, VerifyOptions{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("verify during a write: %v", err)
	}
	lk.unlock()
	if _, err := Write(ctx, dir, strings.NewReader(""), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestInit(t *testing.T) {
	parent := t.TempDir()
	m := manifest.Default("ds", "mediawiki", "wookieepedia", "page")
	dir, err := Init(parent, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Init(parent, m); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second init: %v", err)
	}
	got, err := manifest.Load(filepath.Join(dir, ManifestFile))
	if err != nil || got.DatasetName != "ds" || got.SyncPolicy.ConflictStrategy != "prefer_newest" {
		t.Fatalf("manifest: %+v %v", got, err)
	}
	for _, bad := range []string{"", "..", "a/b", ".hidden"} {
		if _, err := Init(parent, manifest.Default(bad, "x", "s", "e")); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	mustVerify(t, dir)
}

func TestWriteAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.json")
	for _, data := range []string{"one", "two"} {
		if err := writeAtomic(p, []byte(data), 0o600, false); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != data {
			t.Fatalf("got %q", b)
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}

// lines of a file, for the corruption tests
func readLines(t testing.TB, p string) []string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func writeLines(t testing.TB, p string, lines []string) {
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// An interrupt stops a write that waits for input, and leaves a clean pack.
func TestWriteInterrupted(t *testing.T) {
	dir := newPack(t)
	pr, pw := io.Pipe()
	s := snapshottest.Spec{Seed: "int"}
	go pw.Write(s.NDJSON(0, 5)) // then the input stays open and silent
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := Write(cctx, dir, pr, WriteOptions{})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write did not stop")
	}
	pw.Close()
	mustVerify(t, dir)
}

func TestChunkOrder(t *testing.T) {
	dir := newPack(t)
	for _, rel := range []string{
		"records/2026/2026-01-02/chunk-0002.ndjson", "records/2026/2026-01-01/chunk-10000.ndjson",
		"records/2026/2026-01-01/chunk-9999.ndjson", "records/2025/2025-12-31/chunk-0007.ndjson",
		"records/2026/2026-01-01/.xr-tmp-chunk-0001.ndjson-1", "records/2026/2026-01-01/notes.txt",
	} {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	l, err := listChunks(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range l.chunks {
		got = append(got, c.Rel)
	}
	want := "records/2025/2025-12-31/chunk-0007.ndjson records/2026/2026-01-01/chunk-9999.ndjson " +
		"records/2026/2026-01-01/chunk-10000.ndjson records/2026/2026-01-02/chunk-0002.ndjson"
	if strings.Join(got, " ") != want || l.maxNum != 10000 || len(l.temps) != 1 {
		t.Fatalf("order %v, max %d, temps %v", got, l.maxNum, l.temps)
	}
}

// A lagging index (an interrupted write) never hides a record from
// cat --key: without index lines for every chunk, all chunks are read.
func TestCatKeyWithLaggingIndex(t *testing.T) {
	dir := newPack(t)
	s := snapshottest.Spec{Seed: "lagkey", Keys: 2}
	if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 8)), WriteOptions{ChunkSize: 2}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, IndexFile)
	l := readLines(t, p)
	writeLines(t, p, l[:6]) // the last chunk's lines are missing
	got := catAll(t, dir, CatOptions{Key: "wookieepedia|page|key-1"})
	if n := strings.Count(got, "\n"); n != 4 {
		t.Fatalf("cat --key found %d of 4 records", n)
	}
}
