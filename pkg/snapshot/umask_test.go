package snapshot

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAtomicFileModes: the temporary file is 0600 while it holds data;
// the committed file has its mode less the umask.
func TestAtomicFileModes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	a, err := CreateAtomic(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	a.WriteString("data")
	a.Flush()
	fi, err := os.Stat(a.f.Name())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("temporary file: %v %v, want mode 0600", fi.Mode(), err)
	}
	if err := a.Commit(false); err != nil {
		t.Fatal(err)
	}
	fi, err = os.Stat(p)
	if want := 0o644 &^ Umask(); err != nil || fi.Mode().Perm() != want {
		t.Fatalf("committed: %v %v, want %v", fi.Mode(), err, want)
	}
}
