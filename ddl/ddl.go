// Package ddl embeds the CREATE scripts of the SQL mirror table, one
// folder per engine (sqlite/, postgres/, sqlserver/). They are Go
// text/template files: pkg/sqlstore fills in the validated, quoted names
// of the manifest's sql_target ({{.T}} the table, {{.NK}} and {{.Hash}}
// the natural-key and hash columns, index names). `xr-sqlload --ddl`
// prints them rendered. Nothing here drops or truncates data.
package ddl

import "embed"

// FS holds sqlite/table.sql, postgres/table.sql and sqlserver/table.sql.
//
//go:embed sqlite postgres sqlserver
var FS embed.FS
