package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/dbsecret"
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
	DB   string        // the DSN ("" = resolve from the environment)
	From string        // what named it ("--db", "--db-file FILE")
	Lock time.Duration // the lock timeout (negative: no limit)
}

// Resolve checks the flags after Parse (DBGiven.Check) and refuses a
// negative --lock-timeout; once all is well, the warnings about how the
// DSN was given go to diag.
func (f *DBFlags) Resolve(diag xr.Diag) (Database, error) {
	g := DBGiven{DB: f.DB, DBSet: f.fs.IsSet("db"), File: f.DBFile, FileSet: f.fs.IsSet("db-file")}
	d, warned, err := g.check("$")
	if err != nil {
		return d, err
	}
	if f.LockTimeout < 0 {
		return d, xr.Usagef("--lock-timeout: %s is negative (0 waits indefinitely)", f.LockTimeout)
	}
	d.Lock = f.LockTimeout
	if d.Lock == 0 {
		d.Lock = -1
	}
	warn(diag, warned)
	return d, nil
}

// DBGiven is what a command was given to name its database: --db (DBSet:
// given, even empty) and --db-file (FileSet). xr-snapshot hands xr-pack
// report its own in the environment.
type DBGiven struct {
	DB, File       string
	DBSet, FileSet bool
}

// Check reads the DSN g names (DB "" when neither flag was given): an
// explicitly empty --db (an unset shell variable, as in --db "$DB") would
// fall back to the environment or to sqlite:lake.db, a database the user
// did not name; --db and --db-file exclude each other. A --db holding a
// password, or a --db-file that other users may read, earns a warning.
// sigil is what the messages put before a variable's name ("$XR_DB", or
// "XR_DB" in a help that writes it so). The warnings go to diag.
func (g DBGiven) Check(sigil string, diag xr.Diag) (Database, error) {
	d, warned, err := g.check(sigil)
	warn(diag, warned)
	return d, err
}

func warn(diag xr.Diag, lines []string) {
	for _, w := range lines {
		diag.Warn(w)
	}
}

// check is Check, the warnings returned.
func (g DBGiven) check(sigil string) (d Database, warned []string, err error) {
	switch {
	case g.DBSet && g.DB == "":
		return d, nil, xr.Usagef("--db: empty DSN (an unset variable?); leave --db out to use %sXR_DB, %sINGEST_SQLSERVER_* or sqlite:lake.db", sigil, sigil)
	case g.DBSet && g.FileSet:
		return d, nil, xr.Usagef("--db and --db-file: give one of them")
	}
	if g.DBSet {
		d.DB, d.From = g.DB, "--db"
		if dbsecret.HasPassword(g.DB) {
			warned = append(warned, "warning: the --db value holds a password, which other users can read in the process list (ps) and the shell keeps in its history; use "+sigil+"XR_DB or --db-file FILE instead")
		}
	}
	if g.FileSet {
		b, err := os.ReadFile(g.File)
		if err != nil {
			return d, warned, xr.Usagef("--db-file: %v", err)
		}
		d.DB, d.From = strings.TrimSpace(string(b)), "--db-file "+g.File
		if d.DB == "" {
			return d, warned, xr.Usagef("--db-file %s: empty", g.File)
		}
		if fi, err := os.Stat(g.File); err == nil && fi.Mode().Perm()&0o077 != 0 && dbsecret.HasPassword(d.DB) {
			warned = append(warned, fmt.Sprintf("warning: %s holds a password and other users may read it (mode %04o); chmod 600 %s", g.File, fi.Mode().Perm(), g.File))
		}
	}
	return d, warned, nil
}
