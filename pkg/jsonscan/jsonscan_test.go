package jsonscan

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParsingSuite runs JSONTestSuite's test_parsing cases: y_ accepted,
// n_ rejected, i_ (implementation-defined) never panic, and rejected when
// not UTF-8.
func TestParsingSuite(t *testing.T) {
	files, err := filepath.Glob("testdata/suite/*.json")
	if err != nil || len(files) < 300 {
		t.Fatalf("suite missing: %d files, %v", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			verr := Valid(b)
			switch {
			case strings.HasPrefix(name, "y_") && verr != nil:
				t.Fatalf("valid JSON rejected: %v", verr)
			case strings.HasPrefix(name, "n_") && verr == nil:
				t.Fatalf("invalid JSON accepted: %q", b)
			}
			if verr == nil {
				// Delimit must find the same end as Skip on valid input
				i := SkipSpace(b, 0)
				want, _ := Skip(b, i)
				got, derr := Delimit(b, i)
				if derr != nil || got != want {
					t.Fatalf("Delimit = %d, %v; Skip = %d", got, derr, want)
				}
			}
		})
	}
}

func TestErrorsNameTheProblem(t *testing.T) {
	cases := map[string]string{
		`{"a":1,}`:   "want an object key string",
		`[1,2`:       "end of input",
		`{'a':1}`:    "want an object key string",
		`"\ud800\x"`: "invalid escape",
		"\"a\x01b\"": "control character",
		`01`:         "leading zero",
		`NaN`:        "want a value",
		`[1] 2`:      "after the value",
		`/* c */ 1`:  "want a value",
		"\"\xff\"":   "invalid UTF-8",
		`1.`:         "after '.'",
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1): "levels",
	}
	for in, want := range cases {
		err := Valid([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Valid(%.40q) = %v, want error containing %q", in, err, want)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Valid(%.40q): error %T is not a *SyntaxError", in, err)
		}
	}
}

func TestUnquoteQuote(t *testing.T) {
	cases := []struct{ raw, text, quoted string }{
		{`"plain"`, "plain", `"plain"`},
		{`"a\"b\\c\/d"`, `a"b\c/d`, `"a\"b\\c/d"`},
		{`"\u00e9\u00C9"`, "éÉ", `"éÉ"`},
		{`"\ud83d\ude00"`, "😀", `"😀"`},
		{`"\b\f\n\r\t\u0001\u007f"`, "\b\f\n\r\t\x01\x7f", `"\b\f\n\r\t\u0001` + "\x7f\""},
		{`"\u2028"`, "\u2028", "\"\u2028\""},
	}
	for _, c := range cases {
		got, err := Unquote([]byte(c.raw))
		if err != nil || got != c.text {
			t.Errorf("Unquote(%s) = %q, %v; want %q", c.raw, got, err, c.text)
		}
		if q := AppendQuoteString(nil, c.text); string(q) != c.quoted {
			t.Errorf("AppendQuote(%q) = %s, want %s", c.text, q, c.quoted)
		}
	}
	for _, bad := range []string{`"\ud800"`, `"\udc00"`, `"\ud800\u0041"`} {
		if _, err := Unquote([]byte(bad)); !errors.Is(err, ErrLoneSurrogate) {
			t.Errorf("Unquote(%s) = %v, want ErrLoneSurrogate", bad, err)
		}
	}
}

func TestPointer(t *testing.T) {
	doc := []byte(`{"a":{"b":[10,{"c~d":"x","e/f":2}]},"":"empty","n":null}`)
	cases := map[string]string{
		"":            string(doc),
		"/a/b/0":      "10",
		"/a/b/1/c~0d": `"x"`,
		"/a/b/1/e~1f": "2",
		"/":           `"empty"`,
		"/n":          "null",
	}
	for p, want := range cases {
		got, found, err := Pointer(doc, p)
		if err != nil || !found || string(got) != want {
			t.Errorf("Pointer(%q) = %s, %v, %v; want %s", p, got, found, err, want)
		}
	}
	for _, p := range []string{"/x", "/a/b/2", "/a/b/01", "/a/b/-"} {
		if _, found, err := Pointer(doc, p); found || err != nil {
			t.Errorf("Pointer(%q) found=%v err=%v, want not found", p, found, err)
		}
	}
	if _, _, err := Pointer(doc, "a"); err == nil {
		t.Error("a pointer without a leading '/' must be an error")
	}
}

func TestCompact(t *testing.T) {
	in := []byte(" { \"a b\" : [ 1 , 2.50 ] ,\n\t\"c\": \"x  y\" } ")
	want := `{"a b":[1,2.50],"c":"x  y"}`
	if got := AppendCompact(nil, in); string(got) != want {
		t.Fatalf("AppendCompact = %s, want %s", got, want)
	}
	if !HasSpace(in) || HasSpace([]byte(want)) {
		t.Fatal("HasSpace is wrong")
	}
}

func TestStopMask(t *testing.T) {
	for c := 0; c < 256; c++ {
		word := bytes.Repeat([]byte{'a'}, 8)
		word[3] = byte(c)
		end, _ := PlainRun(word, 0, false)
		wantStop := c < 0x20 || c == '"' || c == '\\'
		if (end == 3) != wantStop {
			t.Fatalf("byte %#x: PlainRun end %d, stop=%v", c, end, wantStop)
		}
	}
}

func FuzzValid(f *testing.F) {
	files, _ := filepath.Glob("testdata/suite/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if Valid(b) != nil {
			return
		}
		i := SkipSpace(b, 0)
		want, _ := Skip(b, i)
		if got, err := Delimit(b, i); err != nil || got != want {
			t.Fatalf("Delimit = %d, %v; Skip = %d", got, err, want)
		}
		if c := AppendCompact(nil, b); Valid(c) != nil {
			t.Fatalf("compact form invalid: %q", c)
		}
	})
}

func BenchmarkSkip(b *testing.B) {
	doc := []byte(`{"text":"` + strings.Repeat("Révision 東京 café data lake\\n", 400) + `","n":[1.5,2,3e10,true,null]}`)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Skip(doc, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMaxIntDigits: an integer the reference cannot read (over 4300
// digits) is refused by every validating scan; a float of any length is not.
func TestMaxIntDigits(t *testing.T) {
	ok := []string{strings.Repeat("9", MaxIntDigits), "-" + strings.Repeat("9", MaxIntDigits), strings.Repeat("9", 5000) + ".5", strings.Repeat("9", 5000) + "e3"}
	for _, in := range ok {
		if err := Valid([]byte("[" + in + "]")); err != nil {
			t.Errorf("Valid(%d chars %.10s…) = %v", len(in), in, err)
		}
	}
	for _, in := range []string{strings.Repeat("9", MaxIntDigits+1), "-" + strings.Repeat("1", 5000)} {
		if err := Valid([]byte(`{"n":` + in + "}")); !errors.Is(err, ErrIntTooLong) {
			t.Errorf("Valid(%d digits) = %v, want ErrIntTooLong", len(in), err)
		}
	}
}

func TestDepth(t *testing.T) {
	for in, want := range map[string]int{`1`: 0, `[]`: 1, `{"a":[{}]}`: 3, `["[[[", {"]":"{"}]`: 2, `[[1],[[2]]]`: 3} {
		if got := Depth([]byte(in)); got != want {
			t.Errorf("Depth(%s) = %d, want %d", in, got, want)
		}
	}
}

// BenchmarkSkipObjects validates a document of small objects, for the
// object loop.
func BenchmarkSkipObjects(b *testing.B) {
	doc := []byte(`[` + strings.Repeat(`{"id":17,"name":"ab","ok":true,"tags":["x","y"],"sub":{"a":null,"bb":2.5,"c":{}}},`, 300) + `{}]`)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Skip(doc, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSkipArrays validates a document made mostly of arrays
// (numbers, strings, nested arrays and objects), for the array loop.
func BenchmarkSkipArrays(b *testing.B) {
	doc := []byte(`[` + strings.Repeat(`[1,2.5,-3e4,"x",true,null,[],[[0]],{"a":[1,2]}],`, 300) + `[]]`)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Skip(doc, 0); err != nil {
			b.Fatal(err)
		}
	}
}
