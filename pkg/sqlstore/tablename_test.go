package sqlstore

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/xr-lake/xr/pkg/xr"
)

// TestTableNamedAsTheEngineSpellsIt: the table the loader names on stderr
// is one a query in the engine's own client finds (sqlite3 lake.db
// 'select count(*) from NAME'): SQLite has no schemas (lake_X, not
// lake.X), PostgreSQL folds an unquoted name to lower case. On main the
// message said lake.RawExchangeRecord on both: "no such table".
func TestTableNamedAsTheEngineSpellsIt(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			e := newEnv(t, engine)
			var notes []string
			e.mustLoad(t, corpus(t, 3, 0, "one"), "3 read, 3 inserted, 0 updated, 0 unchanged, 0 kept newer", func(o *LoadOptions) {
				o.Diag = xr.NewDiag(func(msg string) { notes = append(notes, msg) }, nil)
			})
			var name string
			for _, n := range notes {
				if m := regexp.MustCompile(`, table (\S+)$`).FindStringSubmatch(n); m != nil {
					name = m[1]
				}
			}
			if name == "" {
				t.Fatalf("no table named in %q", notes)
			}
			driver, conn := "pgx", e.db
			if c, ok := strings.CutPrefix(e.db, "sqlite:"); ok {
				driver, conn = "sqlite", c
			}
			db, err := sql.Open(driver, conn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRowContext(context.Background(), "select count(*) from "+name).Scan(&n); err != nil || n != 3 {
				t.Fatalf("select count(*) from %s: %d, %v", name, n, err)
			}
		})
	}
}
