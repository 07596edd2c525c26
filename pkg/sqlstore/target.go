package sqlstore

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/xr-lake/xr/pkg/manifest"
)

// Target is the validated table a dataset mirrors to: the manifest's
// sql_target (default lake.RawExchangeRecord, columns natural_key and
// content_sha256).
type Target struct {
	Schema, Table  string
	NKCol, HashCol string
}

// DefaultTarget is lake.RawExchangeRecord with the spec's column names.
var DefaultTarget = Target{Schema: "lake", Table: "RawExchangeRecord", NKCol: "natural_key", HashCol: "content_sha256"}

// identifiers are plain: a letter or underscore, then letters, digits,
// underscores; at most 48 characters so derived index names stay under
// PostgreSQL's 63-byte limit. Nothing else reaches SQL text.
var reIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// fixed column names that a configured column must not collide with
var fixedCols = []string{"row_id", "exchange_id", "exchange_type", "source_system", "entity_type",
	"observed_at_utc", "payload_json", "schema_version", "created_at_utc", "updated_at_utc"}

// TargetFrom validates the manifest's sql_target (nil: the default).
func TargetFrom(m *manifest.Manifest) (Target, error) {
	t := DefaultTarget
	if m != nil {
		if m.SQLTarget.Schema != "" {
			t.Schema = m.SQLTarget.Schema
		}
		if m.SQLTarget.Table != "" {
			t.Table = m.SQLTarget.Table
		}
		t.NKCol = m.SQLTarget.NaturalKeyColumnName()
		t.HashCol = m.SQLTarget.HashColumnName()
	}
	return t, t.Validate()
}

// Validate refuses names that are not plain identifiers.
func (t Target) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"sql_target.schema", t.Schema}, {"sql_target.table", t.Table},
		{"sql_target.natural_key_column", t.NKCol}, {"sql_target.hash_column", t.HashCol},
	} {
		if !reIdent.MatchString(f.v) {
			return fmt.Errorf("%s: %q is not a plain SQL identifier (letters, digits, _; at most 48; not starting with a digit)", f.name, f.v)
		}
	}
	for _, c := range fixedCols {
		if strings.EqualFold(t.NKCol, c) || strings.EqualFold(t.HashCol, c) {
			return fmt.Errorf("sql_target: column name %q is taken by a fixed column", c)
		}
	}
	if strings.EqualFold(t.NKCol, t.HashCol) {
		return fmt.Errorf("sql_target: natural_key_column and hash_column are both %q", t.NKCol)
	}
	return nil
}

// Name is schema.table as the user knows it.
func (t Target) Name() string { return t.Schema + "." + t.Table }

// NameIn is the table's name as a query in engine e's own client spells
// it, which every message uses, so that `sqlite3 lake.db 'select count(*)
// from NAME'` finds it: SQLite has no schemas (lake_RawExchangeRecord),
// PostgreSQL folds an unquoted name to lower case (lake."RawExchangeRecord").
func (t Target) NameIn(e Engine) string {
	switch e {
	case SQLite:
		return t.names(e).TableName
	case Postgres:
		return pgName(t.Schema) + "." + pgName(t.Table)
	}
	return t.Name()
}

// pgName quotes a name PostgreSQL would fold to lower case.
func pgName(s string) string {
	if s == strings.ToLower(s) {
		return s
	}
	return quoteANSI(s)
}

// quoting per engine; the names are validated, quoting only keeps case
// and keywords safe. The bracket form still doubles ']' (T-SQL's escape)
// so it stays correct should validation ever admit one.
func quoteANSI(s string) string    { return `"` + s + `"` }
func quoteBracket(s string) string { return "[" + strings.ReplaceAll(s, "]", "]]") + "]" }

// ddlNames are what the DDL templates and the statements use.
type ddlNames struct {
	T          string // the quoted table
	Schema     string // quoted schema ("" for SQLite)
	SchemaName string // raw schema name (validated)
	TableName  string // raw (SQLite: prefixed) table name
	NK, Hash   string // quoted columns
	NKName     string // raw natural-key column name (validated)
	PK         string // quoted index and constraint names
	CX         string
	IXHash     string
	IXKey      string
}

func (t Target) names(e Engine) ddlNames {
	q := quoteANSI
	if e == SQLServer {
		q = quoteBracket
	}
	n := ddlNames{
		SchemaName: t.Schema, TableName: t.Table, NKName: t.NKCol,
		NK: q(t.NKCol), Hash: q(t.HashCol),
		PK: q("PK_" + t.Table), CX: q("CX_" + t.Table + "_RowId"),
		IXHash: q("IX_" + t.Table + "_ContentHash"), IXKey: q("IX_" + t.Table + "_NaturalKey"),
	}
	switch e {
	case SQLite:
		// SQLite has no schemas: the schema becomes a table-name prefix.
		n.TableName = t.Schema + "_" + t.Table
		n.T = q(n.TableName)
		n.PK, n.IXHash, n.IXKey = q("PK_"+n.TableName), q("IX_"+n.TableName+"_ContentHash"), q("IX_"+n.TableName+"_NaturalKey")
	default:
		n.Schema = q(t.Schema)
		n.T = n.Schema + "." + q(t.Table)
	}
	return n
}
