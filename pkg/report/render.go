package report

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// Counts are one direction's numbers (docs/workflows.md defines each).
type Counts struct {
	Inserted, Updated, Skipped, Superseded, Unchanged, Conflicts, NotProcessed int64
	Failed                                                                     bool // a stage of this direction failed: NotProcessed is shown
}

// Conflict is a conflict of the report's list, with its direction.
type Conflict struct {
	Direction string // json_to_sql or sql_to_json
	diff.Conflict
}

// Report is the reconciliation report of one run.
type Report struct {
	Run
	Duration                time.Duration
	JSONToSQL, SQLToJSON    Counts
	JSONRecords, SQLRecords int64
	Conflicts               []Conflict
	Failure                 *Error // nil: no stage failed
}

// Error is the failed stage of a run.
type Error struct {
	Stage    string
	ExitCode int
	Message  string
	Placed   bool // Message names a record by the pack's chunk file and line instead of a line of the plan
}

// Warnf receives a diagnostic line about the run folder (a stats file or
// conflicts line that cannot be read is said, then counted as empty).
type Warnf func(format string, args ...any)

// Build reads a run folder into its report. A record xr-sqlload refused,
// named in its message by its line in the plan, is named by the pack's
// chunk file and line instead (with its key), since the plan is a file
// the user never sees.
func Build(ctx context.Context, dir string, warn Warnf) (*Report, error) {
	run, err := loadRun(dir)
	if err != nil {
		return nil, err
	}
	f, err := readFailure(dir)
	if err != nil {
		return nil, err
	}
	stats := func(name string) *xr.Stats {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				warn("%s: %v", name, err)
			}
			return nil
		}
		s, err := xr.ParseStats(b)
		if err != nil {
			warn("%s: %v", name, err)
		}
		return s
	}
	r := &Report{Run: run, Duration: time.Since(run.Started)}
	importFailed := f != nil && stepDirection(f.step) == "json_to_sql"
	exportFailed := f != nil && stepDirection(f.step) == "sql_to_json"
	latest, idiff, load := stats(ImportLatest), stats(ImportDiff), stats(ImportLoad)
	dump, ediff, write := stats(ExportDump), stats(ExportDiff), stats(ExportWrite)
	packRecords := countLines(filepath.Join(run.Pack, snapshot.IndexFile))

	// JSON → SQL: what the loader did; skipped is the rest of what was read
	// (or, after a failure, only what a stage decided to skip)
	j := &r.JSONToSQL
	read := latest.Get("read")
	j.Inserted, j.Updated = load.Get("inserted"), load.Get("updated")
	j.Failed = importFailed
	if !importFailed {
		j.Skipped = read - j.Inserted - j.Updated
	} else {
		// the plan is complete only when xr-sqlload itself failed: then what
		// the diffs left out of it is skipped, and what the loader found
		// unchanged or declined (it counts committed batches only)
		j.Skipped = load.Get("unchanged") + load.Get("kept_newer")
		if f.label == "xr-sqlload" {
			j.Skipped += read - countLines(filepath.Join(dir, Plan))
		}
		total := max(packRecords, read)
		j.NotProcessed = max(0, total-j.Inserted-j.Updated-j.Skipped)
	}
	j.Skipped = max(0, j.Skipped)
	// the pack's older versions of a key are history, apart from real
	// conflicts and unchanged records
	j.Superseded = latest.Get("superseded")
	j.Unchanged = latest.Get("unchanged") + idiff.Get("unchanged")
	j.Conflicts = idiff.Get("conflicts") + load.Get("kept_newer")

	// SQL → JSON: what xr-pack write wrote (a dry run: what xr-diff emitted)
	s := &r.SQLToJSON
	dumped := dump.Get("written")
	s.Failed = exportFailed
	if run.DryRun {
		s.Inserted = ediff.Get("emitted")
	} else {
		s.Inserted = write.Get("written")
	}
	if !exportFailed {
		s.Skipped = dumped - s.Inserted
	} else {
		s.Skipped = ediff.Get("unchanged")
		s.NotProcessed = max(0, dumped-s.Inserted-s.Skipped)
	}
	s.Skipped = max(0, s.Skipped)
	s.Superseded, s.Unchanged, s.Conflicts = ediff.Get("superseded"), ediff.Get("unchanged"), ediff.Get("conflicts")

	r.JSONRecords = packRecords
	switch sqlBefore := countLines(filepath.Join(dir, SQLIndex)); {
	case dump != nil:
		r.SQLRecords = dumped
	case run.DryRun:
		r.SQLRecords = sqlBefore
	default:
		r.SQLRecords = sqlBefore + j.Inserted
	}
	for _, c := range []struct{ file, direction string }{
		{ImportConflicts, "json_to_sql"}, {ImportDeclined, "json_to_sql"}, {ExportConflicts, "sql_to_json"},
	} {
		r.Conflicts = readConflicts(filepath.Join(dir, c.file), c.direction, r.Conflicts, warn)
	}
	if f != nil {
		r.Failure = &Error{Stage: f.label, ExitCode: f.status, Message: f.message}
		if f.label == "xr-sqlload" {
			r.Failure.Message = placePlanLine(ctx, run.Pack, filepath.Join(dir, Plan), f.message)
			r.Failure.Placed = r.Failure.Message != f.message
		}
	}
	return r, nil
}

// stepDirection is the direction a step of the script belongs to: its
// name's first part (import.*, export.*; "" for the others).
func stepDirection(step string) string {
	switch {
	case len(step) >= 6 && step[:6] == "import":
		return "json_to_sql"
	case len(step) >= 6 && step[:6] == "export":
		return "sql_to_json"
	}
	return ""
}

// readConflicts appends the conflicts of a log to list.
func readConflicts(path, direction string, list []Conflict, warn Warnf) []Conflict {
	fh, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			warn("%v", err)
		}
		return list
	}
	defer fh.Close()
	br := bufio.NewReader(fh)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			c, perr := diff.ParseConflict(line)
			if perr != nil {
				warn("%s: line %d: %v", filepath.Base(path), n, perr)
			} else {
				list = append(list, Conflict{Direction: direction, Conflict: c})
			}
		}
		if err != nil {
			if err != io.EOF {
				warn("%s: %v", filepath.Base(path), err)
			}
			return list
		}
	}
}

var planLine = regexp.MustCompile(`^xr-sqlload: line ([0-9]+): (.*)$`)

// placePlanLine turns "xr-sqlload: line N: …" (N a line of the plan) into
// "xr-sqlload: PACK/records/…/chunk-NNNN.ndjson:L (key "K"): … (line N of
// the plan)", found by the record's exchange_id (xr-pack locate); msg is
// returned as it is when the record cannot be found.
func placePlanLine(ctx context.Context, pack, plan, msg string) string {
	m := planLine.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	n, _ := strconv.Atoi(m[1])
	fh, err := os.Open(plan)
	if err != nil {
		return msg
	}
	defer fh.Close()
	rd := envelope.NewReader(fh, 0)
	rd.Lenient()
	for rd.LineNumber() < n-1 {
		if _, err := rd.ReadLine(); err != nil {
			return msg
		}
	}
	rec, err := rd.Read()
	if err != nil || rd.LineNumber() != n || rec.ID() == "" {
		return msg
	}
	p, ok, err := snapshot.Locate(ctx, pack, snapshot.ByID(rec.ID()))
	if err != nil || !ok {
		return msg
	}
	return fmt.Sprintf("xr-sqlload: %s (key %s): %s (line %d of the plan)", p.In(pack), strconv.Quote(rec.Key()), m[2], n)
}

// ExitCode is the run's exit status: the failed stage's (130 when
// interrupted), else 0.
func (r *Report) ExitCode() int {
	if r.Failure == nil {
		return 0
	}
	return r.Failure.ExitCode
}

// WriteText writes the report as the spec prints it.
func (r *Report) WriteText(w io.Writer) error {
	b := &bytes.Buffer{}
	dry := "False"
	if r.DryRun {
		dry = "True"
	}
	fmt.Fprintf(b, "Sync Report (%s)\n  Dry run: %s\n  Duration: %ss\n", r.Direction, dry, r.seconds())
	for _, d := range []struct {
		title string
		c     Counts
		upd   bool
	}{{"JSON → SQL", r.JSONToSQL, true}, {"SQL → JSON", r.SQLToJSON, false}} {
		fmt.Fprintf(b, "\n  %s:\n    Inserted: %d\n", d.title, d.c.Inserted)
		if d.upd {
			fmt.Fprintf(b, "    Updated: %d\n", d.c.Updated)
		}
		fmt.Fprintf(b, "    Skipped: %d\n    Superseded: %d\n    Unchanged: %d\n", d.c.Skipped, d.c.Superseded, d.c.Unchanged)
		if d.c.Failed {
			fmt.Fprintf(b, "    Not processed: %d\n", d.c.NotProcessed)
		}
	}
	fmt.Fprintf(b, "\n  Conflicts: %d\n", r.JSONToSQL.Conflicts+r.SQLToJSON.Conflicts)
	for i, c := range r.Conflicts {
		if i == 20 {
			fmt.Fprintf(b, "    … and %d more (see --json)\n", len(r.Conflicts)-20)
			break
		}
		mark := ""
		if c.Direction == "sql_to_json" {
			mark = " (SQL → JSON)"
		}
		// the key as JSON spells it inside its quotes: a quote, a line end
		// or a control character in a key cannot break the report's lines
		k := jsonscan.AppendQuoteString(nil, c.Key)
		fmt.Fprintf(b, "    %s: %s%s\n", k[1:len(k)-1], c.Resolution, mark)
	}
	fmt.Fprintf(b, "  Errors: %d\n", r.errors())
	if e := r.Failure; e != nil {
		fmt.Fprintf(b, "    failed stage: %s (exit %d): %s\n", e.Stage, e.ExitCode, e.Message)
	}
	fmt.Fprintf(b, "\n  JSON records: %d\n  SQL records: %d\n", r.JSONRecords, r.SQLRecords)
	_, err := w.Write(b.Bytes())
	return err
}

// WriteJSON writes the report as one JSON object on one line: the
// reference's members, with xr's additions (docs/workflows.md).
func (r *Report) WriteJSON(w io.Writer) error {
	b := []byte(`{"direction":`)
	b = jsonscan.AppendQuoteString(b, r.Direction)
	b = strconv.AppendBool(append(b, `,"dry_run":`...), r.DryRun)
	b = append(append(b, `,"duration_seconds":`...), r.seconds()...)
	b = appendCounts(append(b, `,"json_to_sql":`...), r.JSONToSQL, true)
	b = appendCounts(append(b, `,"sql_to_json":`...), r.SQLToJSON, false)
	b = strconv.AppendInt(append(b, `,"conflicts":`...), r.JSONToSQL.Conflicts+r.SQLToJSON.Conflicts, 10)
	b = strconv.AppendInt(append(b, `,"errors":`...), int64(r.errors()), 10)
	b = strconv.AppendInt(append(b, `,"json_records":`...), r.JSONRecords, 10)
	b = strconv.AppendInt(append(b, `,"sql_records":`...), r.SQLRecords, 10)
	b = append(b, `,"conflict_list":[`...)
	for i, c := range r.Conflicts {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonscan.AppendQuoteString(append(b, `{"direction":`...), c.Direction)
		line := diff.AppendConflict(nil, &c.Conflict) // {…}\n
		b = append(append(b, ','), line[1:len(line)-1]...)
	}
	b = append(b, `],"error_list":[`...)
	if e := r.Failure; e != nil {
		b = jsonscan.AppendQuoteString(append(b, `{"stage":`...), e.Stage)
		b = strconv.AppendInt(append(b, `,"exit_code":`...), int64(e.ExitCode), 10)
		b = jsonscan.AppendQuoteString(append(b, `,"message":`...), e.Message)
		b = append(b, '}')
	}
	_, err := w.Write(append(b, "]}\n"...))
	return err
}

// appendCounts appends one direction's object; updated only for the
// import (the export only appends), not_processed only when it failed.
func appendCounts(b []byte, c Counts, updated bool) []byte {
	b = strconv.AppendInt(append(b, `{"inserted":`...), c.Inserted, 10)
	if updated {
		b = strconv.AppendInt(append(b, `,"updated":`...), c.Updated, 10)
	}
	b = strconv.AppendInt(append(b, `,"skipped":`...), c.Skipped, 10)
	b = strconv.AppendInt(append(b, `,"superseded":`...), c.Superseded, 10)
	b = strconv.AppendInt(append(b, `,"unchanged":`...), c.Unchanged, 10)
	b = strconv.AppendInt(append(b, `,"conflicts":`...), c.Conflicts, 10)
	if c.Failed {
		b = strconv.AppendInt(append(b, `,"not_processed":`...), c.NotProcessed, 10)
	}
	return append(b, '}')
}

func (r *Report) seconds() string { return strconv.FormatFloat(r.Duration.Seconds(), 'f', 1, 64) }

func (r *Report) errors() int {
	if r.Failure == nil {
		return 0
	}
	return 1
}

// Summary is the last stderr line of a failed run, after Prog's prefix
// ("" when it did not fail).
func (r *Report) Summary() string {
	switch {
	case r.Failure == nil:
		return ""
	case r.Failure.Stage == Interrupted:
		return r.Command + " interrupted"
	}
	return fmt.Sprintf("%s failed in %s (exit %d)", r.Command, r.Failure.Stage, r.Failure.ExitCode)
}
