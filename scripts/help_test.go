package scripts_test

// The help test (issue 13 items 1, 4, 6, 10): every command's -h is in the
// one format (usage line, Example block, GNU-style Flags, Exit codes),
// every Example block runs, a wrong flag is two lines and exit 2 on every
// command and subcommand, and every binary prints the same --version.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// binaries are the seven commands.
var binaries = []string{"xr-canon", "xr-hash", "xr-redact", "xr-diff", "xr-sqlload", "xr-sqldump", "xr-pack"}

// commands returns every command line that has its own -h: the binaries,
// xr-snapshot, and the subcommands of xr-pack and xr-snapshot (read from
// their -h, so a new one is covered without a change here).
func commands(t *testing.T) [][]string {
	t.Helper()
	var cmds [][]string
	for _, b := range append(binaries, "xr-snapshot") {
		cmds = append(cmds, []string{b})
	}
	for _, top := range []string{"xr-pack", "xr-snapshot"} {
		for _, s := range subcommands(t, helpOf(t, top)) {
			cmds = append(cmds, []string{top, s})
		}
	}
	return cmds
}

// subcommands lists the names of a help's "Commands:" section.
func subcommands(t *testing.T, help string) []string {
	_, sec, ok := strings.Cut(help, "\nCommands:\n")
	if !ok {
		t.Fatalf("no Commands: section in\n%s", help)
	}
	var subs []string
	for _, l := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		subs = append(subs, strings.Fields(l)[0])
	}
	return subs
}

// helpOf runs `cmd... -h` and returns its stdout (it must exit 0 and
// print nothing on stderr).
func helpOf(t *testing.T, cmd ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := exec.Command(cmd[0], append(cmd[1:], "-h")...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("%s -h: %v\n%s", strings.Join(cmd, " "), err, stderr.String())
	}
	return stdout.String()
}

// exampleOf returns the commands of a help's "Example:" block (its
// indented lines, unindented).
func exampleOf(help string) string {
	_, block, ok := strings.Cut(help, "\nExample:\n")
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.Split(block, "\n") {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		b.WriteString(strings.TrimPrefix(l, "  ") + "\n")
	}
	return b.String()
}

// flagLine is one line of a -h's Flags section, GNU style:
// "  -m, --manifest FILE  help" or "      --rejects FILE   help", or a
// continuation of the help text.
var flagLine = regexp.MustCompile(`^  (-[a-zA-Z], --[a-z][a-z0-9-]*|    --[a-z][a-z0-9-]*)( [A-Z][A-Za-z_|./-]*|( [a-z0-9.]+(\|[a-z0-9.]+)+))?(  +\S.*)?$|^ {6,}\S`)

// TestHelpFormat: every -h starts with its usage line, holds an Example
// block, lists its flags GNU style (no Go "-m string" listing) and ends
// with the exit codes that command can return.
func TestHelpFormat(t *testing.T) {
	footers := map[string]string{
		"xr-canon":        "0 ok, 1 error, 2 usage, 130 interrupted.",
		"xr-hash":         "0 ok, 1 error, 2 usage, 4 verification found mismatches, 130 interrupted.",
		"xr-redact":       "0 ok, 1 error, 2 usage, 4 secrets found (--check), 130 interrupted.",
		"xr-diff":         "0 ok, 1 error, 2 usage, 3 conflict (--conflict fail), 130 interrupted.",
		"xr-sqlload":      "0 ok, 1 error, 2 usage, 3 conflict (--conflict fail), 130 interrupted.",
		"xr-sqldump":      "0 ok, 1 error, 2 usage, 130 interrupted.",
		"xr-pack init":    "0 ok, 1 error, 2 usage.",
		"xr-pack secrets": "0 ok, 1 error, 2 usage, 130 interrupted.",
		"xr-pack verify":  "0 ok, 1 error, 2 usage, 4 verification found mismatches, 130 interrupted.",
	}
	for _, cmd := range commands(t) {
		name := strings.Join(cmd, " ")
		h := helpOf(t, cmd...)
		if !strings.HasPrefix(h, "usage: "+name+" ") {
			t.Errorf("%s -h does not start with 'usage: %s ': %q", name, name, firstLine(h))
		}
		if exampleOf(h) == "" && name != "xr-pack" {
			t.Errorf("%s -h has no Example: block", name)
		}
		_, flags, ok := strings.Cut(h, "\nFlags:\n")
		if !ok {
			t.Errorf("%s -h has no Flags: section", name)
			continue
		}
		flags, exits, _ := strings.Cut(flags, "\nExit codes: ")
		for _, l := range strings.Split(strings.TrimSuffix(flags, "\n"), "\n") {
			if !flagLine.MatchString(l) {
				t.Errorf("%s -h: flag line not GNU style: %q", name, l)
			}
		}
		for _, want := range []string{"  -h, --help ", "      --version "} {
			if !strings.Contains(flags, want) && !(len(cmd) > 1 && cmd[0] == "xr-snapshot" && strings.Contains(want, "version")) {
				t.Errorf("%s -h does not list %q", name, strings.TrimSpace(want))
			}
		}
		exits = strings.Join(strings.Fields(exits), " ")
		if want, ok := footers[name]; ok && exits != want {
			t.Errorf("%s -h exit codes: %q, want %q", name, exits, want)
		}
		if name == "xr-canon" || name == "xr-sqldump" || name == "xr-pack init" {
			if strings.Contains(exits, "3 conflict") || strings.Contains(exits, "4 ") {
				t.Errorf("%s -h lists an exit code it cannot return: %s", name, exits)
			}
		}
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestUsageErrorsTwoLines: a wrong flag or argument on any command or
// subcommand prints exactly two lines on stderr, prefixed with the
// command's name, nothing on stdout, and exits 2.
func TestUsageErrorsTwoLines(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range commands(t) {
		name := strings.Join(cmd, " ")
		if name == "xr-snapshot" { // its first argument is a command
			_, stderr, code := runIn(dir, "", name, "--bogus")
			if code != 2 || strings.Count(stderr, "\n") != 2 || !strings.HasPrefix(stderr, "xr-snapshot: unknown ") || !strings.HasSuffix(stderr, "\nrun 'xr-snapshot -h' for usage\n") {
				t.Errorf("xr-snapshot --bogus: exit %d, stderr\n%s", code, stderr)
			}
			continue
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--bogus"}, name + ": unknown flag --bogus"},
			{[]string{"-bogus=1"}, name + ": unknown flag -bogus"},
		} {
			if cmd[0] == "xr-snapshot" && c.args[0] != "--bogus" {
				continue // the script's own parser: --bogus is what it is held to
			}
			stdout, stderr, code := runIn(dir, "", append(cmd, c.args...)...)
			want := c.want + "\nrun '" + name + " -h' for usage\n"
			if code != 2 || stderr != want || stdout != "" {
				t.Errorf("%s %s: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", name, strings.Join(c.args, " "), code, stdout, stderr, want)
			}
		}
	}
	// a near miss names the flag meant
	for _, c := range []struct{ args, name, msg string }{
		{"xr-diff --conflicts-log x", "xr-diff", "unknown flag --conflicts-log (did you mean --conflict-log?)"},
		{"xr-pack cat --verfy", "xr-pack cat", "unknown flag --verfy (did you mean --verify?)"},
		{"xr-pack verfy", "xr-pack", `unknown command "verfy" (did you mean "verify"?)`},
		{"xr-hash a.ndjson", "xr-hash", `takes no arguments (it reads stdin: xr-hash < FILE), got "a.ndjson"`},
	} {
		_, stderr, code := runIn(dir, "", strings.Fields(c.args)...)
		if want := c.name + ": " + c.msg + "\nrun '" + c.name + " -h' for usage\n"; code != 2 || stderr != want {
			t.Errorf("%s: exit %d, stderr\n%s\nwant\n%s", c.args, code, stderr, want)
		}
	}
}

// TestUsageErrorsUnderAnotherName: xr-snapshot runs xr-pack archive as its
// pack with XR_PROG_NAME, and a wrong flag then names xr-snapshot pack.
func TestUsageErrorsUnderAnotherName(t *testing.T) {
	_, stderr, code := runIn(t.TempDir(), "", "env", "XR_PROG_NAME=xr-snapshot pack", "xr-pack", "archive", "--bogus")
	if want := "xr-snapshot pack: unknown flag --bogus\nrun 'xr-snapshot pack -h' for usage\n"; code != 2 || stderr != want {
		t.Errorf("exit %d, stderr\n%s\nwant\n%s", code, stderr, want)
	}
}

// TestNoSummaryBeforeAnError: a command that fails before it read anything
// prints its error alone, not a line of zero counters first (issue 13
// item 5: "0 chunks, 0 records, … 0 bad hashes" then "not a pack").
func TestNoSummaryBeforeAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data", "snapshots", "my-dataset"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{
		"xr-pack verify data/snapshots/my-dataset",
		"xr-pack cat data/snapshots/my-dataset",
		"xr-pack extract missing.zip --out x",
		"xr-diff --against missing.index",
		"xr-sqldump --db sqlite:missing-dir/x.db",
	} {
		_, stderr, code := runIn(dir, "", strings.Fields(c)...)
		if code == 0 || regexp.MustCompile(`\b0 [a-z]`).MatchString(stderr) {
			t.Errorf("%s: exit %d, stderr\n%s\nwant an error and no zero counters", c, code, stderr)
		}
	}
}

// TestVersion: every binary prints "NAME VERSION", VERSION the same for all
// (the module version and VCS revision the build carries, else "(devel)").
func TestVersion(t *testing.T) {
	var first string
	for _, b := range append(binaries, "xr-snapshot") {
		stdout, stderr, code := runIn(t.TempDir(), "", b, "--version")
		v, ok := strings.CutPrefix(stdout, b+" ")
		if code != 0 || stderr != "" || !ok || strings.Count(stdout, "\n") != 1 {
			t.Fatalf("%s --version: exit %d, stdout %q, stderr %q", b, code, stdout, stderr)
		}
		if !regexp.MustCompile(`^(v\d+\.\d+\.\d+\S*|\(devel\))( \(revision [0-9a-f]{12}(, [0-9TZ:-]+)?(, modified)?\))?\n$`).MatchString(v) {
			t.Errorf("%s --version: %q is not a module version (or (devel)) with the revision", b, v)
		}
		if first == "" {
			first = v
		} else if v != first {
			t.Errorf("%s --version %q, %s %q: one build, one version", b, v, binaries[0], first)
		}
	}
}

// exampleFixture is a folder holding what the examples read: the pack
// pages (examples/records.ndjson; conflict strategy prefer_sql), lake.db
// with them and with another, older, version of three of them, which SQL's
// side wins under prefer_sql (so an export that takes SQL for the JSON side,
// or ignores the manifest, brings in nothing: the bug of issue 13 item 1), records.ndjson, captured.ndjson (raw API documents),
// one.ndjson, edited.ndjson (records changed after they were hashed),
// new.ndjson (new hashed envelopes) and session.har (examples/browser.har).
var exampleFixture = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "xr-examples-")
	if err != nil {
		return "", err
	}
	recs, err := os.ReadFile(filepath.Join(root, "examples", "records.ndjson"))
	if err != nil {
		return "", err
	}
	har, err := os.ReadFile(filepath.Join(root, "examples", "browser.har"))
	if err != nil {
		return "", err
	}
	files := map[string]string{
		"records.ndjson":  string(recs),
		"session.har":     string(har),
		"captured.ndjson": `{"pageid":7,"title":"Yoda","extract":"A Jedi Master."}` + "\n" + `{"pageid":8,"title":"Chewbacca","extract":"A Wookiee."}` + "\n",
		"sqlside.json": `{"title":"Luke_Skywalker","t":"2020-01-01T00:00:00Z","revid":2}` + "\n" +
			`{"title":"Leia_Organa","t":"2020-01-01T00:00:00Z","revid":2}` + "\n" +
			`{"title":"Han_Solo","t":"2020-01-01T00:00:00Z","revid":2}` + "\n",
		"new.json": `{"title":"Rey","t":"2027-02-01T00:00:00Z"}` + "\n",
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			return "", err
		}
	}
	setup := `set -e
xr-pack init --name pages --source wookieepedia --entity page --type mediawiki --out . >/dev/null
sed -i 's/"conflict_strategy": "prefer_newest"/"conflict_strategy": "prefer_sql"/' pages/manifest.json
grep -q '"conflict_strategy": "prefer_sql"' pages/manifest.json
xr-canon -q < records.ndjson | xr-hash -q | xr-pack write -q pages
xr-pack cat -q pages | xr-sqlload -q -m pages/manifest.json
wrap='xr-canon -q --wrap -m pages/manifest.json --key-at /title --observed-at /t'
$wrap < sqlside.json | xr-hash -q | xr-sqlload -q -m pages/manifest.json --conflict prefer_incoming
$wrap < new.json | xr-hash -q > new.ndjson
head -n 1 records.ndjson > one.ndjson
xr-pack cat pages | head -n 2 | sed 's/révision/revision/' > edited.ndjson
rm sqlside.json new.json
test "$(xr-sqldump -q -m pages/manifest.json --key Luke_Skywalker | grep -c '"revid":2}')" -eq 1
`
	if _, stderr, code := runIn(dir, setup, "bash"); code != 0 {
		return "", fmt.Errorf("fixture: exit %d\n%s", code, stderr)
	}
	return dir, nil
})

// TestHelpExamples runs the Example block of every -h (each in a fresh
// copy of exampleFixture, with bash -e -o pipefail, as a user pastes it),
// and checks that the export examples bring SQL's three versions that win
// into the pack (issue 13 item 1: they wrote nothing and exited 0).
func TestHelpExamples(t *testing.T) {
	fixture, err := exampleFixture()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(fixture) })
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("the examples use jq, which is not on PATH (scripts/test installs it)")
	}
	// exports are the commands whose example exports SQL into the pack.
	exports := map[string]bool{"xr-diff": true, "xr-sqldump": true, "xr-pack write": true}
	for _, cmd := range commands(t) {
		name := strings.Join(cmd, " ")
		ex := exampleOf(helpOf(t, cmd...))
		if ex == "" {
			continue
		}
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "w")
			if err := os.CopyFS(dir, os.DirFS(fixture)); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runIn(dir, "set -e -o pipefail\n"+ex, "bash")
			if code != 0 {
				t.Fatalf("the Example of %s -h failed (exit %d):\n%s\nstdout:\n%s\nstderr:\n%s", name, code, ex, stdout, stderr)
			}
			if exports[name] {
				out, _, _ := runIn(dir, "", "sh", "-c", "xr-pack cat -q pages | grep -c '\"revid\":2}'")
				if n, _ := strconv.Atoi(strings.TrimSpace(out)); n != 3 {
					t.Errorf("the Example of %s -h exports %d of SQL's 3 winning records into the pack:\n%s", name, n, ex)
				}
			}
		})
	}
}

// runIn runs args in dir (with script on stdin when not empty) and returns
// stdout, stderr and the exit status.
func runIn(dir, script string, args ...string) (string, string, int) {
	var stdout, stderr bytes.Buffer
	c := exec.Command(args[0], args[1:]...)
	c.Dir, c.Stdout, c.Stderr = dir, &stdout, &stderr
	if script != "" {
		c.Stdin = strings.NewReader(script)
	}
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		stderr.WriteString(err.Error())
	}
	return stdout.String(), stderr.String(), code
}
