package scripts_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xr-lake/xr/internal/capturetest"
)

// captureRSSLimit is the peak RSS a 1 GB capture may take to import.
const captureRSSLimit = 128 << 20

// TestCaptureLongWARC (XR_TEST_LONG=1) imports a 1 GB WARC — 1 GB of
// records, gzipped per record, among them bodies of 8 MB — and checks that
// every exchange comes out and that peak RSS stays under 128 MB.
func TestCaptureLongWARC(t *testing.T) {
	if !longMode() {
		t.Skip("XR_TEST_LONG=1 runs the 1 GB WARC import")
	}
	path := filepath.Join(t.TempDir(), "big.warc.gz")
	n, size := writeBigWARC(t, path, 1<<30)
	t.Logf("WARC: %d exchanges, %d bytes of records, %d bytes gzipped", n, size, fileSize(t, path))
	out, rss, secs := runMeasured(t, "xr-canon", "-q", "--from", "warc", path)
	t.Logf("xr-canon --from warc: %.1f s, %.0f MB/s of records, peak RSS %d MB", secs, float64(size)/1e6/secs, rss>>20)
	if out != n {
		t.Errorf("%d envelopes, want %d", out, n)
	}
	if rss >= captureRSSLimit {
		t.Errorf("peak RSS %d MB, want < %d MB", rss>>20, captureRSSLimit>>20)
	}
}

// writeBigWARC writes exchanges until the records reach size bytes; every
// 500th response body is 8 MB.
func writeBigWARC(t *testing.T, path string, size int64) (n int, written int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := capturetest.NewWARCWriter(f, true)
	rng := rand.New(rand.NewPCG(17, 4))
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	words := strings.Fields("café Jedi été 東京 Москва data lake record 😀 über señor archive response page work token")
	var body strings.Builder
	for ; written < size; n++ {
		body.Reset()
		target := 2000 + rng.IntN(30000)
		if n%500 == 499 {
			target = 8 << 20
		}
		fmt.Fprintf(&body, `{"id":%d,"score":%.6f,"text":"`, n, rng.Float64())
		for body.Len() < target {
			body.WriteString(words[rng.IntN(len(words))])
			body.WriteByte(' ')
		}
		body.WriteString(`"}`)
		uri := fmt.Sprintf("https://big.example/items/%d?page=%d", n, n%13)
		req := fmt.Sprintf("GET /items/%d?page=%d HTTP/1.1\r\nHost: big.example\r\n\r\n", n, n%13)
		resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", body.Len(), body.String())
		if err := w.Exchange(uri, at.Add(time.Duration(n)*time.Second), []byte(req), []byte(resp)); err != nil {
			t.Fatal(err)
		}
		written += int64(len(req) + len(resp) + 2*300) // about 300 bytes of WARC header a record
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return n, written
}

// runMeasured runs a command, counting its output lines; it returns them,
// the command's peak RSS in bytes and its wall time in seconds.
func runMeasured(t *testing.T, name string, args ...string) (lines int, rss int64, secs float64) {
	t.Helper()
	cmd := exec.Command(name, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReaderSize(stdout, 1<<20)
	for {
		_, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			break
		}
		lines++
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	secs = time.Since(start).Seconds()
	return lines, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10, secs
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
