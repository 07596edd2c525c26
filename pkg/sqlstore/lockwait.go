package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultLockTimeout is --lock-timeout's default: how long one statement
// waits for a lock that another session holds before the command fails.
// Long enough for concurrent loaders of one table, which take turns per
// batch; short enough that a forgotten open transaction elsewhere ends in
// a clear error instead of a silent hang.
const DefaultLockTimeout = 60 * time.Second

// lockNoticeAfter is how long a wait for a lock runs before it is
// reported on stderr; lockNoticeEvery, how often the holder is checked
// again after that (a new holder is reported once more).
const (
	lockNoticeAfter = time.Second
	lockNoticeEvery = 2 * time.Second
)

// lockLimit is the lock timeout an options struct asks for: 0 means the
// default, a negative value no limit.
func lockLimit(d time.Duration) time.Duration {
	if d == 0 {
		return DefaultLockTimeout
	}
	return d
}

// lockMillis is a lock limit as SQLite's busy_timeout and PostgreSQL's
// lock_timeout take it: whole milliseconds, at least 1 (a shorter limit
// must not become 0, PostgreSQL's "no limit") and at most 2^31-1 (about 24
// days, the most either takes); none when there is no limit (negative).
func lockMillis(d time.Duration, none int64) int64 {
	if d < 0 {
		return none
	}
	return min(max(d.Milliseconds(), 1), math.MaxInt32)
}

// describeLimit prints a lock limit for messages.
func describeLimit(d time.Duration) string {
	if d < 0 {
		return "no limit"
	}
	return d.String()
}

// lockWatch reports, while some work runs, that it waits for a lock and
// who holds it (when the engine can tell), once after lockNoticeAfter and
// again whenever the holder changes.
type lockWatch struct {
	stop   chan struct{}
	done   chan struct{}
	holder string // the last holder seen; read after done
}

// watchLock starts watching e for what, telling warn (may be nil: then
// the holder is still remembered for the timeout's message).
func watchLock(ctx context.Context, e engine, warn func(string), what string, limit time.Duration) *lockWatch {
	w := &lockWatch{stop: make(chan struct{}), done: make(chan struct{})}
	started := time.Now()
	go func() {
		defer close(w.done)
		t := time.NewTimer(lockNoticeAfter)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			qctx, cancel := context.WithTimeout(ctx, lockNoticeEvery)
			h := e.blocker(qctx)
			cancel()
			if h != "" && h != w.holder {
				w.holder = h
				if warn != nil {
					warn(fmt.Sprintf("%s: waiting %s for %s; gives up after %s (--lock-timeout)",
						what, time.Since(started).Round(time.Second), h, describeLimit(limit)))
				}
			}
			t.Reset(lockNoticeEvery)
		}
	}()
	return w
}

// end stops the watch and returns the last holder it saw ("" if none).
func (w *lockWatch) end() string {
	close(w.stop)
	<-w.done
	return w.holder
}

// watched runs f under a lock watch; a lock not granted in time comes
// back as a lockTimeoutError naming the holder last seen.
func watched(ctx context.Context, e engine, warn func(string), what string, limit time.Duration, f func() error) error {
	w := watchLock(ctx, e, warn, what, limit)
	err := f()
	holder := w.end()
	if err != nil && isLockTimeout(err) {
		return &lockTimeoutError{limit: limit, holder: holder, err: err}
	}
	return err
}

// lockTimeoutError is a lock not granted within the lock timeout.
type lockTimeoutError struct {
	limit  time.Duration
	holder string
	err    error
}

func (e *lockTimeoutError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "lock not granted within %s", describeLimit(e.limit))
	if e.holder != "" {
		sb.WriteString(" (waiting for " + e.holder + ")")
	}
	sb.WriteString("; --lock-timeout sets the limit: " + e.err.Error())
	return sb.String()
}

func (e *lockTimeoutError) Unwrap() error { return e.err }

// isLockTimeout reports whether err is an engine's "lock not granted
// within the lock timeout": SQLite's SQLITE_BUSY (busy_timeout ran out),
// PostgreSQL's lock_not_available (55P03, lock_timeout), SQL Server's lock
// request timeout (1222, SET LOCK_TIMEOUT) or our applock's timeout
// (51222). These are not retried: the user's limit has already passed.
func isLockTimeout(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "55P03"
	}
	if me, ok := asMSError(err); ok {
		return msAnyNumber(me, func(n int32) bool { return n == 1222 || n == 51222 })
	}
	return false
}

// oneLine squeezes whitespace and cuts s to n characters, for a query
// text in a message.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
