package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/xr"
)

// DBFlags are the database flags of the commands that reach a SQL
// database (xr-sqlload, xr-sqldump).
type DBFlags struct {
	DB          string
	DBFile      string
	LockTimeout time.Duration

	fs *Flags
}

// RegisterDB adds --db, --db-file and --lock-timeout (default
// lockDefault) to fs.
func RegisterDB(fs *Flags, lockDefault time.Duration) *DBFlags {
	f := &DBFlags{LockTimeout: lockDefault, fs: fs}
	fs.String(&f.DB, "db", "DSN", "the database (see above; one with a password is better in $XR_DB or --db-file)")
	fs.String(&f.DBFile, "db-file", "FILE", "read the database DSN from FILE (keeps a password out of ps and shell history)")
	fs.Duration(&f.LockTimeout, "lock-timeout", "DUR", "fail when a lock held by another session is not granted within DUR (0: wait indefinitely)")
	return f
}

// Database is what the database flags name.
type Database struct {
	DB     string        // the DSN ("" = resolve from the environment)
	From   string        // what named it ("--db", "--db-file FILE")
	Lock   time.Duration // the lock timeout (negative: no limit)
	Warned []string      // warnings about how the DSN was given
}

// Resolve checks the flags after Parse: an explicitly empty --db (an
// unset shell variable, as in --db "$DB") would fall back to the
// environment or to sqlite:lake.db, a database the user did not name;
// --db and --db-file exclude each other; a negative --lock-timeout is
// refused. A --db holding a password, or a --db-file that other users
// may read, earns a warning; hasPassword (sqlstore.HasPassword) tells a
// DSN that holds one.
func (f *DBFlags) Resolve(hasPassword func(dsn string) bool) (Database, error) {
	var d Database
	set := map[string]bool{"db": f.fs.IsSet("db"), "db-file": f.fs.IsSet("db-file")}
	switch {
	case set["db"] && f.DB == "":
		return d, xr.Usagef("--db: empty DSN (an unset variable?); leave --db out to use $XR_DB, $INGEST_SQLSERVER_* or sqlite:lake.db")
	case set["db"] && set["db-file"]:
		return d, xr.Usagef("--db and --db-file: give one of them")
	case f.LockTimeout < 0:
		return d, xr.Usagef("--lock-timeout: %s is negative (0 waits indefinitely)", f.LockTimeout)
	}
	d.Lock = f.LockTimeout
	if d.Lock == 0 {
		d.Lock = -1
	}
	if set["db"] {
		d.DB, d.From = f.DB, "--db"
		if hasPassword(f.DB) {
			d.Warned = append(d.Warned, "warning: the --db value holds a password, which other users can read in the process list (ps) and the shell keeps in its history; use $XR_DB or --db-file FILE instead")
		}
	}
	if set["db-file"] {
		b, err := os.ReadFile(f.DBFile)
		if err != nil {
			return d, xr.Usagef("--db-file: %v", err)
		}
		d.DB, d.From = strings.TrimSpace(string(b)), "--db-file "+f.DBFile
		if d.DB == "" {
			return d, xr.Usagef("--db-file %s: empty", f.DBFile)
		}
		if fi, err := os.Stat(f.DBFile); err == nil && fi.Mode().Perm()&0o077 != 0 && hasPassword(d.DB) {
			d.Warned = append(d.Warned, fmt.Sprintf("warning: %s holds a password and other users may read it (mode %04o); chmod 600 %s", f.DBFile, fi.Mode().Perm(), f.DBFile))
		}
	}
	return d, nil
}
