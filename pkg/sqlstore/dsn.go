package sqlstore

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/xr-lake/xr/pkg/dbsecret"
)

// Engine names a database engine.
type Engine string

const (
	SQLite    Engine = "sqlite"
	Postgres  Engine = "postgres"
	SQLServer Engine = "sqlserver"
)

// DefaultDSN is used when nothing else names a database.
const DefaultDSN = "sqlite:lake.db"

// DSN is a resolved connection: the engine, the driver's connection
// string, where it came from, and notes worth one stderr line each.
type DSN struct {
	Engine Engine
	// Conn is what the driver gets: a file path for SQLite, a URL for
	// PostgreSQL and SQL Server.
	Conn string
	// From says which setting named the database (--db, XR_DB, ...).
	From  string
	Notes []string
}

// String is the DSN with its password hidden.
func (d DSN) String() string { return dbsecret.Redact(d.Conn) }

// Describe names the engine and database for the one stderr line, without
// secrets: "postgres postgres@127.0.0.1:5432/lake (from XR_DB)".
func (d DSN) Describe() string {
	var where string
	switch d.Engine {
	case SQLite:
		where = d.Conn
	default:
		u, err := url.Parse(d.Conn)
		if err != nil || u.Scheme == "" {
			where = describeKeywords(d.Conn)
			break
		}
		db := strings.TrimPrefix(u.Path, "/")
		if d.Engine == SQLServer {
			db = u.Query().Get("database")
		}
		user := ""
		if u.User != nil {
			user = u.User.Username() + "@"
		}
		where = user + u.Host + "/" + db
	}
	return fmt.Sprintf("%s %s (from %s)", d.Engine, where, d.From)
}

// describeKeywords is user@host:port/dbname of a libpq keyword DSN.
func describeKeywords(conn string) string {
	c, err := pgconn.ParseConfig(conn)
	if err != nil {
		return dbsecret.Redact(conn)
	}
	return fmt.Sprintf("%s@%s/%s", c.User, joinHostPort(c.Host, strconv.Itoa(int(c.Port))), c.Database)
}

// ResolveDSN picks the database: the --db flag value, then XR_DB, then
// INGEST_SQLSERVER_CONN_STR, then the discrete INGEST_SQLSERVER_HOST/PORT/
// DATABASE/USER/PASSWORD (port 1434 by default, as in the spec), else
// sqlite:lake.db. getenv is os.Getenv in the commands.
func ResolveDSN(flag string, getenv func(string) string) (DSN, error) {
	var notes []string
	if drv := getenv("INGEST_SQLSERVER_DRIVER"); drv != "" {
		notes = append(notes, fmt.Sprintf("INGEST_SQLSERVER_DRIVER=%q ignored: xr talks to SQL Server natively, no ODBC driver needed", drv))
	}
	var d DSN
	var err error
	switch {
	case flag != "":
		d, err = ParseDSN(flag)
		d.From = "--db"
	case getenv("XR_DB") != "":
		d, err = ParseDSN(getenv("XR_DB"))
		d.From = "XR_DB"
	case getenv("INGEST_SQLSERVER_CONN_STR") != "":
		d, err = parseSQLServer(getenv("INGEST_SQLSERVER_CONN_STR"))
		d.From = "INGEST_SQLSERVER_CONN_STR"
	case getenv("INGEST_SQLSERVER_HOST") != "":
		q := url.Values{}
		if db := getenv("INGEST_SQLSERVER_DATABASE"); db != "" {
			q.Set("database", db)
		}
		u := url.URL{Scheme: "sqlserver", RawQuery: q.Encode()}
		// the host may be written as in Server= (tcp:, host\instance)
		if err := setServer(&u, getenv("INGEST_SQLSERVER_HOST"), getenv("INGEST_SQLSERVER_PORT"), "1434"); err != nil {
			return DSN{}, fmt.Errorf("INGEST_SQLSERVER_HOST/PORT: %v", err)
		}
		if user := getenv("INGEST_SQLSERVER_USER"); user != "" {
			u.User = url.UserPassword(user, getenv("INGEST_SQLSERVER_PASSWORD"))
		}
		d = DSN{Engine: SQLServer, Conn: u.String(), From: "INGEST_SQLSERVER_HOST"}
	default:
		d, err = ParseDSN(DefaultDSN)
		d.From = "default"
	}
	if err != nil {
		return DSN{}, err
	}
	d.Notes = append(notes, d.Notes...)
	return d, nil
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}

// ParseDSN recognizes sqlite:PATH, postgres:// and postgresql:// URLs,
// sqlserver:// URLs, odbc: strings, and ADO or ODBC key=value strings for
// SQL Server.
func ParseDSN(s string) (DSN, error) {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	switch {
	case strings.HasPrefix(low, "sqlite:"):
		p := s[len("sqlite:"):]
		p = strings.TrimPrefix(p, "//")
		if p == "" {
			return DSN{}, fmt.Errorf("sqlite: DSN without a file path (want sqlite:PATH)")
		}
		return DSN{Engine: SQLite, Conn: p}, nil
	case strings.HasPrefix(low, "postgres://"), strings.HasPrefix(low, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return DSN{}, fmt.Errorf("postgres DSN: not a URL: %s", dbsecret.Redact(s))
		}
		return DSN{Engine: Postgres, Conn: s}, nil
	case strings.HasPrefix(low, "sqlserver://"):
		if _, err := url.Parse(s); err != nil {
			return DSN{}, fmt.Errorf("sqlserver DSN: not a URL: %s", dbsecret.Redact(s))
		}
		return DSN{Engine: SQLServer, Conn: s}, nil
	case strings.HasPrefix(low, "odbc:"):
		return parseSQLServer(s)
	case strings.Contains(s, "="):
		return parseKeywords(s)
	}
	return DSN{}, fmt.Errorf("unknown database %q: want sqlite:PATH, postgres://..., sqlserver://..., libpq keywords (host=... dbname=...) or a SQL Server connection string", dbsecret.Redact(s))
}

// libpqOnly are the libpq connection keywords that SQL Server strings do
// not have (user, password and port are in both).
var libpqOnly = map[string]bool{
	"host": true, "hostaddr": true, "dbname": true, "passfile": true, "require_auth": true, "channel_binding": true,
	"connect_timeout": true, "client_encoding": true, "options": true, "application_name": true,
	"fallback_application_name": true, "keepalives": true, "keepalives_idle": true, "keepalives_interval": true,
	"keepalives_count": true, "tcp_user_timeout": true, "replication": true, "gssencmode": true, "sslmode": true,
	"requiressl": true, "sslcompression": true, "sslcert": true, "sslkey": true, "sslpassword": true,
	"sslcertmode": true, "sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true, "requirepeer": true,
	"ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true,
	"gssdelegation": true, "service": true, "target_session_attrs": true, "load_balance_hosts": true,
}

// sqlServerOnly are SQL Server connection-string keys that libpq does
// not have.
var sqlServerOnly = map[string]bool{
	"server": true, "data source": true, "address": true, "addr": true, "network address": true, "database": true,
	"initial catalog": true, "uid": true, "user id": true, "pwd": true, "driver": true, "trustservercertificate": true,
	"encrypt": true, "app": true, "trusted_connection": true, "integrated security": true, "authentication": true,
}

// parseKeywords tells a libpq keyword DSN ("host=h port=5432 dbname=lake
// user=u password=p": space-separated, which pgx reads as it is) from a
// SQL Server key=value string (';'-separated), and names what it
// recognised when it cannot tell.
func parseKeywords(s string) (DSN, error) {
	keys, spaced := libpqKeys(s)
	var pg, ms []string
	for _, k := range keys {
		switch lk := strings.ToLower(k); {
		case libpqOnly[lk]:
			pg = append(pg, k)
		case sqlServerOnly[lk]:
			ms = append(ms, k)
		}
	}
	switch {
	case spaced && len(pg) > 0 && len(ms) == 0:
		return DSN{Engine: Postgres, Conn: s}, nil
	case len(pg) > 0 && len(ms) > 0:
		return DSN{}, fmt.Errorf("connection string mixes PostgreSQL keywords (%s) and SQL Server keys (%s); use a postgres:// or sqlserver:// URL",
			strings.Join(pg, ", "), strings.Join(ms, ", "))
	}
	d, err := parseSQLServer(s)
	if err != nil && len(pg) > 0 {
		err = fmt.Errorf("%v; it has the PostgreSQL keywords %s, but libpq separates key=value pairs with spaces, not ';'", err, strings.Join(pg, ", "))
	}
	return d, err
}

// libpqKeys returns the keys of s read as a libpq keyword DSN, and
// whether s is one: space-separated key=value pairs, a value quoted
// with ' (with \ escapes) or running to the next space, no ';' between
// pairs.
func libpqKeys(s string) (keys []string, ok bool) {
	i, n := 0, len(s)
	for {
		for i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
		if i >= n {
			return keys, len(keys) > 0
		}
		j := i
		for j < n && s[j] != '=' && s[j] != ' ' && s[j] != '\t' && s[j] != ';' {
			j++
		}
		key := s[i:j]
		for j < n && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if key == "" || j >= n || s[j] != '=' {
			return keys, false
		}
		keys = append(keys, key)
		j++
		for j < n && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j < n && s[j] == '\'' {
			j++
			for j < n && s[j] != '\'' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= n {
				return keys, false // no closing quote
			}
			j++
		} else {
			for j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' {
				if s[j] == '\\' {
					j++
				} else if s[j] == ';' {
					return keys, false
				}
				j++
			}
		}
		i = j
	}
}

// parseSQLServer normalizes a SQL Server connection string (URL, ADO
// "Server=host,port;Database=...;User Id=...;Password=...", or the
// reference's ODBC "Driver={...};Server=host,port;UID=...;PWD=..."
// with or without an "odbc:" prefix) into a sqlserver:// URL, which
// go-mssqldb reads without ambiguity.
func parseSQLServer(s string) (DSN, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToLower(s), "sqlserver://") {
		return ParseDSN(s)
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "odbc:"), "ODBC:")
	kv, err := splitKV(s)
	if err != nil {
		return DSN{}, fmt.Errorf("SQL Server connection string: %v", err)
	}
	var notes []string
	q := url.Values{}
	var server, port, user, pass string
	var hasPass, odbc18 bool
	for _, p := range kv {
		k := strings.ToLower(strings.Join(strings.Fields(p.k), " "))
		v := p.v
		switch k {
		case "driver":
			notes = append(notes, fmt.Sprintf("ODBC Driver=%q ignored: xr talks to SQL Server natively", v))
			odbc18 = odbcDriverEncrypts(v)
		case "server", "data source", "address", "addr", "network address":
			server = v
		case "port":
			port = v
		case "database", "initial catalog":
			q.Set("database", v)
		case "uid", "user id", "user", "username":
			user = v
		case "pwd", "password":
			pass, hasPass = v, true
		case "trustservercertificate", "trust server certificate":
			q.Set("TrustServerCertificate", yesNo(v))
		case "encrypt":
			switch strings.ToLower(v) {
			case "yes", "true", "mandatory":
				q.Set("encrypt", "true")
			case "no", "false", "optional":
				q.Set("encrypt", "false")
			default:
				q.Set("encrypt", strings.ToLower(v))
			}
		case "connection timeout", "connect timeout", "timeout", "logintimeout":
			q.Set("connection timeout", v)
		case "app", "application name":
			q.Set("app name", v)
		case "hostnameincertificate", "host name in certificate":
			q.Set("hostnameincertificate", v)
		case "applicationintent", "application intent":
			q.Set("ApplicationIntent", v)
		case "multisubnetfailover", "multi subnet failover":
			q.Set("multisubnetfailover", yesNo(v))
		case "failover_partner", "failover partner", "failoverpartner":
			q.Set("failoverpartner", v)
		default:
			notes = append(notes, fmt.Sprintf("connection string key %q ignored", p.k))
		}
	}
	if server == "" {
		return DSN{}, fmt.Errorf("SQL Server connection string: no Server=")
	}
	if odbc18 && !q.Has("encrypt") {
		// ODBC Driver 18 encrypts unless told otherwise; go-mssqldb
		// would encrypt the login only
		q.Set("encrypt", "true")
		notes = append(notes, "no Encrypt= with ODBC Driver 18: encrypting, as that driver does by default")
	}
	u := url.URL{Scheme: "sqlserver", RawQuery: q.Encode()}
	if err := setServer(&u, server, port, ""); err != nil {
		return DSN{}, fmt.Errorf("SQL Server connection string: %v", err)
	}
	if user != "" || hasPass {
		u.User = url.UserPassword(user, pass)
	}
	return DSN{Engine: SQLServer, Conn: u.String(), Notes: notes}, nil
}

// setServer puts a Server= value ("tcp:host,port", "host\instance",
// "." or "(local)" for localhost) into u's host and instance path. port
// (a Port= key, INGEST_SQLSERVER_PORT) wins over one after the comma;
// def applies when neither is given.
func setServer(u *url.URL, server, port, def string) error {
	server = strings.TrimSpace(server)
	if len(server) >= 4 && strings.EqualFold(server[:4], "tcp:") {
		server = server[4:]
	}
	if h, p, ok := strings.Cut(server, ","); ok {
		server = strings.TrimSpace(h)
		if port == "" {
			port = strings.TrimSpace(p)
		}
	}
	host, inst, _ := strings.Cut(server, `\`)
	if host == "." || strings.EqualFold(host, "(local)") {
		host = "localhost"
	}
	if host == "" {
		return fmt.Errorf("no host in %q", server)
	}
	if inst != "" {
		u.Path = "/" + inst
	}
	if port == "" {
		port = def
	}
	if port != "" {
		if !isPort(port) {
			return fmt.Errorf("not a port number: %q", port)
		}
		host = joinHostPort(host, port)
	}
	u.Host = host
	return nil
}

// odbcDriverEncrypts: "ODBC Driver 18 for SQL Server" and later default
// to Encrypt=yes.
func odbcDriverEncrypts(driver string) bool {
	f := strings.Fields(strings.ToLower(driver))
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "driver" {
			n, err := strconv.Atoi(f[i+1])
			return err == nil && n >= 18
		}
	}
	return false
}

func yesNo(v string) string {
	switch strings.ToLower(v) {
	case "yes", "true", "1":
		return "true"
	case "no", "false", "0":
		return "false"
	}
	return v
}

type kvPair struct{ k, v string }

// splitKV splits "k=v;k={v;with;semicolons};k=\"quoted\"" (ODBC braces
// with }} as an escaped brace, ADO double or single quotes with "" or ”
// as an escaped quote).
func splitKV(s string) ([]kvPair, error) {
	var out []kvPair
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ';' || s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("a part without '=' (after %d key=value pairs)", len(out))
		}
		key := strings.TrimSpace(s[i : i+eq])
		i += eq + 1
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		var val strings.Builder
		switch {
		case i < len(s) && (s[i] == '{' || s[i] == '"' || s[i] == '\''):
			closeCh := s[i]
			if closeCh == '{' {
				closeCh = '}'
			}
			i++
			closed := false
			for i < len(s) {
				if s[i] == closeCh {
					if i+1 < len(s) && s[i+1] == closeCh {
						val.WriteByte(closeCh)
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				val.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("value of %q: missing closing %c", key, closeCh)
			}
			for i < len(s) && s[i] != ';' {
				i++
			}
		default:
			j := strings.IndexByte(s[i:], ';')
			if j < 0 {
				j = len(s) - i
			}
			val.WriteString(strings.TrimSpace(s[i : i+j]))
			i += j
		}
		if key == "" {
			return nil, fmt.Errorf("empty key")
		}
		out = append(out, kvPair{key, val.String()})
	}
	return out, nil
}
