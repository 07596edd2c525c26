package capture

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
)

func testBuilder(t *testing.T, o Options) *Builder {
	t.Helper()
	o.Provenance = Provenance{RunnerName: "xr-canon", Host: "h", ConnectorVersion: "1"}
	o.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	b, err := NewBuilder(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encode(t *testing.T, rec *envelope.Record) string {
	t.Helper()
	var buf bytes.Buffer
	w := envelope.NewWriter(&buf, false)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestNaturalURL(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://API.Example.com/v1/Items?b=2&a=1&a=0#frag": "https://api.example.com/v1/Items?a=0&a=1&b=2",
		"http://h":                   "http://h",
		"https://u:p%40ss@H.x:8/a?b": "https://h.x:8/a?b",
		"http://h/?":                 "http://h/?",
		"http://h/p?z=%41&z=B&&y":    "http://h/p?y&z=%41&z=B",
		"http://h/p?%zz=1&a=2":       "http://h/p?%zz=1&a=2",
		"/relative?b=1&a=2":          "/relative?a=2&b=1",
		"http://h/p?q=a%26b&q=a&b=":  "http://h/p?b=&q=a&q=a%26b",
	} {
		if got := NaturalURL(in); got != want {
			t.Errorf("NaturalURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTTPEnvelope(t *testing.T) {
	b := testBuilder(t, Options{})
	ex := &Exchange{
		Request: Request{Method: "get", URL: "https://API.example.com/v1/items?page=2&api_key=s3cr%20t&page=3",
			Message: Message{HTTPVersion: "HTTP/1.1", Headers: []Header{{"Accept", "application/json"}, {"Cookie", "a=1"}, {"Cookie", "b=2"}}}},
		Response: &Response{Status: 200, StatusText: "OK", Message: Message{
			Headers: []Header{{"Content-Type", "application/json; charset=utf-8"}},
			Body:    []byte(`{ "n": 1.50, "s": "caf\u00e9" }`), Decoded: []string{"chunked", "gzip"}}},
		Started: time.Date(2026, 5, 6, 7, 8, 9, 0, time.FixedZone("", 3600)),
		Pos:     Position{Format: "har", File: "s.har", Item: "entries/0", Line: 12},
	}
	rec, err := b.HTTP(ex)
	if err != nil {
		t.Fatal(err)
	}
	got := encode(t, rec)
	want := `"exchange_type":"http","source_system":"api.example.com","entity_type":"resource",` +
		`"natural_key":"GET https://api.example.com/v1/items?api_key=s3cr%20t&page=2&page=3",` +
		`"request":{"method":"get","url":"https://API.example.com/v1/items?page=2&api_key=s3cr%20t&page=3","http_version":"HTTP/1.1",` +
		`"query":{"page":["2","3"],"api_key":["s3cr t"]},` +
		`"headers":[{"name":"Accept","value":"application/json"},{"name":"Cookie","value":"a=1"},{"name":"Cookie","value":"b=2"}]},` +
		`"response":{"status":200,"status_text":"OK","headers":[{"name":"Content-Type","value":"application/json; charset=utf-8"}],` +
		`"media_type":"application/json","body_format":"json","body":{"n":1.50,"s":"caf\u00e9"},"decoded":["chunked","gzip"]},` +
		`"observed_at_utc":"2026-05-06T06:08:09Z",` +
		`"provenance":{"runner_name":"xr-canon","host":"h","git_sha":null,"connector_version":"1","capture":"har:s.har#entries/0"},` +
		`"schema_version":1,"tags":[],"redactions_applied":[]}`
	if !strings.HasSuffix(got, want) {
		t.Fatalf("got  %s\nwant …%s", got, want)
	}
}

func TestBodyFormats(t *testing.T) {
	for _, c := range []struct {
		mt   string
		text bool
		body string
		want string
	}{
		{"application/json", false, `[1, 2]`, `,"body_format":"json","body":[1,2]`},
		{"application/problem+json", false, `{"a":1}`, `,"body_format":"json","body":{"a":1}`},
		{"application/json", false, `{"a":`, `,"body_format":"text","body":"{\"a\":"`},
		{"text/html", false, "<p>é</p>", `,"body_format":"text","body":"<p>é</p>"`},
		{"", false, "plain words\n", `,"body_format":"text","body":"plain words\n"`},
		{"", false, "bin\x00ary", `,"body_format":"base64","body":"YmluAGFyeQ=="`},
		{"image/png", false, "\x89PNG", `,"body_format":"base64","body":"iVBORw=="`},
		{"image/png", true, "abc", `,"body_format":"text","body":"abc"`},
		{"text/plain", false, "caf\xe9", `,"body_format":"base64","body":"Y2Fm6Q=="`},
	} {
		got := string(appendBody(nil, []byte(c.body), c.mt, c.text))
		if got != c.want {
			t.Errorf("%q %q: got %s, want %s", c.mt, c.body, got, c.want)
		}
	}
}

func TestBuildDefaultsAndOverrides(t *testing.T) {
	ex := &Exchange{Request: Request{Method: "POST", URL: "http://h:8080/x"}, Pos: Position{Format: "warc", File: "c.warc.gz", Offset: 1234}}
	rec, err := testBuilder(t, Options{SourceSystem: "mine", EntityType: "page", Tags: []string{"replay"}}).HTTP(ex)
	if err != nil {
		t.Fatal(err)
	}
	got := encode(t, rec)
	for _, want := range []string{`"exchange_type":"http","source_system":"mine","entity_type":"page","natural_key":"POST http://h:8080/x"`,
		`"response":null,"observed_at_utc":"2026-01-02T03:04:05Z"`, `"capture":"warc:c.warc.gz@1234"`, `"tags":["replay"]`} {
		if !strings.Contains(got, want) {
			t.Errorf("got %s\nlacks %s", got, want)
		}
	}
	rec, err = testBuilder(t, Options{KeyPointer: "/request/url", TimePointer: "/request/headers/0/value"}).HTTP(&Exchange{
		Request: Request{Method: "GET", URL: "http://h/", Message: Message{Headers: []Header{{"X-Time", "2026-02-03T04:05:06+02:00"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := encode(t, rec); !strings.Contains(got, `"natural_key":"http://h/"`) || !strings.Contains(got, `"observed_at_utc":"2026-02-03T02:05:06Z"`) {
		t.Errorf("--key/--observed-at into the envelope: %s", got)
	}
	for ptr, want := range map[string]string{
		"/response/x":       "--key-at /response/x: no such value in the envelope",
		"/request/headers":  "--key-at /request/headers: want a string or number, found an array",
		"/exchange_type":    "want a pointer into /request or /response",
		"/request/query/no": "no such value",
	} {
		_, err := testBuilder(t, Options{KeyPointer: ptr}).HTTP(&Exchange{Request: Request{Method: "GET", URL: "http://h/"}, Pos: Position{Format: "har", File: "s.har", Item: "entries/3", Line: 40}})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "s.har: entries/3 (line 40): ") {
			t.Errorf("--key-at %s: err = %v, want %q", ptr, err, want)
		}
	}
}

func TestNamesNeeded(t *testing.T) {
	_, err := testBuilder(t, Options{}).Build(&Entry{Pos: Position{Format: "jsonl", File: "-", Line: 3}})
	if err == nil || err.Error() != "line 3: exchange_type: none in the capture: give --type (or -m manifest.json)" {
		t.Fatalf("err = %v", err)
	}
}
