package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

// The kill tests run the real xr-pack binary and kill -9 it: at random
// moments (archive, extract) or at a named step (extract --force, through
// the XR_TEST_EXTRACT_CRASH hook). XR_TEST_LONG=1 runs ten times as many
// kills on a bigger pack.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// xrPackBin builds xr-pack once per test binary.
func xrPackBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "xr-pack-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "xr-pack")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func killLoops() (kills, records int) {
	if os.Getenv("XR_TEST_LONG") != "" {
		return 200, 20000
	}
	return 20, 600
}

// fdLimitVar=N in a command's env runs it under a file descriptor limit
// of N (ulimit -n, soft and hard, so the Go runtime cannot raise it). Below
// 512 it leaves extract no descriptors for unnamed files: its named-files
// fallback.
const fdLimitVar = "XR_TEST_FD_LIMIT"

// packCmd is xr-pack with args, env added to its environment, its stderr
// kept.
func packCmd(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	name := xrPackBin(t)
	for _, e := range env {
		if n, ok := strings.CutPrefix(e, fdLimitVar+"="); ok {
			args = append([]string{"-c", `ulimit -n ` + n + ` && exec "$0" "$@"`, name}, args...)
			name = "sh"
		}
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	return cmd, stderr
}

// xrpack runs xr-pack to completion; it must succeed.
func xrpack(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd, stderr := packCmd(t, env, args...)
	if err := cmd.Run(); err != nil {
		t.Fatalf("xr-pack %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String()
}

// makePack writes a pack of n generated records whose payloads all carry
// token, and returns its folder.
func makePack(t *testing.T, token string, n int) string {
	dir := t.TempDir()
	xrpack(t, nil, "init", "--name", "p", "--source", "wookieepedia", "--entity", "page", "--out", dir)
	in := filepath.Join(t.TempDir(), "in.ndjson")
	if err := os.WriteFile(in, snapshottest.Spec{Seed: token, Pad: 300, Step: 7 * time.Minute}.NDJSON(0, n), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(in)
	defer f.Close()
	cmd, stderr := packCmd(t, nil, "write", filepath.Join(dir, "p"))
	cmd.Stdin = f
	if err := cmd.Run(); err != nil {
		t.Fatalf("write: %v\n%s", err, stderr)
	}
	return filepath.Join(dir, "p")
}

// killAt starts xr-pack, kills it after d and reports whether the kill
// landed (the process had not finished).
func killAt(t *testing.T, d time.Duration, env []string, args ...string) bool {
	t.Helper()
	cmd, stderr := packCmd(t, env, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(d):
		cmd.Process.Signal(syscall.SIGKILL)
		err = <-done
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return true
		}
		t.Fatalf("xr-pack %s failed: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return false
}

// timeRun returns how long one uninterrupted run takes.
func timeRun(t *testing.T, env []string, args ...string) time.Duration {
	start := time.Now()
	xrpack(t, env, args...)
	return time.Since(start)
}

// leftovers lists the entries of dir whose names start with prefix.
func leftovers(t *testing.T, dir, prefix string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var l []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			l = append(l, e.Name())
		}
	}
	return l
}

func newRand(t *testing.T) *mrand.Rand {
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	return mrand.New(mrand.NewPCG(seed, 1))
}

func randomToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestKillLoopArchive: archive killed at random moments; the next archive
// to the same file removes what the killed one left (.xr-tmp-*), and the
// archive it writes verifies.
func TestKillLoopArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("kill loop: not in -short")
	}
	want, n := killLoops()
	pack := makePack(t, randomToken(), n)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "a.tar.zst.age")
	env := []string{"SNAPSHOT_ENCRYPTION_KEY=pw"}
	// a low scrypt work factor: the loop times the archive, not scrypt
	args := []string{"archive", "-q", pack, "--out", out, "--encrypt", "--work-factor", "10", "--force"}
	// the shortest of three runs: one run on a loaded machine can take ten
	// times the next, and a window that long lets most runs finish first
	T := min(timeRun(t, env, args...), timeRun(t, env, args...), timeRun(t, env, args...))
	r := newRand(t)
	kills := 0
	for i := 0; kills < want && i < 3*want; i++ {
		if killAt(t, time.Duration(r.Int64N(int64(T)*6/5)), env, args...) {
			kills++
		} else {
			T = max(T*3/4, time.Millisecond) // it finished first: aim earlier
		}
		if n := len(leftovers(t, outDir, ".xr-tmp-")); n > 1 {
			t.Fatalf("kill %d: %d temporary files: an earlier run's were not removed", kills, n)
		}
		xrpack(t, env, args...)
		if l := leftovers(t, outDir, ".xr-tmp-"); len(l) > 0 {
			t.Fatalf("kill %d: the next archive left %v", kills, l)
		}
	}
	if kills < want {
		t.Fatalf("only %d kills landed mid-run (run time %v)", kills, T)
	}
	xrpack(t, env, "verify", out)
	t.Logf("%d kills, run time %v", kills, T)
}

// plaintextFiles returns the regular files below dir, outside the pack
// folder keep, that hold token (decrypted data), and whether a staging
// folder was giving its files names (the moment a verified pack is
// committed, the one window in which a kill leaves named plaintext, which
// the next run removes).
func plaintextFiles(t *testing.T, dir, keep, token string) (found []string, naming bool) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == keep {
			return filepath.SkipDir
		}
		if d.Name() == "naming" {
			naming = true
		}
		if !d.Type().IsRegular() { // never follow links: staging links name /proc/self/fd/N
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(token)) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, naming
}

// TestKillLoopExtract: extract --force of encrypted archives killed at
// random moments, alternating between two archives (their records carry
// different tokens, so the data a killed run decrypted is told from the
// old pack it replaces). After every kill: a pack is at its path, no data
// the killed run decrypted is on disk outside it (but in the moment a
// verified pack is being named and moved into place, counted); the next
// extract removes every .xr-extract-* folder. The same loop runs under a
// file descriptor limit that forces the named-files fallback, where a kill
// may leave decrypted data until the next extract, which must remove it.
func TestKillLoopExtract(t *testing.T) {
	if testing.Short() {
		t.Skip("kill loop: not in -short")
	}
	_, n := killLoops()
	env := []string{"SNAPSHOT_ENCRYPTION_KEY=pw"}
	var a killArchives
	for i := range a.tokens {
		a.tokens[i] = randomToken()
		a.files[i] = filepath.Join(t.TempDir(), "a.tar.zst.age")
		xrpack(t, env, "archive", makePack(t, a.tokens[i], n+i), "--out", a.files[i], "--encrypt", "--work-factor", "10")
	}
	t.Run("unnamed files", func(t *testing.T) {
		outDir := t.TempDir()
		tmpErr := tmpfileIn(outDir)
		uses := unnamedFiles(t, env, a.files[0], outDir)
		if tmpErr == nil && !uses {
			t.Fatalf("O_TMPFILE works in %s, yet extract names the files it decrypts", outDir)
		}
		extractKillLoop(t, env, a, outDir, uses)
		if !uses {
			t.Skipf("NO UNNAMED FILES: O_TMPFILE does not work in %s (%v), so a kill leaves decrypted data until the next extract; checked only that the pack stays at its path and the next extract removes what a killed one left", outDir, tmpErr)
		}
	})
	t.Run("named files", func(t *testing.T) {
		outDir := t.TempDir()
		env := append(env, fdLimitVar+"=400")
		if unnamedFiles(t, env, a.files[0], outDir) {
			t.Fatal("under ulimit -n 400 extract still holds unnamed files: the named-files fallback is not what this runs")
		}
		extractKillLoop(t, env, a, outDir, false)
	})
}

// killArchives are two encrypted archives of packs whose records carry
// different tokens.
type killArchives struct{ tokens, files [2]string }

// unnamedFiles reports whether extract into outDir holds the files it
// decrypts unnamed: only then does it reach the step that names them,
// where XR_TEST_EXTRACT_CRASH kills it (what it leaves, the next extract
// removes).
func unnamedFiles(t *testing.T, env []string, archive, outDir string) bool {
	t.Helper()
	env = append(env[:len(env):len(env)], "XR_TEST_EXTRACT_CRASH=naming")
	if killAt(t, 20*time.Second, env, "extract", "-q", "--in", archive, "--out", outDir, "--name", "probe") {
		return true
	}
	if err := os.RemoveAll(filepath.Join(outDir, "probe")); err != nil {
		t.Fatal(err)
	}
	return false
}

// extractKillLoop kills extract --force into outDir at random moments (see
// TestKillLoopExtract); with noPlaintext, data the killed run decrypted
// must not outlive it.
func extractKillLoop(t *testing.T, env []string, a killArchives, outDir string, noPlaintext bool) {
	want, _ := killLoops()
	dest := filepath.Join(outDir, "p")
	args := func(i int) []string {
		return []string{"extract", "-q", "--in", a.files[i%2], "--out", outDir, "--force"}
	}
	// the shortest of three runs, and earlier after a run that finished
	// first (as TestKillLoopArchive: one run under load can take ten times
	// the next)
	T := min(timeRun(t, env, args(1)...), timeRun(t, env, args(0)...), timeRun(t, env, args(1)...))
	r := newRand(t)
	kills, window, left := 0, 0, 0
	for i := 0; kills < want && i < 3*want; i++ {
		if killAt(t, time.Duration(r.Int64N(int64(T)*6/5)), env, args(i)...) {
			kills++
		} else {
			T = max(T*3/4, time.Millisecond)
		}
		if _, err := os.Stat(filepath.Join(dest, "manifest.json")); err != nil {
			t.Fatalf("kill %d: no pack at %s: %v", kills, dest, err)
		}
		found, naming := plaintextFiles(t, outDir, dest, a.tokens[i%2])
		switch {
		case len(found) > 0 && naming:
			window++
		case len(found) > 0 && noPlaintext:
			t.Fatalf("kill %d: decrypted data outlived the process: %v", kills, found)
		case len(found) > 0:
			left++
		}
		xrpack(t, env, args(i)...)
		if l := leftovers(t, outDir, ".xr-extract-"); len(l) > 0 {
			t.Fatalf("kill %d: the next extract left %v", kills, l)
		}
	}
	if kills < want {
		t.Fatalf("only %d kills landed mid-run (run time %v)", kills, T)
	}
	xrpack(t, nil, "verify", dest)
	t.Logf("%d kills, run time %v; %d landed while a verified pack was being named, %d left named files the next extract removed", kills, T, window, left)
}

// TestExtractForceCrashBetweenSteps: a kill at each step of replacing a
// pack leaves the old or the new pack at its path: at once where the file
// system swaps them in one step (RENAME_EXCHANGE), and after the next
// extract's recovery where it cannot (XR_TEST_NO_EXCHANGE=1 forces that
// path).
func TestExtractForceCrashBetweenSteps(t *testing.T) {
	oldPack, newPack := makePack(t, "old", 30), makePack(t, "new", 40)
	dir := t.TempDir()
	archOld, archNew := filepath.Join(dir, "old.zip"), filepath.Join(dir, "new.zip")
	xrpack(t, nil, "archive", oldPack, "--out", archOld)
	xrpack(t, nil, "archive", newPack, "--out", archNew)
	catOf := func(p string) string {
		cmd, stderr := packCmd(t, nil, "cat", p)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("cat %s: %v\n%s", p, err, stderr)
		}
		return string(out)
	}
	oldRecs, newRecs := catOf(oldPack), catOf(newPack)
	for _, tc := range []struct{ step, noExchange string }{
		{"exchange", ""}, {"exchanged", ""}, {"naming", ""},
		{"exchange", "1"}, {"between-renames", "1"},
	} {
		t.Run(tc.step+"/no-exchange="+tc.noExchange, func(t *testing.T) {
			outDir := t.TempDir()
			dest := filepath.Join(outDir, "p")
			xrpack(t, nil, "extract", "--in", archOld, "--out", outDir)
			cenv := []string{"XR_TEST_EXTRACT_CRASH=" + tc.step, "XR_TEST_NO_EXCHANGE=" + tc.noExchange}
			if !killAt(t, 20*time.Second, cenv, "extract", "--in", archNew, "--out", outDir, "--force") {
				t.Fatal("the crash hook did not kill the extract")
			}
			if tc.step == "between-renames" {
				// the one state without a pack at its path: the next
				// extract into the folder puts the old one back first
				if _, err := os.Stat(dest); err == nil {
					t.Fatal("between the renames, yet the path holds a pack")
				}
				stderr := xrpack(t, nil, "extract", "--in", archNew, "--out", outDir, "--name", "q")
				if !strings.Contains(stderr, "restored "+dest) {
					t.Fatalf("the next extract did not restore the old pack: %s", stderr)
				}
			}
			switch got := catOf(dest); got {
			case oldRecs, newRecs:
			default:
				t.Fatalf("after a kill at %s the path holds neither pack", tc.step)
			}
			xrpack(t, nil, "verify", dest)
			xrpack(t, nil, "extract", "--in", archNew, "--out", outDir, "--force")
			if catOf(dest) != newRecs {
				t.Fatal("the next extract --force did not install the new pack")
			}
			if l := leftovers(t, outDir, ".xr-extract-"); len(l) > 0 {
				t.Fatalf("the next extract left %v", l)
			}
		})
	}
}
