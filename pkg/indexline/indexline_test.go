package indexline

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
)

// referenceIndex is the reference tool's index of the shared reference pack.
const referenceIndex = "../../testdata/reference-pack/index.jsonl"

var h64 = strings.Repeat("a", 64)

// TestBothForms: an entry written in either form parses back to itself;
// the pack form is the reference's byte for byte.
func TestBothForms(t *testing.T) {
	e := Entry{Hash: h64, Key: `s|e|"q"é`, ID: "60bda264-06cc-4793-b4da-22c94920ab31", Time: "2026-01-14T22:00:00+00:00", File: "records/2026/2026-01-14/chunk-0001.ndjson"}
	line := Append(nil, e)
	want := `{"h": "` + e.Hash + `", "k": "s|e|\"q\"é", "id": "60bda264-06cc-4793-b4da-22c94920ab31", "t": "2026-01-14T22:00:00+00:00", "f": "records/2026/2026-01-14/chunk-0001.ndjson"}` + "\n"
	if string(line) != want {
		t.Fatalf("got  %s\nwant %s", line, want)
	}
	compact := `{"h":"` + e.Hash + `","k":"s|e|\"q\"é","id":"60bda264-06cc-4793-b4da-22c94920ab31","t":"2026-01-14T22:00:00+00:00","f":"records/2026/2026-01-14/chunk-0001.ndjson"}` + "\n"
	if got := AppendCompact(nil, e); string(got) != compact {
		t.Fatalf("compact: got  %s\nwant %s", got, compact)
	}
	for _, l := range [][]byte{line, []byte(compact)} {
		if got, err := Parse(bytes.TrimSpace(l)); err != nil || got != e {
			t.Fatalf("round trip of %s: %+v %v", l, got, err)
		}
	}
	dump := Entry{Hash: h64, Key: "s|e|a|b", ID: "x", Time: "2026-01-14T22:00:00Z", KP: `["s","e","a|b"]`}
	if got := string(AppendCompact(nil, dump)); got != `{"h":"`+h64+`","k":"s|e|a|b","id":"x","t":"2026-01-14T22:00:00Z","kp":["s","e","a|b"]}`+"\n" {
		t.Fatalf("dump line: %s", got)
	}
	if got, err := Parse([]byte(`{"k":"s|e|","h":"` + h64 + `","t":"2026-01-14T22:00:00Z","id":null}`)); err != nil || got.Key != "s|e|" || got.ID != "" || got.File != "" {
		t.Fatalf("members in another order: %+v %v", got, err)
	}
	if s := FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.FixedZone("x", 3600))); s != "2026-01-02T02:04:05.120000+00:00" {
		t.Fatalf("time: %s", s)
	}
}

// TestErrors: the one wording of a broken line, member first.
func TestErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`{"h":"abc","k":"s|e|x"}`, `h: not a lowercase hex SHA-256 digest: "abc"`},
		{`{"h":"` + strings.ToUpper(h64) + `"}`, `h: not a lowercase hex SHA-256 digest`},
		{`{"k":"s|e|x"}`, "h: missing (required)"},
		{`{"h":"` + h64 + `","t":"yesterday"}`, "t: not an ISO 8601 timestamp"},
		{`{"h":"` + h64 + `","t":5}`, "t: want an ISO 8601 string, got 5"},
		{`{"h":"` + h64 + `","k":7}`, "k: want a string, got 7"},
		{`{"h":"` + h64 + `","id":[]}`, "id: want a string, got []"},
		{`{"h":"` + h64 + `","f":{}}`, "f: want a string, got {}"},
		{`{"h":"` + h64 + `","kp":["a"]}`, "kp: want ["},
		{`{"h":"` + h64 + `","x":tru}`, "x: invalid JSON at byte 76: invalid literal, want true"},
		{`{"h":"` + h64 + `"`, "invalid JSON at byte 71: unexpected end of input in object"},
		{`{"h":"` + h64 + `"} x`, "invalid JSON at byte 73: unexpected text after the object"},
		{`{"h" "` + h64 + `"}`, "invalid JSON at byte 5: want ':' after object key"},
		{`{"h":"` + h64 + `",}`, "invalid JSON at byte 72: unexpected '}', want an object key string"},
		{`["h"]`, "not a JSON object"},
		{`[h]`, "invalid JSON at byte 1: unexpected 'h', want a value"},
	} {
		_, err := Parse([]byte(c.line))
		var f Fields
		serr := f.Scan([]byte(c.line))
		var ie *Error
		if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), c.want) || serr == nil || serr.Error() != err.Error() {
			t.Errorf("%s: Parse: %v; Scan: %v; want %q", c.line, err, serr, c.want)
		}
	}
}

// TestRead: line numbers count blank lines, a BOM and CRLF are taken, a
// bad line goes to onBad (or ends the read), as "index line N: …".
func TestRead(t *testing.T) {
	in := "\xef\xbb\xbf" + `{"h":"` + h64 + `"}` + "\r\n\n" + `{"h":"x"}` + "\n" + `{"h":"` + h64 + `","t":"2026-01-14T22:00:00Z"}`
	var lines []int
	var bad []string
	err := Read(strings.NewReader(in), func(n int, e Entry) error {
		lines = append(lines, n)
		return nil
	}, func(le *LineError) error { bad = append(bad, le.Error()); return nil })
	if err != nil || fmt.Sprint(lines) != "[1 4]" || len(bad) != 1 || bad[0] != `index line 3: h: not a lowercase hex SHA-256 digest: "x"` {
		t.Fatalf("lines %v, bad %q, err %v", lines, bad, err)
	}
	err = Read(strings.NewReader(in), func(int, Entry) error { return nil }, nil)
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("without onBad: %v", err)
	}
	rd := NewReader(strings.NewReader(strings.Repeat("x", 100)+"\n"+`{"h":"`+h64+`"}`), 80)
	if _, n, err := rd.Scan(); n != 1 || !errors.Is(err, envelope.ErrTooLong) {
		t.Fatalf("long line: %d %v", n, err)
	}
	if f, n, err := rd.Scan(); err != nil || n != 2 || hex.EncodeToString(f.Hash[:]) != h64 {
		t.Fatalf("after a long line: %d %v", n, err)
	}
	if _, _, err := rd.Scan(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// TestScanAllocs: scanning a line allocates nothing (xr-diff loads millions).
func TestScanAllocs(t *testing.T) {
	line := []byte(`{"h": "` + h64 + `", "k": "s|e|\u00e9", "id": "60bda264-06cc-4793-b4da-22c94920ab31", "t": "2026-01-14T22:00:00.5+01:00", "f": "records/x.ndjson", "other": [1, {"a": null}]}`)
	var f Fields
	if n := testing.AllocsPerRun(100, func() {
		if err := f.Scan(line); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocations a line", n)
	}
	if string(f.Key) != "s|e|é" || f.Time != time.Date(2026, 1, 14, 21, 0, 0, 5e8, time.UTC).UnixNano() {
		t.Fatalf("scanned %q %d", f.Key, f.Time)
	}
}

func TestDecodeDigest(t *testing.T) {
	var h [32]byte
	d := hex.EncodeToString(bytes.Repeat([]byte{0x9f, 0x0a}, 16))
	if !decodeDigest(&h, []byte(d)) || hex.EncodeToString(h[:]) != d {
		t.Errorf("decodeDigest(%s) = %x", d, h)
	}
	for _, bad := range []string{strings.ToUpper(d), d[:63] + "g", d[:63], d + "0", d[:10] + " " + d[11:]} {
		if decodeDigest(&h, []byte(bad)) {
			t.Errorf("decodeDigest(%q) accepted", bad)
		}
	}
}

// FuzzScanParse: Scan and Parse agree on every line — both accept it or
// both refuse it with the same words — and never panic; what they accept
// is a JSON object encoding/json reads with the same h, k, id, f, and its
// Entry written in either form scans back to the same fields.
func FuzzScanParse(f *testing.F) {
	if b, err := os.ReadFile(referenceIndex); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f.Add(l)
		}
	} else {
		f.Fatal(err)
	}
	f.Add(`{"h":"` + h64 + `","k":"a|b|\u00e9","t":"2026-01-15 10:30:00.5+02","id":"\ud800"}`)
	f.Add(`{"h":"` + h64 + `","k":null,"t":null,"x":[{}],"kp":["a","b",null]}`)
	f.Add(`{"h":"` + h64 + `","k":"s|e|a|b","kp":["s","e","a|b"],"f":"records/a\/b.ndjson"}`)
	f.Fuzz(func(t *testing.T, line string) {
		var sc Fields
		serr := sc.Scan([]byte(line))
		e, perr := Parse([]byte(line))
		if (serr == nil) != (perr == nil) || serr != nil && serr.Error() != perr.Error() {
			t.Fatalf("%q: Scan %v, Parse %v", line, serr, perr)
		}
		if serr != nil {
			return
		}
		if sc.Entry() != e {
			t.Fatalf("%q: Scan gives %+v, Parse %+v", line, sc.Entry(), e)
		}
		var v struct {
			H     string
			K, ID *string
			F     *string
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			if !strings.Contains(line, `\u`) { // encoding/json refuses some escapes jsonscan takes
				t.Fatalf("accepted %q, encoding/json: %v", line, err)
			}
			return
		}
		if v.H != e.Hash {
			t.Fatalf("%q: h %s, encoding/json %s", line, e.Hash, v.H)
		}
		for _, form := range [][]byte{Append(nil, e), AppendCompact(nil, e)} {
			var again Fields
			if err := again.Scan(bytes.TrimSuffix(form, []byte("\n"))); err != nil {
				t.Fatalf("%q: written as %s: %v", line, form, err)
			}
			if again.Entry() != e || again.Time != sc.Time || again.Hash != sc.Hash {
				t.Fatalf("%q: written as %s, scans as %+v", line, form, again.Entry())
			}
		}
	})
}
