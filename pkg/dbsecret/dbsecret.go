// Package dbsecret tells and hides the password of a database
// connection string (a DSN): for the messages that name a database, and
// for the warning about a password given on a command line. It is apart
// from pkg/sqlstore so that a command that only checks a DSN (xr-pack
// report, for xr-snapshot) does not link the database drivers.
package dbsecret

import "regexp"

var (
	// user info up to the LAST '@' of the word: a password may hold an
	// unescaped '@', '/', '?' or ':' (hiding too much is harmless)
	reURLPass = regexp.MustCompile(`(://[^:/?#\s]*:)\S*@`)
	// an unquoted ODBC value runs to the ';' (it may hold spaces)
	// (a quoted one may escape its quote by doubling it, ADO, or with a
	// backslash, libpq)
	reKVPass = regexp.MustCompile(`(?i)((?:^|[;?&\s:])(?:pwd|password|passwd)\s*=\s*)(\{(?:[^}]|\}\})*\}|"(?:[^"]|"")*"|'(?:[^'\\]|\\.|'')*'|[^;&\n]*)`)
)

// Redact hides the password of a DSN (URL user info, password= query
// parameters, PWD=/Password= in key=value strings) for printing.
func Redact(dsn string) string {
	s := reURLPass.ReplaceAllString(dsn, "${1}xxxxx@")
	return reKVPass.ReplaceAllString(s, "${1}xxxxx")
}

// HasPassword reports whether a DSN holds a password (URL user info,
// password= or PWD= keys): what Redact would hide.
func HasPassword(dsn string) bool { return Redact(dsn) != dsn }
