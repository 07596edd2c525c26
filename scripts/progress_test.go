//go:build linux

package scripts_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/internal/ptytest"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

// The progress of issue 13: on a terminal xr-snapshot shows one line for
// the whole command (the step, percent, records, bytes, rate, ETA), the
// stages of its pipelines stay quiet, and nothing of it reaches a
// redirected stderr. CI imports a pack of a few MB (frames drawn 50 times
// a second, XR_PROGRESS_FPS, so that it still shows some); XR_TEST_LONG=1
// imports 200 MB at the default four frames a second.

// progressPack makes a pack of about mb MB of distinct keys and returns
// its manifest.
func progressPack(t *testing.T, dir string, mb int) string {
	t.Helper()
	const pad = 4000
	s := snapshottest.Spec{Seed: "progress", Step: time.Second, Keys: 1 << 30, Pad: pad}
	n := mb << 20 / (pad + 400)
	in := filepath.Join(dir, "in.ndjson")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < n; i++ {
		w.Write(s.Line(i))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mustRunIn(t, dir, nil, "xr-pack", "init", "--name", "big", "--source", "wookieepedia", "--entity", "page", "--out", dir)
	mustRunIn(t, dir, in, "xr-pack", "write", "-q", filepath.Join(dir, "big"))
	return filepath.Join(dir, "big", "manifest.json")
}

// mustRunIn runs a command in dir (stdin from the file in, if any) and fails
// the test if it fails.
func mustRunIn(t *testing.T, dir string, in any, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if p, ok := in.(string); ok {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// frames splits terminal output into the lines and frames it shows.
func frames(out []byte) []string {
	out = bytes.ReplaceAll(out, []byte("\x1b[K"), nil)
	return strings.FieldsFunc(string(out), func(r rune) bool { return r == '\r' || r == '\n' })
}

var snapshotFrame = regexp.MustCompile(`^xr-snapshot import (\d)/4 ([a-zA-Z' ]+): (\d+)% [0-9.]+ of [0-9.]+ MB, \d+ records, [0-9.]+ MB/s, ETA (\d+:\d\d|--:--)$`)

// stageFrame is a progress frame of one of the stages: under xr-snapshot
// they stay quiet.
var stageFrame = regexp.MustCompile(`^xr-(canon|redact|hash|diff|pack|sqlload|sqldump)\b[^:]*: .*MB/s`)

func importEnv(dir string, extra ...string) []string {
	env := append(os.Environ(), "XR_DB=sqlite:"+filepath.Join(dir, "lake.db"))
	env = append(env, "XR_PROGRESS=", "XR_PROGRESS_FPS=", "TERM=xterm")
	return append(env, extra...)
}

func TestProgressSnapshotImportOnTerminal(t *testing.T) {
	mb, fps := 12, "XR_PROGRESS_FPS=50"
	if longMode() {
		mb, fps = 200, "XR_PROGRESS_FPS="
	}
	dir := t.TempDir()
	m := progressPack(t, dir, mb)
	p, err := ptytest.Open(200)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err) // not Linux's /dev/ptmx
	}
	var stdout bytes.Buffer
	cmd := exec.Command("xr-snapshot", "import", "--manifest", m)
	cmd.Dir, cmd.Env = dir, importEnv(dir, fps)
	cmd.Stdout, cmd.Stderr = &stdout, p.TTY
	start := time.Now()
	err = cmd.Start()
	p.CloseTTY()
	if err == nil {
		err = cmd.Wait()
	}
	out := p.Output()
	t.Logf("%d MB pack imported in %s", mb, time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("xr-snapshot import: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`Inserted: [1-9]`).Match(stdout.Bytes()) {
		t.Errorf("no records inserted:\n%s", stdout.Bytes())
	}
	var reached100, midway bool
	steps := map[string]bool{}
	for _, f := range frames(out) {
		if stageFrame.MatchString(f) {
			t.Errorf("a stage drew its own progress: %q", f)
		}
		sm := snapshotFrame.FindStringSubmatch(f)
		if sm == nil {
			continue
		}
		steps[sm[2]] = true
		pct, _ := strconv.Atoi(sm[3])
		if sm[2] == "reading the pack" && pct == 100 && sm[4] != "--:--" {
			reached100 = true
		}
		if pct < 100 && sm[4] != "--:--" {
			midway = true
		}
	}
	if !reached100 {
		t.Errorf("no frame of 'reading the pack' at 100%% with an ETA:\n%q", out)
	}
	if longMode() && !midway {
		t.Errorf("no frame short of 100%% with an ETA:\n%q", out)
	}
	t.Logf("steps shown: %v", steps) // a quick step may end before its first frame
	if bytes.Contains(out, []byte("xr-snapshot: ")) {
		t.Errorf("unexpected diagnostics:\n%q", out)
	}
}

// TestProgressSnapshotRedirected: with stderr not a terminal, no progress
// byte; --progress json writes status lines there instead, naming the
// step, the last of the pack's step at 100%.
func TestProgressSnapshotRedirected(t *testing.T) {
	dir := t.TempDir()
	m := progressPack(t, dir, 2)
	var stderr bytes.Buffer
	cmd := exec.Command("xr-snapshot", "import", "--manifest", m)
	cmd.Dir, cmd.Env = dir, importEnv(dir, "XR_PROGRESS_FPS=200")
	cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("xr-snapshot import: %v\n%s", err, stderr.Bytes())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr not a terminal, yet:\n%q", stderr.Bytes())
	}

	stderr.Reset()
	cmd = exec.Command("xr-snapshot", "import", "--manifest", m, "--progress", "json")
	cmd.Dir, cmd.Env = dir, importEnv(dir)
	cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("xr-snapshot import --progress json: %v\n%s", err, stderr.Bytes())
	}
	var packDone bool
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var st struct {
			Type    string   `json:"message_type"`
			Label   string   `json:"label"`
			Percent *float64 `json:"percent_done"`
			Final   bool     `json:"final"`
		}
		if err := json.Unmarshal([]byte(l), &st); err != nil || st.Type != "status" || !strings.HasPrefix(st.Label, "xr-snapshot import ") {
			t.Errorf("not a status line of the import: %q (%v)", l, err)
			continue
		}
		if st.Label == "xr-snapshot import 1/4 reading the pack" && st.Final && st.Percent != nil && *st.Percent == 1 {
			packDone = true
		}
	}
	if !packDone {
		t.Errorf("no final status of the pack's step at 100%%:\n%s", stderr.Bytes())
	}
}

// TestProgressStage: a stage alone on a terminal reading a regular file
// shows percent and ETA, and clears its line before its summary; with
// XR_PROGRESS=none it shows nothing; reading the terminal itself, it says
// so in one line instead of waiting silently.
func TestProgressStage(t *testing.T) {
	dir := t.TempDir()
	s := snapshottest.Spec{Seed: "stage", Pad: 2000}
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, s.NDJSON(0, 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	onTTY := func(mode string) []byte {
		p, err := ptytest.Open(120)
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		f, err := os.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd := exec.Command("xr-canon")
		cmd.Env = append(os.Environ(), "XR_PROGRESS="+mode, "XR_PROGRESS_FPS=200", "TERM=xterm")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = f, new(bytes.Buffer), p.TTY
		err = cmd.Run()
		p.CloseTTY()
		out := p.Output()
		if err != nil {
			t.Fatalf("xr-canon: %v\n%s", err, out)
		}
		return out
	}
	out := onTTY("auto")
	fr := frames(out)
	if !containsMatch(fr, `^xr-canon: 100% [0-9.]+ of [0-9.]+ MB, 3000 records, [0-9.]+ MB/s, ETA 0:00$`) {
		t.Errorf("no frame at 100%%:\n%q", out)
	}
	if last := fr[len(fr)-1]; last != "xr-canon: 3000 read, 3000 written" {
		t.Errorf("last line %q, want the summary alone", last)
	}
	if out := onTTY("none"); bytes.Contains(out, []byte("MB/s")) || bytes.Contains(out, []byte("\x1b")) {
		t.Errorf("XR_PROGRESS=none, yet:\n%q", out)
	}

	p, err := ptytest.Open(120)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	cmd := exec.Command("xr-canon")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.TTY, new(bytes.Buffer), p.TTY
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.CloseTTY()
	time.Sleep(100 * time.Millisecond)
	p.Type("\x04") // Ctrl-D: the end of the input
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("xr-canon did not end at Ctrl-D")
	}
	out = p.Output()
	if err != nil {
		t.Fatalf("xr-canon: %v\n%s", err, out)
	}
	if want := "xr-canon: reading envelopes from the terminal (Ctrl-D ends; -h for help)\r\n"; !bytes.HasPrefix(out, []byte(want)) {
		t.Errorf("stdin a terminal: got\n%q\nwant it to start with %q", out, want)
	}
}

func containsMatch(lines []string, re string) bool {
	r := regexp.MustCompile(re)
	for _, l := range lines {
		if r.MatchString(l) {
			return true
		}
	}
	return false
}

// TestProgressLongCommands: every long command reports its progress (here
// as --progress json, the final status line each writes): the pack's
// readers and the archive's writer and readers with their total, the
// table's dump with what it wrote.
func TestProgressLongCommands(t *testing.T) {
	dir := t.TempDir()
	m := progressPack(t, dir, 1)
	pack := filepath.Dir(m)
	env := importEnv(dir)
	final := func(args []string, stdin string) map[string]any {
		t.Helper()
		cmd := exec.Command(args[0], append(args[1:], "--progress", "json")...)
		cmd.Dir, cmd.Env = dir, env
		if stdin != "" {
			f, err := os.Open(stdin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cmd.Stdin = f
		}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		for _, l := range strings.Split(stderr.String(), "\n") {
			var st map[string]any
			if json.Unmarshal([]byte(l), &st) == nil && st["final"] == true {
				return st
			}
		}
		t.Errorf("%s: no final status line:\n%s", strings.Join(args, " "), stderr.Bytes())
		return nil
	}
	in, err := os.ReadFile(filepath.Join(dir, "in.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	records := float64(bytes.Count(in, []byte("\n")))
	whole := func(args []string, stdin string) {
		t.Helper()
		if st := final(args, stdin); st != nil && (st["percent_done"] != 1.0 || st["bytes_done"] != st["total_bytes"] || st["bytes_done"] == 0.0 || st["records_done"] != records) {
			t.Errorf("%s: final status %v, want 100%% of a known total and %v records", strings.Join(args, " "), st, records)
		}
	}
	whole([]string{"xr-pack", "cat", pack}, "")
	whole([]string{"xr-pack", "cat", "--verify", pack}, "")
	whole([]string{"xr-pack", "verify", pack}, "")
	whole([]string{"xr-pack", "archive", pack, "--out", "a.zip"}, "")
	whole([]string{"xr-pack", "verify", "a.zip"}, "")
	whole([]string{"xr-pack", "extract", "--in", "a.zip", "--out", "x"}, "")
	whole([]string{"xr-sqlload", "-m", m}, filepath.Join(dir, "in.ndjson"))
	if st := final([]string{"xr-pack", "archive", pack, "--out", "a.tar.zst"}, ""); st != nil && st["percent_done"] != 1.0 {
		t.Errorf("archive tar.zst: %v", st)
	}
	// a tar.zst names its members' sizes only at its end: no percent
	if st := final([]string{"xr-pack", "extract", "--in", "a.tar.zst", "--out", "y"}, ""); st != nil && (st["bytes_done"] == 0.0 || st["records_done"] == 0.0) {
		t.Errorf("extract tar.zst: %v", st)
	}
	if st := final([]string{"xr-sqldump", "-m", m}, ""); st != nil && (st["records_done"] == 0.0 || st["total_bytes"] != nil) {
		t.Errorf("sqldump: %v, want the rows written and no total", st)
	}
}
