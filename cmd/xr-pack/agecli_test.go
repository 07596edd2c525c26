package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/xr-lake/xr/internal/treetest"
)

// Round trips between xr-pack and the stock age CLI (Debian's age package;
// scripts/test installs it and sets XR_REQUIRE_AGE=1, so that a machine
// without it fails instead of skipping): what xr-pack encrypts, age -d
// opens, and unzip or tar --zstd restores; what age encrypts, xr-pack
// extract opens. Every restored pack is byte-equal to the source and
// verifies.

// stockTool returns the path of a stock CLI the test needs.
func stockTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("XR_REQUIRE_AGE") == "1" {
		t.Fatalf("%s not found, and XR_REQUIRE_AGE=1 (scripts/test installs Debian's age package)", name)
	}
	t.Skipf("STOCK %s MISSING: the round trips with the age CLI did not run (apt-get install age, or sh scripts/test)", name)
	return ""
}

// runOK runs a command that must succeed and returns its stdout.
func runOK(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// runTTY runs a command on a fresh pseudo-terminal (its controlling
// terminal, which age reads passphrases from) and types input into it.
func runTTY(t *testing.T, input string, name string, args ...string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stderr = s, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		s.Close()
		t.Fatal(err)
	}
	s.Close()
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&screen, m); close(done) }()
	m.Write([]byte(input))
	err = cmd.Wait()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\nterminal: %q", name, strings.Join(args, " "), err, errb.String(), screen.String())
	}
}

// samePack checks that got holds exactly the files of the pack want, byte
// for byte, and that xr-pack verify finds it clean.
func samePack(t *testing.T, got, want string) {
	t.Helper()
	treetest.Same(t, got, want, treetest.DotFile)
	xrpack(t, nil, "verify", "-q", got)
}

// restore unpacks a plain archive with the stock tool of its format into
// a new folder and returns the pack in it.
func restore(t *testing.T, plain, format string) string {
	t.Helper()
	dir := t.TempDir()
	if format == "zip" {
		runOK(t, stockTool(t, "unzip"), "-q", plain, "-d", dir)
	} else {
		runOK(t, "tar", "--zstd", "-xf", plain, "-C", dir)
	}
	return filepath.Join(dir, "p")
}

func TestStockAgeRoundTrips(t *testing.T) {
	ageBin, keygen := stockTool(t, "age"), stockTool(t, "age-keygen")
	stockTool(t, "zstd")
	src := makePack(t, randomToken(), 300)
	keys := t.TempDir()
	key := func(name string) (identity, recipient string) {
		p := filepath.Join(keys, name)
		runOK(t, keygen, "-o", p)
		os.Chmod(p, 0o600)
		return p, strings.TrimSpace(runOK(t, keygen, "-y", p))
	}
	id1, r1 := key("k1")
	id2, r2 := key("k2")
	sshKey := filepath.Join(keys, "id_ed25519")
	runOK(t, stockTool(t, "ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", "backup", "-f", sshKey)
	sshPub, _ := os.ReadFile(sshKey + ".pub")

	type mode struct {
		xrArgs   []string   // xr-pack archive's encryption flags
		env      []string   // xr-pack's environment
		openArgs [][]string // age -d arguments, each of which must open it
		tty      string     // typed into age -d
		readArgs []string   // xr-pack extract's key flags
		ageEnc   []string   // age's flags to encrypt the other way
		ageTTY   string
	}
	modes := map[string]mode{
		// xr-pack at a low work factor (quick); age -p at its own (2^18),
		// which xr-pack must then read within its default limit
		"passphrase": {xrArgs: []string{"--encrypt", "--work-factor", "10"}, env: []string{"SNAPSHOT_ENCRYPTION_KEY=pw"},
			openArgs: [][]string{nil}, tty: "pw\n", ageEnc: []string{"-p"}, ageTTY: "pw\npw\n"},
		"x25519": {xrArgs: []string{"--recipient", r1}, openArgs: [][]string{{"-i", id1}},
			readArgs: []string{"--identity", id1}, ageEnc: []string{"-r", r1}},
		"two recipients": {xrArgs: []string{"--recipient", r1, "--recipient", r2}, openArgs: [][]string{{"-i", id1}, {"-i", id2}},
			readArgs: []string{"--identity", id2}, ageEnc: []string{"-r", r1, "-r", r2}},
		"ssh-ed25519": {xrArgs: []string{"--recipient", strings.TrimSpace(string(sshPub))}, openArgs: [][]string{{"-i", sshKey}},
			readArgs: []string{"--identity", sshKey}, ageEnc: []string{"-R", sshKey + ".pub"}},
	}
	for _, format := range []string{"zip", "tar.zst"} {
		for name, m := range modes {
			t.Run(format+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				// xr-pack encrypts, the stock age CLI decrypts, unzip/tar restore
				a := filepath.Join(dir, "a."+format+".age")
				xrpack(t, m.env, append([]string{"archive", "-q", src, "--out", a}, m.xrArgs...)...)
				for i, open := range m.openArgs {
					plain := filepath.Join(dir, fmt.Sprintf("plain%d.%s", i, format))
					args := append(append([]string{"-d"}, open...), "-o", plain, a)
					if m.tty != "" {
						runTTY(t, m.tty, ageBin, args...)
					} else {
						runOK(t, ageBin, args...)
					}
					samePack(t, restore(t, plain, format), src)
				}
				// and xr-pack extracts its own archive
				xrpack(t, m.env, append([]string{"extract", "-q", "--in", a, "--out", filepath.Join(dir, "x1")}, m.readArgs...)...)
				samePack(t, filepath.Join(dir, "x1", "p"), src)

				// the stock age CLI encrypts xr's plain archive, xr-pack extracts it
				plain := filepath.Join(dir, "plain."+format)
				xrpack(t, nil, "archive", "-q", src, "--out", plain)
				b := filepath.Join(dir, "b."+format+".age")
				args := append(append([]string{}, m.ageEnc...), "-o", b, plain)
				if m.ageTTY != "" {
					runTTY(t, m.ageTTY, ageBin, args...)
				} else {
					runOK(t, ageBin, args...)
				}
				if m.ageTTY == "" { // scrypt at 2^18 takes seconds: extract alone reads it
					xrpack(t, m.env, append([]string{"verify", "-q", b}, m.readArgs...)...)
				}
				xrpack(t, m.env, append([]string{"extract", "-q", "--in", b, "--out", filepath.Join(dir, "x2")}, m.readArgs...)...)
				samePack(t, filepath.Join(dir, "x2", "p"), src)
			})
		}
	}
}

// TestStockAgeRotation: the rotation docs/archive.md gives, re-encrypting
// an archive to a new key without unpacking it (age -d | age -r), keeps the
// inner archive byte for byte: the new file verifies and extracts with the
// new identity, the old identity no longer opens it.
func TestStockAgeRotation(t *testing.T) {
	ageBin, keygen := stockTool(t, "age"), stockTool(t, "age-keygen")
	src := makePack(t, randomToken(), 50)
	dir := t.TempDir()
	oldKey, newKey := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	runOK(t, keygen, "-o", oldKey)
	runOK(t, keygen, "-o", newKey)
	os.Chmod(oldKey, 0o600)
	os.Chmod(newKey, 0o600)
	a, b := filepath.Join(dir, "a.tar.zst.age"), filepath.Join(dir, "b.tar.zst.age")
	xrpack(t, nil, "archive", "-q", src, "--out", a, "--recipient", strings.TrimSpace(runOK(t, keygen, "-y", oldKey)))
	runOK(t, "sh", "-c", `"$0" -d -i "$1" "$2" | "$0" -r "$3" -o "$4"`, ageBin, oldKey, a, strings.TrimSpace(runOK(t, keygen, "-y", newKey)), b)
	xrpack(t, nil, "verify", "-q", "--identity", newKey, b)
	xrpack(t, nil, "extract", "-q", "--identity", newKey, b, "--out", filepath.Join(dir, "x"))
	samePack(t, filepath.Join(dir, "x", "p"), src)
	cmd, stderr := packCmd(t, nil, "verify", "--identity", oldKey, b)
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "no identity opens this archive") {
		t.Fatalf("the old identity: err %v, stderr %s", err, stderr)
	}
}
