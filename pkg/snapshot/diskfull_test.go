package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
	"github.com/xr-lake/xr/pkg/xr"
)

// checkFailedCounters: after a write that failed, "written" is what the
// pack gained, and the records accepted but not committed are counted as
// such.
func checkFailedCounters(t *testing.T, dir string, before int, st *xr.Stats, err error) {
	t.Helper()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ENOSPC", err)
	}
	gained := len(packHashes(t, dir)) - before
	if st.Get("written") != int64(gained) {
		t.Fatalf("%s, but the pack gained %d records", st.Summary(), gained)
	}
	if st.Get("not_committed") == 0 || !strings.Contains(st.Summary(), " not committed") {
		t.Fatalf("%s: the records not committed are not counted", st.Summary())
	}
	if got := st.Get("written") + st.Get("not_committed") + st.Get("skipped"); got > st.Get("read") {
		t.Fatalf("%s: more counted than read", st.Summary())
	}
	if _, err := Rebuild(ctx, dir, RebuildOptions{}); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
}

// TestWriteDiskFullCounters: a write that fills the disk reports what it
// committed, not what it tried (issue 12 item 10), on an empty pack and on
// a pre-filled one.
func TestWriteDiskFullCounters(t *testing.T) {
	in := snapshottest.Spec{Seed: "full", Pad: 1500, Step: 3 * time.Minute}.NDJSON(0, 2500) // about 4 MB
	t.Run("tmpfs", func(t *testing.T) {
		mnt := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
			t.Skipf("NO REAL FULL DISK: cannot mount a 2 MB tmpfs here (%v: %s); disk-full counters are checked only by the injected-ENOSPC subtest", err, bytes.TrimSpace(out))
		}
		t.Cleanup(func() {
			// readers stop asynchronously: give them a moment to close
			for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				open := ""
				ents, _ := os.ReadDir("/proc/self/fd")
				for _, e := range ents {
					if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.HasPrefix(l, mnt) {
						open = l
					}
				}
				if open == "" {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("a file on the full disk is still open: %s", open)
					break
				}
			}
			if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
				t.Errorf("umount: %v %s", err, out)
			}
		})
		for _, prefill := range []int{0, 200} {
			t.Run(fmt.Sprint("prefill=", prefill), func(t *testing.T) {
				parent := filepath.Join(mnt, fmt.Sprint(prefill))
				os.Mkdir(parent, 0o755)
				dir, err := Init(parent, manifest.Default("p", "http", "wookieepedia", "page"))
				if err != nil {
					t.Fatal(err)
				}
				if prefill > 0 {
					if _, err := Write(ctx, dir, bytes.NewReader(snapshottest.Spec{Seed: "pre"}.NDJSON(0, prefill)), WriteOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				st, err := Write(ctx, dir, bytes.NewReader(in), WriteOptions{ChunkSize: 100})
				checkFailedCounters(t, dir, prefill, st, err)
				os.RemoveAll(parent) // room for the next case
			})
		}
	})
	t.Run("injected", func(t *testing.T) {
		dir := newPack(t)
		commits := 0
		commitFault = func(string) error {
			if commits++; commits > 3 {
				return fmt.Errorf("write chunk: %w", syscall.ENOSPC)
			}
			return nil
		}
		defer func() { commitFault = func(string) error { return nil } }()
		st, err := Write(ctx, dir, bytes.NewReader(in), WriteOptions{ChunkSize: 100})
		checkFailedCounters(t, dir, 0, st, err)
		if st.Get("written") != 300 {
			t.Fatalf("%s: want 300 written (3 chunks of 100)", st.Summary())
		}
	})
}
