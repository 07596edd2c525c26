package httpmsg

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

const body = `{"name":"Zoë","n":[1,2.50,3]}`

func enc(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch coding {
	case "gzip":
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "deflate":
		w := zlib.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "rawdeflate":
		w, _ := flate.NewWriter(&buf, 5)
		w.Write(b)
		w.Close()
	case "br":
		w := brotli.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "zstd":
		w, _ := zstd.NewWriter(&buf)
		w.Write(b)
		w.Close()
	}
	return buf.Bytes()
}

func chunk(b []byte, size int) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(size, len(b))
		out = append(out, strconv.FormatInt(int64(n), 16)+";ext=1\r\n"...)
		out = append(out, b[:n]...)
		out = append(out, "\r\n"...)
		b = b[n:]
	}
	return append(out, "0\r\nX-Trailer: t\r\n\r\n"...)
}

func response(headers string, b []byte) []byte {
	return append([]byte("HTTP/1.1 200 OK\r\n"+headers+"\r\n"), b...)
}

func TestDecodings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers string
		body    []byte
		decoded string
	}{
		{"identity", "Content-Type: application/json\r\n", []byte(body), ""},
		{"gzip", "Content-Encoding: gzip\r\n", enc(t, "gzip", []byte(body)), "gzip"},
		{"x-gzip", "Content-Encoding: X-Gzip\r\n", enc(t, "gzip", []byte(body)), "x-gzip"},
		{"deflate (zlib)", "Content-Encoding: deflate\r\n", enc(t, "deflate", []byte(body)), "deflate"},
		{"deflate (raw)", "Content-Encoding: deflate\r\n", enc(t, "rawdeflate", []byte(body)), "deflate"},
		{"br", "Content-Encoding: br\r\n", enc(t, "br", []byte(body)), "br"},
		{"zstd", "Content-Encoding: zstd\r\n", enc(t, "zstd", []byte(body)), "zstd"},
		{"chunked", "Transfer-Encoding: chunked\r\n", chunk([]byte(body), 7), "chunked"},
		{"chunked gzip", "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n", chunk(enc(t, "gzip", []byte(body)), 5), "chunked,gzip"},
		{"two codings", "Content-Encoding: gzip, br\r\n", enc(t, "br", enc(t, "gzip", []byte(body))), "br,gzip"},
		{"identity listed", "Content-Encoding: identity\r\n", []byte(body), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(response(tc.headers, tc.body), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Body) != body {
				t.Errorf("body %q", m.Body)
			}
			if got := strings.Join(m.Decoded, ","); got != tc.decoded {
				t.Errorf("decoded %q, want %q", got, tc.decoded)
			}
			if m.DecodeError != "" {
				t.Errorf("decode error %q", m.DecodeError)
			}
			if m.Status != 200 || m.Reason != "OK" || m.Proto != "HTTP/1.1" {
				t.Errorf("status line %+v", m)
			}
		})
	}
}

// A coding that cannot be undone keeps the captured bytes and says why.
func TestKeptAsCaptured(t *testing.T) {
	gzBody := enc(t, "gzip", []byte(body))
	for _, tc := range []struct {
		name, headers string
		body          []byte
		want          []byte
		decoded, err  string
	}{
		{"truncated gzip", "Content-Encoding: gzip\r\n", gzBody[:len(gzBody)-6], gzBody[:len(gzBody)-6], "", "gzip: unexpected EOF"},
		{"unknown coding", "Content-Encoding: compress\r\n", []byte("xyz"), []byte("xyz"), "", "compress: unknown content coding"},
		{"cut chunk", "Transfer-Encoding: chunked\r\n", []byte("10\r\nabc"), []byte("10\r\nabc"), "", "chunked: chunk of 16 bytes cut short"},
		{"bad chunk size", "Transfer-Encoding: chunked\r\n", []byte("zz\r\nabc\r\n0\r\n\r\n"), []byte("zz\r\nabc\r\n0\r\n\r\n"), "", "chunked: bad chunk size"},
		{"undone before the failing one", "Content-Encoding: compress, gzip\r\n", enc(t, "gzip", []byte("xyz")), []byte("xyz"), "gzip", "compress: unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(response(tc.headers, tc.body), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Body, tc.want) {
				t.Errorf("body %q, want %q", m.Body, tc.want)
			}
			if strings.Join(m.Decoded, ",") != tc.decoded {
				t.Errorf("decoded %v", m.Decoded)
			}
			if !strings.Contains(m.DecodeError, tc.err) {
				t.Errorf("decode error %q, want %q", m.DecodeError, tc.err)
			}
		})
	}
}

func TestBomb(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 1<<20)
	_, err := Parse(response("Content-Encoding: gzip\r\n", enc(t, "gzip", big)), 1000)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v, want ErrTooLarge", err)
	}
}

func TestRequest(t *testing.T) {
	m, err := Parse([]byte("POST /api?b=2&a=1 HTTP/1.1\r\nHost: example.org\r\nCookie: s=1\r\nX-Folded: a\r\n b\r\n\r\n{}"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Method != "POST" || m.Target != "/api?b=2&a=1" || m.Proto != "HTTP/1.1" || string(m.Body) != "{}" {
		t.Errorf("%+v", m)
	}
	if m.Header[1].Name != "Cookie" || m.Get("x-folded") != "a b" || len(m.Header) != 3 {
		t.Errorf("header %+v", m.Header)
	}
}

func TestBadMessages(t *testing.T) {
	for _, in := range []string{
		"",
		"GARBAGE\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x",
	} {
		if _, err := Parse([]byte(in), 0); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
