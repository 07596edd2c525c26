package envelope

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

const good = `{"exchange_id":"3ceaaf30-8142-48ea-91d9-3080f9b439fc","exchange_type":"http","source_system":"s","entity_type":"page","natural_key":"k-1","request":{"url":"u", "n": 1.50},"response":[1e2, "é"],"observed_at_utc":"2026-01-15T12:30:00+02:00","provenance":null,"content_sha256":"","schema_version":1,"tags":[],"redactions_applied":[],"x_unknown":{"keep":true}}`

func readAll(t *testing.T, in string) ([]*Record, []error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), 0)
	var recs []*Record
	var errs []error
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return recs, errs
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, rec.Clone())
	}
}

func TestRoundTripKeepsPayloadBytes(t *testing.T) {
	recs, errs := readAll(t, good+"\n")
	if len(errs) > 0 || len(recs) != 1 {
		t.Fatalf("recs %d errs %v", len(recs), errs)
	}
	rec := recs[0]
	if string(rec.Raw(Request)) != `{"url":"u", "n": 1.50}` || string(rec.Raw(Response)) != `[1e2, "é"]` {
		t.Fatalf("payload bytes changed: %s %s", rec.Raw(Request), rec.Raw(Response))
	}
	out := string(Append(nil, rec))
	if !strings.HasSuffix(out, `"redactions_applied":[],"x_unknown":{"keep":true}}`) {
		t.Fatalf("unknown field not kept last: %s", out)
	}
	if rec.Key() != "s|page|k-1" || rec.ID() != "3ceaaf30-8142-48ea-91d9-3080f9b439fc" {
		t.Fatalf("Key %q ID %q", rec.Key(), rec.ID())
	}
	tm, ok := rec.ObservedAt()
	if !ok || !tm.Equal(time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)) {
		t.Fatalf("ObservedAt = %v %v", tm, ok)
	}
}

func TestLineHandling(t *testing.T) {
	in := "\xef\xbb\xbf" + good + "\r\n\n   \n" + good + "\n" + good // BOM, CRLF, blanks, no final newline
	r := NewReader(strings.NewReader(in), 0)
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, rec.Line)
	}
	if len(lines) != 3 || lines[0] != 1 || lines[1] != 4 || lines[2] != 5 {
		t.Fatalf("lines %v, want [1 4 5]", lines)
	}
}

func TestValidationErrors(t *testing.T) {
	cases := []struct{ line, want string }{
		{`{"exchange_type":"http","source_system":"s"}`, "line 1: entity_type: missing (required)"},
		{`{"exchange_type":"","source_system":"s","entity_type":"e"}`, "line 1: exchange_type: empty (required)"},
		{`{"exchange_type":1,"source_system":"s","entity_type":"e"}`, "line 1: exchange_type: want a string, got a number"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","natural_key":{}}`, "natural_key: want a string, number or null"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","exchange_id":"nope"}`, "exchange_id: not a UUID"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","observed_at_utc":"yesterday"}`, "observed_at_utc: not an ISO 8601 timestamp"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","observed_at_utc":"2026-02-30T00:00:00Z"}`, "no such day"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","content_sha256":"ABC"}`, "content_sha256: not a lowercase hex"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","schema_version":"1"}`, "schema_version: want an integer"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","schema_version":2147483648}`, "schema_version: want an integer from -2147483648 to 2147483647"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","tags":[1]}`, "tags: want an array of strings"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e","response":{"a":1,}}`, "line 1: response: invalid JSON"},
		{`{"exchange_type":"h","source_system":"s","entity_type":"e"} trailing`, "unexpected text after the object"},
		{`[1,2]`, "line 1: not a JSON object"},
		{`{"exchange_type":'h'}`, "line 1: exchange_type: invalid JSON"},
		{`{"exchange_type":"h","response":NaN}`, "response: invalid JSON"},
		{`{"exchange_type":"h","response":"\ud800"}`, ""}, // valid grammar: refused later, by the hash
	}
	for _, c := range cases {
		_, errs := readAll(t, c.line+"\n")
		if c.want == "" {
			if len(errs) > 0 && !strings.Contains(errs[0].Error(), "missing") {
				t.Errorf("%s: unexpected %v", c.line, errs[0])
			}
			continue
		}
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.line, errs, c.want)
			continue
		}
		var le *LineError
		if !errors.As(errs[0], &le) || le.Line != 1 {
			t.Errorf("%s: not a *LineError on line 1: %#v", c.line, errs[0])
		}
	}
}

func TestLineCap(t *testing.T) {
	long := `{"exchange_type":"h","source_system":"s","entity_type":"e","response":"` + strings.Repeat("x", 500) + `"}`
	r := NewReader(strings.NewReader(long+"\n"+good+"\n"), 450)
	_, err := r.Read()
	if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "line 1:") {
		t.Fatalf("err = %v, want line 1 too long", err)
	}
	if rec, err := r.Read(); err != nil || rec.Line != 2 {
		t.Fatalf("the reader must go on after a long line: %v", err)
	}
}

// TestLongLineBytes: a line over the cap reports its whole length without
// its line end ("\n", "\r\n" or none at the end of the input), wherever
// the reads split it: inside the read buffer, across it, and with the
// "\r" the last byte of one read and the "\n" the first of the next.
func TestLongLineBytes(t *testing.T) {
	const buf = 256 << 10 // NewReader's buffer
	for _, c := range []struct {
		n   int
		end string
	}{{100, "\n"}, {100, "\r\n"}, {3 * buf, "\n"}, {3 * buf, "\r\n"}, {buf - 1, "\r\n"}, {2*buf - 1, "\r\n"}, {buf, "\n"}, {buf + 5, ""}} {
		r := NewReader(strings.NewReader(strings.Repeat("x", c.n)+c.end), 10)
		_, err := r.Read()
		var long *LongLineError
		if !errors.As(err, &long) {
			t.Fatalf("%d bytes + %q: %v, want a LongLineError", c.n, c.end, err)
		}
		if long.Bytes != c.n {
			t.Errorf("%d bytes + %q: Bytes %d", c.n, c.end, long.Bytes)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 1, 15, 10, 30, 0, 123456789, time.UTC)
	for _, s := range []string{"2026-01-15T10:30:00.123456789Z", "2026-01-15T12:30:00.123456789+02:00",
		"2026-01-15 05:30:00.123456789-0500", "2026-01-15T10:30:00.123456789", "2026-01-15T11:30:00.1234567891+01"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	if s := FormatTime(want); s != "2026-01-15T10:30:00.123456789Z" {
		t.Errorf("FormatTime = %s", s)
	}
	for _, s := range []string{"", "2026-01-15", "2026-13-01T00:00:00Z", "2026-01-15T10:30:00+25:00", "2026-01-15T10:30:00 UTC"} {
		if _, err := ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}

func FuzzEnvelope(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"exchange_type":"h","source_system":"s","entity_type":"e","request":{"a":[1,{"b":null}]},"response":"x"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var rec Record
		if Parse(&rec, line, true) != nil {
			return
		}
		out := Append(nil, &rec)
		var again Record
		if err := Parse(&again, out, true); err != nil {
			t.Fatalf("re-encoded line does not parse: %v\n%s", err, out)
		}
		for f := Field(0); f < numFields; f++ {
			if !bytes.Equal(rec.Raw(f), again.Raw(f)) {
				t.Fatalf("%s changed: %q → %q", f, rec.Raw(f), again.Raw(f))
			}
		}
	})
}

func BenchmarkRead(b *testing.B) {
	line := []byte(strings.Replace(good, `"u"`, `"`+strings.Repeat("Révision 東京 café\\n", 300)+`"`, 1) + "\n")
	data := bytes.Repeat(line, 100)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), 0)
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	var rec Record
	line := strings.Replace(good, `"u"`, `"`+strings.Repeat("Révision 東京 café\\n", 300)+`"`, 1)
	if err := Parse(&rec, []byte(line), false); err != nil {
		b.Fatal(err)
	}
	w := NewWriter(io.Discard, false)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(&rec); err != nil {
			b.Fatal(err)
		}
	}
}
