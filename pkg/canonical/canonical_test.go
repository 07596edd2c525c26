package canonical

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

func canon(t testing.TB, in string) string {
	t.Helper()
	out, err := Append(nil, []byte(in))
	if err != nil {
		t.Fatalf("Append(%q): %v", in, err)
	}
	return string(out)
}

func TestNumbers(t *testing.T) {
	cases := map[string]string{
		"0": "0", "-0": "0", "12345678901234567890123456789": "12345678901234567890123456789",
		"1.0": "1.0", "1e2": "100.0", "1E2": "100.0", "0.30000000000000004": "0.3",
		"1e15": "1000000000000000.0", "1e16": "1e+16", "1e-5": "1e-05", "0.0001": "0.0001",
		"1e-7": "1e-07", "-0.0": "0.0", "1.5e300": "1.5e+300", "5e-324": "5e-324",
		"123456789.123456789": "123456789.123457", "1234567890123456.7": "1234567890123460.0",
		"99.99999999999999": "100.0", "1E400": `"Infinity"`, "-1e400": `"-Infinity"`,
		"1.7976931348623157e308": "Infinity", "-1.7976931348623157e308": "-Infinity",
		"123.456e-789": "0.0", "-2.5": "-2.5", "0.1e1": "1.0",
	}
	for in, want := range cases {
		if got := canon(t, in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	if _, err := Append(nil, []byte(strings.Repeat("9", jsonscan.MaxIntDigits+1))); !errors.Is(err, jsonscan.ErrIntTooLong) {
		t.Errorf("an integer over %d digits: err = %v, want jsonscan.ErrIntTooLong", jsonscan.MaxIntDigits, err)
	}
	if got := canon(t, strings.Repeat("9", jsonscan.MaxIntDigits)); len(got) != jsonscan.MaxIntDigits {
		t.Errorf("a %d-digit integer must pass unchanged", jsonscan.MaxIntDigits)
	}
}

func TestStringsAndKeys(t *testing.T) {
	cases := map[string]string{
		`"e\u0301"`:                 `"é"`, // NFD → NFC
		`"\u212b"`:                  `"Å"`, // angstrom sign → Å
		`"a\/b"`:                    `"a/b"`,
		`"\u0001\u001f\u007f"`:      `"\u0001\u001f` + "\x7f\"",
		`"tab\there\nnew"`:          `"tab\there\nnew"`,
		`"\u00e9t\u00e9 \u6771"`:    `"été 東"`,
		`{"b":1,"a":2}`:             `{"a":2,"b":1}`,
		`{"a":1,"a":2}`:             `{"a":2}`,
		`{ "z" : [ 1 , { } ] }`:     `{"z":[1,{}]}`,
		`{"é":1,"z":2,"😀":3,"ａ":4}`: `{"z":2,"é":1,"ａ":4,"😀":3}`,
		// NFC-equal keys: the exact key whose first occurrence is last wins,
		// with its last value (Python dict semantics, twice)
		"{\"\u00c5\":1,\"A\u030a\":2,\"\u00c5\":3}": "{\"\u00c5\":2}",
		"{\"A\u030a\":1,\"\u00c5\":2,\"\u00c5\":3}": "{\"\u00c5\":3}",
	}
	for in, want := range cases {
		if got := canon(t, in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{`"\ud800"`, `{"\udc00":1}`, `[1,]`, `{"a" 1}`, `"\x"`, "\"\xc3\"", `[1] x`} {
		if out, err := Append(nil, []byte(bad)); err == nil {
			t.Errorf("%q accepted as %s", bad, out)
		}
	}
}

// TestAgreesWithValidator: the canonicalizer accepts exactly what the
// validator accepts (plus the reference's own refusals).
func TestAgreesWithValidator(t *testing.T) {
	files, _ := filepath.Glob("../jsonscan/testdata/suite/*.json")
	if len(files) < 300 {
		t.Fatalf("suite missing (%d files)", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		_, cerr := Append(nil, b)
		verr := jsonscan.Valid(b)
		if verr != nil && cerr == nil {
			t.Errorf("%s: invalid JSON canonicalized", filepath.Base(f))
		}
		if verr == nil && cerr != nil && !errors.Is(cerr, jsonscan.ErrLoneSurrogate) && !strings.Contains(cerr.Error(), "surrogate") {
			t.Errorf("%s: valid JSON refused: %v", filepath.Base(f), cerr)
		}
	}
}

// TestSyntaxErrorsAsValidator: a broken object or array is worded as the
// validator words it (one loop each in jsonscan, one set of texts); the
// canonicalizer had its own array loop, which quoted a control byte
// differently.
func TestSyntaxErrorsAsValidator(t *testing.T) {
	for _, in := range []string{"[1\x01]", "[1 2]", "[1", "[1,]", `{"a":1 "b":2}`, `{"a" 1}`, `{"a":1,}`, `{"a":1`, "{\"a\":[1\x7f]}"} {
		_, cerr := Append(nil, []byte(in))
		verr := jsonscan.Valid([]byte(in))
		if cerr == nil || verr == nil || cerr.Error() != verr.Error() {
			t.Errorf("%q: canonical says %v, the validator %v", in, cerr, verr)
		}
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"b":[1.5e300,"é",null],"a":{"x":-0}}`, `"e\u0301"`, `[1e400,0.1]`, `{"Å":1,"Å":2}`} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../jsonscan/testdata/suite/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		once, err := Append(nil, b)
		if err != nil {
			return
		}
		if bytes.Contains(once, []byte("Infinity")) && jsonscan.Valid(once) != nil {
			return // the bare Infinity token the reference hashes is not JSON
		}
		twice, err := Append(nil, once)
		if err != nil {
			t.Fatalf("canonical form %q does not canonicalize: %v", once, err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("not idempotent:\n once %q\ntwice %q", once, twice)
		}
	})
}

func BenchmarkCanonical(b *testing.B) {
	doc := []byte(`{"title":"Luke","text":"` + strings.Repeat("Révision 東京 café data lake\\n", 400) +
		`","authors":[{"name":"Ada","w":0.25,"h":12},{"name":"Þórr","w":1e-7,"h":3}],"big":12345678901234567890}`)
	var c Canonicalizer
	var dst []byte
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = c.Append(dst[:0], doc); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzStringPaths: the fast paths for strings (verbatim copy, rewrite)
// must write exactly what the exact path (decode, NFC, quote) writes.
func FuzzStringPaths(f *testing.F) {
	for _, s := range []string{`plain`, `caf\u00e9 \n\"`, "e\u0301", `\/\ud83d\ude00`, "東京 Ελληνικά 😀", `\u0001x\u212b`, "\u1100\u1161"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lit := append(append([]byte{'"'}, body...), '"')
		end, err := jsonscan.SkipString(lit, 0)
		if err != nil || end != len(lit) {
			return
		}
		var c Canonicalizer
		fast, _, ferr := c.string(nil, lit, 0)
		exact, _, eerr := c.stringExact(nil, lit, 0)
		if (ferr == nil) != (eerr == nil) || !bytes.Equal(fast, exact) {
			t.Fatalf("%q: fast %q (%v), exact %q (%v)", lit, fast, ferr, exact, eerr)
		}
	})
}
