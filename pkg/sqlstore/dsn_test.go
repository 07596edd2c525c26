package sqlstore

import (
	"strings"
	"testing"

	"github.com/microsoft/go-mssqldb/msdsn"
	"github.com/xr-lake/xr/pkg/dbsecret"
)

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestResolveOrder(t *testing.T) {
	for _, c := range []struct {
		name   string
		flag   string
		env    []string
		engine Engine
		from   string
	}{
		{"default", "", nil, SQLite, "default"},
		{"flag wins", "sqlite:x.db", []string{"XR_DB", "postgres://u@h/db", "INGEST_SQLSERVER_CONN_STR", "Server=h;Database=d"}, SQLite, "--db"},
		{"XR_DB", "", []string{"XR_DB", "postgres://u@h/db", "INGEST_SQLSERVER_CONN_STR", "Server=h;Database=d"}, Postgres, "XR_DB"},
		{"conn str", "", []string{"INGEST_SQLSERVER_CONN_STR", "Server=h;Database=d", "INGEST_SQLSERVER_HOST", "other"}, SQLServer, "INGEST_SQLSERVER_CONN_STR"},
		{"discrete", "", []string{"INGEST_SQLSERVER_HOST", "db1", "INGEST_SQLSERVER_DATABASE", "lake"}, SQLServer, "INGEST_SQLSERVER_HOST"},
	} {
		d, err := ResolveDSN(c.flag, envOf(c.env...))
		if err != nil || d.Engine != c.engine || d.From != c.from {
			t.Errorf("%s: got %+v, %v; want %s from %s", c.name, d, err, c.engine, c.from)
		}
	}
	d, _ := ResolveDSN("", envOf())
	if d.Conn != "lake.db" || d.Describe() != "sqlite lake.db (from default)" {
		t.Errorf("default: %+v %q", d, d.Describe())
	}
}

// Every SQL Server form must reach go-mssqldb with the same meaning.
func TestSQLServerForms(t *testing.T) {
	type want struct {
		host, db, user, pass, trust, encrypt string
		port                                 uint64
	}
	for _, c := range []struct {
		name string
		flag string
		env  []string
		want want
	}{
		{"reference ODBC string", "", []string{"INGEST_SQLSERVER_CONN_STR",
			"Driver={ODBC Driver 18 for SQL Server};Server=sql.example.org,1434;Database=Lake;UID=ingest;PWD={p;a}}ss};TrustServerCertificate=yes"},
			want{"sql.example.org", "Lake", "ingest", "p;a}ss", "true", "true", 1434}},
		{"ODBC Driver 18, Encrypt=no kept", "Driver={ODBC Driver 18 for SQL Server};Server=Tcp:h,1434;UID=u;PWD=pw;Encrypt=no", nil,
			want{"h", "", "u", "pw", "", "false", 1434}},
		{"ODBC Driver 17 keeps go-mssqldb's default", "Driver={ODBC Driver 17 for SQL Server};Server=h;UID=u;PWD=pw", nil,
			want{"h", "", "u", "pw", "", "-", 0}},
		{"(local), ADO single quotes", `Data Source=(local);Initial Catalog=lake;User ID=sa;Password='it''s;x'`, nil,
			want{"localhost", "lake", "sa", "it's;x", "", "-", 0}},
		{"dot instance with port", `Server=.\SQLEXPRESS,1500;Database=lake;UID=sa;PWD=p w`, nil,
			want{"localhost", "lake", "sa", "p w", "", "-", 1500}},
		{"odbc: prefix, tcp: server", "odbc:Driver={ODBC Driver 17 for SQL Server};Server=tcp:10.0.0.5,1533;Database=db;Uid=u;Pwd=pw;Encrypt=yes", nil,
			want{"10.0.0.5", "db", "u", "pw", "", "true", 1533}},
		{"ADO", `Server=localhost,1433;Database=lake;User Id=sa;Password="se;cret""x";TrustServerCertificate=true`, nil,
			want{"localhost", "lake", "sa", `se;cret"x`, "true", "", 1433}},
		{"ADO data source, no port", "Data Source=db.local;Initial Catalog=lake;User ID=sa;Password=hunter2", nil,
			want{"db.local", "lake", "sa", "hunter2", "", "", 0}},
		{"URL", "sqlserver://sa:p%40ss@h:1433?database=lake", nil,
			want{"h", "lake", "sa", "p@ss", "", "", 1433}},
		{"discrete variables, default port 1434", "", []string{"INGEST_SQLSERVER_HOST", "dbhost", "INGEST_SQLSERVER_DATABASE", "lake",
			"INGEST_SQLSERVER_USER", "ingest", "INGEST_SQLSERVER_PASSWORD", "p@ss:/?#word"},
			want{"dbhost", "lake", "ingest", "p@ss:/?#word", "", "", 1434}},
		{"discrete variables, port", "", []string{"INGEST_SQLSERVER_HOST", "dbhost", "INGEST_SQLSERVER_PORT", "1500", "INGEST_SQLSERVER_DATABASE", "lake"},
			want{"dbhost", "lake", "", "", "", "", 1500}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := ResolveDSN(c.flag, envOf(c.env...))
			if err != nil {
				t.Fatal(err)
			}
			if d.Engine != SQLServer {
				t.Fatalf("engine %s", d.Engine)
			}
			cfg, err := msdsn.Parse(d.Conn)
			if err != nil {
				t.Fatalf("go-mssqldb cannot read %s: %v", dbsecret.Redact(d.Conn), err)
			}
			w := c.want
			if cfg.Host != w.host || cfg.Port != w.port || cfg.Database != w.db || cfg.User != w.user || cfg.Password != w.pass {
				t.Errorf("got host %q port %d db %q user %q pass %q, want %+v", cfg.Host, cfg.Port, cfg.Database, cfg.User, cfg.Password, w)
			}
			if w.trust != "" && cfg.Parameters["trustservercertificate"] != w.trust {
				t.Errorf("trustservercertificate = %q", cfg.Parameters["trustservercertificate"])
			}
			if w.encrypt == "-" {
				if _, ok := cfg.Parameters["encrypt"]; ok {
					t.Errorf("encrypt set to %q", cfg.Parameters["encrypt"])
				}
			} else if w.encrypt != "" && cfg.Parameters["encrypt"] != w.encrypt {
				t.Errorf("encrypt = %q", cfg.Parameters["encrypt"])
			}
			if w.pass != "" && strings.Contains(d.Describe()+d.String()+strings.Join(d.Notes, ""), w.pass) {
				t.Errorf("password printed: %s / %s", d.Describe(), d.String())
			}
		})
	}
}

// INGEST_SQLSERVER_HOST may be written as a Server= value.
func TestSQLServerDiscreteHostForms(t *testing.T) {
	for _, c := range []struct {
		host, port, wantHost, wantInst string
		wantPort                       uint64
	}{
		{"db1", "", "db1", "", 1434},
		{"tcp:db1", "1500", "db1", "", 1500},
		{`db1\INST`, "", "db1", "INST", 1434},
		{"db1,1600", "", "db1", "", 1600},
		{"db1,1600", "1700", "db1", "", 1700},
		{"(local)", "", "localhost", "", 1434},
	} {
		d, err := ResolveDSN("", envOf("INGEST_SQLSERVER_HOST", c.host, "INGEST_SQLSERVER_PORT", c.port, "INGEST_SQLSERVER_DATABASE", "lake"))
		if err != nil {
			t.Errorf("%q/%q: %v", c.host, c.port, err)
			continue
		}
		cfg, err := msdsn.Parse(d.Conn)
		if err != nil {
			t.Errorf("%q/%q: go-mssqldb cannot read %s: %v", c.host, c.port, d.Conn, err)
			continue
		}
		if cfg.Host != c.wantHost || cfg.Instance != c.wantInst || cfg.Port != c.wantPort || cfg.Database != "lake" {
			t.Errorf("%q/%q: host %q instance %q port %d db %q", c.host, c.port, cfg.Host, cfg.Instance, cfg.Port, cfg.Database)
		}
	}
}

func TestSQLServerPassThroughKeys(t *testing.T) {
	d, err := ParseDSN("Server=h;Database=d;ApplicationIntent=ReadOnly;MultiSubnetFailover=No;Failover Partner=h2")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := msdsn.Parse(d.Conn)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ReadOnlyIntent || cfg.MultiSubnetFailover || cfg.FailOverPartner != "h2" || len(d.Notes) != 0 {
		t.Errorf("read-only %v, multisubnet %v, partner %q, notes %q", cfg.ReadOnlyIntent, cfg.MultiSubnetFailover, cfg.FailOverPartner, d.Notes)
	}
}

func TestDriverVariableNoted(t *testing.T) {
	d, err := ResolveDSN("", envOf("INGEST_SQLSERVER_DRIVER", "ODBC Driver 18 for SQL Server", "INGEST_SQLSERVER_HOST", "h"))
	if err != nil || len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "INGEST_SQLSERVER_DRIVER") {
		t.Fatalf("%+v %v", d, err)
	}
}

func TestBadDSNs(t *testing.T) {
	for _, s := range []string{"mysql://u:secret@h/db", "sqlite:", "Server=h,notaport;PWD=secret", "Database=x;PWD=secret", "Server={h;PWD=secret"} {
		_, err := ParseDSN(s)
		if err == nil {
			t.Errorf("%q accepted", s)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: error shows the password: %v", s, err)
		}
	}
	if _, err := ResolveDSN("", envOf("INGEST_SQLSERVER_HOST", "h", "INGEST_SQLSERVER_PORT", "x")); err == nil {
		t.Error("bad INGEST_SQLSERVER_PORT accepted")
	}
}

// A libpq keyword DSN is PostgreSQL (it used to be taken for a SQL Server
// string: "no Server="); a string that is neither names what it holds.
func TestLibpqKeywordDSN(t *testing.T) {
	for _, s := range []string{
		"host=db.example.org port=5432 dbname=lake user=xr password=secret",
		"host = db.example.org dbname=lake password='se cret\\' x' sslmode=require",
		"dbname=lake",
		"service=lake",
	} {
		d, err := ParseDSN(s)
		if err != nil || d.Engine != Postgres || d.Conn != s {
			t.Errorf("%q: %+v, %v", s, d, err)
		}
		if strings.Contains(d.Describe(), "secret") || strings.Contains(d.Describe(), "cret") {
			t.Errorf("%q: Describe shows the password: %s", s, d.Describe())
		}
	}
	d, _ := ParseDSN("host=db.example.org port=6543 dbname=lake user=xr password=secret")
	if got := d.Describe(); got != "postgres xr@db.example.org:6543/lake (from )" {
		t.Errorf("Describe: %q", got)
	}
	for s, want := range map[string]string{
		"host=h;user=u;password=secret":    "it has the PostgreSQL keywords host, but libpq separates key=value pairs with spaces, not ';'",
		"host=h dbname=d Server=x pwd=sec": "connection string mixes PostgreSQL keywords (host, dbname) and SQL Server keys (Server, pwd)",
		"user=u password=secret":           "SQL Server connection string: no Server=",
	} {
		_, err := ParseDSN(s)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: %v; want %q", s, err, want)
		}
	}
	// SQL Server strings stay SQL Server
	for _, s := range []string{"Server=h;Database=d", "Server=tcp:h,1434", "Data Source=h;User Id=u;Password=p w"} {
		if d, err := ParseDSN(s); err != nil || d.Engine != SQLServer {
			t.Errorf("%q: %+v, %v", s, d, err)
		}
	}
	if got := dbsecret.Redact(`host=h password='a\' b c' dbname=d`); strings.Contains(got, "b c") || strings.Contains(got, "a\\") {
		t.Errorf("Redact of a libpq quoted password: %q", got)
	}
}
