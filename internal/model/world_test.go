package model_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/snapshot"
)

// result is one command's outcome.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, clip(r.stdout), clip(r.stderr))
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// env is the environment of the commands: the built binaries first on
// PATH (the race shim before them when asked), nothing from the outer
// XR_DB so every command names its database.
func (q *seq) env(extra ...string) []string {
	path := binDir + string(filepath.ListSeparator) + os.Getenv("PATH")
	var e []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "XR_DB=") || strings.HasPrefix(kv, "INGEST_SQLSERVER") {
			continue
		}
		e = append(e, kv)
	}
	e = append(e, "TMPDIR="+q.dir, "XR_MODEL_BIN="+binDir)
	for _, kv := range extra {
		if p, ok := strings.CutPrefix(kv, "PATH+="); ok {
			path = p + string(filepath.ListSeparator) + path
			continue
		}
		e = append(e, kv)
	}
	return append(e, "PATH="+path)
}

// run runs a command (a binary or `sh -c`) with stdin, in the sequence's
// directory.
func (q *seq) run(stdin string, extraEnv []string, name string, args ...string) result {
	if strings.HasPrefix(name, "xr-") {
		name = filepath.Join(binDir, name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = q.dir
	cmd.Env = q.env(extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := runTimeout(cmd, 5*time.Minute)
	return result{code: exitCode(err), stdout: out.String(), stderr: errb.String()}
}

func runTimeout(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return cmd.Wait()
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}

// runKilled runs a command (an xr-* one, or sh -c for a pipeline) with
// stdin in its own process group and, after a random delay, kill -9s one
// of its xr-* processes other than xr-snapshot itself — a stage — as a
// crash or an OOM kill would. It returns the result and what it killed
// ("" if the run ended first).
func (q *seq) runKilled(delay time.Duration, pick func(n int) int, stdin, name string, args ...string) (result, string) {
	if strings.HasPrefix(name, "xr-") {
		name = filepath.Join(binDir, name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = q.dir
	cmd.Env = q.env()
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return result{code: -1, stderr: err.Error()}, ""
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	killed := ""
	deadline := time.Now().Add(delay)
	var err error
loop:
	for {
		select {
		case err = <-done:
			break loop
		case <-time.After(2 * time.Millisecond):
		}
		if killed != "" || time.Now().Before(deadline) {
			continue
		}
		pids := q.stages(cmd.Process.Pid)
		if len(pids) == 0 {
			continue
		}
		p := pids[pick(len(pids))]
		if syscall.Kill(p.pid, syscall.SIGKILL) == nil {
			killed = p.comm
		}
	}
	return result{code: exitCode(err), stdout: out.String(), stderr: errb.String()}, killed
}

type proc struct {
	pid  int
	comm string
}

// stages lists the xr-* processes of process group pgid, except the
// script itself (xr-pack report, which decides the run's options and
// renders its report, is one of them: a crash there is a crash too).
func (q *seq) stages(pgid int) []proc {
	ents, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if i < 0 || j < i {
			continue
		}
		comm := s[i+1 : j]
		f := strings.Fields(s[j+1:])
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g != pgid {
			continue
		}
		if !strings.HasPrefix(comm, "xr-") || comm == "xr-snapshot" {
			continue
		}
		ps = append(ps, proc{pid, comm})
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].pid < ps[b].pid })
	return ps
}

// report is xr-snapshot's --json report (the fields the model checks).
type report struct {
	Direction string `json:"direction"`
	JSONToSQL struct {
		Inserted  int `json:"inserted"`
		Updated   int `json:"updated"`
		Conflicts int `json:"conflicts"`
	} `json:"json_to_sql"`
	SQLToJSON struct {
		Inserted  int `json:"inserted"`
		Conflicts int `json:"conflicts"`
	} `json:"sql_to_json"`
	Conflicts   int `json:"conflicts"`
	Errors      int `json:"errors"`
	JSONRecords int `json:"json_records"`
	SQLRecords  int `json:"sql_records"`
}

// record is a stored envelope as the test reads it back.
type record struct {
	ID       string          `json:"exchange_id"`
	Src      string          `json:"source_system"`
	Ent      string          `json:"entity_type"`
	Key      json.RawMessage `json:"natural_key"`
	Response struct {
		M string `json:"m"`
	} `json:"response"`
	Observed string `json:"observed_at_utc"`
	Hash     string `json:"content_sha256"`
	line     string
}

// parseRecord reads one stored line and checks its hash.
func parseRecord(line string) (record, error) {
	var r record
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return r, fmt.Errorf("not JSON: %v: %s", err, line)
	}
	r.line = line
	var e envelope.Record
	if err := envelope.Parse(&e, []byte(line), false); err != nil {
		return r, fmt.Errorf("not an envelope: %v: %s", err, line)
	}
	if err := contenthash.Verify(&e); err != nil {
		return r, fmt.Errorf("exchange_id %s: %v", r.ID, err)
	}
	return r, nil
}

// readPack reads the pack's records in pack order.
func readPack(dir string) ([]record, error) {
	var buf bytes.Buffer
	if _, err := snapshot.Cat(context.Background(), dir, &buf, snapshot.CatOptions{}); err != nil {
		return nil, err
	}
	var recs []record
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		r, err := parseRecord(l)
		if err != nil {
			return nil, fmt.Errorf("pack: %v", err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// readTable reads every row of the table: the envelope, checked against
// the row's own columns.
func (q *seq) readTable() ([]record, error) {
	rows, err := q.db.Query(fmt.Sprintf("SELECT exchange_id, content_sha256, payload_json FROM %s", q.eng.quoted(q.table)))
	if err != nil {
		if strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "does not exist") {
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var recs []record
	for rows.Next() {
		var id, h, payload string
		if err := rows.Scan(&id, &h, &payload); err != nil {
			return nil, err
		}
		r, err := parseRecord(payload)
		if err != nil {
			return nil, fmt.Errorf("table: %v", err)
		}
		if !strings.EqualFold(r.ID, id) || r.Hash != h {
			return nil, fmt.Errorf("table: row %s/%s holds the envelope of %s/%s", id, h, r.ID, r.Hash)
		}
		recs = append(recs, r)
	}
	return recs, rows.Err()
}

// engine is one SQL engine the sequences run on: SQLite gets a file per
// sequence, PostgreSQL one database whose tables the sequences share out.
type engine struct {
	name  string
	pgDSN string  // PostgreSQL: the database
	pg    *sql.DB // PostgreSQL: the test's own connection
}

// open gives a sequence its DSN and the test's connection to it.
func (e *engine) open(dir string) (string, *sql.DB, error) {
	if e.name != "sqlite" {
		return e.pgDSN, e.pg, nil
	}
	p := filepath.Join(dir, "lake.db")
	db, err := sql.Open("sqlite", p)
	return "sqlite:" + p, db, err
}

func (e *engine) quoted(table string) string {
	if e.name == "sqlite" {
		return "lake_" + table
	}
	return `lake."` + table + `"`
}
