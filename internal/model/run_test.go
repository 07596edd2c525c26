package model_test

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/xr-lake/xr/internal/pgtest"
)

// TestModel runs the random sequences on SQLite and on PostgreSQL, the
// two engines in parallel. CI: 200 sequences of each (seeds 1–200, the
// same sequences on both engines); XR_MODEL_LONG=1 or -long: thousands,
// from a random first seed; XR_MODEL_SEED=N: that one sequence
// (XR_MODEL_ENGINE=sqlite|postgres to pick one engine); XR_MODEL_N=N: N
// sequences; XR_MODEL_OPS=N: operations per sequence (default 1–2, long
// mode 1–6).
func TestModel(t *testing.T) {
	first, n := int64(1), 200
	if longMode() {
		first, n = time.Now().UnixNano()%1_000_000_000, 3000
		fmt.Fprintf(os.Stderr, "MODEL long mode: %d sequences a engine from seed %d\n", n, first)
	}
	if v := os.Getenv("XR_MODEL_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("XR_MODEL_SEED"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("XR_MODEL_SEED: %v", err)
		}
		first, n = s, 1
	}
	only := os.Getenv("XR_MODEL_ENGINE")
	for _, name := range []string{"sqlite", "postgres"} {
		if only != "" && only != name {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			eng := &engine{name: name}
			if name == "postgres" {
				eng.pgDSN = pgtest.DSN(t)
				db, err := sql.Open("pgx", eng.pgDSN)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				eng.pg = db
			}
			runSeqs(t, eng, first, n)
		})
	}
}

func longMode() bool { return *long || os.Getenv("XR_MODEL_LONG") == "1" }

// runSeqs runs n sequences from seed first, XR_MODEL_WORKERS (default 2)
// at a time; each failure is reported with the command that replays it,
// and after five the engine stops.
func runSeqs(t *testing.T, eng *engine, first int64, n int) {
	start := time.Now()
	workers := 2
	if v, err := strconv.Atoi(os.Getenv("XR_MODEL_WORKERS")); err == nil && v > 0 {
		workers = v
	}
	var (
		mu                        sync.Mutex
		failed, ops, steps, kills int
		next                      int
		wg                        sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= n || failed >= 5
				mu.Unlock()
				if stop {
					return
				}
				seed := first + int64(i)
				msg, q, dir := oneSeq(t, eng, seed)
				mu.Lock()
				if q != nil {
					ops += q.ops
					steps += len(q.steps)
					kills += q.kills
				}
				if msg != "" {
					failed++
					msg = fmt.Sprintf("sequence %d on %s failed: %s\n  replay: XR_MODEL_SEED=%d XR_MODEL_ENGINE=%s go test ./internal/model -run TestModel -v\n  (its files are kept in %s)",
						seed, eng.name, msg, seed, eng.name, dir)
					t.Error(msg)
					if testing.Verbose() {
						fmt.Fprintln(os.Stderr, msg) // now, not when the engine's sequences end
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("MODEL %s: %d sequences from seed %d, %d steps, %d commands, %d stages killed, in %v",
		eng.name, n, first, steps, ops, kills, time.Since(start).Round(time.Millisecond))
}

// oneSeq runs sequence seed in a temporary folder, removed unless it failed.
func oneSeq(t *testing.T, eng *engine, seed int64) (string, *seq, string) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("xr-model-%s-%d-", eng.name, seed))
	if err != nil {
		return err.Error(), nil, ""
	}
	nOps := 1 + int(seed*7919%2) // CI: short sequences, many of them
	if longMode() {
		nOps = 1 + int(seed*7919%6)
	}
	if v := os.Getenv("XR_MODEL_OPS"); v != "" {
		nOps, _ = strconv.Atoi(v)
	}
	msg, q := runSeq(eng, seed, dir, nOps)
	if msg == "" {
		os.RemoveAll(dir)
	}
	return msg, q, dir
}
