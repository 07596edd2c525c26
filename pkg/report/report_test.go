package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/xr"
)

// writeFiles fills a run folder.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// newRun makes a pack folder with a manifest and index of n lines, and a
// run folder begun for command.
func newRun(t *testing.T, command string, n int, opts ...func(*Options)) (dir string, run Run) {
	t.Helper()
	root := t.TempDir()
	pack := filepath.Join(root, "pack")
	if err := os.Mkdir(pack, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, pack, map[string]string{
		"manifest.json": `{"dataset_name":"p","sync_policy":{"direction_default":"json_to_sql"},"redaction_policy":{"enabled":false}}`,
		"index.jsonl":   strings.Repeat("{}\n", n),
	})
	dir = filepath.Join(root, "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	o := Options{Command: command, Manifest: filepath.Join(pack, "manifest.json")}
	for _, f := range opts {
		f(&o)
	}
	run, err := Begin(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, run
}

// TestBegin: the run's options come from the command, the flags and the
// manifest; a strategy or direction the spec does not know is a usage
// error naming the allowed values.
func TestBegin(t *testing.T) {
	_, r := newRun(t, "sync", 0)
	if r.Direction != "json_to_sql" || r.Redact {
		t.Errorf("sync without --direction: %+v, want the manifest's direction and policy", r)
	}
	_, r = newRun(t, "sync", 0, func(o *Options) { o.Direction = "sql_to_json" })
	if r.Direction != "sql_to_json" {
		t.Errorf("--direction sql_to_json: got %s", r.Direction)
	}
	_, r = newRun(t, "export", 0)
	if r.Direction != "sql_to_json" {
		t.Errorf("export: got %s", r.Direction)
	}
	dir := t.TempDir()
	m := filepath.Join(dir, "manifest.json")
	writeFiles(t, dir, map[string]string{"manifest.json": `{"dataset_name":"p"}`})
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Command: "import", Manifest: m, Conflict: "newest"}, `--conflict: want prefer_newest, prefer_sql, prefer_json or fail, not "newest"`},
		{Options{Command: "import", Manifest: m, Conflict: "prefer_incoming"}, `--conflict: want prefer_newest, prefer_sql, prefer_json or fail, not "prefer_incoming"`},
		{Options{Command: "sync", Manifest: m, Direction: "both"}, `--direction: want bidirectional, json_to_sql or sql_to_json, not "both"`},
	} {
		_, err := Begin(dir, c.o)
		var ue *xr.UsageError
		if !errors.As(err, &ue) || err.Error() != c.want {
			t.Errorf("%+v: got %v, want the usage error %s", c.o, err, c.want)
		}
	}
	if _, err := Begin(dir, Options{Command: "import", Manifest: m}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, RunFile)); !json.Valid(b) {
		t.Errorf("run file: %s", b)
	}
}

// TestFailureAttribution: of the failed stages of one pipeline, the cause
// is the first in data flow that did not die of SIGPIPE, whatever the
// stages are called and in whatever order they failed; a pipeline whose
// every failed stage died of SIGPIPE names the first; the message is the
// stage's last xr line.
func TestFailureAttribution(t *testing.T) {
	for _, c := range []struct {
		failed, want string
		status       int
	}{
		{"s\t3\t1\tthird\ns\t1\t141\tfirst\ns\t2\t1\tsecond\n", "second", 1},
		{"s\t2\t141\tb\ns\t1\t141\ta\n", "a", 141},
		{"s\t4\t127\tmissing\n", "missing", 127},
	} {
		dir, _ := newRun(t, "import", 0)
		writeFiles(t, dir, map[string]string{FailedFile: c.failed,
			ErrFile("s", 2): "noise\nxr-x: line 1: bad\nxr-x: line 2: worse\nmore noise\n"})
		f, err := readFailure(dir)
		if err != nil {
			t.Fatal(err)
		}
		if f.label != c.want || f.status != c.status {
			t.Errorf("%q: got %s (%d), want %s (%d)", c.failed, f.label, f.status, c.want, c.status)
		}
		switch {
		case f.pos == 2 && f.message != "xr-x: line 2: worse":
			t.Errorf("message %q, want the stage's last xr line", f.message)
		case f.pos != 2 && f.message != c.want+" exited with status "+strings.Fields(c.failed)[2] && f.status != 141:
			t.Errorf("message %q", f.message)
		}
	}
}

// TestReport: the counters of the stages become the report's numbers, in
// text and as one JSON object (its conflict list with each direction).
func TestReport(t *testing.T) {
	dir, _ := newRun(t, "sync", 7, func(o *Options) { o.Direction = "bidirectional"; o.JSON = true })
	conflict := `{"k":"w|p|Han","line":1,"incoming_h":"aa","incoming_t":"2024-01-01T00:00:00Z","existing_h":"bb","existing_t":null,"existing_from":"index","strategy":"prefer_newest","resolution":"existing"}` + "\n"
	writeFiles(t, dir, map[string]string{
		ImportLatest:    `{"read":7,"superseded":3,"unchanged":1}`,
		ImportDiff:      `{"read":3,"unchanged":1,"conflicts":1}`,
		ImportLoad:      `{"read":1,"inserted":1,"updated":0,"unchanged":0,"kept_newer":0}`,
		ImportConflicts: conflict,
		SQLIndex:        "{}\n{}\n",
		ExportDump:      `{"written":3}`,
		ExportDiff:      `{"read":3,"unchanged":2,"conflicts":1,"emitted":1}`,
		ExportWrite:     `{"written":1}`,
		ExportConflicts: strings.Replace(conflict, `"existing"`, `"incoming"`, 1),
	})
	r, err := Build(context.Background(), dir, func(f string, a ...any) { t.Errorf("warning: "+f, a...) })
	if err != nil {
		t.Fatal(err)
	}
	r.Duration = 1500 * time.Millisecond
	var text, js bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := "Sync Report (bidirectional)\n  Dry run: False\n  Duration: 1.5s\n\n" +
		"  JSON → SQL:\n    Inserted: 1\n    Updated: 0\n    Skipped: 6\n    Superseded: 3\n    Unchanged: 2\n\n" +
		"  SQL → JSON:\n    Inserted: 1\n    Skipped: 2\n    Superseded: 0\n    Unchanged: 2\n\n" +
		"  Conflicts: 2\n    w|p|Han: existing\n    w|p|Han: incoming (SQL → JSON)\n  Errors: 0\n\n" +
		"  JSON records: 7\n  SQL records: 3\n"
	if text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"direction":"bidirectional","dry_run":false,"duration_seconds":1.5,` +
		`"json_to_sql":{"inserted":1,"updated":0,"skipped":6,"superseded":3,"unchanged":2,"conflicts":1},` +
		`"sql_to_json":{"inserted":1,"skipped":2,"superseded":0,"unchanged":2,"conflicts":1},` +
		`"conflicts":2,"errors":0,"json_records":7,"sql_records":3,"conflict_list":[{"direction":"json_to_sql",` +
		conflict[1:len(conflict)-2] + `},{"direction":"sql_to_json",` +
		strings.Replace(conflict, `"existing"`, `"incoming"`, 1)[1:len(conflict)-2] + `}],"error_list":[]}` + "\n"
	if js.String() != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", js.String(), wantJSON)
	}
	if r.ExitCode() != 0 || r.Summary() != "" {
		t.Errorf("a run without failure: exit %d, %q", r.ExitCode(), r.Summary())
	}
}

// TestReportFailed: a failed import counts what was not processed, names
// the stage in the report, the summary line and the exit status; a stats
// file that cannot be read is said, not taken silently for zeros.
func TestReportFailed(t *testing.T) {
	dir, _ := newRun(t, "import", 3)
	writeFiles(t, dir, map[string]string{
		ImportLatest:              `{"read":3}`,
		ImportLoad:                `{"read":3,"inserted":1`,
		FailedFile:                "import.load\t1\t1\txr-sqlload\n",
		ErrFile("import.load", 1): "xr-sqlload: batch 2: simulated failure\n",
	})
	var warned []string
	r, err := Build(context.Background(), dir, func(f string, a ...any) { warned = append(warned, f) })
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 {
		t.Errorf("warnings %q, want one about import.load", warned)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"json_to_sql":{"inserted":0,"updated":0,"skipped":3,"superseded":0,"unchanged":0,"conflicts":0,"not_processed":0}`,
		`"error_list":[{"stage":"xr-sqlload","exit_code":1,"message":"xr-sqlload: batch 2: simulated failure"}]`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("json %s\nlacks %s", js.String(), want)
		}
	}
	if r.ExitCode() != 1 || r.Summary() != "import failed in xr-sqlload (exit 1)" {
		t.Errorf("exit %d, summary %q", r.ExitCode(), r.Summary())
	}
	writeFiles(t, dir, map[string]string{FailedFile: "import.diff\t0\t130\tinterrupted\n"})
	if r, err = Build(context.Background(), dir, func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	if r.ExitCode() != 130 || r.Summary() != "import interrupted" || !strings.HasPrefix(r.Failure.Message, "xr-snapshot: interrupted;") {
		t.Errorf("interrupted: exit %d, summary %q, message %q", r.ExitCode(), r.Summary(), r.Failure.Message)
	}
}
