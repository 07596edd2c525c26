package capturetest

import (
	"bytes"
	"embed"
	"net/http"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// site is what the server serves: its own copy of every body, which the
// tests compare the captured envelopes with.
//
//go:embed site
var site embed.FS

// The secrets the captures carry (planted by the page, the server's
// cookie and the wget command line); xr-redact must catch every one.
const (
	BearerToken   = "planted-bearer-secret-2b8e41" // Authorization: Bearer …
	SessionCookie = "planted-cookie-secret-91d0c6" // Set-Cookie / Cookie: session=…
	URLSecret     = "planted-url-secret-7f3a9c"    // ?api_key=…
	PrivatePath   = "/api/private?page=2&api_key=" + URLSecret
)

// Resource is one thing the server serves.
type Resource struct {
	Path   string // request path (and query)
	Status int
	Type   string // Content-Type
	File   string // the body's file in site/ ("" for none)
	How    string // "gzip": Content-Encoding gzip; "chunked": no length, flushed in parts
}

// Resources lists every URL of the site, in the order the page fetches them.
var Resources = []Resource{
	{Path: "/index.html", Status: 200, Type: "text/html; charset=utf-8", File: "index.html"},
	{Path: "/data.json", Status: 200, Type: "application/json", File: "data.json"},
	{Path: "/gz.json", Status: 200, Type: "application/json", File: "gz.json", How: "gzip"},
	{Path: "/chunked.txt", Status: 200, Type: "text/plain; charset=utf-8", File: "chunked.txt", How: "chunked"},
	{Path: "/redirect", Status: 302, Type: "text/html; charset=utf-8"},
	{Path: "/data.json?from=redirect", Status: 200, Type: "application/json", File: "data.json"},
	{Path: "/image.bin", Status: 200, Type: "application/octet-stream", File: "image.bin"},
	{Path: PrivatePath, Status: 200, Type: "application/json", File: "private.json"},
}

// Body is the server's own copy of a resource's body (decoded).
func Body(file string) []byte {
	b, err := site.ReadFile(path.Join("site", file))
	if err != nil {
		panic(err)
	}
	return b
}

// Lookup finds the resource served for a request path with its query.
func Lookup(pathQuery string) (Resource, bool) {
	for _, r := range Resources {
		if r.Path == pathQuery {
			return r, true
		}
	}
	return Resource{}, false
}

// Handler serves the site. Every response is deterministic but for the
// Date header.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		res, ok := Lookup(req.URL.RequestURI())
		if !ok {
			// the private resource wants its key in any parameter order
			if req.URL.Path == "/api/private" && req.URL.Query().Get("api_key") == URLSecret {
				res, ok = Lookup(PrivatePath)
			}
		}
		if !ok {
			http.NotFound(w, req)
			return
		}
		h := w.Header()
		h.Set("Content-Type", res.Type)
		if res.File == "index.html" {
			h.Add("Set-Cookie", "session="+SessionCookie+"; Path=/; HttpOnly")
		}
		if res.Status == http.StatusFound {
			h.Set("Location", "/data.json?from=redirect")
			w.WriteHeader(res.Status)
			return
		}
		body := Body(res.File)
		switch res.How {
		case "gzip":
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(body)
			zw.Close()
			h.Set("Content-Encoding", "gzip")
			h.Set("Vary", "Accept-Encoding")
			w.WriteHeader(res.Status)
			w.Write(buf.Bytes())
		case "chunked":
			// no Content-Length and a flush per part: Go's server sends it
			// chunked (HTTP/1.1)
			w.WriteHeader(res.Status)
			parts := strings.SplitAfter(string(body), "\n")
			for i := 0; i < len(parts); i += 10 {
				w.Write([]byte(strings.Join(parts[i:min(i+10, len(parts))], "")))
				w.(http.Flusher).Flush()
			}
		default:
			w.WriteHeader(res.Status)
			w.Write(body)
		}
	})
}

// WgetURLs are the URLs wget fetches: every resource but the one the
// redirect leads to (wget follows it itself), index.html first so that its
// cookie goes with the rest.
func WgetURLs(base string) []string {
	var urls []string
	for _, r := range Resources {
		if r.Path != "/data.json?from=redirect" {
			urls = append(urls, base+r.Path)
		}
	}
	return urls
}

// WgetArgs is the wget command line that records the site into
// prefix.warc.gz (one gzip member per record), with the bearer token
// planted as a header; wget keeps the session cookie itself.
func WgetArgs(base, prefix string) []string {
	// no wgetrc and no proxy: the site is on loopback, whatever the
	// machine's settings say
	args := []string{"--no-config", "--no-proxy", "--warc-file=" + prefix, "--no-verbose", "--tries=1", "--timeout=20",
		"--output-document=/dev/null", "--header=Authorization: Bearer " + BearerToken}
	return append(args, WgetURLs(base)...)
}
