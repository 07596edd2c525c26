package archive

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xr-lake/xr/internal/treetest"
	"github.com/xr-lake/xr/pkg/snapshot"
)

// TestCleanStagingSparesALiveExtract: a staging folder whose extract is
// alive (its lock held) is left alone; once the extract is gone (the lock
// dropped with its file), the next cleanup removes it and says so.
func TestCleanStagingSparesALiveExtract(t *testing.T) {
	outDir := t.TempDir()
	live, err := newStaging(outDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(live.root(), 0o755); err != nil {
		t.Fatal(err)
	}
	var notes []string
	notice := func(m string) { notes = append(notes, m) }
	if err := cleanStaging(outDir, notice); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live.dir); err != nil || len(notes) > 0 {
		t.Fatalf("a live extract's staging folder was cleaned (%v, %q)", err, notes)
	}
	live.lock.Close() // as a kill -9 would: the folder stays, its lock goes
	if err := cleanStaging(outDir, notice); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live.dir); !os.IsNotExist(err) {
		t.Fatalf("a dead extract's staging folder was kept: %v", err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "removed 1 "+stagePrefix+"* folders") {
		t.Fatalf("notes = %q", notes)
	}
}

// TestExtractSyncsEveryFolder: before the pack is moved into place every
// folder of it has been fsynced, those holding only folders (records/,
// records/2026/) too, so that no entry of the pack is lost in a crash
// after extract said it was done.
func TestExtractSyncsEveryFolder(t *testing.T) {
	var synced []string
	var mu sync.Mutex
	syncDir = func(dir string) error {
		mu.Lock()
		synced = append(synced, dir)
		mu.Unlock()
		return snapshot.SyncDir(dir)
	}
	defer func() { syncDir = snapshot.SyncDir }()
	p := create(t, refPack, CreateOptions{Format: FormatZip})
	outDir := t.TempDir()
	dest, _, err := Extract(context.Background(), p, outDir, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// what was synced, relative to the staging tree (dest's name first
	// where the archive holds the pack in a folder)
	rels := map[string]bool{}
	for _, d := range synced {
		if _, rel, ok := strings.Cut(filepath.ToSlash(d), "/"+stageTree); ok && strings.Contains(d, stagePrefix) {
			rels[strings.TrimPrefix(rel, "/")] = true
		}
	}
	err = filepath.WalkDir(dest, func(q string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		r, _ := filepath.Rel(dest, q)
		r = filepath.ToSlash(r)
		if r == "." {
			r = ""
		}
		if !rels[r] && !rels[strings.TrimSuffix(filepath.Base(dest)+"/"+r, "/")] {
			t.Errorf("%s was not fsynced before the pack was moved into place", r+"/")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExtractSyncsEveryFile: every extracted file is fsynced (in the
// background, while the next members are extracted) before the pack is
// moved into place, and a failed fsync fails the extract, naming the
// member, with nothing left behind.
func TestExtractSyncsEveryFile(t *testing.T) {
	var mu sync.Mutex
	synced := 0
	fail := false
	syncFile = func(f *os.File) error {
		mu.Lock()
		defer mu.Unlock()
		synced++
		if fail && synced == 3 {
			return errors.New("disk on fire")
		}
		return f.Sync()
	}
	defer func() { syncFile = (*os.File).Sync }()
	for _, format := range []string{FormatZip, FormatTarZst} {
		p := create(t, refPack, CreateOptions{Format: format})
		synced, fail = 0, false
		dest, _, err := Extract(context.Background(), p, t.TempDir(), ExtractOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(treetest.Files(t, dest, nil)); synced != n {
			t.Fatalf("%s: %d files fsynced, the pack has %d", format, synced, n)
		}
		synced, fail = 0, true
		out := filepath.Join(t.TempDir(), "out")
		_, _, err = Extract(context.Background(), p, out, ExtractOptions{})
		if err == nil || !strings.Contains(err.Error(), `member "`) || !strings.Contains(err.Error(), "disk on fire") {
			t.Fatalf("%s: err = %v", format, err)
		}
		assertEmpty(t, out)
	}
}
