package redact

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xr-lake/xr/internal/secretcorpus"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

func run(t *testing.T, in string, o Options) (string, *xr.Stats, error) {
	t.Helper()
	var out bytes.Buffer
	st, err := Run(context.Background(), strings.NewReader(in), &out, o)
	return out.String(), st, err
}

func TestRunPassThroughIsByteIdentical(t *testing.T) {
	// odd spacing, escapes, a float lexeme and unknown fields: untouched
	in := `{ "exchange_type" : "http", "source_system":"s","entity_type":"e", "response" : {"t":"caf\u00e9 \/ 1.50","n":1.50E+2}, "zz":[1, 2] ,"content_sha256":"` + strings.Repeat("a", 64) + `"}` + "\n" +
		`{"exchange_type":"http","source_system":"s","entity_type":"e"}` + "\n"
	out, st, err := run(t, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("changed:\n%s\nwant\n%s", out, in)
	}
	if st.Get("read") != 2 || st.Get("written") != 2 || st.Get("redacted") != 0 {
		t.Errorf("stats %s", st.Summary())
	}
}

func TestRunChangedRecord(t *testing.T) {
	in := `{"exchange_type":"http","source_system":"s","entity_type":"e","request":{"headers":{"Cookie":"a=1"}},"response":{"n":1.0,"t":"x"},"content_sha256":"` + strings.Repeat("b", 64) + `","redactions_applied":["zz-manual","header:cookie","zz-manual"],"response_ref":"r","extra":true}` + "\n"
	out, st, err := run(t, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"exchange_type":"http","source_system":"s","entity_type":"e","request":{"headers":{"Cookie":"[REDACTED]"}},"response":{"n":1.0,"t":"x"},"redactions_applied":["zz-manual","header:cookie"],"response_ref":"r","extra":true}` + "\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if st.Get("redacted") != 1 {
		t.Errorf("stats %s", st.Summary())
	}
}

func TestAppendApplied(t *testing.T) {
	for _, c := range []struct{ old, want string }{
		{"", `["a","b"]`},
		{"null", `["a","b"]`},
		{`[]`, `["a","b"]`},
		{`["z", "b"]`, `["z","b","a"]`},
		{`["b","a"]`, `["b","a"]`},
		{`["\u00e9"]`, `["é","a","b"]`},
	} {
		got := appendApplied(nil, []byte(c.old), []string{"b", "a"})
		if string(got) != c.want {
			t.Errorf("%s: got %s, want %s", c.old, got, c.want)
		}
	}
}

func TestRunCheck(t *testing.T) {
	in := `{"exchange_id":"0f8fad5b-d9cb-469f-a165-70867728950e","exchange_type":"http","source_system":"s","entity_type":"e","request":{"url":"https://h/?token=tok-123&a=1"},"response":{"password":"hunter2"}}` + "\n" +
		`{"exchange_type":"http","source_system":"s","entity_type":"e","response":{"ok":1}}` + "\n"
	var got []string
	out, st, err := run(t, in, Options{Check: true, OnFinding: func(f Finding) { got = append(got, f.String()) }})
	if !errors.Is(err, xr.ErrMismatch) || !strings.Contains(err.Error(), "1 of 2 records hold secrets") {
		t.Fatalf("err = %v", err)
	}
	if out != "" {
		t.Errorf("--check wrote %q", out)
	}
	want := []string{
		"line 1: exchange_id 0f8fad5b-d9cb-469f-a165-70867728950e: /request/url: url:query:token",
		"line 1: exchange_id 0f8fad5b-d9cb-469f-a165-70867728950e: /response/password: key:password",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q\nwant %q", got, want)
	}
	for _, g := range got {
		if strings.Contains(g, "hunter2") || strings.Contains(g, "tok-123") {
			t.Errorf("finding shows the secret: %s", g)
		}
	}
	if st.Get("written") != 0 || st.Get("redacted") != 1 {
		t.Errorf("stats %s", st.Summary())
	}
	// clean input passes the check
	if _, _, err := run(t, `{"exchange_type":"a","source_system":"b","entity_type":"c"}`+"\n", Options{Check: true}); err != nil {
		t.Errorf("clean check: %v", err)
	}
}

func TestRunDisabledPolicy(t *testing.T) {
	in := `{"exchange_type":"http","source_system":"s","entity_type":"e","response":{"password":"hunter2"}}` + "\n"
	out, st, err := run(t, in, Options{Policy: &manifest.RedactionPolicy{Enabled: false}})
	if err != nil || out != in || st.Get("redacted") != 0 {
		t.Errorf("disabled policy: %v %q %s", err, out, st.Summary())
	}
}

func TestRunBadLine(t *testing.T) {
	in := "{\"exchange_type\":\"http\",\"source_system\":\"s\",\"entity_type\":\"e\"}\n{\"exchange_type\":\n{\"exchange_type\":\"http\",\"source_system\":\"s\",\"entity_type\":\"e\"}\n"
	_, _, err := run(t, in, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "line 2: ") {
		t.Errorf("err = %v", err)
	}
	var rejected []int
	out, st, err := run(t, in, Options{Reject: func(line int, raw []byte, err error) error { rejected = append(rejected, line); return nil }})
	if err != nil || strings.Count(out, "\n") != 2 || !slices.Equal(rejected, []int{2}) || st.Get("rejected") != 1 {
		t.Errorf("rejects: %v %q %v %s", err, out, rejected, st.Summary())
	}
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, strings.NewReader("{}\n"), &bytes.Buffer{}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestNewInvalidPattern(t *testing.T) {
	_, err := New(Options{Policy: &manifest.RedactionPolicy{Enabled: true, Patterns: []string{"ok", "a(b"}}})
	var ue *xr.UsageError
	if !errors.As(err, &ue) || err.Error() != `redaction_policy.patterns[1]: invalid Go regular expression "a(b": missing closing )` {
		t.Errorf("err = %v", err)
	}
	_, err = New(Options{Patterns: []string{"x{2,1}"}})
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), `--pattern: invalid Go regular expression "x{2,1}": `) {
		t.Errorf("err = %v", err)
	}
}

func TestCustomPatternsAndHeaders(t *testing.T) {
	r, err := New(Options{
		NoDefaults: true,
		Policy:     &manifest.RedactionPolicy{Enabled: true, HeadersToRedact: []string{"X-Tenant-Key"}, Patterns: []string{`acct-(\d{4,})`}},
		Headers:    []string{" Cookie "},
		Patterns:   []string{`(?i)internal-[a-z]+`},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := `{"headers":{"x-tenant-key":"k","cookie":"c","authorization":"Basic ` + basicCred + `"},"t":"acct-123456 and INTERNAL-Zeta and acct-12","raw":"GET / HTTP/1.1\nX-Tenant-Key: abc\n","password":"kept with --no-defaults"}`
	out, finds, err := r.Value([]byte(in), "/request")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"headers":{"x-tenant-key":"[REDACTED]","cookie":"[REDACTED]","authorization":"Basic ` + basicCred + `"},"t":"acct-[REDACTED] and [REDACTED] and acct-12","raw":"GET / HTTP/1.1\nX-Tenant-Key: [REDACTED]\n","password":"kept with --no-defaults"}`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	var ids []string
	for _, f := range finds {
		ids = append(ids, f.Rule)
	}
	if want := []string{"header:x-tenant-key", "header:cookie", "custom:1", "custom:2", "header:x-tenant-key"}; !slices.Equal(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
}

func TestValueInvalidJSON(t *testing.T) {
	r, _ := New(Options{})
	if _, _, err := r.Value([]byte(`{"a":`), "/response"); err == nil {
		t.Error("invalid JSON accepted")
	}
}

func FuzzValue(f *testing.F) {
	for _, c := range corpus {
		f.Add([]byte(c.in))
	}
	for _, l := range lookalikes {
		f.Add([]byte(l))
	}
	for _, c := range ruleCases() { // a firing example and a look-alike of every rule
		f.Add([]byte(c.fire))
		f.Add([]byte(c.lookalike))
	}
	r, err := New(Options{Patterns: []string{`x(y+)z`}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if jsonscan.Valid(in) != nil {
			return
		}
		out, _, err := r.Value(in, "/response")
		if err != nil {
			t.Fatal(err)
		}
		if err := jsonscan.Valid(out); err != nil {
			t.Fatalf("invalid output %q from %q: %v", out, in, err)
		}
		again, finds, _ := r.Value(out, "/response")
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, finds)
		}
	})
}

// A changed record keeps every byte but the redacted strings,
// content_sha256 and redactions_applied.
func TestRunSplice(t *testing.T) {
	h := `"content_sha256": "` + strings.Repeat("c", 64) + `"`
	for _, c := range []struct{ name, in, want string }{
		{"reference separators",
			`{"exchange_type": "http", "source_system": "s", "entity_type": "e", "request": {"headers": {"Cookie": "a=1"}}, "response": {"n": 1.50}, ` + h + `, "tags": [], "redactions_applied": [], "response_ref": null}`,
			`{"exchange_type": "http", "source_system": "s", "entity_type": "e", "request": {"headers": {"Cookie": "[REDACTED]"}}, "response": {"n": 1.50}, "tags": [], "redactions_applied": ["header:cookie"], "response_ref": null}`},
		{"hash first, applied absent, unknown member",
			`{` + h + `,"exchange_type":"http","source_system":"s","entity_type":"e","response":{"password":"p"},"zz":{"a":1}}`,
			`{"exchange_type":"http","source_system":"s","entity_type":"e","response":{"password":"[REDACTED]"},"redactions_applied":["key:password"],"zz":{"a":1}}`},
		{"hash last, applied absent at the end, spaces kept",
			"{ \"exchange_type\" : \"http\" ,\"source_system\":\"s\",\"entity_type\":\"e\",\"response\":{\"password\":\"p\"}," + h + " }",
			"{ \"exchange_type\" : \"http\" ,\"source_system\":\"s\",\"entity_type\":\"e\",\"response\":{\"password\":\"[REDACTED]\"},\"redactions_applied\":[\"key:password\"] }"},
		{"applied null, response_ref after hash",
			`{"exchange_type":"http","source_system":"s","entity_type":"e","request":"Authorization: Basic ` + basicCred + `",` + h + `,"redactions_applied":null,"response_ref":"r"}`,
			`{"exchange_type":"http","source_system":"s","entity_type":"e","request":"Authorization: [REDACTED]","redactions_applied":["header:authorization"],"response_ref":"r"}`},
		{"unknown member first",
			`{"zz":1,"exchange_type":"http","source_system":"s","entity_type":"e","response":{"secret":"x"}}`,
			`{"zz":1,"exchange_type":"http","source_system":"s","entity_type":"e","response":{"secret":"[REDACTED]"},"redactions_applied":["key:secret"]}`},
		{"only unknown before",
			`{"zz":1,"response_ref":"r","exchange_type":"http","source_system":"s","entity_type":"e","response":{"secret":"x"},"zy":2}`,
			`{"zz":1,"response_ref":"r","exchange_type":"http","source_system":"s","entity_type":"e","response":{"secret":"[REDACTED]"},"redactions_applied":["key:secret"],"zy":2}`},
		{"repeated response: re-encoded",
			`{"exchange_type":"http","source_system":"s","entity_type":"e","response":{"a":1}, "response":{"secret":"x"}}`,
			`{"exchange_type":"http","source_system":"s","entity_type":"e","response":{"secret":"[REDACTED]"},"redactions_applied":["key:secret"]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := run(t, c.in+"\n", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if out != c.want+"\n" {
				t.Errorf("got\n%s\nwant\n%s", out, c.want)
			}
			if err := jsonscan.Valid([]byte(out)); err != nil {
				t.Error(err)
			}
		})
	}
}

// FuzzRun: whatever line the reader accepts comes out as a valid envelope,
// and a second run changes nothing.
func FuzzRun(f *testing.F) {
	h := `"content_sha256":"` + strings.Repeat("c", 64) + `"`
	f.Add(`{"exchange_type":"http","source_system":"s","entity_type":"e","request":{"headers":{"Cookie":"a=1"}},` + h + `,"redactions_applied":["x"],"zz":1}`)
	f.Add(`{ "zz" : 1 , ` + h + ` , "exchange_type":"h","source_system":"s","entity_type":"e","response":"password=p&x=1" }`)
	f.Add(`{"exchange_type":"h","source_system":"s","entity_type":"e","response":{"a":1},"response":{"token":"tok-12345678"},"response_ref":null}`)
	for i, r := range secretcorpus.Generate(1) { // every position, many kinds
		if i%37 == 0 {
			f.Add(r.Line)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") {
			return
		}
		var out bytes.Buffer
		if _, err := Run(context.Background(), strings.NewReader(line+"\n"), &out, Options{}); err != nil {
			return // the reader refused the line
		}
		first := out.String()
		if first != "" {
			if err := jsonscan.Valid([]byte(first)); err != nil || strings.Count(first, "\n") != 1 {
				t.Fatalf("invalid output %q from %q: %v", first, line, err)
			}
		}
		var again bytes.Buffer
		if _, err := Run(context.Background(), strings.NewReader(first), &again, Options{}); err != nil {
			t.Fatalf("output %q refused: %v", first, err)
		}
		if again.String() != first {
			t.Fatalf("second run changed %q to %q", first, again.String())
		}
	})
}

// A natural_key built from a request (capture tools key HTTP exchanges by
// method and URL) holds the URL's secrets: they are redacted there too,
// only the secret; a non-string natural_key is left alone.
func TestRunNaturalKey(t *testing.T) {
	in := `{"exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"GET https://h/p?api_key=k3y-S3cret&page=1","request":{"url":"https://h/p?page=1"}}` + "\n" +
		`{"exchange_type":"http","source_system":"s","entity_type":"e","natural_key":12345,"response":{"ok":true}}` + "\n"
	out, st, err := run(t, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"GET https://h/p?api_key=[REDACTED]&page=1","request":{"url":"https://h/p?page=1"},"redactions_applied":["url:query:api_key"]}` + "\n" +
		`{"exchange_type":"http","source_system":"s","entity_type":"e","natural_key":12345,"response":{"ok":true}}` + "\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if st.Get("redacted") != 1 {
		t.Errorf("stats %s", st.Summary())
	}
	var got []string
	_, _, err = run(t, in, Options{Check: true, OnFinding: func(f Finding) { got = append(got, f.String()) }})
	if !errors.Is(err, xr.ErrMismatch) || !slices.Equal(got, []string{"line 1: /natural_key: url:query:api_key"}) {
		t.Errorf("check: %v %q", err, got)
	}
}
