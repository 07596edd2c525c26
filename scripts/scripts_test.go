// Package scripts_test runs the pipeline scripts (bin/xr-snapshot and
// the workflows of docs/workflows.md) end to end: it builds every command
// of ./cmd/... once into a temporary bin directory on $PATH, links
// xr-snapshot beside them, and runs the txtar scripts in
// testdata/script against the embedded SQLite database and, when a
// throwaway server can be started, PostgreSQL.
package scripts_test

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/rogpeppe/go-internal/testscript"
	_ "modernc.org/sqlite"

	"github.com/xr-lake/xr/internal/pgtest"
	"github.com/xr-lake/xr/internal/scripttest"
)

// binDir holds the built commands; root is the repository.
var binDir, root string

func TestMain(m *testing.M) { os.Exit(run(m)) }

// run builds the binaries once for every test of the package.
func run(m *testing.M) int {
	bin, err := os.MkdirTemp("", "xr-scripts-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "scripts:", err)
		return 1
	}
	defer os.RemoveAll(bin)
	binDir = bin
	if root, err = filepath.Abs(".."); err != nil {
		fmt.Fprintln(os.Stderr, "scripts:", err)
		return 1
	}
	args := []string{"build", "-o", bin}
	if testing.CoverMode() != "" {
		args = append(args, "-cover")
		if os.Getenv("GOCOVERDIR") == "" {
			os.Setenv("GOCOVERDIR", bin) // keeps the binaries quiet; data discarded
		}
	}
	if err := build(args); err != nil {
		fmt.Fprintln(os.Stderr, "scripts: go build ./cmd/...:", err)
		return 1
	}
	for _, s := range []string{"xr-snapshot"} {
		abs, err := filepath.Abs(filepath.Join("..", "bin", s))
		if err == nil {
			err = os.Symlink(abs, filepath.Join(bin, s))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "scripts:", err)
			return 1
		}
	}
	os.Setenv("PATH", bin+string(filepath.ListSeparator)+os.Getenv("PATH"))
	defer pgtest.Stop()
	return m.Run()
}

// build runs go build into the bin directory. With XR_SCRIPTS_PARTIAL=1
// (while stages are being written) it builds each command on its own and
// skips the ones that do not compile; scripts needing them then fail.
func build(args []string) error {
	pkgs := []string{"./cmd/..."}
	if os.Getenv("XR_SCRIPTS_PARTIAL") == "1" {
		pkgs, _ = filepath.Glob("../cmd/xr-*")
		for i := range pkgs {
			pkgs[i] = "./" + strings.TrimPrefix(pkgs[i], "../")
		}
	}
	var errs []error
	for _, p := range pkgs {
		cmd := exec.Command("go", append(args, p)...)
		cmd.Dir = ".."
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
	}
	if len(errs) > 0 && len(pkgs) == 1 {
		return errs[0]
	}
	return nil
}

// TestSQLite runs every script against SQLite files in the script's $WORK.
func TestSQLite(t *testing.T) {
	testscript.Run(t, params("sqlite", func(env *testscript.Env) (string, string, error) {
		return "sqlite:" + filepath.Join(env.WorkDir, "lake.db"), "sqlite:" + filepath.Join(env.WorkDir, "other.db"), nil
	}))
}

// TestPostgres runs every script against two fresh databases of a
// throwaway PostgreSQL cluster (internal/pgtest); it is skipped, loudly,
// when no server can be started (a failure under XR_REQUIRE_POSTGRES=1).
func TestPostgres(t *testing.T) {
	pgtest.DSN(t) // start the cluster, or skip/fail here
	testscript.Run(t, params("postgres", func(env *testscript.Env) (string, string, error) {
		tb, ok := env.T().(testing.TB)
		if !ok {
			return "", "", fmt.Errorf("testscript's T is not a testing.TB")
		}
		return pgtest.DSN(tb), pgtest.DSN(tb), nil
	}))
}

// params are the testscript parameters for one engine; dbs returns the
// two databases ($DB and $DB2, both empty) a script gets.
func params(engine string, dbs func(*testscript.Env) (string, string, error)) testscript.Params {
	cmds := map[string]func(*testscript.TestScript, bool, []string){"sqlexec": sqlexec}
	for k, v := range scripttest.Cmds {
		cmds[k] = v
	}
	return testscript.Params{
		Dir:                 "testdata/script",
		Cmds:                cmds,
		RequireExplicitExec: true,
		UpdateScripts:       *scripttest.Update,
		Setup: func(env *testscript.Env) error {
			db, db2, err := dbs(env)
			if err != nil {
				return err
			}
			env.Setenv("DB", db)
			env.Setenv("DB2", db2)
			env.Setenv("ENGINE", engine)
			env.Setenv("TABLE", tableName(engine))
			env.Setenv("XR_BIN", binDir)
			env.Setenv("ROOT", root)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "sqlite", "postgres":
				return cond == engine, nil
			case "unshare":
				return exec.Command("unshare", "-n", "true").Run() == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	}
}

// tableName is how the default sql_target lake.RawExchangeRecord is
// spelled in each engine (SQLite has no schemas).
func tableName(engine string) string {
	if engine == "sqlite" {
		return "lake_RawExchangeRecord"
	}
	return "lake.\"RawExchangeRecord\""
}

// sqlexec DSN STATEMENT: run one SQL statement (a TRUNCATE or DELETE of
// the workflows) with the test's own drivers, so scripts need no sqlite3
// or psql client.
func sqlexec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sqlexec DSN STATEMENT")
	}
	driver, dsn := "pgx", args[0]
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, dsn = "sqlite", p
	}
	db, err := sql.Open(driver, dsn)
	if err == nil {
		defer db.Close()
		_, err = db.Exec(args[1])
	}
	if (err != nil) != neg {
		ts.Fatalf("sqlexec: %v", err)
	}
}
