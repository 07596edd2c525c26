package capture

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/internal/capturetest"
	"github.com/xr-lake/xr/pkg/warc"
	"github.com/xr-lake/xr/pkg/xr"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 123000000, time.UTC)

// readWARC reads a WARC through the format: the envelopes, the item
// errors (the reader goes on after them, as with --rejects), and the
// counters.
func readWARC(t *testing.T, in []byte) (recs []string, errs []error, st *xr.Stats) {
	t.Helper()
	f, err := Lookup("warc")
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(bytes.NewReader(in), "c.warc.gz", testBuilder(t, Options{MaxLine: 1 << 20}))
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var ie *ItemError
		if errors.As(err, &ie) {
			errs = append(errs, err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, encode(t, rec))
	}
	st = xr.NewStats()
	r.(Counter).Count(st)
	return recs, errs, st
}

func gzipBody(s string) string { return string(gz([]byte(s))) }

const chunkedGzipResponse = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"

func chunked(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		n := min(10, len(s))
		b.WriteString(strconv.FormatInt(int64(n), 16) + "\r\n" + s[:n] + "\r\n")
		s = s[n:]
	}
	return b.String() + "0\r\n\r\n"
}

func TestWARCPairs(t *testing.T) {
	var buf bytes.Buffer
	w := capturetest.NewWARCWriter(&buf, true)
	w.Record("warcinfo", "<urn:uuid:info>", "", t0, "application/warc-fields", nil, []byte("software: test\r\n"))
	// wget's order: request, then the response naming it
	w.Record("request", "<urn:uuid:q1>", "http://h.test/a.json?b=2&a=1", t0, "application/http;msgtype=request", nil,
		[]byte("GET /a.json?b=2&a=1 HTTP/1.1\r\nHost: h.test\r\nCookie: sid=s3cret\r\n\r\n"))
	respAt := w.Offset()
	w.Record("response", "<urn:uuid:r1>", "http://h.test/a.json?b=2&a=1", t0.Add(time.Second), "application/http;msgtype=response",
		[][2]string{{"WARC-Concurrent-To", "<urn:uuid:q1>"}},
		[]byte(chunkedGzipResponse+chunked(gzipBody(`{"n": 1.50}`))))
	// Heritrix's order: the response, then the request naming it
	w.Record("response", "<urn:uuid:r2>", "http://h.test/b", t0, "application/http; msgtype=response", nil,
		[]byte("HTTP/1.1 301 Moved Permanently\r\nLocation: /c\r\n\r\n"))
	w.Record("request", "<urn:uuid:q2>", "http://h.test/b", t0.Add(-time.Second), "application/http; msgtype=request",
		[][2]string{{"WARC-Concurrent-To", "<urn:uuid:r2>"}}, []byte("HEAD /b HTTP/1.1\r\nHost: h.test\r\n\r\n"))
	// paired by target URI alone
	w.Record("request", "<urn:uuid:q3>", "http://h.test/d", t0, "application/http;msgtype=request", nil, []byte("POST /d HTTP/1.1\r\nHost: h.test\r\n\r\nx=1"))
	w.Record("response", "<urn:uuid:r3>", "http://h.test/d", t0, "application/http;msgtype=response", nil, []byte("HTTP/1.1 204 No Content\r\n\r\n"))
	// a response alone, a DNS record, metadata and a revisit
	w.Record("response", "<urn:uuid:r4>", "http://h.test/e", t0, "application/http;msgtype=response", nil, []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello"))
	w.Record("response", "<urn:uuid:dns>", "dns:h.test", t0, "text/dns", nil, []byte("h.test. 60 IN A 127.0.0.1\n"))
	w.Record("metadata", "<urn:uuid:m>", "http://h.test/e", t0, "application/warc-fields", nil, []byte("outlink: x\r\n"))
	w.Record("revisit", "<urn:uuid:v>", "http://h.test/e", t0, "application/http;msgtype=response", nil, []byte("HTTP/1.1 200 OK\r\n\r\n"))
	w.Close()

	recs, errs, st := readWARC(t, buf.Bytes())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(recs) != 4 {
		t.Fatalf("%d envelopes, want 4:\n%s", len(recs), strings.Join(recs, "\n"))
	}
	for _, want := range []string{
		`"natural_key":"GET http://h.test/a.json?a=1&b=2"`,
		`"headers":[{"name":"Host","value":"h.test"},{"name":"Cookie","value":"sid=s3cret"}]`,
		`"body_format":"json","body":{"n":1.50},"decoded":["chunked","gzip"]`,
		`"observed_at_utc":"2026-03-04T05:06:07.123Z"`,
		`"capture":"warc:c.warc.gz@` + strconv.Itoa(respAt) + `"`,
	} {
		if !strings.Contains(recs[0], want) {
			t.Errorf("first envelope lacks %s:\n%s", want, recs[0])
		}
	}
	if !strings.Contains(recs[1], `"natural_key":"HEAD http://h.test/b"`) || !strings.Contains(recs[1], `"status":301`) ||
		!strings.Contains(recs[1], `"observed_at_utc":"2026-03-04T05:06:06.123Z"`) {
		t.Errorf("response-first pair:\n%s", recs[1])
	}
	if !strings.Contains(recs[2], `"natural_key":"POST http://h.test/d"`) || !strings.Contains(recs[2], `"body_format":"text","body":"x=1"`) || !strings.Contains(recs[2], `"status":204`) {
		t.Errorf("pair by URI:\n%s", recs[2])
	}
	if !strings.Contains(recs[3], `"request":{"method":"GET","url":"http://h.test/e","query":{},"headers":[]}`) || !strings.Contains(recs[3], `"body":"hello"`) {
		t.Errorf("response alone:\n%s", recs[3])
	}
	if st.Get("skipped") != 4 || st.Get("unpaired") != 1 {
		t.Errorf("skipped %d (want 4: warcinfo, dns, metadata, revisit), unpaired %d (want 1)", st.Get("skipped"), st.Get("unpaired"))
	}
}

// TestWARCWholeFileGzip: records inside one gzip member are named by the
// member's offset and their own within its data.
func TestWARCWholeFileGzip(t *testing.T) {
	var plain bytes.Buffer
	w := capturetest.NewWARCWriter(&plain, false)
	w.Exchange("http://h.test/1", t0, []byte("GET /1 HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\n\r\none"))
	w.Record("request", "<urn:uuid:q2>", "http://h.test/2", t0, "application/http;msgtype=request", nil, []byte("GET /2 HTTP/1.1\r\n\r\n"))
	resp2 := w.Offset()
	w.Record("response", "<urn:uuid:r2>", "http://h.test/2", t0, "application/http;msgtype=response", nil, []byte("HTTP/1.1 200 OK\r\n\r\ntwo"))
	w.Close()
	recs, errs, _ := readWARC(t, gz(plain.Bytes()))
	if len(errs) > 0 || len(recs) != 2 {
		t.Fatalf("%v %v", recs, errs)
	}
	if want := `"capture":"warc:c.warc.gz@0+` + strconv.Itoa(resp2) + `"`; !strings.Contains(recs[1], want) {
		t.Errorf("want %s in\n%s", want, recs[1])
	}
}

// TestWARCCutShort: a crawl cut short keeps every complete exchange and
// ends in one error naming the offset.
func TestWARCCutShort(t *testing.T) {
	var buf bytes.Buffer
	w := capturetest.NewWARCWriter(&buf, true)
	w.Exchange("http://h.test/1", t0, []byte("GET /1 HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\n\r\none"))
	w.Exchange("http://h.test/2", t0, []byte("GET /2 HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\n\r\ntwo"))
	w.Close()
	in := buf.Bytes()[:buf.Len()-10]
	recs, errs, _ := readWARC(t, in)
	if len(recs) != 2 || !strings.Contains(recs[1], `"request":{"method":"GET","url":"http://h.test/2"`) || strings.Contains(recs[1], `"response":{`) {
		t.Fatalf("want exchange 1 and the request of 2 alone, got\n%s", strings.Join(recs, "\n"))
	}
	if len(errs) != 1 || !errors.Is(errs[0], warc.ErrTruncated) || !strings.Contains(errs[0].Error(), "c.warc.gz: offset ") {
		t.Fatalf("errors %v", errs)
	}
}

// TestWARCBadMessage: a record whose block is not HTTP is one item error;
// the records after it still import.
func TestWARCBadMessage(t *testing.T) {
	var buf bytes.Buffer
	w := capturetest.NewWARCWriter(&buf, true)
	w.Record("response", "<urn:uuid:bad>", "http://h.test/x", t0, "application/http;msgtype=response", nil, []byte("NOT HTTP\r\n\r\n"))
	w.Record("response", "<urn:uuid:date>", "http://h.test/y", time.Time{}, "application/http;msgtype=response", [][2]string{{"WARC-Date", "x"}}, []byte("HTTP/1.1 200 OK\r\n\r\n"))
	w.Record("request", "<urn:uuid:q>", "http://h.test/ok", t0, "application/http;msgtype=request", nil, []byte("GET /ok HTTP/1.1\r\n\r\n"))
	w.Record("response", "<urn:uuid:r>", "http://h.test/ok", t0, "application/http;msgtype=response", [][2]string{{"WARC-Truncated", "length"}},
		[]byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nnot gzip"))
	w.Close()
	recs, errs, _ := readWARC(t, buf.Bytes())
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "c.warc.gz: offset 0: response record: HTTP message: start line") ||
		!strings.Contains(errs[1].Error(), `WARC-Date: not a W3C-ISO8601 time: "x"`) {
		t.Fatalf("errors %v", errs)
	}
	if len(recs) != 1 {
		t.Fatalf("%d envelopes, want 1", len(recs))
	}
	if !strings.Contains(recs[0], `"body":"not gzip","decode_error":"gzip: unexpected EOF","truncated":"length"}`) {
		t.Errorf("undecodable body:\n%s", recs[0])
	}
}

// warcSeeds are FuzzCapture's WARC cases: a good crawl (chunked and gzip
// bodies, both pairing orders) per record and gzipped whole, and the same
// cut short in a gzip member, with a Content-Length too short and too long,
// with a bad version line, and with a member's bytes corrupted.
func warcSeeds() [][]byte {
	var plain bytes.Buffer
	w := capturetest.NewWARCWriter(&plain, false)
	w.Exchange("http://h.test/a?x=1", t0, []byte("GET /a?x=1 HTTP/1.1\r\nHost: h.test\r\n\r\n"),
		[]byte(chunkedGzipResponse+chunked(gzipBody(`{"n": 1.50}`))))
	w.Record("response", "<urn:uuid:r2>", "http://h.test/b", t0, "application/http;msgtype=response", nil, []byte("HTTP/1.1 301 Moved\r\nLocation: /c\r\n\r\n"))
	w.Record("request", "<urn:uuid:q2>", "http://h.test/b", t0, "application/http;msgtype=request", [][2]string{{"WARC-Concurrent-To", "<urn:uuid:r2>"}}, []byte("GET /b HTTP/1.1\r\n\r\n"))
	w.Close()
	var perRecord bytes.Buffer
	w = capturetest.NewWARCWriter(&perRecord, true)
	w.Exchange("http://h.test/a", t0, []byte("GET /a HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\nxx"))
	w.Exchange("http://h.test/b", t0, []byte("GET /b HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\n\r\nhi"))
	w.Close()
	p, g := plain.Bytes(), perRecord.Bytes()
	corrupt := append([]byte{}, g...)
	for i := 20; i < 40; i++ {
		corrupt[i] ^= 0x5a
	}
	return [][]byte{
		p, g, gz(p),
		g[:len(g)-7], g[:len(g)/2], gz(p)[:len(gz(p))/2],
		withLength(p, "20"), withLength(p, "999"),
		bytes.Replace(p, []byte("WARC/1.1"), []byte("WARX/1.1"), 1),
		corrupt,
	}
}

// withLength sets the first record's Content-Length to n.
func withLength(warc []byte, n string) []byte {
	i := bytes.Index(warc, []byte("Content-Length: ")) + len("Content-Length: ")
	j := i + bytes.IndexByte(warc[i:], '\r')
	return append(append(append([]byte{}, warc[:i]...), n...), warc[j:]...)
}
