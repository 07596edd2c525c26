package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
	"github.com/xr-lake/xr/pkg/xr"
)

// TestMain doubles as the crash test's writer process: with
// XR_CRASH_WRITER=DIR it appends stdin to DIR and exits.
func TestMain(m *testing.M) {
	if dir := os.Getenv("XR_CRASH_REDACT"); dir != "" {
		if _, err := Redact(ctx, dir, RedactOptions{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if dir := os.Getenv("XR_CRASH_WRITER"); dir != "" {
		o := WriteOptions{ChunkSize: 20}
		if d, err := time.ParseDuration(os.Getenv("XR_CRASH_COMMIT_EVERY")); err == nil {
			o = WriteOptions{CommitEvery: d} // default chunk size: chunks fill slowly
		}
		_, err := Write(ctx, dir, os.Stdin, o)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childProcess returns this test binary as a command that TestMain runs
// as the child env names (XR_CRASH_WRITER=DIR, XR_CRASH_REDACT=DIR, …),
// with its stderr captured; the caller sets its stdin and starts it.
func childProcess(t *testing.T, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// packHashes returns the content hashes of every record in the chunks.
func packHashes(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := catAll(t, dir, CatOptions{})
	m := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if h := lineHash([]byte(l)); h != "" {
			m[h] = true
		}
	}
	return m
}

// lineHash is the content_sha256 of a record line, "" when it has none.
func lineHash(l []byte) string {
	i := bytes.Index(l, []byte(`"content_sha256":"`))
	if i < 0 {
		return ""
	}
	return string(l[i+18 : i+18+64])
}

func mustChunks(t testing.TB, dir string) []Chunk {
	cs, err := Chunks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestCrash kills a writer with SIGKILL at many moments of a large write
// and checks after each kill: the chunks all parse and verify (no partial
// chunk is ever visible), nothing that was in the pack is lost, the index
// never names a record that is not there, and verify plus index --rebuild
// (or the next write) bring the pack back to a clean state.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns writers")
	}
	dir := newPack(t)
	s := snapshottest.Spec{Seed: "crash", Step: 37 * time.Minute, Pad: 600, Keys: 50}
	const total = 13*200 + 600 // the last round's records included
	input := filepath.Join(t.TempDir(), "in.ndjson")
	before := map[string]bool{}
	kills, lagging := 0, 0
	for round := 0; round < 14; round++ {
		// each round brings new records and some of the last round's
		if err := os.WriteFile(input, s.NDJSON(round*200, round*200+600), 0o644); err != nil {
			t.Fatal(err)
		}
		in, _ := os.Open(input)
		cmd, stderr := childProcess(t, "XR_CRASH_WRITER="+dir)
		cmd.Stdin = in
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// kill after the k-th new chunk appears, plus a few hundred
		// microseconds: sometimes mid-chunk, sometimes between a chunk's
		// rename and its index lines, sometimes before anything
		start := len(mustChunks(t, dir))
		deadline := time.Now().Add(3 * time.Second)
		for k := round % 5; len(mustChunks(t, dir)) < start+k && time.Now().Before(deadline); {
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(time.Duration(round*round%7*150) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		in.Close()
		if err != nil {
			kills++
		}
		if stderr.Len() > 0 && !strings.Contains(stderr.String(), "signal") {
			t.Fatalf("round %d: writer said %s", round, stderr.String())
		}
		after := packHashes(t, dir)
		for h := range before {
			if !after[h] {
				t.Fatalf("round %d: record %s was lost", round, h)
			}
		}
		var problems []string
		st, verr := Verify(ctx, dir, VerifyOptions{Problem: func(m string) { problems = append(problems, m) }})
		if verr != nil && !errors.Is(verr, xr.ErrMismatch) {
			t.Fatalf("round %d: verify: %v", round, verr)
		}
		for _, bad := range []string{"bad_lines", "bad_hashes", "extra_index", "wrong_file", "duplicate_index", "duplicate_records", "index_differs", "bad_manifest"} {
			if st.Get(bad) != 0 {
				t.Fatalf("round %d: %s after a kill: %s\n%s", round, bad, st.Summary(), strings.Join(problems, "\n"))
			}
		}
		if st.Get("missing_index") > 0 || st.Get("bad_index_lines") > 0 {
			lagging++
		}
		if round%2 == 0 && verr != nil {
			if _, err := Rebuild(ctx, dir, RebuildOptions{}); err != nil {
				t.Fatalf("round %d: rebuild: %v", round, err)
			}
			mustVerify(t, dir)
		} // odd rounds: the next writer repairs the index itself
		before = after
	}
	// a last, uninterrupted write completes the pack
	st, err := Write(ctx, dir, bytes.NewReader(s.NDJSON(0, total)), WriteOptions{ChunkSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	v := mustVerify(t, dir)
	if v.Get("records") != total || int(st.Get("written"))+len(before) != total {
		t.Fatalf("final: %s / %s (had %d)", st.Summary(), v.Summary(), len(before))
	}
	if kills < 7 {
		t.Fatalf("only %d of 14 writers were killed mid-write; make the input bigger", kills)
	}
	t.Logf("%d writers killed, %d left the index behind; %d records survived the kills", kills, lagging, len(before))
}
