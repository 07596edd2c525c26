package snapshot

import (
	"bytes"
	mrand "math/rand/v2"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

// interleaved returns n records spread over days UTC days, consecutive
// records on different days (observed_at is not hashed, so it is set
// freely), as the export of a table ordered by key gives them.
func interleaved(seed string, n, days int) [][]byte {
	s := snapshottest.Spec{Seed: seed, Step: time.Second, Pad: 100}
	out := make([][]byte, n)
	for i := range out {
		l := s.Line(i)
		day := time.Date(2026, 3, 1+i%days, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		out[i] = bytes.Replace(l, []byte(`"observed_at_utc":"2026-03-01T`), []byte(`"observed_at_utc":"`+day+`T`), 1)
		if bytes.Equal(out[i], l) && i%days != 0 {
			panic("observed_at_utc not rewritten: " + string(l))
		}
	}
	return out
}

// TestWriteCommitsPeriodically: a write of day-interleaved input (no chunk
// ever fills) killed again and again makes progress: the records committed
// grow from kill to kill. Each rerun gets the records not yet in the pack,
// as an export through xr-diff --against the index does. On main before
// periodic commits every kill committed nothing.
func TestWriteCommitsPeriodically(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns writers")
	}
	dir := newPack(t)
	recs := interleaved("progress", 29*1000, 29)
	seed := uint64(time.Now().UnixNano())
	r := mrand.New(mrand.NewPCG(seed, 2))
	t.Logf("random seed %d", seed)
	prev := 0
	rounds := 0
	for ; rounds < 20; rounds++ {
		round := rounds
		in := packHashes(t, dir)
		var todo [][]byte
		for _, l := range recs {
			if !in[lineHash(l)] {
				todo = append(todo, l)
			}
		}
		if len(todo) < 2500 {
			break
		}
		cmd, stderr := childProcess(t, "XR_CRASH_WRITER="+dir, "XR_CRASH_COMMIT_EVERY=30ms")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// feed a random part in pieces; the input stays open, so the
		// writer never sees its end (which commits everything anyway)
		fed := min(len(todo), 1200+r.IntN(1200))
		for i := 0; i < fed; i += 200 {
			stdin.Write(append(bytes.Join(todo[i:min(i+200, fed)], []byte("\n")), '\n'))
			time.Sleep(10 * time.Millisecond)
		}
		// kill once the index grew (the writer is alive, its input open),
		// at a random moment after that
		deadline := time.Now().Add(10 * time.Second)
		for indexLines(t, dir) <= prev && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(r.IntN(50)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		stdin.Close()
		if stderr.Len() > 0 {
			t.Fatalf("round %d: writer said %s", round, stderr.String())
		}
		now := len(packHashes(t, dir))
		t.Logf("round %d: fed %d, %d records committed (+%d)", round, fed, now, now-prev)
		if now <= prev {
			t.Fatalf("round %d: %d records committed before the kill, %d after: no progress", round, prev, now)
		}
		prev = now
	}
	if rounds < 20 {
		t.Fatalf("only %d rounds: make the input bigger", rounds)
	}
	mustVerifyOrRebuild(t, dir)
}

// mustVerifyOrRebuild: after kills the index may lag; a rebuild repairs it
// and the pack then verifies.
func mustVerifyOrRebuild(t *testing.T, dir string) {
	t.Helper()
	if _, err := Verify(ctx, dir, VerifyOptions{}); err != nil {
		if _, err := Rebuild(ctx, dir, RebuildOptions{}); err != nil {
			t.Fatal(err)
		}
		mustVerify(t, dir)
	}
}

func indexLines(t *testing.T, dir string) int {
	b, err := os.ReadFile(dir + "/" + IndexFile)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}
