package snapshot

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"sync"
)

var umaskMu sync.Mutex

// Umask returns the process's file mode creation mask, which files that
// get their mode by chmod (AtomicFile) apply themselves. Linux tells it in
// /proc/self/status without changing it; elsewhere it is read by setting
// and restoring it, under a lock (the window is a few instructions).
func Umask() os.FileMode {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("Umask:")); ok {
				if m, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32); err == nil {
					return os.FileMode(m) & os.ModePerm
				}
			}
		}
	}
	umaskMu.Lock()
	defer umaskMu.Unlock()
	m := umask(0)
	umask(m)
	return os.FileMode(m) & os.ModePerm
}
