package dbsecret

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db?sslmode=disable": "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"sqlserver://sa:secret@h?database=x":            "sqlserver://sa:xxxxx@h?database=x",
		"Server=h;UID=u;PWD=secret;Database=d":          "Server=h;UID=u;PWD=xxxxx;Database=d",
		"Server=h;Password={se;cret};Database=d":        "Server=h;Password=xxxxx;Database=d",
		`Server=h;Password="se;cret";Database=d`:        "Server=h;Password=xxxxx;Database=d",
		"postgres://h/db?user=u&password=secret":        "postgres://h/db?user=u&password=xxxxx",
		"sqlite:lake.db":                                "sqlite:lake.db",
		"sqlserver://sa:p@ss/w?rd@h:1433?database=x":    "sqlserver://sa:xxxxx@h:1433?database=x",
		"Server=h;PWD=two words;Database=d":             "Server=h;PWD=xxxxx;Database=d",
		"Server=h;Password='se;cret';Database=d":        "Server=h;Password=xxxxx;Database=d",
		"sqlserver://sa@h:1433?database=x":              "sqlserver://sa@h:1433?database=x",
		"odbc:PWD=secret;Server=h":                      "odbc:PWD=xxxxx;Server=h",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasPassword(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://u:secret@h/db": true, "host=h password=x dbname=d": true, "Server=h;PWD=x": true,
		"postgres://u@h/db": false, "sqlite:lake.db": false, "host=h dbname=d": false,
	} {
		if got := HasPassword(dsn); got != want {
			t.Errorf("HasPassword(%q) = %v, want %v", dsn, got, want)
		}
	}
}
