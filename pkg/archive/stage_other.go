//go:build !linux

package archive

import "os"

// Outside Linux: named files, a checked rename, no exchange.

func openUnnamed(string) (*os.File, error)   { return nil, errNoUnnamed }
func linkUnnamed(*os.File, string) error     { return errNoUnnamed }
func exchange(string, string) error          { return errNoExchange }
func fdBudget() int                          { return 0 }
func renameNoReplace(src, dest string) error { return renameChecked(src, dest) }
