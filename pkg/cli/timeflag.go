package cli

import (
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// ParseTimeBound reads the value of a time-bound flag such as --since or
// --until: an ISO 8601 timestamp (any offset, as observed_at_utc takes) or
// a bare date meaning midnight UTC; "" is no bound. A bad value is a usage
// error naming the flag. One definition, so every command reads the
// bounds alike.
func ParseTimeBound(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := envelope.ParseTime(s)
	if err != nil {
		return t, xr.Usagef("--%s: %v", flagName, err)
	}
	return t, nil
}
