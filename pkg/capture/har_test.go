package capture

import (
	"context"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// readAll runs format name over in and returns the envelopes, the bad
// items (as --rejects would get them) and the error that ended the run.
func readAll(t *testing.T, name, in string, o Options) (recs []string, bad []string, err error) {
	t.Helper()
	f, lerr := Lookup(name)
	if lerr != nil {
		t.Fatal(lerr)
	}
	b := testBuilder(t, o)
	reject := func(line int, raw []byte, err error) error {
		bad = append(bad, err.Error())
		return nil
	}
	err = Each(context.Background(), f, []string{"-"}, strings.NewReader(in), b, xr.NewStats(), reject, func(rec *envelope.Record) error {
		recs = append(recs, encode(t, rec))
		return nil
	})
	return recs, bad, err
}

const harOne = `{"request":{"method":"GET","url":"http://h/a"},"response":{"status":200,"content":{"mimeType":"text/plain","text":"hi"}}}`

func TestHAR(t *testing.T) {
	in := "\xef\xbb\xbf{\"log\": {\"version\":\"1.2\",\"creator\":{\"name\":\"x\",\"v\":[1,{\"a\":\"]}\"}]},\n\"entries\": [\n" +
		harOne + ",\n" +
		`{"startedDateTime":"2026-03-01T10:00:00+01:00","request":{"method":"POST","url":"http://h/b?x=1","postData":{"mimeType":"application/json","text":"{\"q\": 1e2}"}},"response":{"status":201,"headers":[{"name":"Content-Encoding","value":"br"}],"content":{"mimeType":"application/octet-stream","text":"AAEC","encoding":"base64"}}}` + ",\n" +
		`{"request":{"method":"GET","url":"http://h/c","postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"a b","value":"c&d"}]}}}` +
		"\n], \"pages\": []}, \"extra\": null}\n"
	recs, bad, err := readAll(t, "har", in, Options{})
	if err != nil || len(bad) > 0 || len(recs) != 3 {
		t.Fatalf("err %v, bad %v, %d records", err, bad, len(recs))
	}
	for i, want := range []string{
		`"natural_key":"GET http://h/a","request":{"method":"GET","url":"http://h/a","query":{},"headers":[]},"response":{"status":200,"headers":[],"media_type":"text/plain","body_format":"text","body":"hi"},"observed_at_utc":"2026-01-02T03:04:05Z"`,
		`"request":{"method":"POST","url":"http://h/b?x=1","query":{"x":["1"]},"headers":[],"media_type":"application/json","body_format":"json","body":{"q":1e2}},"response":{"status":201,"headers":[{"name":"Content-Encoding","value":"br"}],"media_type":"application/octet-stream","body_format":"base64","body":"AAEC","decoded":["br"]},"observed_at_utc":"2026-03-01T09:00:00Z"`,
		`"media_type":"application/x-www-form-urlencoded","body_format":"text","body":"a+b=c%26d"},"response":null`,
	} {
		if !strings.Contains(recs[i], want) || !strings.Contains(recs[i], `"capture":"har:-#entries/`+string(rune('0'+i))+`"`) {
			t.Errorf("entry %d: %s\nlacks %s", i, recs[i], want)
		}
	}
}

// TestHARErrors: every malformed HAR is one error with its position: a bad
// entry goes to the rejects and the others are read; a broken document
// stops the run.
func TestHARErrors(t *testing.T) {
	for _, c := range []struct {
		name, in string
		bad      string // the one bad item, "" for none
		fatal    string // the error that ends the run, "" for none
		recs     int
	}{
		{"no entries", `{"log":{"version":"1.2","pages":[]}}`, "", "line 1: not a HAR document: no log.entries", 0},
		{"no log", `{"entries":[]}`, "", "not a HAR document: no log.entries", 0},
		{"not an object", `[1]`, "", `line 1 (byte 0): not a HAR document: want a JSON object, found '['`, 0},
		{"empty", ``, "", "empty file", 0},
		{"entries not an array", `{"log":{"entries":{}}}`, "", `log.entries: want '[', found '{'`, 0},
		{"empty entries", `{"log":{"entries":[]}}`, "", "", 0},
		{"truncated in entries", `{"log":{"entries":[` + harOne + `,{"request":{"met`, "", "unexpected end of the file in log.entries (truncated?)", 1},
		{"truncated after entries", `{"log":{"entries":[` + harOne + `]`, "", "line 1 (byte 141): unexpected end of the file in log (truncated?)", 1},
		{"broken member after entries", `{"log":{"entries":[` + harOne + `],"pages" []}}`, "", `log: want ':', found '['`, 1},
		{"garbage after", `{"log":{"entries":[]}} x`, "", `unexpected 'x' after the HAR document`, 0},
		{"bad separator", `{"log":{"entries":[` + harOne + ` ` + harOne + `]}}`, "", `log.entries: want ',' or ']', found '{'`, 1},
		{"entry not an object", "{\"log\":{\"entries\":[\n" + harOne + ",\n\n7]}}", "entries/1 (line 4): want an object, found a number", "", 1},
		{"invalid JSON in an entry", "{\"log\":{\"entries\":[{\"request\":tru}," + harOne + "]}}", "entries/0 (line 1): invalid JSON", "", 1},
		{"no request", `{"log":{"entries":[{"response":{}},` + harOne + `]}}`, "entries/0 (line 1): request: missing", "", 1},
		{"no url", `{"log":{"entries":[{"request":{"method":"GET"}}]}}`, "entries/0 (line 1): request.url: missing", "", 0},
		{"bad type", `{"log":{"entries":[{"request":{"method":"GET","url":"u","headers":{}}}]}}`, "entries/0 (line 1): request.headers: want an array, found an object", "", 0},
		{"bad status", `{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":"x"}}]}}`, "entries/0 (line 1): ", "", 0},
		{"bad time", `{"log":{"entries":[{"startedDateTime":"yesterday","request":{"method":"GET","url":"u"}}]}}`, "entries/0 (line 1): startedDateTime: ", "", 0},
		{"bad base64", `{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":200,"content":{"text":"!!","encoding":"base64"}}}]}}`, "entries/0 (line 1): response.content.text: bad base64", "", 0},
		{"header not an object", `{"log":{"entries":[{"request":{"method":"GET","url":"u","headers":[{"name":"a","value":"b"},"x"]}}]}}`, "entries/0 (line 1): request.headers[1]: want an object, found a string", "", 0},
		{"header value not a string", `{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":200,"headers":[{"name":"a","value":1}]}}]}}`, "entries/0 (line 1): response.headers[0].value: want a string, found a number", "", 0},
		{"status a string", `{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":"200"}}]}}`, "entries/0 (line 1): response.status: want a number, found a string", "", 0},
		{"status a float", `{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":200.5}}]}}`, "entries/0 (line 1): response.status: not an integer: 200.5", "", 0},
		{"post text not a string", `{"log":{"entries":[{"request":{"method":"POST","url":"u","postData":{"text":{}}}}]}}`, "entries/0 (line 1): request.postData.text: want a string, found an object", "", 0},
		{"content text not a string", `{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":200,"content":{"text":[1]}}}]}}`, "entries/0 (line 1): response.content.text: want a string, found an array", "", 0},
		{"request not an object", `{"log":{"entries":[{"request":"GET /"}]}}`, "entries/0 (line 1): request: want an object, found a string", "", 0},
		{"bad encoding", `{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":200,"content":{"text":"x","encoding":"rot13"}}}]}}`, `response.content.encoding: "rot13"`, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, bad, err := readAll(t, "har", c.in, Options{})
			if len(recs) != c.recs {
				t.Errorf("%d records, want %d", len(recs), c.recs)
			}
			switch {
			case c.fatal == "" && err != nil:
				t.Errorf("err = %v", err)
			case c.fatal != "" && (err == nil || !strings.Contains(err.Error(), c.fatal)):
				t.Errorf("err = %v, want %q", err, c.fatal)
			}
			switch {
			case c.bad == "" && len(bad) > 0:
				t.Errorf("bad items %q", bad)
			case c.bad != "" && (len(bad) != 1 || !strings.Contains(bad[0], c.bad)):
				t.Errorf("bad items %q, want one with %q", bad, c.bad)
			}
		})
	}
}

func TestHARTooBig(t *testing.T) {
	big := `{"request":{"method":"GET","url":"http://h/big"},"response":{"status":200,"content":{"text":"` + strings.Repeat("x", 5000) + `"}}}`
	recs, bad, err := readAll(t, "har", `{"log":{"entries":[`+big+`,`+harOne+`]}}`, Options{MaxLine: 4096})
	if err != nil || len(recs) != 1 || len(bad) != 1 || !strings.Contains(bad[0], "entries/0 (line 1): entry longer than 4096 bytes") {
		t.Fatalf("err %v, bad %q, %d records", err, bad, len(recs))
	}
	// the last entry too big: the document's end is still read and checked
	recs, bad, err = readAll(t, "har", `{"log":{"entries":[`+harOne+`,`+big+`]}} x`, Options{MaxLine: 4096})
	if err == nil || !strings.Contains(err.Error(), "after the HAR document") || len(recs) != 1 || len(bad) != 1 {
		t.Fatalf("err %v, bad %q, %d records", err, bad, len(recs))
	}
}
