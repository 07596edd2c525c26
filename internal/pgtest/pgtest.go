// Package pgtest runs one throwaway PostgreSQL cluster per test binary:
// initdb and pg_ctl into a temporary directory, listening on a free
// loopback port (run as the postgres user through runuser when the tests
// run as root, since initdb refuses root), a fresh database per test, and
// the cluster stopped and removed when the tests end.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//	func TestX(t *testing.T) { dsn := pgtest.DSN(t) ... }
//
// When no server can be started, DSN skips the test with a loud message;
// with XR_REQUIRE_POSTGRES=1 (CI) that is a test failure instead.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is the one server of this test binary.
type cluster struct {
	dir   string // temp root: data/, sock/, log
	bin   string // directory of initdb and pg_ctl
	port  int
	asPG  bool // run commands through runuser -u postgres
	err   error
	dbSeq atomic.Int64
}

var (
	once    sync.Once
	current *cluster
)

// Main runs the tests and then stops the cluster (if one was started).
// Use it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) },
// or call Stop at the end of your own TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops and removes the cluster; Main calls it.
func Stop() {
	if current == nil || current.err != nil || current.dir == "" {
		return
	}
	c := current
	c.run(c.tool("pg_ctl"), "-D", c.data(), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.dir)
}

// Required reports whether XR_REQUIRE_POSTGRES asks for a real server.
func Required() bool {
	v := os.Getenv("XR_REQUIRE_POSTGRES")
	return v != "" && v != "0" && v != "false"
}

// DSN returns the URL of a new, empty database on the cluster (started on
// first use). It skips the test, loudly, when no server can be started,
// or fails it under XR_REQUIRE_POSTGRES=1.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { current = start() })
	c := current
	if c.err != nil {
		msg := fmt.Sprintf("pgtest: NO POSTGRESQL SERVER, test not run against PostgreSQL: %v (run scripts/ensure-postgres; XR_REQUIRE_POSTGRES=1 makes this a failure)", c.err)
		if Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	name := fmt.Sprintf("xr_test_%d_%d", os.Getpid(), c.dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return c.url(name)
}

// url is the address of database db on the cluster.
func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *cluster) tool(name string) string {
	return filepath.Join(c.bin, name)
}

func (c *cluster) run(name string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

// FindBin returns the directory holding initdb and pg_ctl: $PATH first,
// then /usr/lib/postgresql/*/bin (newest version first).
func FindBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestV := "", -1
	for _, d := range dirs {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil && v > bestV {
			best, bestV = d, v
		}
	}
	if best == "" {
		return "", errors.New("initdb/pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin")
	}
	return best, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start() *cluster {
	c := &cluster{}
	fail := func(err error) *cluster {
		if c.dir != "" {
			os.RemoveAll(c.dir)
		}
		c.err, c.dir = err, ""
		fmt.Fprintf(os.Stderr, "pgtest: WARNING: no PostgreSQL server: %v\n", err)
		return c
	}
	bin, err := FindBin()
	if err != nil {
		return fail(err)
	}
	c.bin = bin
	if c.dir, err = os.MkdirTemp("", "pgtest-"); err != nil {
		return fail(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root and there is no postgres user to run initdb as: %v", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			return fail(err)
		}
		c.asPG = true
	}
	if out, err := c.run(c.tool("initdb"), "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return fail(fmt.Errorf("initdb: %v: %s", err, lastLines(out)))
	}
	for attempt := 0; attempt < 3; attempt++ {
		if c.port, err = freePort(); err != nil {
			return fail(err)
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50", c.port, c.dir)
		var out []byte
		out, err = c.run(c.tool("pg_ctl"), "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			return c
		}
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		err = fmt.Errorf("pg_ctl start: %v: %s %s", err, lastLines(out), lastLines(log))
	}
	return fail(err)
}

func lastLines(b []byte) string {
	s := strings.TrimSpace(string(b))
	lines := strings.Split(s, "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " / ")
}
