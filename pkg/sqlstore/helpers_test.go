package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xr-lake/xr/internal/pgtest"
	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

func TestMain(m *testing.M) {
	if os.Getenv("XR_SQLSTORE_CHILD") == "load" {
		childLoad() // the kill -9 test's loader process
		return
	}
	pgtest.Main(m)
}

// env is one engine the shared suite runs against, with a fresh
// database (SQLite, PostgreSQL) or schema (SQL Server) per call.
type env struct {
	name string
	db   string
	man  *manifest.Manifest
}

var sqlServerSeq int

// engines returns the engines available to this test: SQLite always,
// PostgreSQL through pgtest (skipped loudly without a server), SQL Server
// when XR_TEST_SQLSERVER_DSN is set.
func forEachEngine(t *testing.T, f func(t *testing.T, e env)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, newEnv(t, "sqlite"))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, newEnv(t, "postgres"))
	})
	t.Run("sqlserver", func(t *testing.T) {
		if os.Getenv("XR_TEST_SQLSERVER_DSN") == "" {
			t.Skip("XR_TEST_SQLSERVER_DSN not set: no SQL Server to test against (the T-SQL is covered by TestSQLServerStatements)")
		}
		f(t, newEnv(t, "sqlserver"))
	})
}

// newEnv makes another fresh target on the engine.
func newEnv(t *testing.T, engine string) env {
	t.Helper()
	m := newManifest()
	e := env{name: engine, man: m}
	switch engine {
	case "sqlite":
		e.db = "sqlite:" + filepath.Join(t.TempDir(), "lake.db")
	case "postgres":
		e.db = pgtest.DSN(t)
	case "sqlserver":
		e.db = os.Getenv("XR_TEST_SQLSERVER_DSN")
		sqlServerSeq++
		m.SQLTarget.Schema = fmt.Sprintf("xrtest_%d_%d", os.Getpid(), sqlServerSeq)
	}
	return e
}

func (e env) load(t *testing.T, in []byte, mod func(*LoadOptions)) (*xr.Stats, error) {
	t.Helper()
	o := LoadOptions{DB: e.db, Manifest: e.man, Batch: 7}
	if mod != nil {
		mod(&o)
	}
	return Load(context.Background(), bytes.NewReader(in), o)
}

func (e env) mustLoad(t *testing.T, in []byte, want string, mod func(*LoadOptions)) {
	t.Helper()
	st, err := e.load(t, in, mod)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if got := st.Summary(); got != want {
		t.Fatalf("load counters: got %q, want %q", got, want)
	}
}

func (e env) dump(t *testing.T, mod func(*DumpOptions)) []byte {
	t.Helper()
	var out bytes.Buffer
	o := DumpOptions{DB: e.db, Manifest: e.man}
	if mod != nil {
		mod(&o)
	}
	st, err := Dump(context.Background(), &out, o)
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	if n := int64(bytes.Count(out.Bytes(), []byte("\n"))); st.Get("written") != n {
		t.Fatalf("written %d, lines %d", st.Get("written"), n)
	}
	return out.Bytes()
}

// sortedLines returns the lines of b, sorted.
func sortedLines(b []byte) []string {
	s := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(s) == 1 && s[0] == "" {
		return nil
	}
	slices.Sort(s)
	return s
}

// sameSet fails unless got and want hold the same lines.
func sameSet(t *testing.T, got, want []byte) {
	t.Helper()
	g, w := sortedLines(got), sortedLines(want)
	if !slices.Equal(g, w) {
		t.Fatalf("table holds %d lines, want %d\n got: %.300q\nwant: %.300q", len(g), len(w), g, w)
	}
}

// recSpec is one hashed envelope line, as mkLine builds it. nk nil: no
// natural key.
type recSpec struct {
	id       int
	typ      string // exchange_type ("" = http)
	src, ent string
	nk       *string
	response string // raw JSON
	observed string
}

func key(s string) *string { return &s }

func mkLine(t testing.TB, r recSpec) []byte {
	t.Helper()
	if r.src == "" {
		r.src = "wiki"
	}
	if r.ent == "" {
		r.ent = "page"
	}
	if r.typ == "" {
		r.typ = "http"
	}
	if r.observed == "" {
		r.observed = "2026-01-14T10:00:00Z"
	}
	if r.response == "" {
		r.response = fmt.Sprintf(`{"n":%d}`, r.id)
	}
	nk := "null"
	if r.nk != nil {
		nk = string(envelopeQuote(*r.nk))
	}
	line := fmt.Sprintf(`{"exchange_id":"00000000-0000-4000-8000-%012x","exchange_type":%s,"source_system":%s,"entity_type":%s,"natural_key":%s,"request":{"url":"https://example.org/%d"},"response":%s,"observed_at_utc":%q,"schema_version":1}`,
		r.id, envelopeQuote(r.typ), envelopeQuote(r.src), envelopeQuote(r.ent), nk, r.id, r.response, r.observed)
	var rec envelope.Record
	if err := envelope.Parse(&rec, []byte(line), false); err != nil {
		t.Fatalf("test record: %v: %s", err, line)
	}
	h, err := contenthash.Sum(&rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.SetString(envelope.ContentSHA256, h)
	return append(envelope.Append(nil, &rec), '\n')
}

func envelopeQuote(s string) []byte {
	var rec envelope.Record
	rec.SetString(envelope.SourceSystem, s)
	return rec.Raw(envelope.SourceSystem)
}

// corpus returns n keyed records (ids from base), versions picked by v.
func corpus(t testing.TB, n, base int, version string) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, mkLine(t, recSpec{id: base + i, nk: key(fmt.Sprintf("k%d", i)),
			response: fmt.Sprintf(`{"n":%d,"v":%q}`, i, version)})...)
	}
	return b
}

func lines(b []byte) [][]byte {
	var out [][]byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if len(l) > 0 {
			out = append(out, l)
		}
	}
	return out
}

func newManifest() *manifest.Manifest { return manifest.Default("test", "http", "", "") }
