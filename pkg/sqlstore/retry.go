package sqlstore

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"
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
