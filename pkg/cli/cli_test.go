package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{xr.Usagef("bad --x"), 2},
		{fmt.Errorf("key k: %w", xr.ErrConflict), 3},
		{fmt.Errorf("3 bad: %w", xr.ErrMismatch), 4},
		{context.Canceled, 130},
		{fmt.Errorf("write: %w", syscall.EPIPE), 0},
	}
	for _, c := range cases {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestFinish(t *testing.T) {
	dir := t.TempDir()
	var retErr error
	cmd := &Command{Name: "xr-x", Help: "usage: xr-x", Common: Stage, Run: func(x *Env) (*xr.Stats, error) {
		if err := x.Parse(); err != nil {
			return nil, err
		}
		reject, err := x.RejectFunc()
		if err != nil {
			return nil, err
		}
		st := xr.NewStats("read", "written")
		st.Add("read", 3)
		if err := xr.RejectOrFail(reject, st, 2, []byte(`{"a":`), errors.New("line 2: bad")); err != nil {
			return nil, err
		}
		if err := xr.RejectOrFail(reject, st, 3, []byte(`{"a":1}`), errors.New("line 3: worse")); err != nil {
			return nil, err
		}
		return st, retErr
	}}
	var stderr bytes.Buffer
	args := []string{"--stats", filepath.Join(dir, "s.json"), "--rejects", filepath.Join(dir, "r.ndjson")}
	if code := cmd.Exec(context.Background(), args, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("code %d", code)
	}
	if got := stderr.String(); got != "xr-x: 3 read, 0 written, 2 rejected\n" {
		t.Fatalf("summary %q", got)
	}
	s, _ := os.ReadFile(filepath.Join(dir, "s.json"))
	if string(s) != `{"read":3,"written":0,"rejected":2}`+"\n" {
		t.Fatalf("stats %s", s)
	}
	r, _ := os.ReadFile(filepath.Join(dir, "r.ndjson"))
	want := `{"line":2,"error":"line 2: bad","input":"{\"a\":"}` + "\n" + `{"line":3,"error":"line 3: worse","input":{"a":1}}` + "\n"
	if string(r) != want {
		t.Fatalf("rejects\n%s\nwant\n%s", r, want)
	}
	stderr.Reset()
	retErr = fmt.Errorf("line 9: %w", xr.ErrMismatch)
	if code := cmd.Exec(context.Background(), args, nil, io.Discard, &stderr); code != 4 || !strings.HasSuffix(stderr.String(), "xr-x: line 9: verification found mismatches\n") {
		t.Fatalf("code %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	retErr = fmt.Errorf("write: %w", syscall.EPIPE)
	if code := cmd.Exec(context.Background(), args, nil, io.Discard, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("a closed stdout must end quietly: code %d, stderr %q", code, stderr.String())
	}
}

// A command that fails before it counted anything prints its error alone,
// not a summary of zeros before it (xr-pack verify of a folder that is no
// pack printed "0 chunks, 0 records, …" first).
func TestFinishNoZerosBeforeAnError(t *testing.T) {
	cmd := &Command{Name: "xr-x", Help: "usage: xr-x", Run: func(x *Env) (*xr.Stats, error) {
		if err := x.Parse(); err != nil {
			return nil, err
		}
		return xr.NewStats("chunks", "records"), errors.New("d: not a pack")
	}}
	var stderr bytes.Buffer
	if code := cmd.Exec(context.Background(), nil, nil, io.Discard, &stderr); code != 1 || stderr.String() != "xr-x: d: not a pack\n" {
		t.Fatalf("code %d, stderr %q", code, stderr.String())
	}
}

// A wrong flag or argument is two lines on stderr and exit 2: what is
// wrong (with the nearest flag when it looks like a typo) and where the
// usage is.
func TestUsageErrorsAreTwoLines(t *testing.T) {
	var by string
	cmd := &Command{Name: "xr-x", Help: "usage: xr-x", Common: Stage, Run: func(x *Env) (*xr.Stats, error) {
		x.Flags.String(&by, "by", "key|hash", "what counts")
		x.Flags.Bool(new(bool), "verify", "check")
		if err := x.Parse(); err != nil {
			return nil, err
		}
		return xr.NewStats("read"), x.NoArgs("it reads stdin")
	}}
	for args, want := range map[string]string{
		"--bogus":       "xr-x: unknown flag --bogus\n",
		"--verfiy":      "xr-x: unknown flag --verfiy (did you mean --verify?)\n",
		"-verfy=1":      "xr-x: unknown flag -verfy (did you mean --verify?)\n",
		"--rejcts f":    "xr-x: unknown flag --rejcts (did you mean --rejects?)\n",
		"--by":          "xr-x: --by needs a value (key|hash)\n",
		"--max-line x":  "xr-x: --max-line: invalid value \"x\" (want an integer)\n",
		"--verify=nope": "xr-x: --verify: invalid value \"nope\" (want true or false)\n",
		"in.ndjson":     "xr-x: takes no arguments (it reads stdin), got \"in.ndjson\"\n",
	} {
		var stderr bytes.Buffer
		code := cmd.Exec(context.Background(), strings.Fields(args), nil, io.Discard, &stderr)
		if code != 2 || stderr.String() != want+"run 'xr-x -h' for usage\n" {
			t.Errorf("%s: code %d, stderr\n%s", args, code, stderr.String())
		}
	}
}

// Flags may come before and after the positional arguments; "--" ends
// them; a deprecated spelling works and says what to write instead.
func TestFlagsAnywhereAndAliases(t *testing.T) {
	var log string
	var quiet bool
	var pos []string
	cmd := &Command{Name: "xr-x", Help: "usage: xr-x", Run: func(x *Env) (*xr.Stats, error) {
		x.Flags.String(&log, "conflict-log", "FILE", "log")
		x.Flags.Alias("conflicts", "conflict-log")
		x.Flags.Bool(&quiet, "n,dry-run", "dry run")
		err := x.Parse()
		pos = x.Args()
		if !x.Flags.IsSet("conflict-log") {
			t.Error("IsSet(conflict-log) after --conflicts")
		}
		return nil, err
	}}
	var stderr bytes.Buffer
	code := cmd.Exec(context.Background(), []string{"a", "--conflicts", "c.ndjson", "b", "-n", "--", "--x"}, nil, io.Discard, &stderr)
	if code != 0 || log != "c.ndjson" || !quiet || strings.Join(pos, " ") != "a b --x" {
		t.Fatalf("code %d, log %q, quiet %v, pos %q", code, log, quiet, pos)
	}
	if stderr.String() != "xr-x: --conflicts is deprecated: use --conflict-log\n" {
		t.Fatalf("stderr %q", stderr.String())
	}
}

func TestHelpIsGNUStyleWithTheCommandsExitCodes(t *testing.T) {
	cmd := &Command{Name: "xr-x", Help: "usage: xr-x\n\nExample:\n  xr-x < a", Common: Manifest,
		Exits: []Exit{ExitsInterrupted}, Run: func(x *Env) (*xr.Stats, error) {
			x.Flags.Int(new(int), "batch", "N", "rows per transaction")
			return nil, x.Parse()
		}}
	var out, errOut bytes.Buffer
	if code := cmd.Exec(context.Background(), []string{"-h"}, nil, &out, &errOut); code != 0 || errOut.Len() != 0 {
		t.Fatalf("-h: code %d, stderr %q", code, errOut.String())
	}
	want := `usage: xr-x

Example:
  xr-x < a

Flags:
      --batch N        rows per transaction
  -m, --manifest FILE  manifest.json of the dataset
  -q, --quiet          no summary line or notes on stderr
      --version        print the version and exit
  -h, --help           print this help and exit

Exit codes: 0 ok, 1 error, 2 usage, 130 interrupted.
`
	if out.String() != want {
		t.Fatalf("-h:\n%s\nwant\n%s", out.String(), want)
	}
}

func TestSubcommands(t *testing.T) {
	sub := &Command{Name: "cat", Summary: "stream the records", Help: "usage: xr-y cat DIR", Exits: []Exit{ExitsMismatch},
		Run: func(x *Env) (*xr.Stats, error) { return nil, x.Parse() }}
	cmd := &Command{Name: "xr-y", Help: "usage: xr-y COMMAND", Sub: []*Command{sub}}
	for args, want := range map[string]string{
		"":           "xr-y: want a command (cat)\nrun 'xr-y -h' for usage\n",
		"cta":        "xr-y: unknown command \"cta\" (did you mean \"cat\"?)\nrun 'xr-y -h' for usage\n",
		"cat --nope": "xr-y cat: unknown flag --nope\nrun 'xr-y cat -h' for usage\n",
	} {
		var stderr bytes.Buffer
		if code := cmd.Exec(context.Background(), strings.Fields(args), nil, io.Discard, &stderr); code != 2 || stderr.String() != want {
			t.Errorf("%q: code %d, stderr %q", args, code, stderr.String())
		}
	}
	var out bytes.Buffer
	if code := cmd.Exec(context.Background(), []string{"--help"}, nil, &out, io.Discard); code != 0 ||
		!strings.Contains(out.String(), "Commands:\n  cat  stream the records\n") || !strings.Contains(out.String(), "2 usage, 4 verification") {
		t.Fatalf("help: %d\n%s", code, out.String())
	}
}

// TestHelpUnderAnotherName: run as another command ($XR_PROG_NAME), a
// command prints that name's help: its As text before its own flags, or a
// whole As text that has its own Flags section; --version names the
// program the name starts with.
func TestHelpUnderAnotherName(t *testing.T) {
	sub := &Command{Name: "archive", Help: "usage: xr-y archive DIR", Run: func(x *Env) (*xr.Stats, error) {
		x.Flags.Bool(new(bool), "encrypt", "encrypt it")
		return nil, x.Parse()
	}, As: map[string]string{
		"xr-z pack": "usage: xr-z pack --out FILE\n\nIt is xr-y archive.",
		"xr-z":      "usage: xr-z COMMAND\n\nFlags:\n  -h, --help  print this help and exit\n\nExit codes: 0 ok.",
	}}
	cmd := &Command{Name: "xr-y", Help: "usage: xr-y COMMAND", Sub: []*Command{sub}}
	for _, c := range []struct{ as, arg, want string }{
		{"xr-z pack", "-h", "usage: xr-z pack --out FILE\n\nIt is xr-y archive.\n\nFlags:\n      --encrypt "},
		{"xr-z", "-h", "usage: xr-z COMMAND\n\nFlags:\n  -h, --help  print this help and exit\n\nExit codes: 0 ok.\n"},
		{"", "-h", "usage: xr-y archive DIR\n\nFlags:\n      --encrypt "},
		{"xr-z pack", "--version", "xr-z " + VersionString() + "\n"},
		{"", "--version", "xr-y " + VersionString() + "\n"},
	} {
		var out bytes.Buffer
		code := cmd.exec(context.Background(), c.as, []string{"archive", c.arg}, nil, &out, io.Discard)
		if code != 0 || !strings.HasPrefix(out.String(), c.want) || c.as == "xr-z" && out.String() != c.want {
			t.Errorf("as %q, %s: code %d\n%s\nwant\n%s", c.as, c.arg, code, out.String(), c.want)
		}
	}
}

// TestAppendReject: every kind of bad line makes a rejects line that
// encoding/json reads and that gives the line back (or its start, marked).
func TestAppendReject(t *testing.T) {
	deep := strings.Repeat("[", MaxRejectDepth+1) + strings.Repeat("]", MaxRejectDepth+1)
	cases := []struct {
		name, raw string
		err       error
		want      string
	}{
		{"json", `{"a":1}`, errors.New("x"), `{"line":7,"error":"x","input":{"a":1}}`},
		{"text", `{"a":`, errors.New("x"), `{"line":7,"error":"x","input":"{\"a\":"}`},
		{"too deep", deep, errors.New("x"), `{"line":7,"error":"x","input":"` + deep + `"}`},
		{"not utf-8", "{\"a\":\"\xff\"}", errors.New("bad \xff"), `{"line":7,"error":"bad ` + "\uFFFD" + `","input":"eyJhIjoi/yJ9","input_encoding":"base64"}`},
		{"cut", `{"a":"é`[:7], &envelope.LineError{Line: 7, Err: &envelope.LongLineError{Max: 8, Bytes: 100}},
			`{"line":7,"error":"line 7: line too long: over 8 bytes (raise --max-line)","input":"{\"a\":\"","input_truncated":true,"input_bytes":100}`},
	}
	for _, c := range cases {
		got := string(AppendReject(nil, 7, []byte(c.raw), c.err))
		if got != c.want+"\n" {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s: not valid JSON", c.name)
		}
	}
}
