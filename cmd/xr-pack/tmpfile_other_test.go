//go:build !linux

package main

import "errors"

// tmpfileIn: O_TMPFILE is Linux's.
func tmpfileIn(string) error { return errors.New("not Linux") }
