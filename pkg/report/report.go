// Package report is xr-snapshot's reconciliation report. The script runs
// its pipelines and leaves what the stages wrote (--stats files, --conflicts
// logs, the plan, each stage's stderr and the stages that failed) in a run
// folder; this package decides the run's options at its start (Begin) and,
// at its end, renders the spec's report from that folder, as text or as
// one JSON object, and the run's exit status (Render). So the script never
// reads or writes JSON and holds no policy. The folder's files are listed
// in Files; `xr-pack report -h` documents them for the script's reader.
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// Prog names the messages of the report: it speaks for xr-snapshot.
const Prog = "xr-snapshot"

// The files of a run folder.
const (
	RunFile         = "run"              // the run's options (Begin writes it)
	ImportLatest    = "import.latest"    // --stats of the first xr-diff (each key's newest version)
	ImportDiff      = "import.diff"      // --stats of the import's xr-diff against SQL's index
	ImportLoad      = "import.load"      // --stats of xr-sqlload
	ImportConflicts = "import.conflicts" // xr-diff's --conflicts (the import)
	ImportDeclined  = "import.declined"  // xr-sqlload's --conflicts (rows its write declined)
	SQLIndex        = "sql.index"        // SQL's index, as the import read it
	Plan            = "plan"             // the import's plan (what xr-sqlload reads)
	ExportDump      = "export.dump"      // --stats of xr-sqldump (the export)
	ExportDiff      = "export.diff"      // --stats of the export's xr-diff
	ExportWrite     = "export.write"     // --stats of xr-pack write
	ExportConflicts = "export.conflicts" // the export xr-diff's --conflicts
	FailedFile      = "failed"           // STEP<TAB>POSITION<TAB>STATUS<TAB>LABEL, a line per failed stage
	Interrupted     = "interrupted"      // exists when SIGINT/SIGTERM reached the script
)

// ErrFile is the file holding the stderr of the stage at position pos
// (1 = first) of the pipeline of step.
func ErrFile(step string, pos int) string { return fmt.Sprintf("err.%s.%d", step, pos) }

// Run is a run's options, decided by Begin.
type Run struct {
	Command   string    `json:"command"`   // import, export or sync
	Direction string    `json:"direction"` // one of manifest.Directions
	DryRun    bool      `json:"dry_run"`
	JSON      bool      `json:"json"`
	Pack      string    `json:"pack"`   // the manifest's folder
	Redact    bool      `json:"redact"` // the manifest's redaction_policy.enabled
	Started   time.Time `json:"started"`
}

// Options are what the script was given.
type Options struct {
	Command   string // import, export or sync
	Manifest  string
	Direction string // sync's --direction ("": the manifest's)
	Conflict  string // --conflict ("": the manifest's, which the stages read)
	DryRun    bool
	JSON      bool
}

// Begin checks the options, decides the direction (import and export have
// theirs; sync's is --direction, else the manifest's) and whether the
// records are redacted (the manifest's policy), and writes them to
// dir/run, starting the clock.
func Begin(dir string, o Options) (Run, error) {
	if err := oneOf("--conflict", o.Conflict, manifest.SyncStrategies); o.Conflict != "" && err != nil {
		return Run{}, err
	}
	m, err := manifest.Load(o.Manifest)
	if err != nil {
		return Run{}, err
	}
	r := Run{Command: o.Command, DryRun: o.DryRun, JSON: o.JSON, Pack: filepath.Dir(o.Manifest),
		Redact: m.RedactionPolicy.Enabled, Started: time.Now()}
	switch o.Command {
	case "import":
		r.Direction = "json_to_sql"
	case "export":
		r.Direction = "sql_to_json"
	case "sync":
		r.Direction = o.Direction
		if r.Direction == "" {
			r.Direction = m.SyncPolicy.DirectionDefault
		}
		if err := oneOf("--direction", r.Direction, manifest.Directions); err != nil {
			return Run{}, err
		}
	default:
		return Run{}, xr.Usagef("unknown command %q (want import, export or sync)", o.Command)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return Run{}, err
	}
	return r, os.WriteFile(filepath.Join(dir, RunFile), append(b, '\n'), 0o600)
}

// oneOf is a usage error unless v is in allowed.
func oneOf(flag, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	list := strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	return xr.Usagef("%s: want %s, not %q", flag, list, v)
}

// loadRun reads dir/run.
func loadRun(dir string) (Run, error) {
	var r Run
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil {
		return r, fmt.Errorf("%s: not a run folder of xr-snapshot: %w", dir, err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", filepath.Join(dir, RunFile), err)
	}
	return r, nil
}

// failure is the stage a run failed in.
type failure struct {
	step, label string
	pos, status int
	message     string
}

// readFailure finds the stage that failed, if any: of the stages of the
// failed step's pipeline, the first in data-flow order that did not just
// die of SIGPIPE (status 141): the stages upstream of it were killed
// writing into it, those downstream saw a truncated stream.
func readFailure(dir string) (*failure, error) {
	b, err := os.ReadFile(filepath.Join(dir, FailedFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var best *failure
	for n, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		f := failure{}
		parts := strings.SplitN(l, "\t", 4)
		if len(parts) != 4 {
			return nil, fmt.Errorf("%s: line %d: want STEP, POSITION, STATUS and LABEL", FailedFile, n+1)
		}
		f.step, f.label = parts[0], parts[3]
		if _, err := fmt.Sscan(parts[1], &f.pos); err != nil {
			return nil, fmt.Errorf("%s: line %d: position: %w", FailedFile, n+1, err)
		}
		if _, err := fmt.Sscan(parts[2], &f.status); err != nil {
			return nil, fmt.Errorf("%s: line %d: status: %w", FailedFile, n+1, err)
		}
		switch {
		case best == nil:
			best = &f
		case f.step != best.step: // the script stops at the first failed step
		case (f.status != 141) != (best.status != 141):
			if f.status != 141 {
				best = &f
			}
		case f.pos < best.pos:
			best = &f
		}
	}
	if best.label == Interrupted {
		best.message = Prog + ": interrupted; the step in progress finished, nothing after it ran"
		return best, nil
	}
	best.message = lastStageLine(filepath.Join(dir, ErrFile(best.step, best.pos)))
	if best.message == "" {
		best.message = fmt.Sprintf("%s exited with status %d", best.label, best.status)
	}
	return best, nil
}

// lastStageLine is the last line of a stage's stderr that an xr command
// wrote ("xr-…: …"), or "".
func lastStageLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	last := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "xr-") {
			last = sc.Text()
		}
	}
	return last
}

// countLines counts the newline-ended lines of a file (0 if absent).
func countLines(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 64<<10)
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err != nil {
			return n
		}
	}
}
