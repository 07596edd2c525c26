package model_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// seq is one random sequence: its generator, its pack and table, and the
// model of both.
type seq struct {
	seed     int64
	rng      *rand.Rand
	eng      *engine
	dir      string
	dsn      string
	db       *sql.DB
	table    string
	pack     string // the pack's folder (changes when an extracted copy takes over)
	manifest string
	name     string // dataset_name

	scopeSrc, scopeEnt string // the manifest's source_system and entity_type
	redactOn           bool   // the manifest's redaction_policy.enabled

	m        *state
	versions map[string]*version // by marker
	used     map[int64]bool      // observed_at_utc instants in use (unique but for deliberate ties)
	nVer     int
	steps    []string // what ran, for the failure message
	ops      int      // commands run (for the report)
	kills    int      // stages killed
}

// failure stops a sequence; runSeq turns it into the test's error.
type failure struct{ msg string }

func (q *seq) failf(format string, args ...any) {
	panic(failure{fmt.Sprintf(format, args...)})
}

// the generator's vocabulary: source systems and entity types with `|`
// (two pairs whose naive "s|e|k" keys coincide), non-ASCII and NFD forms;
// natural keys with `|`, the empty string, a number and the same digits as
// a string, NFC and NFD spellings of one word, CJK.
var (
	pairs = [][2]string{{"wiki", "page"}, {"w|x", "y"}, {"w", "x|y"}, {"Søurce", "e\u0301nt"}}
	keys  = []keyval{{"Luke", false}, {"", false}, {"a|b", false}, {"|", false}, {"42", false}, {"42", true},
		{"Am\u00e9lie", false}, {"Ame\u0301lie", false}, {"日本語", false}, {"k 7", false}}
	base = time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
)

// newSeq sets up a sequence's folder, pack, manifest and table.
func newSeq(eng *engine, seed int64, dir string) *seq {
	q := &seq{seed: seed, rng: rand.New(rand.NewSource(seed)), eng: eng, dir: dir,
		m: newState(), versions: map[string]*version{}, used: map[int64]bool{}}
	q.table = fmt.Sprintf("m%d", seed)
	if eng.name != "sqlite" {
		q.table = fmt.Sprintf("m%d_%d", seed, os.Getpid()%100000)
	}
	var err error
	if q.dsn, q.db, err = eng.open(dir); err != nil {
		q.failf("open database: %v", err)
	}
	// the manifest's scope: the records' own (most), one no record has
	// (the reference's "mixed" datasets, issue 18), one of the `|` pairs,
	// or none at all (the dataset is the whole table)
	switch r := q.rng.Intn(20); {
	case r < 11:
		q.scopeSrc, q.scopeEnt = "wiki", "page"
	case r < 15:
		q.scopeSrc, q.scopeEnt = "mixed", "mixed"
	case r < 18:
		q.scopeSrc, q.scopeEnt = "w|x", "y"
	default:
		q.scopeSrc, q.scopeEnt = "", ""
	}
	q.redactOn = q.rng.Intn(5) > 0
	q.name = "ds"
	q.pack = filepath.Join(dir, "snaps", q.name)
	q.manifest = filepath.Join(q.pack, "manifest.json")
	if err := os.MkdirAll(filepath.Join(q.pack, "records"), 0o755); err != nil {
		q.failf("%v", err)
	}
	q.writeManifest(q.redactOn)
	return q
}

// writeManifest writes the pack's manifest (redaction as given).
func (q *seq) writeManifest(redact bool) {
	m := map[string]any{
		"dataset_name":  q.name,
		"description":   "model-based test",
		"owner":         "model",
		"exchange_type": "http",
		"source_system": q.scopeSrc,
		"entity_type":   q.scopeEnt,
		"sql_target":    map[string]any{"schema": "lake", "table": q.table, "natural_key_column": "natural_key", "hash_column": "content_sha256"},
		"sync_policy":   map[string]any{"direction_default": "bidirectional", "conflict_strategy": "prefer_newest"},
		"redaction_policy": map[string]any{"enabled": redact, "patterns": []string{},
			"headers_to_redact": []string{"authorization", "cookie", "set-cookie", "x-api-key", "api-key", "bearer"}},
		"encryption_policy": map[string]any{"enabled": false, "algorithm": "aes-256-gcm", "key_source": "env",
			"key_env_var": "SNAPSHOT_ENCRYPTION_KEY", "key_file_path": nil},
		"created_at": "2024-01-20T00:00:00.000000+00:00",
		"updated_at": "2024-01-20T00:00:00.000000+00:00",
		"version":    1,
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(q.manifest, append(b, '\n'), 0o644); err != nil {
		q.failf("%v", err)
	}
}

// ---- the generator -------------------------------------------------------

// newTime draws an instant no other version has.
func (q *seq) newTime() time.Time {
	for {
		t := base.Add(time.Duration(q.rng.Intn(5*24*3600)) * time.Second)
		if q.rng.Intn(5) == 0 {
			t = t.Add(time.Duration(1+q.rng.Intn(999999)) * time.Microsecond)
		}
		if !q.used[t.UnixNano()] {
			q.used[t.UnixNano()] = true
			return t
		}
	}
}

// timeText writes an instant as a capture tool might: Z, +00:00 or
// another offset (xr-canon normalizes all to Z).
func (q *seq) timeText(t time.Time) string {
	switch q.rng.Intn(4) {
	case 0:
		return t.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05.999999999-07:00")
	case 1:
		return t.Format("2006-01-02T15:04:05.999999999") + "+00:00"
	}
	return t.Format("2006-01-02T15:04:05.999999999Z")
}

// knownKeys are the keyed row keys either side has seen, sorted.
func (q *seq) knownKeys() []*version {
	seen := map[string]*version{}
	for _, c := range q.m.pack {
		if c.v.key != nil {
			seen[c.v.rowKey()] = c.v
		}
	}
	for k, c := range q.m.sql {
		seen[k] = c.v
	}
	ks := make([]string, 0, len(seen))
	for k := range seen {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	vs := make([]*version, len(ks))
	for i, k := range ks {
		vs[i] = seen[k]
	}
	return vs
}

// newVersion makes a record: a new version of a key either side knows
// (half the time), else of a key drawn from the vocabulary, or (one in
// seven) one without a natural key; a third carry a bearer token.
func (q *seq) newVersion() *version {
	q.nVer++
	v := &version{id: q.uuid(), marker: fmt.Sprintf("s%d-v%d", q.seed, q.nVer)}
	known := q.knownKeys()
	switch {
	case len(known) > 0 && q.rng.Intn(2) == 0:
		o := known[q.rng.Intn(len(known))]
		v.src, v.ent = o.src, o.ent
		k := *o.key
		if k.text == "42" && q.rng.Intn(2) == 0 {
			k.num = !k.num // the same key as a number or as a string
		}
		v.key = &k
	default:
		p := pairs[0]
		if q.rng.Intn(5) < 2 {
			p = pairs[q.rng.Intn(len(pairs))]
		}
		v.src, v.ent = p[0], p[1]
		if q.rng.Intn(7) > 0 {
			k := keys[q.rng.Intn(len(keys))]
			v.key = &k
		}
	}
	v.t = q.newTime()
	v.tText = q.timeText(v.t)
	if q.rng.Intn(3) == 0 {
		v.token = fmt.Sprintf("tok%016x%08x", q.rng.Uint64(), q.rng.Uint32())
	}
	q.versions[v.marker] = v
	return v
}

func (q *seq) uuid() string {
	b := make([]byte, 16)
	q.rng.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// line is the version as the capture tool writes it (no hash yet).
func (v *version) line() string {
	req := map[string]any{"method": "GET", "url": "https://example.org/api/items"}
	if v.token != "" {
		req["headers"] = map[string]string{"Authorization": "Bearer " + v.token, "Accept": "application/json"}
	}
	nk := json.RawMessage("null")
	if v.key != nil {
		if v.key.num {
			nk = json.RawMessage(v.key.text)
		} else {
			nk, _ = json.Marshal(v.key.text)
		}
	}
	b, _ := json.Marshal(map[string]any{
		"exchange_id": v.id, "exchange_type": "http", "source_system": v.src, "entity_type": v.ent,
		"natural_key": nk, "request": req, "response": map[string]any{"m": v.marker, "text": "Grüße, 世界"},
		"observed_at_utc": v.tText,
	})
	return string(b)
}

// ---- reading the real state back ---------------------------------------

// toStored maps a stored envelope to the version it is a copy of,
// checking that its identity survived every stage unchanged.
func (q *seq) toStored(where string, r record) stored {
	v := q.versions[r.Response.M]
	if v == nil {
		q.failf("%s: a record the model never wrote: %s", where, clip(r.line))
	}
	if !strings.EqualFold(r.ID, v.id) {
		q.failf("%s: %s stored with exchange_id %s, written with %s", where, v.marker, r.ID, v.id)
	}
	if r.Src != v.src || r.Ent != v.ent {
		q.failf("%s: %s stored as %q/%q, written as %q/%q", where, v.marker, r.Src, r.Ent, v.src, v.ent)
	}
	want := "null"
	if v.key != nil {
		if v.key.num {
			want = v.key.text
		} else {
			b, _ := json.Marshal(v.key.text)
			want = string(b)
		}
	}
	var got, exp any
	json.Unmarshal(r.Key, &got)
	json.Unmarshal([]byte(want), &exp)
	if fmt.Sprint(got) != fmt.Sprint(exp) || (v.key != nil && v.key.text != keyText(r.Key)) {
		q.failf("%s: %s stored with natural_key %s, written with %s", where, v.marker, r.Key, want)
	}
	t, err := time.Parse(time.RFC3339Nano, r.Observed)
	if err != nil || !t.Equal(v.t) {
		q.failf("%s: %s stored observed at %q, written at %s", where, v.marker, r.Observed, v.tText)
	}
	return stored{v: v, redacted: v.token == "" || !strings.Contains(r.line, v.token)}
}

func keyText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func describe(cs []stored) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		k := "-"
		if c.v.key != nil {
			k = fmt.Sprintf("%q/%q/%q", c.v.src, c.v.ent, c.v.key.text)
		} else {
			k = fmt.Sprintf("%q/%q/(no key)", c.v.src, c.v.ent)
		}
		out[i] = fmt.Sprintf("%s %s %s %s", c.content(), c.v.id[:8], k, c.v.t.Format(time.RFC3339Nano))
	}
	sort.Strings(out)
	return out
}

// diffLists names what one sorted list has and the other lacks.
func diffLists(want, got []string) string {
	w, g := map[string]int{}, map[string]int{}
	for _, s := range want {
		w[s]++
	}
	for _, s := range got {
		g[s]++
	}
	var b strings.Builder
	for _, s := range want {
		if g[s] < w[s] {
			fmt.Fprintf(&b, "\n    missing: %s", s)
			g[s]++
		}
	}
	g = map[string]int{}
	for _, s := range got {
		g[s]++
	}
	for _, s := range got {
		if w[s] < g[s] {
			fmt.Fprintf(&b, "\n    extra:   %s", s)
			w[s]++
		}
	}
	return b.String()
}

// actual reads the pack and the table, checking on the way: every hash
// verifies, no exchange_id twice in the pack or the table, no key twice in
// the table, every record is one the model wrote, unaltered.
func (q *seq) actual() (pack []stored, rows []stored) {
	precs, err := readPack(q.pack)
	if err != nil {
		q.failf("reading the pack: %v", err)
	}
	pack = q.storedOnce("pack", precs)
	trecs, err := q.readTable()
	if err != nil {
		q.failf("reading the table: %v", err)
	}
	rows = q.storedOnce("table", trecs)
	keys := map[string]bool{}
	for _, c := range rows {
		if c.v.key != nil {
			if keys[c.v.rowKey()] {
				q.failf("table: key %q twice", c.v.rowKey())
			}
			keys[c.v.rowKey()] = true
		}
	}
	return pack, rows
}

// storedOnce maps the records read from where ("pack", "table") to the
// versions they are copies of (toStored), failing on an exchange_id that
// occurs twice (compared without regard to case, as SQL compares UUIDs).
func (q *seq) storedOnce(where string, recs []record) []stored {
	ids := map[string]bool{}
	out := make([]stored, 0, len(recs))
	for _, r := range recs {
		id := strings.ToLower(r.ID)
		if ids[id] {
			q.failf("%s: exchange_id %s twice", where, r.ID)
		}
		ids[id] = true
		out = append(out, q.toStored(where, r))
	}
	return out
}

// check compares both sides with the model.
func (q *seq) check(what string) {
	pack, rows := q.actual()
	if d := diffLists(describe(q.m.pack), describe(pack)); d != "" {
		q.failf("after %s: the pack differs from the model:%s", what, d)
	}
	if d := diffLists(describe(q.m.sqlRows()), describe(rows)); d != "" {
		q.failf("after %s: the table differs from the model:%s", what, d)
	}
}

// ---- running a sequence --------------------------------------------------

// runSeq runs one sequence and returns "" or why it failed.
func runSeq(eng *engine, seed int64, dir string, nOps int) (msg string, q *seq) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				f = failure{fmt.Sprintf("panic: %v\n%s", r, debug.Stack())}
			}
			steps := ""
			if q != nil {
				steps = strings.Join(q.steps, "\n    ")
			}
			msg = fmt.Sprintf("%s\n  steps:\n    %s", f.msg, steps)
		}
	}()
	q = newSeq(eng, seed, dir)
	defer func() {
		if eng.name == "sqlite" {
			q.db.Close()
		} else {
			q.db.Exec("DROP TABLE IF EXISTS " + eng.quoted(q.table))
		}
	}()
	q.steps = append(q.steps, fmt.Sprintf("manifest scope %q/%q, redaction %v", q.scopeSrc, q.scopeEnt, q.redactOn))
	if q.redactOn && q.rng.Intn(2) == 0 {
		q.opWritePack(true) // a pack captured before the policy (or by another tool)
	}
	for i := 0; i < nOps; i++ {
		q.step()
	}
	q.opFinal()
	return "", q
}
