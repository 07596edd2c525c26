// Package treetest reads and compares folder trees in tests (a pack and
// its copy after an archive round trip).
package treetest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files returns the files under dir (slash paths → contents), leaving out
// those whose base name skip accepts (nil: none).
func Files(t testing.TB, dir string, skip func(name string) bool) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || skip != nil && skip(d.Name()) {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Same fails t unless got holds exactly the files of want, byte for byte
// (skip as for Files).
func Same(t testing.TB, got, want string, skip func(name string) bool) {
	t.Helper()
	g, w := Files(t, got, skip), Files(t, want, skip)
	if len(g) != len(w) {
		t.Fatalf("%s has %d files, %s %d", got, len(g), want, len(w))
	}
	for k, v := range w {
		if g[k] != v {
			t.Fatalf("%s: %s differs from %s's", got, k, want)
		}
	}
}

// DotFile: a lock or other dot file, which is no part of a pack.
func DotFile(name string) bool { return strings.HasPrefix(name, ".") }
