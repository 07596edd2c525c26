package scripts_test

// The shape of the commands (issue 14): every main is short and exits
// through one call, cli.Main, which turns the error into the message and
// the exit code in one place; only pkg/cli parses flags.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainsOfOneShape(t *testing.T) {
	mains, err := filepath.Glob(filepath.Join(root, "cmd", "*", "main.go"))
	if err != nil || len(mains) != len(binaries) {
		t.Fatalf("cmd/*/main.go: %d files (%v), want %d", len(mains), err, len(binaries))
	}
	for _, m := range mains {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if n := strings.Count(s, "\n"); n >= 60 {
			t.Errorf("%s: %d lines, want < 60 (flags, then one pkg call; helpers in other files)", m, n)
		}
		if !strings.Contains(s, "func main() { cli.Main(command) }") || strings.Contains(s, "os.Exit") || strings.Contains(s, ".Finish(") {
			t.Errorf("%s: main is not `func main() { cli.Main(command) }`, or exits another way", m)
		}
	}
	err = filepath.WalkDir(filepath.Join(root, "pkg"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), "\t\"flag\"\n") && filepath.Base(filepath.Dir(p)) != "cli" {
			t.Errorf("%s imports flag: flags belong to pkg/cli", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
