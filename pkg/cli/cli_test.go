package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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
	fs := flag.NewFlagSet("xr-x", flag.ContinueOnError)
	c := Register(fs)
	if err := fs.Parse([]string{"--stats", filepath.Join(dir, "s.json"), "--rejects", filepath.Join(dir, "r.ndjson")}); err != nil {
		t.Fatal(err)
	}
	reject, err := c.RejectFunc()
	if err != nil {
		t.Fatal(err)
	}
	st := xr.NewStats("read", "written")
	st.Add("read", 3)
	if err := xr.Bad(reject, st, 2, []byte(`{"a":`), errors.New("line 2: bad")); err != nil {
		t.Fatal(err)
	}
	if err := xr.Bad(reject, st, 3, []byte(`{"a":1}`), errors.New("line 3: worse")); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := c.Finish("xr-x", &stderr, st, nil); code != 0 {
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
	if code := c.Finish("xr-x", &stderr, st, fmt.Errorf("line 9: %w", xr.ErrMismatch)); code != 4 || !strings.HasSuffix(stderr.String(), "xr-x: line 9: verification found mismatches\n") {
		t.Fatalf("code %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := c.Finish("xr-x", &stderr, st, syscall.EPIPE); code != 0 || stderr.Len() != 0 {
		t.Fatalf("a closed stdout must end quietly: code %d, stderr %q", code, stderr.String())
	}
}

func TestParseHelpAndBadFlag(t *testing.T) {
	fs := flag.NewFlagSet("xr-x", flag.ContinueOnError)
	c := Register(fs)
	fs.Usage = Usage(fs, "usage: xr-x\n\nExample:\n  xr-x < a")
	var out, errOut bytes.Buffer
	if done, code := Parse(fs, c, []string{"-h"}, &out, &errOut); !done || code != 0 || !strings.Contains(out.String(), "Exit codes: 0 ok") {
		t.Fatalf("-h: done %v code %d out %q", done, code, out.String())
	}
	fs2 := flag.NewFlagSet("xr-x", flag.ContinueOnError)
	c2 := Register(fs2)
	if done, code := Parse(fs2, c2, []string{"--nope"}, &out, &errOut); !done || code != 2 {
		t.Fatalf("bad flag: done %v code %d", done, code)
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
