package scripts_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/internal/capturetest"
	"github.com/xr-lake/xr/pkg/capture"
)

// capturedEnvelope is what the capture tests read of an envelope.
type capturedEnvelope struct {
	ExchangeType string `json:"exchange_type"`
	SourceSystem string `json:"source_system"`
	EntityType   string `json:"entity_type"`
	NaturalKey   string `json:"natural_key"`
	Request      struct {
		Method  string `json:"method"`
		URL     string `json:"url"`
		Headers []struct{ Name, Value string }
	} `json:"request"`
	Response *struct {
		Status     int             `json:"status"`
		BodyFormat string          `json:"body_format"`
		Body       json.RawMessage `json:"body"`
		Decoded    []string        `json:"decoded"`
		DecodeErr  string          `json:"decode_error"`
	} `json:"response"`
	ObservedAt string `json:"observed_at_utc"`
	Provenance struct {
		Capture string `json:"capture"`
	} `json:"provenance"`
}

// requireWget finds wget; scripts/test installs it and sets
// XR_REQUIRE_WGET=1, so there a missing wget fails the test.
func requireWget(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("wget"); err != nil {
		if os.Getenv("XR_REQUIRE_WGET") == "1" {
			t.Fatal("wget not found, and XR_REQUIRE_WGET=1: the live WARC capture cannot run")
		}
		t.Skip("wget not found: the live WARC capture needs it (scripts/test installs it)")
	}
}

// TestCaptureWget records the capture site with Debian's wget
// --warc-file, imports the WARC, and checks every envelope against what
// the server sent; then the planted secrets are redacted and the stream
// hashes and verifies.
func TestCaptureWget(t *testing.T) {
	requireWget(t)
	srv := httptest.NewServer(capturetest.Handler())
	defer srv.Close()
	dir := t.TempDir()
	start := time.Now().UTC().Truncate(time.Second)
	cmd := exec.Command("wget", capturetest.WgetArgs(srv.URL, "crawl")...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wget: %v\n%s", err, out)
	}
	end := time.Now().UTC()
	out, stderr := canonFrom(t, dir, "warc", "crawl.warc.gz")
	// wget writes warcinfo first, and its log as a metadata record and
	// two resource records at the end
	if !strings.Contains(stderr, "8 read, 8 written, 4 skipped, 0 unpaired") {
		t.Errorf("summary: %s", stderr)
	}
	envs := checkCaptured(t, out, srv.URL, "warc:crawl.warc.gz@", nil)
	for _, e := range envs {
		at, err := time.Parse(time.RFC3339Nano, e.ObservedAt)
		if err != nil || at.Before(start) || at.After(end) {
			t.Errorf("%s: observed_at_utc %s not the WARC-Date of the wget run (%s .. %s)", e.Request.URL, e.ObservedAt, start, end)
		}
		if !bytes.Contains([]byte(e.ObservedAt), []byte("Z")) {
			t.Errorf("observed_at_utc %s not in UTC", e.ObservedAt)
		}
	}
	checkRedactHash(t, out)
}

// checkCaptured checks the envelopes of one capture of the site: one per
// resource, each with the status, the body (as the server's own copy has
// it), the codings undone, the default type, source, entity and key, and
// provenance naming the capture. observed, when set, gives the capture's
// own time of each envelope (by its provenance) to compare with.
func checkCaptured(t *testing.T, out []byte, base, prov string, observed func(capture string) time.Time) []capturedEnvelope {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	var envs []capturedEnvelope
	seen := map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var e capturedEnvelope
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		envs = append(envs, e)
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			t.Errorf("request url %q: %v", e.Request.URL, err)
			continue
		}
		res, ok := capturetest.Lookup(u.RequestURI())
		if !ok {
			t.Errorf("an envelope for %s, which the site does not serve", e.Request.URL)
			continue
		}
		seen[res.Path] = true
		where := res.Path
		if e.ExchangeType != "http" || e.SourceSystem != host || e.EntityType != "resource" {
			t.Errorf("%s: type/source/entity %q %q %q, want http %q resource", where, e.ExchangeType, e.SourceSystem, e.EntityType, host)
		}
		if want := "GET " + capture.NaturalURL(base+res.Path); e.NaturalKey != want || e.Request.Method != "GET" {
			t.Errorf("%s: natural_key %q, want %q", where, e.NaturalKey, want)
		}
		if !strings.HasPrefix(e.Provenance.Capture, prov) {
			t.Errorf("%s: provenance.capture %q, want %s…", where, e.Provenance.Capture, prov)
		}
		if observed != nil {
			want := observed(e.Provenance.Capture)
			at, err := time.Parse(time.RFC3339Nano, e.ObservedAt)
			if err != nil || !at.Equal(want) || !strings.HasSuffix(e.ObservedAt, "Z") {
				t.Errorf("%s: observed_at_utc %s, want the capture's %s in UTC", where, e.ObservedAt, want)
			}
		}
		if e.Response == nil || e.Response.Status != res.Status {
			t.Errorf("%s: response %+v, want status %d", where, e.Response, res.Status)
			continue
		}
		if e.Response.DecodeErr != "" {
			t.Errorf("%s: decode_error %s", where, e.Response.DecodeErr)
		}
		checkBody(t, where, e.Response.BodyFormat, e.Response.Body, res.File)
		if prov[:5] == "warc:" {
			want := map[string]string{"gzip": "gzip", "chunked": "chunked"}[res.How]
			if strings.Join(e.Response.Decoded, ",") != want {
				t.Errorf("%s: decoded %v, want [%s]", where, e.Response.Decoded, want)
			}
		}
	}
	for _, r := range capturetest.Resources {
		if !seen[r.Path] {
			t.Errorf("no envelope for %s", r.Path)
		}
	}
	if len(envs) != len(capturetest.Resources) {
		t.Errorf("%d envelopes, want %d (one a resource)", len(envs), len(capturetest.Resources))
	}
	return envs
}

// checkBody compares a captured body with the server's own copy.
func checkBody(t *testing.T, where, format string, body json.RawMessage, file string) {
	t.Helper()
	if file == "" {
		if format != "" || len(body) != 0 {
			t.Errorf("%s: a body (%s) where the server sent none", where, format)
		}
		return
	}
	want := capturetest.Body(file)
	var got []byte
	switch format {
	case "json":
		var buf bytes.Buffer
		if err := json.Compact(&buf, want); err != nil {
			t.Fatal(err)
		}
		want = buf.Bytes()
		got = body
	case "text":
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		got = []byte(s)
	case "base64":
		var s string
		json.Unmarshal(body, &s)
		var err error
		if got, err = base64.StdEncoding.DecodeString(s); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
	default:
		t.Errorf("%s: body_format %q", where, format)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: body differs from the server's own copy %s:\n got %.200q\nwant %.200q", where, file, got, want)
	}
}

// checkRedactHash: xr-redact catches every planted secret (header, cookie,
// URL), then xr-hash sets the hashes and xr-hash --verify accepts them.
func checkRedactHash(t *testing.T, envelopes []byte) {
	t.Helper()
	// the whole stream: the HTTP default natural_key holds the URL,
	// ?api_key=… included
	redacted := pipe(t, envelopes, "xr-redact")
	for _, s := range []string{capturetest.BearerToken, capturetest.SessionCookie, capturetest.URLSecret} {
		if bytes.Contains(redacted, []byte(s)) {
			t.Errorf("xr-redact left the planted secret %s in the capture", s)
		}
		if !bytes.Contains(envelopes, []byte(s)) {
			t.Errorf("the capture lacks the planted secret %s: the redaction check proves nothing", s)
		}
	}
	hashed := pipe(t, redacted, "xr-hash")
	pipe(t, hashed, "xr-hash", "--verify")
}

// canonFrom runs xr-canon --from format file in dir.
func canonFrom(t *testing.T, dir, format, file string) (stdout []byte, stderr string) {
	t.Helper()
	cmd := exec.Command("xr-canon", "--from", format, file)
	cmd.Dir = dir
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xr-canon --from %s: %v\n%s", format, err, errb.String())
	}
	return out, errb.String()
}

func pipe(t *testing.T, in []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestCaptureChromiumHAR imports the HAR that headless Chromium wrote of
// the capture site (examples/browser.har, made by scripts/capture-fixtures
// through playwright-core's recordHar) and checks every envelope against
// the server's own bodies, the times against the HAR's startedDateTime,
// the planted secrets against xr-redact, and the hashes.
func TestCaptureChromiumHAR(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "examples", "browser.har"))
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Creator struct{ Name string }
			Browser struct{ Name string }
			Entries []struct {
				Started time.Time `json:"startedDateTime"`
				Request struct{ URL string }
			}
		}
	}
	if err := json.Unmarshal(raw, &har); err != nil {
		t.Fatal(err)
	}
	if har.Log.Creator.Name != "Playwright" || har.Log.Browser.Name != "chromium" || len(har.Log.Entries) == 0 {
		t.Fatalf("examples/browser.har is not Chromium's (creator %q, browser %q, %d entries)", har.Log.Creator.Name, har.Log.Browser.Name, len(har.Log.Entries))
	}
	u, _ := url.Parse(har.Log.Entries[0].Request.URL)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "browser.har"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := canonFrom(t, dir, "har", "browser.har")
	observed := func(capture string) time.Time {
		var i int
		if _, err := fmt.Sscanf(capture, "har:browser.har#entries/%d", &i); err != nil || i >= len(har.Log.Entries) {
			t.Errorf("provenance.capture %q names no entry of the HAR", capture)
			return time.Time{}
		}
		return har.Log.Entries[i].Started
	}
	checkCaptured(t, out, "http://"+u.Host, "har:browser.har#entries/", observed)
	checkRedactHash(t, out)
}
