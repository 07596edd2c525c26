package model_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// step runs one random operation and checks its outcome.
func (q *seq) step() {
	for {
		switch r := q.rng.Intn(100); {
		case r < 22:
			q.opWritePack(q.redactOn && q.rng.Intn(6) == 0)
		case r < 37:
			q.opWriteSQL()
		case r < 40:
			q.opDeleteSQL()
		case r < 65:
			q.opSync(false)
		case r < 70:
			q.opDryRun()
		case r < 76:
			if !q.redactOn {
				continue
			}
			q.opRedact()
		case r < 81:
			q.opArchive()
		case r < 93:
			q.opSync(true)
		default:
			q.opRace()
		}
		return
	}
}

func (q *seq) logf(format string, args ...any) {
	q.steps = append(q.steps, fmt.Sprintf(format, args...))
}

func (q *seq) mustRun(what string, stdin string, env []string, name string, args ...string) result {
	q.ops++
	r := q.run(stdin, env, name, args...)
	if r.code != 0 {
		q.failf("%s: %s", what, r)
	}
	return r
}

// opWritePack writes 1–3 new records (new keys, new versions of known
// keys, records without a key) to the pack, as a capture tool does. raw:
// with the manifest's redaction policy off for the write, as a pack
// captured before the policy was turned on.
func (q *seq) opWritePack(raw bool) {
	// xr-pack write applies the manifest's policy (issue 11 item 1)
	in, cs := q.draw(q.newVersion, q.redactOn && !raw)
	q.logf("write to the pack%s: %s", map[bool]string{true: " (policy off)"}[raw], strings.Join(describe(cs), "; "))
	if raw {
		q.writeManifest(false)
	}
	capture := []string{"-c", `xr-canon -q | xr-hash -q | xr-pack write -q "$0"`, q.pack}
	if q.rng.Intn(6) == 0 {
		q.killAndRerun("the capture pipeline", in, "sh", capture...)
	} else {
		q.mustRun("xr-pack write", in, nil, "sh", capture...)
	}
	if raw {
		q.writeManifest(true)
	}
	q.m.appendPack(cs)
	q.check("xr-pack write")
}

// draw makes 1–3 versions with next: the writer's input lines, and the
// copies the model expects it to store (scrubbed or not).
func (q *seq) draw(next func() *version, redacted bool) (in string, cs []stored) {
	n := 1 + q.rng.Intn(3)
	var lines []string
	for i := 0; i < n; i++ {
		v := next()
		lines = append(lines, v.line())
		cs = append(cs, stored{v: v, redacted: redacted})
	}
	return strings.Join(lines, "\n") + "\n", cs
}

// sqlWriter is the pipeline another writer of the table runs: redacted
// when the policy is on, and replacing whatever the table holds for its
// keys (--conflict prefer_json, the loader's "as today").
func (q *seq) sqlWriter() string {
	red := ""
	if q.redactOn {
		red = `xr-redact -q -m "$0" | `
	}
	return `xr-canon -q | ` + red + `xr-hash -q | xr-sqlload -q -m "$0" --db "$1"` + overwrite
}

// overwrite makes xr-sqlload replace what the table holds for its keys.
const overwrite = " --conflict prefer_json"

// sqlVersion makes a version for the SQL side: a new one, or — one time in
// four when the pack has the key — observed at exactly the instant of the
// pack's current version (a tie, which prefer_newest gives to the pack).
func (q *seq) sqlVersion() *version {
	v := q.newVersion()
	if v.key != nil && q.rng.Intn(4) == 0 {
		if l, ok := q.m.latest()[v.rowKey()]; ok {
			delete(q.used, v.t.UnixNano())
			v.t = l.v.t
			v.tText = q.timeText(v.t)
		}
	}
	return v
}

// opWriteSQL changes 1–3 rows on the SQL side.
func (q *seq) opWriteSQL() {
	in, cs := q.draw(q.sqlVersion, q.redactOn)
	q.logf("write to SQL: %s", strings.Join(describe(cs), "; "))
	q.mustRun("SQL-side writer", in, nil, "sh", "-c", q.sqlWriter(), q.manifest, q.dsn)
	q.m.load(cs, "prefer_json")
	q.check("a SQL-side write")
}

// opDeleteSQL deletes rows with plain SQL: the whole table (the spec's
// "truncate and rebuild" workflow) or one row. The next import restores
// every key the pack has; what only SQL held is gone, as the user asked.
func (q *seq) opDeleteSQL() {
	rows := q.m.sqlRows()
	if len(rows) == 0 {
		q.opWriteSQL()
		return
	}
	stmt := "DELETE FROM " + q.eng.quoted(q.table)
	var args []any
	if q.rng.Intn(3) > 0 {
		r := rows[q.rng.Intn(len(rows))]
		stmt += " WHERE exchange_id = $1"
		args = append(args, r.v.id)
		q.logf("SQL: delete %s", strings.Join(describe([]stored{r}), ""))
		if r.v.key != nil {
			delete(q.m.sql, r.v.rowKey())
		} else {
			delete(q.m.keyless, r.content())
		}
	} else {
		q.logf("SQL: delete every row")
		q.m.sql, q.m.keyless = map[string]stored{}, map[string]stored{}
	}
	q.ops++
	if _, err := q.db.Exec(stmt, args...); err != nil {
		q.failf("%s: %v", stmt, err)
	}
	q.check("a delete in SQL")
}

// syncCall is one import, export or sync as drawSync draws it: the
// command, its direction and strategy, and the arguments.
type syncCall struct {
	cmd, direction, strategy string
	args                     []string
}

func (c syncCall) imports() bool { return c.direction != "sql_to_json" }
func (c syncCall) exports() bool { return c.direction != "json_to_sql" }
func (c syncCall) String() string {
	return fmt.Sprintf("xr-snapshot %s (%s, %s)", c.cmd, c.direction, c.strategy)
}

func (q *seq) drawSync(allowFail bool) syncCall {
	c := syncCall{cmd: "sync", direction: "bidirectional", strategy: "prefer_newest"}
	switch r := q.rng.Intn(20); {
	case r < 10:
	case r < 13:
		c.direction = "json_to_sql"
	case r < 15:
		c.direction = "sql_to_json"
	case r < 18:
		c.cmd, c.direction = "import", "json_to_sql"
	default:
		c.cmd, c.direction = "export", "sql_to_json"
	}
	strategies := []string{"prefer_newest", "prefer_sql", "prefer_json"}
	if allowFail {
		strategies = append(strategies, "fail")
	}
	c.strategy = strategies[q.rng.Intn(len(strategies))]
	return q.syncArgs(c)
}

func (q *seq) syncArgs(c syncCall) syncCall {
	c.args = []string{c.cmd, "--manifest", q.manifest, "--db", q.dsn, "--json", "--conflict", c.strategy}
	if c.cmd == "sync" {
		c.args = append(c.args, "--direction", c.direction)
	}
	return c
}

// predicted is what the model says a run does.
type predicted struct {
	plan              importPlan
	inserted, updated int
	exp               exportPlan
}

// failed: the run must fail (exit 3 for a conflict under fail).
func (p predicted) failed() bool { return p.plan.failed || p.exp.failed }

// apply runs the model of an import/export/sync on s.
func (q *seq) apply(s *state, c syncCall) predicted {
	var p predicted
	if c.imports() {
		p.plan = s.planImport(c.strategy, q.redactOn)
		if p.plan.failed {
			return p
		}
		p.inserted, p.updated = s.load(p.plan.recs, c.strategy)
	}
	if c.exports() {
		p.exp = q.export(s, c.strategy)
	}
	return p
}

// predict is what a run would do, without changing the model.
func (q *seq) predict(c syncCall) predicted { return q.apply(q.m.clone(), c) }

func parseReport(r result) (report, error) {
	var rep report
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep)
	return rep, err
}

// checkReport compares a run's report with the model's prediction.
func (q *seq) checkReport(c syncCall, r result, p predicted) {
	rep, err := parseReport(r)
	if err != nil {
		q.failf("%s: no JSON report: %v\n%s", c, err, r)
	}
	const format = "%s: json_to_sql inserted %d updated %d conflicts %d, sql_to_json inserted %d conflicts %d, conflicts %d, errors %d, json_records %d"
	got := fmt.Sprintf(format, rep.Direction, rep.JSONToSQL.Inserted, rep.JSONToSQL.Updated, rep.JSONToSQL.Conflicts,
		rep.SQLToJSON.Inserted, rep.SQLToJSON.Conflicts, rep.Conflicts, rep.Errors, rep.JSONRecords)
	want := fmt.Sprintf(format, c.direction, p.inserted, p.updated, p.plan.conflicts,
		p.exp.written, p.exp.conflicts, p.plan.conflicts+p.exp.conflicts, 0, len(q.m.pack))
	if got != want {
		q.failf("%s: the report says %s; the changes made were %s\n%s", c, got, want, r)
	}
	if c.exports() && !p.failed() && rep.SQLRecords != p.exp.dumped {
		q.failf("%s: the report says sql_records %d; the dataset's rows are %d\n%s", c, rep.SQLRecords, p.exp.dumped, r)
	}
}

// checkRun checks a run (what: how it was run, for messages) against the
// model's prediction: its failure, or its report and both sides. It
// reports whether the run succeeded.
func (q *seq) checkRun(c syncCall, r result, p predicted, what string) bool {
	if p.failed() {
		q.checkFailure(c, r, p)
		return false
	}
	if r.code != 0 {
		q.failf("%s%s: %s", c, what, r)
	}
	q.checkReport(c, r, p)
	q.check(c.String() + what)
	return true
}

// checkFailure checks a run the model says fails: exit 3 for a conflict
// under fail, another non-zero status for an export that cannot keep one
// record per exchange_id; the pack and the table hold what the steps
// before the failing one made of them.
func (q *seq) checkFailure(c syncCall, r result, p predicted) {
	switch {
	case c.strategy == "fail" && r.code != 3:
		q.failf("%s: want exit 3 (a conflict under fail), got %s", c, r)
	case r.code == 0:
		q.failf("%s: want a failure (SQL's record would replace the pack's record of its exchange_id), got %s", c, r)
	case c.strategy != "fail" && !strings.Contains(r.stderr, "xr-pack redact"):
		q.failf("%s: the exchange_id conflict's error does not name the fix (xr-pack redact): %s", c, r)
	}
	q.check(c.String() + " that failed")
}

// opSync runs an import, export or sync with a random strategy — or, with
// kill, kill -9s one of its stages at a random moment and then reruns it:
// the rerun must finish the job as if the first run never happened.
func (q *seq) opSync(kill bool) {
	c := q.drawSync(!kill)
	if kill {
		if q.predict(c).failed() {
			c.strategy = "prefer_newest" // a kill test, not a failure test
			c = q.syncArgs(c)
		}
		q.killAndRerun(c.String(), "", "xr-snapshot", c.args...)
		q.apply(q.m, c)
		q.check("the rerun of a killed " + c.String())
		q.verifyPack("after the rerun of a killed " + c.String())
		return
	}
	q.logf("%s", c)
	q.ops++
	r := q.run("", nil, "xr-snapshot", c.args...)
	if !q.checkRun(c, r, q.apply(q.m, c), "") {
		return
	}
	if c.direction == "bidirectional" {
		q.converged(c, q.rng.Intn(5) == 0)
	}
}

// killAndRerun runs a command, kill -9s one of its stages at a random
// moment, and reruns it to completion (exit 0): what the model then
// expects is what one run does.
func (q *seq) killAndRerun(what, stdin, name string, args ...string) {
	delay := time.Duration(q.rng.Intn(150)) * time.Millisecond
	which := q.rng.Intn(1 << 20) // drawn now: a replay draws the same numbers
	q.ops++
	r, killed := q.runKilled(delay, func(n int) int { return which % n }, stdin, name, args...)
	if killed != "" {
		q.kills++
	}
	q.logf("%s, kill -9 after %v: %s (exit %d)", what, delay, killed, r.code)
	if killed == "" && r.code != 0 {
		q.failf("%s (nothing killed): %s", what, r)
	}
	if killed != "" && r.code == 0 && strings.Contains(r.stdout, `"errors":`) && !strings.Contains(r.stdout, `"errors":0`) {
		q.failf("%s: %s killed, exit 0 but errors in the report: %s", what, killed, r)
	}
	q.logf("rerun %s", what)
	q.mustRun("rerun of "+what, stdin, nil, name, args...)
}

// converged checks, after a bidirectional sync, that both sides hold for
// every key of the dataset the version the strategy made win, and that a
// second sync changes nothing and reports zeros.
func (q *seq) converged(c syncCall, again bool) {
	pack, rows := q.actual()
	now := &state{pack: pack}
	inPack, latest := now.packContents(), now.latest()
	inSQL := map[string]stored{}
	for _, r := range rows {
		if r.v.key != nil {
			inSQL[r.v.rowKey()] = r
		} else {
			inSQL[r.content()] = r
		}
	}
	red := func(s stored) stored { s.redacted = s.redacted || q.redactOn; return s }
	for _, r := range rows {
		if !q.inScope(r.v) {
			continue
		}
		// the pack holds SQL's version (or its unscrubbed original)
		if !inPack[r.content()] && !inPack[stored{v: r.v}.content()] {
			q.failf("after %s: SQL's %s is not in the pack", c, describe([]stored{r}))
		}
		if r.v.key != nil && c.strategy != "prefer_sql" {
			if l := latest[r.v.rowKey()]; red(l).content() != r.content() {
				q.failf("after %s: key %q: SQL holds %s, the pack's current is %s", c, r.v.rowKey(), describe([]stored{r}), describe([]stored{l}))
			}
		}
	}
	for k, l := range latest {
		r, ok := inSQL[k]
		if !ok {
			q.failf("after %s: key %q of the pack is not in SQL", c, k)
		}
		// outside the dataset's scope SQL may keep a newer version it
		// never exports
		if q.inScope(l.v) && c.strategy != "prefer_sql" && r.content() != red(l).content() {
			q.failf("after %s: key %q: SQL holds %s, the pack's current is %s", c, k, describe([]stored{r}), describe([]stored{l}))
		}
	}
	for _, p := range pack {
		if _, ok := inSQL[red(p).content()]; p.v.key == nil && !ok {
			q.failf("after %s: the pack's keyless %s is not in SQL", c, describe([]stored{p}))
		}
	}
	if !again {
		return
	}
	// a second sync right after changes nothing
	q.logf("again: %s", c)
	r := q.mustRun("second "+c.String(), "", nil, "xr-snapshot", c.args...)
	before := q.m.clone()
	p := q.apply(q.m, c)
	if p.inserted+p.updated+p.exp.written != 0 || p.failed() {
		q.failf("the model changes something on a second %s (model bug)", c)
	}
	q.m = before
	q.checkReport(c, r, p)
	q.check("a second " + c.String())
}

// opDryRun: a dry run changes nothing anywhere and reports what the real
// run would do (a dry-run sync plans its export against SQL as it is now).
func (q *seq) opDryRun() {
	c := q.drawSync(false)
	c.args = append(c.args, "--dry-run")
	q.logf("%s --dry-run", c)
	q.ops++
	r := q.run("", nil, "xr-snapshot", c.args...)
	var p predicted
	if c.imports() {
		imp := q.m.clone()
		p.plan = imp.planImport(c.strategy, q.redactOn)
		p.inserted, p.updated = imp.load(p.plan.recs, c.strategy)
	}
	if c.exports() {
		p.exp = q.export(q.m.clone(), c.strategy)
	}
	q.checkRun(c, r, p, " --dry-run")
}

// opRedact scrubs the pack in place: every record keeps its exchange_id,
// time and order; none holds a secret afterwards.
func (q *seq) opRedact() {
	before, _ := q.actual()
	if q.rng.Intn(3) == 0 {
		q.killAndRerun("xr-pack redact", "", "xr-pack", "redact", "-q", q.pack)
	} else {
		q.logf("xr-pack redact")
		q.mustRun("xr-pack redact", "", nil, "xr-pack", "redact", "-q", q.pack)
	}
	for i := range q.m.pack {
		q.m.pack[i].redacted = true
	}
	after, _ := q.actual()
	if len(after) != len(before) {
		q.failf("xr-pack redact: %d records before, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].v != after[i].v {
			q.failf("xr-pack redact: record %d was %s, is %s", i, before[i].v.marker, after[i].v.marker)
		}
	}
	q.check("xr-pack redact")
	q.verifyPack("after xr-pack redact")
}

// opArchive archives the pack and extracts it elsewhere; the copy holds
// the same records, and half the time takes over as the pack. A pack
// holding secrets is refused unless --allow-secrets says so.
func (q *seq) opArchive() {
	secrets := false // what the pack's policy would remove
	for _, c := range q.m.pack {
		secrets = secrets || q.redactOn && c.hasSecret()
	}
	n := len(q.steps)
	out := filepath.Join(q.dir, fmt.Sprintf("arch%d.zip", n))
	args := []string{"pack", "--manifest", q.manifest, "--out", out}
	allow := q.rng.Intn(2) == 0
	if allow {
		args = append(args, "--allow-secrets")
	}
	var env []string
	if q.rng.Intn(8) == 0 {
		out += ".age" // --out names the archive exactly
		args[4] = out
		args = append(args, "--encrypt", "--work-factor", "10")
		env = append(env, "SNAPSHOT_ENCRYPTION_KEY=model-test-key")
	}
	q.logf("xr-snapshot %s", strings.Join(args, " "))
	q.ops++
	r := q.run("", env, "xr-snapshot", args...)
	if secrets && !allow {
		if r.code == 0 {
			q.failf("xr-snapshot pack archived a pack holding secrets without --allow-secrets: %s", r)
		}
		if _, err := os.Stat(out); err == nil {
			q.failf("xr-snapshot pack refused but left %s", out)
		}
		q.check("a refused archive")
		return
	}
	if r.code != 0 {
		q.failf("xr-snapshot pack: %s", r)
	}
	dest := filepath.Join(q.dir, fmt.Sprintf("extract%d", n))
	q.mustRun("xr-snapshot unpack", "", env, "xr-snapshot", "unpack", "--in", out, "--out", dest)
	orig, err := readPack(q.pack)
	if err != nil {
		q.failf("%v", err)
	}
	copyDir := filepath.Join(dest, q.name)
	got, err := readPack(copyDir)
	if err != nil {
		q.failf("the extracted pack: %v", err)
	}
	if len(orig) != len(got) {
		q.failf("the extracted pack holds %d records, the pack %d", len(got), len(orig))
	}
	for i := range orig {
		if orig[i].line != got[i].line {
			q.failf("the extracted pack's record %d differs:\n%s\n%s", i, orig[i].line, got[i].line)
		}
	}
	if q.rng.Intn(2) == 0 {
		q.logf("the extracted copy takes over")
		q.pack = copyDir
		q.manifest = filepath.Join(copyDir, "manifest.json")
	}
	q.check("archive and extract")
}

// opRace: another writer stores a newer version of a key between the
// import's index dump and its load. The loader must not overwrite it with
// the plan's older record under prefer_newest, nor update it at all under
// prefer_sql (issue 18).
func (q *seq) opRace() {
	lat := q.m.latest()
	var cands []*version
	for _, v := range q.knownKeys() {
		if _, ok := lat[v.rowKey()]; ok {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		q.opWritePack(false)
		return
	}
	o := cands[q.rng.Intn(len(cands))]
	q.nVer++
	k := *o.key
	w := &version{id: q.uuid(), src: o.src, ent: o.ent, key: &k, marker: fmt.Sprintf("s%d-v%d", q.seed, q.nVer)}
	w.t = base.Add(6 * 24 * time.Hour).Add(time.Duration(q.nVer) * time.Second) // newer than any
	q.used[w.t.UnixNano()] = true
	w.tText = q.timeText(w.t)
	if q.rng.Intn(3) == 0 {
		w.token = fmt.Sprintf("tok%016x", q.rng.Uint64())
	}
	q.versions[w.marker] = w
	ws := stored{v: w, redacted: q.redactOn}

	c := syncCall{cmd: "import", direction: "json_to_sql"}
	if q.rng.Intn(2) == 0 {
		c.cmd, c.direction = "sync", "bidirectional"
	}
	c.strategy = []string{"prefer_newest", "prefer_sql", "prefer_json"}[q.rng.Intn(3)]
	if _, _, e := q.raceApply(q.m.clone(), c, ws); e.failed {
		c.strategy = "prefer_newest" // a race test, not a failure test
	}
	c = q.syncArgs(c)
	file := filepath.Join(q.dir, "race.ndjson")
	red := ""
	if q.redactOn {
		red = ` | xr-redact -q -m "$0"`
	}
	line := q.mustRun("preparing the concurrent writer's record", w.line()+"\n", nil, "sh", "-c", `xr-canon -q`+red+` | xr-hash -q`, q.manifest).stdout
	if err := os.WriteFile(file, []byte(line), 0o644); err != nil {
		q.failf("%v", err)
	}
	q.logf("%s while another writer stores %s", c, strings.Join(describe([]stored{ws}), ""))
	q.ops++
	r := q.run("", []string{"PATH+=" + shimDir, "XR_MODEL_RACE_FILE=" + file,
		"XR_MODEL_RACE_ARGS=-q -m " + q.manifest + " --db " + q.dsn + overwrite}, "xr-snapshot", c.args...)
	if r.code != 0 {
		q.failf("%s with a concurrent writer: %s", c, r)
	}
	if _, err := os.Stat(file); err == nil {
		q.failf("the concurrent writer did not run (no load?): %s", r)
	}
	ins, upd, e := q.raceApply(q.m, c, ws)
	exp := e.written
	rep, err := parseReport(r)
	if err != nil {
		q.failf("%s: %v: %s", c, err, r)
	}
	if rep.JSONToSQL.Inserted != ins || rep.JSONToSQL.Updated != upd || rep.SQLToJSON.Inserted != exp {
		q.failf("%s with a concurrent writer: the report says inserted %d updated %d exported %d; the changes made were %d, %d, %d\n%s",
			c, rep.JSONToSQL.Inserted, rep.JSONToSQL.Updated, rep.SQLToJSON.Inserted, ins, upd, exp, r)
	}
	q.check(c.String() + " with a concurrent writer")
}

// raceApply is the model of an import (or sync) whose plan is computed
// against SQL before the concurrent writer stores w, and loaded after.
func (q *seq) raceApply(s *state, c syncCall, w stored) (ins, upd int, e exportPlan) {
	plan := s.planImport(c.strategy, q.redactOn)
	s.load([]stored{w}, "prefer_json")
	ins, upd = s.load(plan.recs, c.strategy)
	if c.exports() {
		e = q.export(s, c.strategy)
	}
	return
}

// opFinal ends a sequence: a bidirectional sync (and the second one),
// then the pack verifies and, with the policy on, no secret is in the
// table, nor in the pack when nothing unscrubbed was ever kept there.
func (q *seq) opFinal() {
	c := q.syncArgs(syncCall{cmd: "sync", direction: "bidirectional", strategy: []string{"prefer_newest", "prefer_sql", "prefer_json"}[q.rng.Intn(3)]})
	if q.predict(c).failed() {
		c = q.syncArgs(syncCall{cmd: "sync", direction: "bidirectional", strategy: "prefer_newest"})
	}
	q.logf("final %s", c)
	r := q.mustRun("final "+c.String(), "", nil, "xr-snapshot", c.args...)
	p := q.apply(q.m, c)
	q.checkReport(c, r, p)
	q.check("the final " + c.String())
	q.converged(c, q.rng.Intn(3) == 0)
	q.verifyPack("at the end")
	if q.redactOn {
		// the table's rows, and the pack's records when the model says
		// nothing unscrubbed is kept there, pass xr-redact --check
		rows, err := q.readTable()
		if err != nil {
			q.failf("%v", err)
		}
		var in strings.Builder
		for _, r := range rows {
			in.WriteString(r.line + "\n")
		}
		what := fmt.Sprintf("the table's %d rows", len(rows))
		secrets := false
		for _, c := range q.m.pack {
			secrets = secrets || c.hasSecret()
		}
		if !secrets {
			recs, err := readPack(q.pack)
			if err != nil {
				q.failf("%v", err)
			}
			for _, r := range recs {
				in.WriteString(r.line + "\n")
			}
			what += fmt.Sprintf(", then the pack's %d records", len(recs))
		}
		q.ops++
		if d := q.run(in.String(), nil, "xr-redact", "-q", "-m", q.manifest, "--check"); d.code != 0 {
			q.failf("xr-redact --check on %s: %s", what, d)
		}
	}
}

// verifyPack: xr-pack verify finds nothing wrong (hashes, index, chunks,
// duplicate exchange_ids, leftovers).
func (q *seq) verifyPack(when string) {
	q.ops++
	r := q.run("", nil, "xr-pack", "verify", q.pack)
	if r.code != 0 {
		q.failf("xr-pack verify %s: %s", when, r)
	}
}
