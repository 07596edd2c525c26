package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/report"
	"github.com/xr-lake/xr/pkg/xr"
)

var reportCmd = &cli.Command{Name: "report", Summary: "xr-snapshot's reconciliation report of a run folder: xr-pack report DIR",
	Help: reportUsage, Common: cli.Manifest, Run: runReport, As: snapshotAs}

const reportUsage = `usage: xr-pack report --begin -m MANIFEST --command import|export|sync [--direction D] [--conflict S] [--dry-run] [--json] DIR
       xr-pack report DIR

xr-snapshot's reconciliation report, rendered from the run folder DIR
that its pipelines fill. It is the script's Go half and speaks for it:
its messages say xr-snapshot, and run under the script's name
(XR_PROG_NAME="xr-snapshot" or "xr-snapshot import", "export", "sync") its
-h and --version are xr-snapshot's, which the script prints so.

--begin checks the options and decides the run's, writing them to DIR/run.
It checks the database xr-snapshot was given as xr-sqlload checks its own,
from the environment, where the script hands them over (a command line is
readable by every user): XR_SNAPSHOT_DB, its --db (set, even empty, when
given), and XR_SNAPSHOT_DB_FILE, its --db-file; then that the manifest
exists. A --conflict or --direction the spec does not know is a usage
error. It decides the direction (import: json_to_sql, export: sql_to_json,
sync: --direction, else the manifest's sync_policy.direction_default) and
whether the stages redact (the manifest's redaction_policy.enabled),
printed as two words, "DIRECTION redact" or "DIRECTION noredact".

Without --begin it prints the report (text, or one JSON object when the
run has --json), writes the run's exit status to DIR/status (that of the
stage that failed, 130 when interrupted, else 0) and, when a stage failed,
says which on stderr. DIR holds what the stages wrote, each under one name
(a missing file counts as zeros):
  import.latest import.diff import.load  --stats of the import's first xr-diff
                                         (newest per key), its xr-diff, xr-sqlload
  import.conflicts import.declined       --conflict-log of xr-diff, xr-sqlload
  sql.index plan                         SQL's index, the import's plan
  export.dump export.diff export.write   --stats of xr-sqldump, xr-diff, xr-pack write
  export.conflicts                       --conflict-log of the export's xr-diff
  failed                                 STEP<TAB>POSITION<TAB>STATUS<TAB>LABEL a
                                         failed stage (POSITION: in its pipeline)
  err.STEP.POSITION                      a stage's stderr
  interrupted                            SIGINT or SIGTERM reached the script
Of the failed stages of a pipeline, the cause is the first in data flow
that did not die of SIGPIPE (141).

Example:
  T=$(mktemp -d)
  xr-pack report --begin -m pages/manifest.json --command import "$T"
  xr-pack report "$T"`

// checkSnapshotDB checks the database xr-snapshot was given, as xr-sqlload
// checks its own --db and --db-file: the script hands them over in the
// environment, since a command line is readable by every user (ps).
func checkSnapshotDB(x *cli.Env) error {
	var g cli.DBGiven
	g.DB, g.DBSet = os.LookupEnv("XR_SNAPSHOT_DB")
	g.File, g.FileSet = os.LookupEnv("XR_SNAPSHOT_DB_FILE")
	_, err := g.Check("", x.Diag()) // the script's help writes XR_DB
	return err
}

// StatusFile holds the run's exit status, written by the report.
const statusFile = "status"

func runReport(x *cli.Env) (*xr.Stats, error) {
	var o report.Options
	var begin bool
	f := x.Flags
	f.Bool(&begin, "begin", "decide the run's options and write DIR/run")
	f.String(&o.Command, "command", "CMD", "import, export or sync (--begin)")
	f.String(&o.Direction, "direction", "D", "sync's direction (--begin; default: the manifest's)")
	f.String(&o.Conflict, "conflict", "S", "the strategy given to xr-snapshot, checked (--begin; the stages read the manifest's)")
	f.Bool(&o.DryRun, "dry-run", "the run changes nothing (--begin)")
	f.Bool(&o.JSON, "json", "the report as one JSON object (--begin)")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if len(x.Args()) != 1 {
		return nil, xr.Usagef("want one run folder DIR")
	}
	dir := x.Args()[0]
	x.Name, x.Prog = report.Prog, report.Prog // from here on, xr-snapshot's messages
	if begin {
		x.Name = report.Prog + " " + o.Command
		o.Manifest = x.Manifest
		if o.Manifest == "" {
			return nil, xr.Usagef("--begin needs -m MANIFEST")
		}
		if err := checkSnapshotDB(x); err != nil {
			return nil, err
		}
		if fi, err := os.Stat(o.Manifest); err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("manifest not found: %s (create one with '%s init')", o.Manifest, report.Prog)
		}
		r, err := report.Begin(dir, o)
		if err != nil {
			return nil, err
		}
		word := "noredact"
		if r.Redact {
			word = "redact"
		}
		_, err = fmt.Fprintln(x.Stdout, r.Direction, word)
		return nil, err
	}
	r, err := report.Build(x.Ctx, dir, func(format string, a ...any) { x.Warn("warning: " + fmt.Sprintf(format, a...)) })
	if err != nil {
		return nil, err
	}
	if r.Failure != nil && r.Failure.Placed {
		x.Warn(r.Failure.Message)
	}
	write := r.WriteText
	if r.JSON {
		write = r.WriteJSON
	}
	if err := write(x.Stdout); err != nil {
		return nil, err
	}
	if s := r.Summary(); s != "" {
		x.Warn(s)
	}
	return nil, os.WriteFile(filepath.Join(dir, statusFile), []byte(strconv.Itoa(r.ExitCode())+"\n"), 0o600)
}
