package scripts_test

// The docs test (issue 13 item 7): every shell block of README.md and
// docs/*.md runs, so a doc edit that breaks a snippet fails CI.
//
// The rule (also in README.md, "Testing", and in the test's
// failure messages):
//   - a block fenced ```sh, ```bash or ```shell is run;
//   - output, listings and formats go in ```text, ```json, ... fences;
//     an untagged fence holding a command line is refused (say which it is);
//   - `<!-- xr:norun REASON -->` on the line above a block's fence keeps
//     that block from running (SQL Server, another host); REASON is required.
//
// The blocks of one file run in order as one shell session, as a reader
// pastes them into one terminal: bash with -e and -o pipefail, so that a
// failing stage of a pipeline fails its block (dash, Debian's sh, has no
// pipefail: `xr-canon --bogus < in | xr-hash > out` passed there); a file
// without ```bash blocks must also parse as POSIX sh (sh -n). They run in
// a fresh directory holding a copy of examples/ and nothing else of the
// checkout, with the built commands and xr-snapshot on PATH.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// docBlock is one fenced block of a markdown file.
type docBlock struct {
	line  int    // the opening fence's line (1-based)
	lang  string // the fence's info string ("" when untagged)
	text  string // the block's lines, each with its '\n'
	norun string // the reason of an xr:norun marker above the fence
}

// norunMarker is the comment that keeps the next block from running.
var norunMarker = regexp.MustCompile(`^<!--\s*xr:norun\b\s*(.*?)\s*-->\s*$`)

// commandLine spots a command in an untagged block: a line starting with
// one of xr's commands (or go, sh, make) followed by a space; output lines
// such as "xr-pack: …" have a colon there instead.
var commandLine = regexp.MustCompile(`^\s*(xr-[a-z-]+|go|sh|bash|make|scripts/[a-z-]+)\s`)

// scriptsOnPath spots a PATH that includes the repository's scripts/.
var scriptsOnPath = regexp.MustCompile(`PATH=[^\s]*scripts\b[^\s]*`)

// docBlocks splits markdown into its fenced blocks.
func docBlocks(md string) ([]docBlock, error) {
	var blocks []docBlock
	var cur *docBlock
	prev := "" // the last non-blank line outside a block
	sc := bufio.NewScanner(strings.NewReader(md))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if cur != nil {
			if strings.HasPrefix(l, "```") {
				blocks = append(blocks, *cur)
				cur = nil
				continue
			}
			cur.text += l + "\n"
			continue
		}
		if strings.HasPrefix(l, "```") {
			cur = &docBlock{line: n, lang: strings.TrimSpace(strings.TrimPrefix(l, "```"))}
			if m := norunMarker.FindStringSubmatch(prev); m != nil {
				if m[1] == "" {
					return nil, fmt.Errorf("line %d: xr:norun needs a reason: <!-- xr:norun REASON -->", n-1)
				}
				cur.norun = m[1]
			}
			continue
		}
		if strings.TrimSpace(l) != "" {
			prev = l
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: a fence that is never closed", cur.line)
	}
	return blocks, sc.Err()
}

// runnable reports whether a block's language is a shell.
func runnable(lang string) bool { return lang == "sh" || lang == "bash" || lang == "shell" }

// docScript is the bash session of one file's runnable blocks: each
// block is preceded by a line naming it, so a failure says which one.
// posix says it must parse as POSIX sh too (no block is ```bash).
func docScript(name string, blocks []docBlock) (script string, posix bool, n int) {
	posix = true
	var b strings.Builder
	b.WriteString("set -e -o pipefail\nxr_doc_block=none\n")
	b.WriteString(`trap 'rc=$?; [ "$rc" = 0 ] || echo "docs: the block at $xr_doc_block failed (exit $rc)" >&2' EXIT` + "\n")
	for _, bl := range blocks {
		if !runnable(bl.lang) || bl.norun != "" {
			continue
		}
		if bl.lang == "bash" {
			posix = false
		}
		fmt.Fprintf(&b, "xr_doc_block=%s:%d\n", name, bl.line)
		b.WriteString(bl.text)
		n++
	}
	b.WriteString("xr_doc_block=none\n")
	return b.String(), posix, n
}

// TestDocBlocks checks the splitter and the rule on a small document.
func TestDocBlocks(t *testing.T) {
	md := "# t\n```sh\necho a\n```\n\n<!-- xr:norun needs SQL Server -->\n\n```sh\nsqlcmd -Q x\n```\n```text\nout\n```\n"
	bl, err := docBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(bl) != 3 || bl[0].text != "echo a\n" || bl[0].line != 2 || bl[1].norun != "needs SQL Server" || bl[2].lang != "text" {
		t.Fatalf("blocks = %+v", bl)
	}
	script, posix, n := docScript("t.md", bl)
	if n != 1 || !posix || !strings.Contains(script, "xr_doc_block=t.md:2\necho a\n") || strings.Contains(script, "sqlcmd") {
		t.Fatalf("script (posix %v, %d blocks):\n%s", posix, n, script)
	}
	if _, err := docBlocks("<!-- xr:norun -->\n```sh\nx\n```\n"); err == nil {
		t.Fatal("a norun marker without a reason was accepted")
	}
	if _, err := docBlocks("```sh\nx\n"); err == nil {
		t.Fatal("an unclosed fence was accepted")
	}
}

// TestDocs runs the shell blocks of README.md and docs/*.md.
func TestDocs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	before := checkoutNames(t)
	t.Cleanup(func() {
		if after := checkoutNames(t); after != before {
			t.Errorf("the doc snippets changed the checkout's top level:\nbefore: %s\nafter:  %s", before, after)
		}
	})
	for _, f := range files {
		name, _ := filepath.Rel(root, f)
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			runDoc(t, f, name)
		})
	}
}

// runDoc runs one markdown file's blocks in a fresh directory.
func runDoc(t *testing.T, path, name string) {
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := docBlocks(string(md))
	if err != nil {
		t.Fatalf("%s:%v", name, err)
	}
	for _, bl := range blocks {
		if bl.lang != "" {
			continue
		}
		for _, l := range strings.Split(bl.text, "\n") {
			if commandLine.MatchString(l) {
				t.Errorf("%s:%d: an untagged block holds a command (%q): fence it ```sh to run it, ```text if it is output, or put <!-- xr:norun REASON --> above a ```sh fence", name, bl.line, strings.TrimSpace(l))
				break
			}
		}
	}
	if m := scriptsOnPath.FindString(string(md)); m != "" {
		t.Errorf("%s: %q puts the developer scripts on PATH (scripts/test would shadow test(1)); bin/ holds every user command", name, m)
	}
	script, posix, n := docScript(name, blocks)
	if n == 0 {
		return
	}
	if posix {
		if out, err := exec.Command("sh", "-n", "-c", script).CombinedOutput(); err != nil {
			t.Fatalf("%s: its ```sh blocks are not POSIX sh (fence a bash block ```bash): %v\n%s", name, err, out)
		}
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-R", filepath.Join(root, "examples"), dir).CombinedOutput(); err != nil {
		t.Fatalf("copying examples/: %v\n%s", err, out)
	}
	if err := os.Mkdir(filepath.Join(dir, ".home"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = docEnv(dir)
	done := make(chan struct{})
	timer := time.AfterFunc(4*time.Minute, func() {
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
		close(done)
	})
	out, err := cmd.CombinedOutput()
	timer.Stop()
	select {
	case <-done:
		t.Fatalf("%s: the blocks ran longer than 4 minutes\n%s", name, out)
	default:
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, tail(out, 60))
	}
}

// docEnv is the environment the blocks run in: PATH with the built
// commands first, HOME in the work directory, and none of the variables
// that would point a block at another database or key.
func docEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "XR_DB", k == "SNAPSHOT_ENCRYPTION_KEY", strings.HasPrefix(k, "INGEST_SQLSERVER_"),
			k == "TMPDIR", k == "XR_PROGRESS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+filepath.Join(dir, ".home"), "TMPDIR="+dir)
}

// tail is the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// checkoutNames lists the checkout's top-level names (what a snippet
// writing into the current directory would add to).
func checkoutNames(t *testing.T) string {
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// TestDocScriptFails: a block that fails stops the file's session and
// names itself (file and line), so a broken snippet fails CI.
func TestDocScriptFails(t *testing.T) {
	bl, err := docBlocks("```sh\ntrue\n```\n\n```sh\nfalse\necho not reached\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	script, _, _ := docScript("x.md", bl)
	out, err := exec.Command("bash", "-c", script).CombinedOutput()
	if err == nil || strings.Contains(string(out), "not reached") || !strings.Contains(string(out), "docs: the block at x.md:5 failed (exit 1)") {
		t.Fatalf("err %v, output %q", err, out)
	}
	// a stage of a pipeline that fails fails the block too, as in
	// `xr-canon --bogus < in | xr-hash > out`, where the last stage succeeds
	bl, err = docBlocks("```sh\nfalse | cat\necho not reached\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	script, _, _ = docScript("y.md", bl)
	out, err = exec.Command("bash", "-c", script).CombinedOutput()
	if err == nil || strings.Contains(string(out), "not reached") || !strings.Contains(string(out), "docs: the block at y.md:1 failed (exit 1)") {
		t.Fatalf("a failing first stage of a pipeline passed: err %v, output %q", err, out)
	}
}

// TestBinShadowsNothing: bin/ (the folder README puts on PATH) holds user
// commands only, none named like a system command: with scripts/ on PATH,
// `env test -d /` used to start the test suite (issue 13 item 8).
func TestBinShadowsNothing(t *testing.T) {
	ents, err := os.ReadDir(filepath.Join(root, "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) == 0 {
		t.Fatal("bin/ is empty: xr-snapshot belongs there")
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "xr-") {
			t.Errorf("bin/%s: bin/ holds the xr-* user commands only (developer scripts go in scripts/)", e.Name())
		}
		for _, d := range []string{"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"} {
			if _, err := os.Stat(filepath.Join(d, e.Name())); err == nil {
				t.Errorf("bin/%s shadows %s/%s", e.Name(), d, e.Name())
			}
		}
	}
}
