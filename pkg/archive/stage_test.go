package archive

import (
	"os"
	"strings"
	"testing"
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
