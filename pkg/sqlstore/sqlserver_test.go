package sqlstore

import (
	"strings"
	"testing"
)

// The T-SQL details a real SQL Server would reject or misread, checked on
// the text (no server in CI; see testdata/statements for the whole text).

func TestQuoteBracketEscapes(t *testing.T) {
	for in, want := range map[string]string{"lake": "[lake]", "a]b": "[a]]b]", "]": "[]]]", "order": "[order]"} {
		if got := quoteBracket(in); got != want {
			t.Errorf("quoteBracket(%q) = %q, want %q", in, got, want)
		}
	}
}

// A filtered index can only be created with ANSI_NULLS, QUOTED_IDENTIFIER
// and the other options on (error 1934); the printed DDL must set them
// itself, since sqlcmd runs with QUOTED_IDENTIFIER OFF. OBJECT_ID gets the
// quoted name, so keyword-named schemas and tables resolve.
func TestSQLServerDDLSetsOptions(t *testing.T) {
	ddl, err := DDL(SQLServer, Target{Schema: "order", Table: "select", NKCol: "natural_key", HashCol: "content_sha256"})
	if err != nil {
		t.Fatal(err)
	}
	set := strings.Index(ddl, "SET ANSI_NULLS, ANSI_PADDING, ANSI_WARNINGS, ARITHABORT, CONCAT_NULL_YIELDS_NULL, QUOTED_IDENTIFIER ON;")
	round := strings.Index(ddl, "SET NUMERIC_ROUNDABORT OFF;")
	ix := strings.Index(ddl, "WHERE [natural_key] IS NOT NULL")
	if set < 0 || round < 0 || ix < 0 || set > ix || round > ix {
		t.Errorf("DDL does not set the filtered index's options before creating it:\n%s", ddl)
	}
	if !strings.Contains(ddl, "OBJECT_ID(N'[order].[select]', N'U')") {
		t.Errorf("DDL looks the table up by an unquoted name:\n%s", ddl)
	}
	s := msStatements(Target{Schema: "order", Table: "select", NKCol: "natural_key", HashCol: "content_sha256"}.names(SQLServer))
	if !strings.Contains(s.exists, "OBJECT_ID(N'[order].[select]', N'U')") {
		t.Errorf("exists looks the table up by an unquoted name: %s", s.exists)
	}
	for _, opt := range []string{"ANSI_NULLS ON", "QUOTED_IDENTIFIER ON", "ANSI_PADDING ON", "ANSI_WARNINGS ON", "ARITHABORT ON",
		"CONCAT_NULL_YIELDS_NULL ON", "NUMERIC_ROUNDABORT OFF", "XACT_ABORT ON"} {
		if !strings.Contains(s.session, "SET "+opt+";") {
			t.Errorf("the loader's session lacks SET %s", opt)
		}
	}
}

// Every comparison between #xr_load and the table must be between columns
// of one collation (else error 468): the #temp's text columns are copied
// from the table, never declared with tempdb's default.
func TestSQLServerTempTakesTargetCollation(t *testing.T) {
	for _, tg := range []Target{DefaultTarget, {Schema: "ingest", Table: "Pages", NKCol: "PageKey", HashCol: "Sha256"}} {
		n := tg.names(SQLServer)
		s := msStatements(n)
		for _, must := range []string{
			"t.source_system, t.entity_type", "t." + n.NK + " AS natural_key", "t." + n.Hash + " AS content_sha256",
			"INTO #xr_load FROM " + n.T + " AS t",
		} {
			if !strings.Contains(s.temp, must) {
				t.Errorf("%s: #xr_load is not copied from the table (lacks %q):\n%s", tg.Name(), must, s.temp)
			}
		}
		if strings.Contains(s.temp, "CREATE TABLE") || strings.Contains(s.temp, "COLLATE") {
			t.Errorf("%s: #xr_load declares its own columns:\n%s", tg.Name(), s.temp)
		}
		// the bulk copy's column list must name the #temp's columns
		for _, c := range msTempCols {
			if !strings.Contains(s.temp, c) {
				t.Errorf("bulk-copied column %s missing from #xr_load", c)
			}
		}
	}
}

// A table made by the reference tool's DDL has no row_id: dumps ask first
// instead of failing on ORDER BY row_id.
func TestSQLServerDumpOrderAsksForRowID(t *testing.T) {
	s := msStatements(DefaultTarget.names(SQLServer))
	if s.hasRowID != "SELECT CASE WHEN COL_LENGTH(N'[lake].[RawExchangeRecord]', N'row_id') IS NULL THEN 0 ELSE 1 END" {
		t.Errorf("hasRowID = %s", s.hasRowID)
	}
	if strings.Contains(s.dump+s.index, "ORDER BY") {
		t.Error("dump statements order by row_id unconditionally")
	}
}

// row_id is the dumps' order: new rows must get it in input order, which
// only INSERT ... SELECT ... ORDER BY guarantees for IDENTITY values.
func TestSQLServerInsertKeepsInputOrder(t *testing.T) {
	s := msStatements(DefaultTarget.names(SQLServer))
	ins := s.upsert[replaceOlder][strings.Index(s.upsert[replaceOlder], "INSERT INTO"):]
	if !strings.Contains(ins, "ORDER BY s.seq;") || msTempCols[len(msTempCols)-1] != "seq" || !strings.Contains(s.temp, "CAST(0 AS INT) AS seq") {
		t.Errorf("INSERT does not order by the batch position:\n%s", ins)
	}
}

// The key probes must state the filtered index's predicate, or the
// optimizer cannot use the index and every batch scans the table.
func TestSQLServerKeyProbesStateIndexFilter(t *testing.T) {
	n := Target{Schema: "ingest", Table: "Pages", NKCol: "PageKey", HashCol: "Sha256"}.names(SQLServer)
	u := msStatements(n).upsert[replaceOlder]
	for _, must := range []string{"t.[PageKey] IS NOT NULL AND t.[Sha256] <> s.content_sha256", "WHERE k.[PageKey] IS NOT NULL AND k.source_system"} {
		if !strings.Contains(u, must) {
			t.Errorf("upsert lacks %q:\n%s", must, u)
		}
	}
}

func TestMSUUID(t *testing.T) {
	for in, want := range map[string]string{
		"0b6d4f0e-6a53-4c1e-9a51-6b1e2b3c4d5e": "0b6d4f0e-6a53-4c1e-9a51-6b1e2b3c4d5e",
		"0b6d4f0e6a534c1e9a516b1e2b3c4d5e":     "0b6d4f0e-6a53-4c1e-9a51-6b1e2b3c4d5e",
	} {
		if got, err := msUUID(in); err != nil || got != want {
			t.Errorf("msUUID(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "{0b6d4f0e-6a53-4c1e-9a51-6b1e2b3c4d5e}", "0b6d4f0e-6a53-4c1e-9a51-6b1e2b3c4d5z", "0b6d4f0e-6a53-4c1e-9a51-6b1e2b3c4d5e00"} {
		if got, err := msUUID(bad); err == nil {
			t.Errorf("msUUID(%q) accepted as %q", bad, got)
		}
	}
}

// Text SQL Server would refuse for the whole batch (no line, no field) is
// refused before the batch, naming the line and field, counted in UTF-16
// code units; PostgreSQL's varchar(n) counts characters.
func TestColLimitsCheck(t *testing.T) {
	limits := colLimits{max: [4]int{50, 100, 100, 500}, utf16: true}
	ok := row{id: "0b6d4f0e-6a53-4c1e-9a51-6b1e2b3c4d5e", typ: "mediawiki", src: "wiki", ent: "page",
		nk: strings.Repeat("é", 500), hasNK: true, line: 7}
	if err := limits.check(&ok); err != nil {
		t.Fatalf("a row at the limits: %v", err)
	}
	if id, err := msCheck(&ok); err != nil || id != ok.id {
		t.Fatalf("msCheck: %q, %v", id, err)
	}
	astral := ok
	astral.nk = strings.Repeat("😀", 250) // 500 UTF-16 code units
	if err := limits.check(&astral); err != nil {
		t.Errorf("250 astral runes: %v", err)
	}
	astral.nk = strings.Repeat("😀", 251)
	if err := specLimits.check(&astral); err != nil { // 251 characters
		t.Errorf("251 astral runes in characters: %v", err)
	}
	for _, c := range []struct {
		mod  func(r *row)
		want string
	}{
		{func(r *row) { r.nk += "x" }, "line 7: natural_key: 501 UTF-16 code units, longer than the table's column (500)"},
		{func(r *row) { r.nk = strings.Repeat("😀", 251) }, "line 7: natural_key: 502 UTF-16 code units"},
		{func(r *row) { r.src = strings.Repeat("s", 101) }, "line 7: source_system: 101 UTF-16"},
		{func(r *row) { r.typ = strings.Repeat("t", 51) }, "line 7: exchange_type: 51 UTF-16"},
		{func(r *row) { r.ent = "pa\x00ge" }, "line 7: entity_type: holds a NUL character"},
	} {
		r := ok
		c.mod(&r)
		if err := limits.check(&r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	r := ok
	r.id = "not-a-uuid"
	if _, err := msCheck(&r); err == nil || !strings.Contains(err.Error(), "line 7: exchange_id: not a UUID") {
		t.Errorf("msCheck: %v", err)
	}
	// no key: the key's limit does not apply; unknown limits (0) neither
	r = ok
	r.nk, r.hasNK = "\x00", false
	if err := limits.check(&r); err != nil {
		t.Error(err)
	}
	r = ok
	r.nk = strings.Repeat("k", 5000)
	if err := (colLimits{utf16: true}).check(&r); err != nil {
		t.Error(err)
	}
	if l := limitedCols(Target{Schema: "s", Table: "t", NKCol: "PageKey", HashCol: "h"}.names(SQLServer)); l[3] != "PageKey" {
		t.Errorf("natural key column: %v", l[3])
	}
}
