package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"
)

// isTransient reports whether a failed batch may succeed when run again.
func isTransient(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return sqliteTransient(err) || pgTransient(err) || msTransient(err)
}

// retry runs f again after transient errors (deadlock victim,
// serialization failure, connection reset, busy database), with
// exponential backoff and jitter, up to 6 attempts.
func retry(ctx context.Context, f func() error) error {
	delay := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || attempt >= 6 || !isTransient(err) || ctx.Err() != nil {
			return err
		}
		d := delay + time.Duration(rand.Int64N(int64(delay)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		delay *= 2
	}
}
