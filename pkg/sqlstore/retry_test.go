package sqlstore

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	mssql "github.com/microsoft/go-mssqldb"
)

func TestTransientErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true}, // serialization failure
		{&pgconn.PgError{Code: "40P01"}, true}, // deadlock
		{fmt.Errorf("batch 3: %w", &pgconn.PgError{Code: "40P01"}), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{mssql.Error{Number: 1205}, true},       // deadlock victim
		{mssql.Error{Number: 2627}, false},      // duplicate key
		{driver.ErrBadConn, true},
		{fmt.Errorf("write: %w", syscall.ECONNRESET), true},
		{errors.New("syntax error"), false},
	} {
		if got := isTransient(c.err); got != c.want {
			t.Errorf("isTransient(%v) = %v", c.err, got)
		}
	}
}

func TestRetryBacksOffThenSucceeds(t *testing.T) {
	n := 0
	err := retry(context.Background(), func() error {
		n++
		if n < 3 {
			return &pgconn.PgError{Code: "40P01"}
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("err %v after %d attempts", err, n)
	}
	n = 0
	err = retry(context.Background(), func() error { n++; return errors.New("permanent") })
	if err == nil || n != 1 {
		t.Fatalf("permanent error retried: %d attempts", n)
	}
}

// e30 is a fresh PostgreSQL target, 30 records for it and an admin
// connection to the database.
func e30(t *testing.T) (env, []byte, context.Context, *pgx.Conn) {
	e := newEnv(t, "postgres")
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(ctx) })
	return e, corpus(t, 30, 0, "one"), ctx, admin
}

// A loader whose server connection is killed mid-batch reconnects, runs
// the batch again and ends with the same table.
func TestPostgresConnectionKilledMidBatch(t *testing.T) {
	e, in, ctx, admin := e30(t)
	killed := 0
	st, err := Load(ctx, bytes.NewReader(in), LoadOptions{DB: e.db, Manifest: e.man, Batch: 10,
		failBatch: func(n int) error {
			if n == 1 && killed == 0 {
				var k int
				err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`).Scan(&k)
				killed = k
				return err
			}
			return nil
		}})
	if err != nil {
		t.Fatalf("load did not recover: %v", err)
	}
	if killed != 1 || st.Get("inserted") != 30 {
		t.Fatalf("killed %d backends; %s", killed, st.Summary())
	}
	sameSet(t, e.dump(t, nil), in)
}

// SQL Server: the number of any error in the batch's chain counts (the
// driver reports the last one), and a connection lost mid-response too.
func TestSQLServerTransientErrors(t *testing.T) {
	deadlockThenTerminated := mssql.Error{Number: 3621, All: []mssql.Error{{Number: 1205}, {Number: 3621}}}
	dupThenTerminated := mssql.Error{Number: 3621, All: []mssql.Error{{Number: 2627}, {Number: 3621}}}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{deadlockThenTerminated, true},
		{&deadlockThenTerminated, true},
		{fmt.Errorf("batch 2 (input lines 8-14): %w", deadlockThenTerminated), true},
		{dupThenTerminated, false},
		{mssql.Error{Number: 51205}, true},  // our applock statement: deadlock victim
		{mssql.Error{Number: 51000}, false}, // our applock statement: timeout
		{mssql.Error{Number: 40613}, true},  // Azure: database not available
		{mssql.Error{Number: 10928}, true},  // Azure: resource limit
		{mssql.Error{Number: 8169}, false},  // bad uniqueidentifier text
		{mssql.Error{Number: 1934}, false},  // wrong SET options
		{io.EOF, true},                      // go-mssqldb: server closed the connection
		{mssql.StreamError{InnerError: errors.New("bad token")}, true},
	} {
		if got := isTransient(c.err); got != c.want {
			t.Errorf("isTransient(%#v) = %v", c.err, got)
		}
	}
	s := msStatements(DefaultTarget.names(SQLServer)).appLock
	if !strings.Contains(s, "IF @r = -3 THROW 51205") || !strings.Contains(s, "IF @r < 0 THROW 51000") {
		t.Errorf("applock statement does not map its return codes:\n%s", s)
	}
}

// Batches commit without waiting for the WAL flush. If the connection
// breaks and the last of them is gone when the loader reconnects (the
// server crashed and lost it: simulated by deleting its rows), the load
// stops instead of going on, and does not count those batches as
// committed.
func TestPostgresLostAsyncCommitsStopTheLoad(t *testing.T) {
	e, in, ctx, admin := e30(t)
	st, err := Load(ctx, bytes.NewReader(in), LoadOptions{DB: e.db, Manifest: e.man, Batch: 10,
		failBatch: func(n int) error {
			if n != 1 {
				return nil
			}
			// batch 1 committed (asynchronously); batch 2 is in flight,
			// holding the table lock until its backend is gone
			if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`); err != nil {
				return err
			}
			_, err := admin.Exec(ctx, `DELETE FROM lake."RawExchangeRecord"`)
			return err
		}})
	if !errors.Is(err, errCommitsLost) || !strings.Contains(err.Error(), "batch 2 (input lines 11-20)") {
		t.Fatalf("load went on after losing committed batches: %v; %s", err, st.Summary())
	}
	if st.Get("inserted") != 0 || st.Get("not_committed") != 30 {
		t.Errorf("counters: %s", st.Summary())
	}
}
