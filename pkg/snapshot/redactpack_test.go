package snapshot

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/redact"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
	"github.com/xr-lake/xr/pkg/xr"
)

// secretPack makes a pack of n records, two in three holding secrets,
// written while its redaction policy was off; the policy is on when it
// returns.
func secretPack(t testing.TB, n int) string {
	t.Helper()
	dir := newPack(t)
	setPolicy(t, dir, false)
	s := snapshottest.Spec{Seed: "redact", Step: 13 * time.Minute, Pad: 300, Keys: 40, Secrets: true}
	if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, n)), WriteOptions{ChunkSize: 20}); err != nil {
		t.Fatal(err)
	}
	setPolicy(t, dir, true)
	return dir
}

func setPolicy(t testing.TB, dir string, on bool) {
	t.Helper()
	path := filepath.Join(dir, ManifestFile)
	m, err := manifest.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m.RedactionPolicy.Enabled = on
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// identities lists each record's exchange_id and observed_at_utc in pack
// order.
func identities(t testing.TB, dir string) []string {
	t.Helper()
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(catAll(t, dir, CatOptions{})), "\n") {
		var rec envelope.Record
		if err := envelope.Parse(&rec, []byte(l), false); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID()+" "+rec.Str(envelope.ObservedAt))
	}
	return ids
}

// secretsLeft counts the records of the pack xr-redact --check finds
// secrets in.
func secretsLeft(t testing.TB, dir string) int64 {
	t.Helper()
	m, err := manifest.Load(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	st, err := redact.Run(ctx, strings.NewReader(catAll(t, dir, CatOptions{})), nil, redact.Options{Policy: &m.RedactionPolicy, Check: true})
	if err != nil && !errors.Is(err, xr.ErrMismatch) {
		t.Fatal(err)
	}
	return st.Get("redacted")
}

func chunkFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, c := range mustChunks(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.Rel)))
		if err != nil {
			t.Fatal(err)
		}
		m[c.Rel] = b
	}
	return m
}

func copyPack(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "p")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestRedactPack(t *testing.T) {
	dir := secretPack(t, 300)
	ids := identities(t, dir)
	if n := secretsLeft(t, dir); n != 200 {
		t.Fatalf("the pack holds %d records with secrets, want 200", n)
	}
	var changed []string
	st, err := Redact(ctx, dir, RedactOptions{Diag: xr.NewDiag(nil, func(m string) { changed = append(changed, m) })})
	if err != nil {
		t.Fatal(err)
	}
	if st.Get("redacted") != 200 || st.Get("records") != 300 || st.Get("rewritten") != 16 ||
		st.Get("rule:header:authorization") != 200 || st.Get("rule:url:query:access_token") != 200 {
		t.Fatalf("stats %s", st.Summary())
	}
	if len(changed) != 16 || !strings.Contains(changed[0], "chunk-0001.ndjson: 13 of 20 records redacted (header:authorization, url:query:access_token)") {
		t.Fatalf("lines %q", changed)
	}
	for _, m := range changed {
		if strings.Contains(m, "sekrit") || strings.Contains(m, "=tok") {
			t.Fatalf("a line names a secret: %s", m)
		}
	}
	if n := secretsLeft(t, dir); n != 0 {
		t.Fatalf("%d records still hold secrets", n)
	}
	if got := identities(t, dir); !slices.Equal(got, ids) {
		t.Fatal("exchange_ids, observed_at_utc or order changed")
	}
	mustVerify(t, dir)
	// what it stores is what xr-redact -m | xr-hash makes: the same as
	// xr-pack write gives a fresh pack of the same records
	fresh := newPack(t)
	if _, err := Write(ctx, fresh, strings.NewReader(catAll(t, secretPackNoRedact(t), CatOptions{})), WriteOptions{ChunkSize: 20}); err != nil {
		t.Fatal(err)
	}
	if a, b := catAll(t, dir, CatOptions{}), catAll(t, fresh, CatOptions{}); a != b {
		t.Fatal("xr-pack redact and xr-pack write store different records")
	}
	// a second run changes nothing
	before := chunkFiles(t, dir)
	if st, err := Redact(ctx, dir, RedactOptions{}); err != nil || st.Get("rewritten") != 0 || st.Get("redacted") != 0 {
		t.Fatalf("second run: %v %s", err, st.Summary())
	}
	if after := chunkFiles(t, dir); len(after) != len(before) {
		t.Fatal("chunks changed")
	} else {
		for k, v := range before {
			if !bytes.Equal(after[k], v) {
				t.Fatalf("%s rewritten by a run that had nothing to do", k)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, RedactPendingFile)); err == nil {
		t.Fatal("the pending marker stayed")
	}
}

// secretPackNoRedact is secretPack's records as written (policy off).
func secretPackNoRedact(t testing.TB) string {
	dir := secretPack(t, 300)
	setPolicy(t, dir, false)
	return dir
}

func TestRedactPackRefuses(t *testing.T) {
	dir := secretPack(t, 40)
	setPolicy(t, dir, false)
	if _, err := Redact(ctx, dir, RedactOptions{}); err == nil || !strings.Contains(err.Error(), "redaction_policy.enabled is false") {
		t.Fatalf("policy off: %v", err)
	}
	setPolicy(t, dir, true)
	// a record that does not verify stops it, naming chunk and line,
	// before its chunk is touched
	rel := mustChunks(t, dir)[1].Rel
	path := filepath.Join(dir, filepath.FromSlash(rel))
	b, _ := os.ReadFile(path)
	b = bytes.Replace(b, []byte(`"n":25,`), []byte(`"n":26,`), 1)
	os.WriteFile(path, b, 0o644)
	_, err := Redact(ctx, dir, RedactOptions{})
	if err == nil || !strings.Contains(err.Error(), rel+": line 6: ") || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("tampered record: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, b) {
		t.Fatal("the chunk with the bad record was changed")
	}
	// a busy writer: it waits for nothing, it refuses
	lk, err := lockPack(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.unlock()
	if _, err := Redact(ctx, dir, RedactOptions{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked: %v", err)
	}
}

// A pack where an older export appended the redacted copy of records
// (same exchange_id) next to their originals: once scrubbed they are one
// record, kept once.
func TestRedactPackDropsScrubbedCopies(t *testing.T) {
	dir := secretPack(t, 60)
	clean := copyPack(t, dir)
	if _, err := Redact(ctx, clean, RedactOptions{}); err != nil {
		t.Fatal(err)
	}
	// the scrubbed copies of chunk 1's records, appended as chunk 99
	copies, _ := os.ReadFile(filepath.Join(clean, filepath.FromSlash(mustChunks(t, clean)[0].Rel)))
	day := filepath.Join(dir, "records", "2026", "2026-03-09")
	os.MkdirAll(day, 0o755)
	os.WriteFile(filepath.Join(day, "chunk-0099.ndjson"), copies, 0o644)
	if _, err := Rebuild(ctx, dir, RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := Redact(ctx, dir, RedactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Get("duplicates_dropped") != 20 || st.Get("records") != 80 {
		t.Fatalf("stats %s", st.Summary())
	}
	v := mustVerify(t, dir)
	if v.Get("records") != 60 {
		t.Fatalf("verify: %s", v.Summary())
	}
	if a, b := catAll(t, dir, CatOptions{}), catAll(t, clean, CatOptions{}); a != b {
		t.Fatal("the pack differs from the scrubbed original")
	}
}

// TestRedactKillLoop kills xr-pack redact (SIGKILL) at random moments, at
// least 20 times, then reruns it: after each kill every chunk is whole
// (the old one or the new one, byte for byte), record count, exchange_ids,
// observed_at_utc and order are unchanged and every hash verifies; after
// the rerun no secret is left and verify is clean. XR_TEST_LONG=1 for
// 200 kills on a bigger pack.
func TestRedactKillLoop(t *testing.T) {
	kills, records := 20, 1000
	if os.Getenv("XR_TEST_LONG") != "" {
		kills, records = 200, 6000
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("XR_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (XR_TEST_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	dirty := secretPack(t, records)
	ids := identities(t, dirty)
	old := chunkFiles(t, dirty)
	scrubbed := copyPack(t, dirty)
	// the kill window is timed on a whole run of the child itself (process
	// start included), not on a run in this process: under a changing load
	// the two differ, and most kills then came after the end
	cmd, stderr := childProcess(t, "XR_CRASH_REDACT="+scrubbed)
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("redact: %v %s", err, stderr)
	}
	span := time.Since(t0)
	clean := chunkFiles(t, scrubbed)

	dir := copyPack(t, dirty)
	landed, partial := 0, 0
	for k := 0; k < kills; k++ {
		if k%4 == 0 { // start over now and then, so kills keep finding work
			os.RemoveAll(dir)
			dir = copyPack(t, dirty)
		}
		cmd, stderr := childProcess(t, "XR_CRASH_REDACT="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// up to 1.5 runs: before, during, after
		time.Sleep(time.Duration(rng.Int64N(int64(span*3/2) + 1)))
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err == nil {
			landed++
			span = span * 3 / 4 // it ran faster than timed: aim earlier
		} else if stderr.Len() > 0 && !strings.Contains(stderr.String(), "signal") {
			t.Fatalf("kill %d: redact said %s", k, stderr.String())
		}
		now := chunkFiles(t, dir)
		newer := 0
		for rel, b := range now {
			switch {
			case bytes.Equal(b, old[rel]):
			case bytes.Equal(b, clean[rel]):
				newer++
			default:
				t.Fatalf("kill %d: %s is neither the old chunk nor the scrubbed one", k, rel)
			}
		}
		if len(now) != len(old) {
			t.Fatalf("kill %d: %d chunks, want %d", k, len(now), len(old))
		}
		if newer > 0 && newer < len(clean) {
			partial++
		}
		if got := identities(t, dir); !slices.Equal(got, ids) {
			t.Fatalf("kill %d: exchange_ids, observed_at_utc or order changed", k)
		}
		st, verr := Verify(ctx, dir, VerifyOptions{Problem: func(string) {}})
		if verr != nil && !errors.Is(verr, xr.ErrMismatch) {
			t.Fatalf("kill %d: verify: %v", k, verr)
		}
		for _, bad := range []string{"bad_lines", "bad_hashes", "duplicate_records", "wrong_file", "bad_manifest"} {
			if st.Get(bad) != 0 {
				t.Fatalf("kill %d: %s: %s", k, bad, st.Summary())
			}
		}
	}
	if _, err := Redact(ctx, dir, RedactOptions{}); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if got := identities(t, dir); !slices.Equal(got, ids) {
		t.Fatal("after the rerun: exchange_ids, observed_at_utc or order changed")
	}
	if n := secretsLeft(t, dir); n != 0 {
		t.Fatalf("after the rerun %d records hold secrets", n)
	}
	mustVerify(t, dir)
	if partial == 0 {
		t.Fatalf("no kill of %d fell between two chunks (%d runs finished): the pack is too small", kills, landed)
	}
	t.Logf("%d kills: %d left some chunks scrubbed and some not, %d runs finished first", kills, partial, landed)
}

// Two versions of a key that differed only in a secret hash alike once
// scrubbed: both stay (their own exchange_ids), verify accepts the hash
// twice in the index, and write skips a third copy as already there.
func TestRedactPackVersionsBecomeOne(t *testing.T) {
	dir := newPack(t)
	setPolicy(t, dir, false)
	rec := func(id, tok, at string) string {
		return hashed(t, `{"exchange_id":"`+id+`","exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"k",`+
			`"request":{"headers":{"Authorization":"Bearer `+tok+`"}},"response":{"ok":true},"observed_at_utc":"`+at+`"}`)
	}
	in := rec("00000000-0000-4000-8000-00000000000a", "sekrit-1", "2024-01-01T00:00:00Z") + "\n" +
		rec("00000000-0000-4000-8000-00000000000b", "sekrit-2", "2024-01-02T00:00:00Z") + "\n"
	if _, err := Write(ctx, dir, strings.NewReader(in), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	setPolicy(t, dir, true)
	if st, err := Redact(ctx, dir, RedactOptions{}); err != nil || st.Get("redacted") != 2 || st.Get("duplicates_dropped") != 0 {
		t.Fatalf("%v %s", err, st.Summary())
	}
	if v := mustVerify(t, dir); v.Get("records") != 2 || v.Get("index_entries") != 2 {
		t.Fatalf("verify: %s", v.Summary())
	}
	st, err := Write(ctx, dir, strings.NewReader(rec("00000000-0000-4000-8000-00000000000c", "sekrit-3", "2024-01-03T00:00:00Z")+"\n"), WriteOptions{})
	if err != nil || st.Get("skipped") != 1 {
		t.Fatalf("third copy: %v %s", err, st.Summary())
	}
}

// hashed gives a record its content_sha256.
func hashed(t testing.TB, line string) string {
	t.Helper()
	var rec envelope.Record
	if err := envelope.Parse(&rec, []byte(line), false); err != nil {
		t.Fatal(err)
	}
	h, err := contenthash.Sum(&rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.SetString(envelope.ContentSHA256, h)
	return string(envelope.Append(nil, &rec))
}

// A pack's ledger: write notes the chunks it stores (clean, the policy
// applied), a chunk changed behind its back is counted again.
func TestSecretsLedger(t *testing.T) {
	dir := newPack(t)
	s := snapshottest.Spec{Seed: "ledger", Secrets: true}
	if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 30)), WriteOptions{ChunkSize: 10}); err != nil {
		t.Fatal(err)
	}
	_, policy, _ := packPolicy(dir)
	led := loadLedger(dir, policy)
	for _, c := range mustChunks(t, dir) {
		if n, ok := led.lookup(dir, c.Rel); !ok || n != 0 {
			t.Fatalf("%s: ledger %d %v after write", c.Rel, n, ok)
		}
	}
	// another tool appends a record with secrets to a chunk
	c := mustChunks(t, dir)[0]
	f, _ := os.OpenFile(filepath.Join(dir, filepath.FromSlash(c.Rel)), os.O_APPEND|os.O_WRONLY, 0)
	f.Write(append(snapshottest.Spec{Seed: "other", Secrets: true}.Line(1), '\n'))
	f.Close()
	if n, err := CountSecrets(ctx, dir); err != nil || n != 1 {
		t.Fatalf("CountSecrets after an append: %d %v", n, err)
	}
	if n, ok := loadLedger(dir, policy).lookup(dir, c.Rel); !ok || n != 1 {
		t.Fatalf("the ledger did not note the rescan: %d %v", n, ok)
	}
}

// After a redact killed between its chunk renames and the new index, the
// index names old hashes whose chunks were rewritten; the pending marker
// makes the next write rebuild the index first, so the pack verifies.
func TestWriteAfterInterruptedRedact(t *testing.T) {
	dir := secretPack(t, 60)
	scrubbed := copyPack(t, dir)
	if _, err := Redact(ctx, scrubbed, RedactOptions{}); err != nil {
		t.Fatal(err)
	}
	c := mustChunks(t, dir)[0]
	b, _ := os.ReadFile(filepath.Join(scrubbed, filepath.FromSlash(c.Rel)))
	if err := writeAtomic(filepath.Join(dir, filepath.FromSlash(c.Rel)), b, 0o644, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, RedactPendingFile), nil, 0o644)
	var notices []string
	s := snapshottest.Spec{Seed: "after", Start: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, 5)), WriteOptions{Diag: xr.NewDiag(nil, func(m string) { notices = append(notices, m) })}); err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "interrupted xr-pack redact") {
		t.Fatalf("notices %q", notices)
	}
	if v := mustVerify(t, dir); v.Get("records") != 65 {
		t.Fatalf("verify: %s", v.Summary())
	}
	if _, err := Redact(ctx, dir, RedactOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, RedactPendingFile)); err == nil {
		t.Fatal("the marker stayed after the rerun")
	}
	mustVerify(t, dir)
}

// cat --verify parses every record anyway: it notes in the ledger what it
// found, so the count of secrets every reader prints after it (xr-pack
// cat, the import) reads no chunk a second time.
func TestCatVerifyNotesSecrets(t *testing.T) {
	dir := secretPack(t, 60)
	want := secretsLeft(t, dir)
	if _, err := os.Stat(filepath.Join(dir, SecretsFile)); err == nil {
		t.Fatal("a ledger before any reader ran")
	}
	if _, err := Cat(ctx, dir, io.Discard, CatOptions{Verify: true}); err != nil {
		t.Fatal(err)
	}
	_, policy, _ := packPolicy(dir)
	led := loadLedger(dir, policy)
	var got int64
	for _, c := range mustChunks(t, dir) {
		n, ok := led.lookup(dir, c.Rel)
		if !ok {
			t.Fatalf("%s: not in the ledger after cat --verify", c.Rel)
		}
		got += n
	}
	if got != want || want == 0 {
		t.Fatalf("the ledger counts %d records with secrets, want %d", got, want)
	}
	if n, err := CountSecrets(ctx, dir); err != nil || n != want {
		t.Fatalf("CountSecrets: %d %v, want %d", n, err, want)
	}

	// a cat --verify stopped by a tampered record vouches for no chunk it
	// did not read
	dir = secretPack(t, 60)
	c := mustChunks(t, dir)[1]
	p := filepath.Join(dir, filepath.FromSlash(c.Rel))
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte(`"score":`), []byte(`"score":1`), 1), 0o644)
	if _, err := Cat(ctx, dir, io.Discard, CatOptions{Verify: true}); !errors.Is(err, xr.ErrMismatch) {
		t.Fatalf("cat --verify of a tampered pack: %v", err)
	}
	want = secretsLeft(t, dir)
	if n, err := CountSecrets(ctx, dir); err != nil || n != want {
		t.Fatalf("CountSecrets after a stopped cat --verify: %d %v, want %d", n, err, want)
	}
}

// A reader killed while it wrote the ledger leaves the ledger's temporary
// file; the next reader that keeps the ledger removes it, so that the pack
// verifies clean again without a writer or index --rebuild (the model
// test's killed, rerun sync: verify reported the temp file).
func TestLedgerOrphanRemoved(t *testing.T) {
	dir := secretPack(t, 60)
	if _, err := Cat(ctx, dir, io.Discard, CatOptions{Verify: true}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, SecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(dir, tmpPrefix+SecretsFile+"-123")
	if err := os.WriteFile(orphan, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Cat(ctx, dir, io.Discard, CatOptions{Verify: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(orphan); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the ledger's orphan is still there: %v", err)
	}
	mustVerify(t, dir)
}

// cat --verify takes the count of a chunk the ledger vouches for from the
// ledger (the scan for secrets costs it a fifth more CPU); verify counts
// every chunk anew.
func TestCatVerifyTrustsLedger(t *testing.T) {
	dir := secretPack(t, 60)
	want := secretsLeft(t, dir)
	if n, err := CountSecrets(ctx, dir); err != nil || n != want {
		t.Fatalf("CountSecrets: %d %v, want %d", n, err, want)
	}
	// a ledger whose counts are off, its stamps right: only a rescan
	// would notice
	_, policy, _ := packPolicy(dir)
	led := loadLedger(dir, policy)
	for rel, e := range led.Chunks {
		e.Secrets = 7
		led.Chunks[rel] = e
	}
	led.dirty = true
	led.save(dir, nil)
	fake := int64(7 * len(led.Chunks))
	if _, err := Cat(ctx, dir, io.Discard, CatOptions{Verify: true}); err != nil {
		t.Fatal(err)
	}
	if n, err := CountSecrets(ctx, dir); err != nil || n != fake {
		t.Fatalf("after cat --verify: %d %v, want the ledger's %d (nothing rescanned)", n, err, fake)
	}
	if v := mustVerify(t, dir); v.Get("secrets") != want {
		t.Fatalf("verify counts %d secrets, want %d", v.Get("secrets"), want)
	}
	if n, err := CountSecrets(ctx, dir); err != nil || n != want {
		t.Fatalf("after verify: %d %v, want %d", n, err, want)
	}
}

// A secret in a record's natural_key (a captured request's URL) is
// scrubbed by xr-pack write and xr-pack redact, and the index's key is the
// scrubbed record's: index.jsonl never holds the secret, and the pack
// verifies.
func TestNaturalKeySecretLeavesIndex(t *testing.T) {
	const secret = "k3y-S3cret-9"
	line := `{"exchange_id":"0f8fad5b-d9cb-469f-a165-70867728950e","exchange_type":"http","source_system":"wookieepedia","entity_type":"page","natural_key":"GET https://h/p?api_key=` + secret + `&page=1","request":{},"response":{"ok":true},"observed_at_utc":"2024-05-01T10:00:00Z"}`
	in := hashed(t, line) + "\n"
	noSecret := func(dir string) {
		t.Helper()
		for _, f := range []string{IndexFile} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds the secret:\n%s", f, b)
			}
		}
		for rel, b := range chunkFiles(t, dir) {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds the secret", rel)
			}
		}
		mustVerify(t, dir)
	}
	// written with the policy on
	dir := newPack(t)
	if _, err := Write(ctx, dir, strings.NewReader(in), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	noSecret(dir)
	// written with the policy off, then scrubbed in place
	dir = newPack(t)
	setPolicy(t, dir, false)
	if _, err := Write(ctx, dir, strings.NewReader(in), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	setPolicy(t, dir, true)
	if _, err := Redact(ctx, dir, RedactOptions{}); err != nil {
		t.Fatal(err)
	}
	noSecret(dir)
}
