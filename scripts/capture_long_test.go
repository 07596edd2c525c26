package scripts_test

import (
	"bufio"
	"encoding/json"
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

// TestCaptureLongHAR (XR_TEST_LONG=1) imports a 1 GB HAR — one JSON
// document, its entries streamed, 8 MB bodies among them — and checks that
// every entry comes out and that peak RSS stays under 128 MB.
func TestCaptureLongHAR(t *testing.T) {
	if !longMode() {
		t.Skip("XR_TEST_LONG=1 runs the 1 GB HAR import")
	}
	path := filepath.Join(t.TempDir(), "big.har")
	n := writeBigHAR(t, path, 1<<30)
	size := fileSize(t, path)
	t.Logf("HAR: %d entries, %d bytes", n, size)
	out, rss, secs := runMeasured(t, "xr-canon", "-q", "--from", "har", path)
	t.Logf("xr-canon --from har: %.1f s, %.0f MB/s, peak RSS %d MB", secs, float64(size)/1e6/secs, rss>>20)
	if out != n {
		t.Errorf("%d envelopes, want %d", out, n)
	}
	if rss >= captureRSSLimit {
		t.Errorf("peak RSS %d MB, want < %d MB", rss>>20, captureRSSLimit>>20)
	}
}

// writeBigHAR writes a HAR 1.2 document of size bytes or a little more;
// every 500th response body is 8 MB.
func writeBigHAR(t *testing.T, path string, size int64) (n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"log":{"version":"1.2","creator":{"name":"xr-test","version":"1"},"pages":[],"entries":[`)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var written int64
	for ; written < size; n++ {
		if n > 0 {
			w.WriteByte(',')
		}
		body := bigBody(n)
		text, _ := json.Marshal(body)
		e := fmt.Sprintf(`{"startedDateTime":%q,"time":12.5,"request":{"method":"GET","url":"https://big.example/items/%d?page=%d","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/json"}],"queryString":[{"name":"page","value":"%d"}],"headersSize":-1,"bodySize":0},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"size":%d,"mimeType":"application/json","text":%s},"redirectURL":"","headersSize":-1,"bodySize":%d},"cache":{},"timings":{"send":0.5,"wait":10,"receive":2}}`,
			at.Add(time.Duration(n)*time.Second).Format(time.RFC3339Nano), n, n%13, n%13, len(body), text, len(body))
		w.WriteString(e)
		written += int64(len(e) + 1)
	}
	w.WriteString("]}}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return n
}

// bigBody is the JSON body of exchange n: 2–32 KB of non-ASCII text, 8 MB
// for every 500th.
func bigBody(n int) string {
	rng := rand.New(rand.NewPCG(uint64(n), 4))
	target := 2000 + rng.IntN(30000)
	if n%500 == 499 {
		target = 8 << 20
	}
	var body strings.Builder
	fmt.Fprintf(&body, `{"id":%d,"score":%.6f,"text":"`, n, rng.Float64())
	for body.Len() < target {
		body.WriteString(bigWords[rng.IntN(len(bigWords))])
		body.WriteByte(' ')
	}
	body.WriteString(`"}`)
	return body.String()
}

var bigWords = strings.Fields("café Jedi été 東京 Москва data lake record 😀 über señor archive response page work token")

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
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for ; written < size; n++ {
		body := bigBody(n)
		uri := fmt.Sprintf("https://big.example/items/%d?page=%d", n, n%13)
		req := fmt.Sprintf("GET /items/%d?page=%d HTTP/1.1\r\nHost: big.example\r\n\r\n", n, n%13)
		resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
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
