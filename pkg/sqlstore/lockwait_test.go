package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	mssql "github.com/microsoft/go-mssqldb"

	"github.com/xr-lake/xr/pkg/xr"
)

// lockHolder is another session holding the lock a load needs.
type lockHolder struct {
	release func()
	who     string // what the wait message must name
}

// holdLock takes, from a connection of its own, the lock that keeps
// loaders of e's table waiting: SQLite BEGIN EXCLUSIVE, PostgreSQL LOCK
// TABLE … IN ACCESS EXCLUSIVE MODE.
func holdLock(t *testing.T, e env) lockHolder {
	t.Helper()
	ctx := context.Background()
	switch e.name {
	case "sqlite":
		db, err := sql.Open("sqlite", strings.TrimPrefix(e.db, "sqlite:"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		rel := func() { once.Do(func() { c.ExecContext(ctx, "ROLLBACK"); c.Close(); db.Close() }) }
		t.Cleanup(rel)
		return lockHolder{release: rel, who: "database is locked by another connection"}
	case "postgres":
		cfg, err := pgx.ParseConfig(e.db)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["application_name"] = "lock-holder-test"
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE lake."RawExchangeRecord" IN ACCESS EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		rel := func() { once.Do(func() { tx.Rollback(ctx); c.Close(ctx) }) }
		t.Cleanup(rel)
		return lockHolder{release: rel, who: fmt.Sprintf(`pid %d (application "lock-holder-test"`, c.PgConn().PID())}
	}
	t.Fatalf("no lock holder for %s: a lock test on it would wait for nothing", e.name)
	return lockHolder{}
}

// warnings collects Warn lines with the time each arrived.
type warnings struct {
	mu    sync.Mutex
	lines []string
	at    []time.Time
}

func (w *warnings) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines, w.at = append(w.lines, s), append(w.at, time.Now())
}

func (w *warnings) first() (string, time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.lines) == 0 {
		return "", time.Time{}, false
	}
	return w.lines[0], w.at[0], true
}

// startLoad runs a load whose table is ready before its input arrives:
// the caller takes a lock, then feeds in, and the first batch waits.
func startLoad(t *testing.T, e env, lockTimeout time.Duration, w *warnings) (feed func([]byte) time.Time, result <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := Load(context.Background(), pr, LoadOptions{DB: e.db, Manifest: e.man, Batch: 10,
			LockTimeout: lockTimeout, Diag: xr.NewDiag(nil, w.add), started: func() { close(started) }})
		pr.CloseWithError(err)
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("load ended before its first batch: %v", err)
	}
	return func(in []byte) time.Time {
		t0 := time.Now()
		go func() { pw.Write(in); pw.Close() }()
		return t0
	}, done
}

// A load behind another session's lock says so on stderr within about a
// second, naming the holder when the engine can, and goes on once the
// lock is released.
func TestLockWaitShows(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			e := newEnv(t, engine)
			in := corpus(t, 25, 0, "one")
			e.mustLoad(t, nil, "0 read, 0 inserted, 0 updated, 0 unchanged, 0 kept newer", nil) // the table exists
			var w warnings
			feed, done := startLoad(t, e, time.Minute, &w)
			h := holdLock(t, e)
			t0 := feed(in)
			deadline := time.Now().Add(20 * time.Second)
			for {
				if msg, at, ok := w.first(); ok {
					took := at.Sub(t0)
					t.Logf("wait shown after %v: %s", took.Round(time.Millisecond), msg)
					if took > 4*time.Second { // 1 s by design; slack for a loaded machine
						t.Errorf("the wait showed after %v, want about 1s", took)
					}
					for _, must := range []string{"batch 1 (input lines 1-10): waiting", h.who, "gives up after 1m0s (--lock-timeout)"} {
						if !strings.Contains(msg, must) {
							t.Errorf("wait message lacks %q: %s", must, msg)
						}
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no wait message after 20s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			h.release()
			if err := <-done; err != nil {
				t.Fatalf("load after the lock was released: %v", err)
			}
			sameSet(t, e.dump(t, nil), in)
		})
	}
}

// --lock-timeout: a lock not granted in time fails the load after about
// that long (not once per retry), naming the batch, its input lines and
// the holder; batches before it stay committed.
func TestLockTimeoutFailsNamingBatch(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			e := newEnv(t, engine)
			in := corpus(t, 25, 0, "one")
			e.mustLoad(t, nil, "0 read, 0 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
			var w warnings
			feed, done := startLoad(t, e, 5*time.Second, &w)
			h := holdLock(t, e)
			t0 := feed(in)
			err := <-done
			took := time.Since(t0)
			t.Logf("failed after %v: %v", took.Round(time.Millisecond), err)
			if err == nil {
				t.Fatal("load behind a held lock succeeded")
			}
			for _, must := range []string{"batch 1 (input lines 1-10): lock not granted within 5s", h.who, "--lock-timeout"} {
				if !strings.Contains(err.Error(), must) {
					t.Errorf("error lacks %q: %v", must, err)
				}
			}
			// 5 s by design; a retry of the wait would double it
			if took < 4500*time.Millisecond || took > 9*time.Second {
				t.Errorf("failed after %v, want about 5s", took)
			}
			if _, _, ok := w.first(); !ok {
				t.Error("no wait message before the timeout")
			}
			h.release()
			if n := countRows(e); n != 0 {
				t.Errorf("%d rows loaded by the failed batch", n)
			}
		})
	}
}

// A dump behind an ACCESS EXCLUSIVE lock says so and fails after
// --lock-timeout (PostgreSQL; a SQLite reader in WAL mode never waits).
func TestDumpLockTimeout(t *testing.T) {
	e := newEnv(t, "postgres")
	e.mustLoad(t, corpus(t, 3, 0, "one"), "3 read, 3 inserted, 0 updated, 0 unchanged, 0 kept newer", nil)
	h := holdLock(t, e)
	var w warnings
	t0 := time.Now()
	_, err := Dump(context.Background(), io.Discard, DumpOptions{DB: e.db, Manifest: e.man, LockTimeout: 3 * time.Second, Diag: xr.NewDiag(nil, w.add)})
	took := time.Since(t0)
	if err == nil || !strings.Contains(err.Error(), "reading table lake.\"RawExchangeRecord\": lock not granted within 3s") || !strings.Contains(err.Error(), h.who) {
		t.Fatalf("dump behind a lock: %v", err)
	}
	if took > 8*time.Second {
		t.Errorf("dump failed after %v, want about 3s", took)
	}
	msg, _, ok := w.first()
	if !ok || !strings.Contains(msg, "reading table lake.\"RawExchangeRecord\": waiting") {
		t.Errorf("no wait message: %q", msg)
	}
	h.release()
	if got := countRows(e); got != 3 {
		t.Errorf("after release: %d rows", got)
	}
}

// A lock timeout is the user's limit: recognized on every engine and
// never retried (a retry would wait the whole limit again).
func TestLockTimeoutNotRetried(t *testing.T) {
	for _, err := range []error{
		&pgconn.PgError{Code: "55P03"},
		mssql.Error{Number: 1222},
		mssql.Error{Number: 3621, All: []mssql.Error{{Number: 1222}, {Number: 3621}}},
		mssql.Error{Number: 51222}, // our applock statement's timeout
		fmt.Errorf("batch 2: %w", &pgconn.PgError{Code: "55P03"}),
	} {
		if !isLockTimeout(err) || isTransient(err) {
			t.Errorf("%#v: lock timeout %v, transient %v", err, isLockTimeout(err), isTransient(err))
		}
	}
	if isLockTimeout(&pgconn.PgError{Code: "40P01"}) || isLockTimeout(mssql.Error{Number: 1205}) {
		t.Error("a deadlock taken for a lock timeout")
	}
	s := msStatements(DefaultTarget.names(SQLServer)).appLock
	if strings.Contains(s, "@LockTimeout") || !strings.Contains(s, "IF @r = -1 THROW 51222") {
		t.Errorf("the applock does not wait @@LOCK_TIMEOUT, or does not name its timeout:\n%s", s)
	}
	for d, want := range map[time.Duration]string{5 * time.Second: "SET LOCK_TIMEOUT 5000;", -1: "SET LOCK_TIMEOUT -1;"} {
		if got := msLockTimeoutStmt(d); !strings.HasPrefix(got, want) {
			t.Errorf("lock timeout %v: %q", d, got)
		}
	}
}

// A lock limit reaches every engine as whole milliseconds within what it
// takes: a limit under a millisecond is not 0 (PostgreSQL's "no limit"),
// one beyond 24 days is clamped (PostgreSQL refuses lock_timeout above
// 2^31-1 ms at connect), no limit is the engine's own.
func TestLockLimitMillis(t *testing.T) {
	e := newEnv(t, "postgres")
	d, err := ParseDSN(e.db)
	if err != nil {
		t.Fatal(err)
	}
	for limit, want := range map[time.Duration]string{
		500 * time.Microsecond: "1ms",
		1000 * time.Hour:       "2147483647ms",
		5 * time.Second:        "5s",
		-1:                     "0",
	} {
		pe, err := openPostgres(context.Background(), d, DefaultTarget, limit)
		if err != nil {
			t.Errorf("lock limit %v: %v", limit, err)
			continue
		}
		var got string
		if err := pe.(*pgEngine).conn.QueryRow(context.Background(), "SHOW lock_timeout").Scan(&got); err != nil {
			t.Fatal(err)
		}
		pe.close()
		if got != want {
			t.Errorf("lock limit %v: PostgreSQL lock_timeout %s, want %s", limit, got, want)
		}
	}
	for limit, want := range map[time.Duration]int64{500 * time.Microsecond: 1, 1000 * time.Hour: math.MaxInt32, 5 * time.Second: 5000, -1: math.MaxInt32} {
		if got := lockMillis(limit, math.MaxInt32); got != want {
			t.Errorf("lock limit %v: SQLite busy_timeout %d, want %d", limit, got, want)
		}
	}
}
