package jsonscan

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// elements reads the array at b[i] with FirstElement and NextElement,
// each element by Skip, and returns the elements, the end and the error.
func elements(b []byte, i int) ([]string, int, error) {
	var got []string
	i, more, err := FirstElement(b, i)
	for more && err == nil {
		var end int
		if end, err = Skip(b, i); err != nil {
			return got, end, err
		}
		got = append(got, string(b[i:end]))
		i, more, err = NextElement(b, end)
	}
	return got, i, err
}

// TestElements: elements come in order, the loop ends just past the ']',
// and each way an array can be broken has its one text, Skip's.
func TestElements(t *testing.T) {
	doc := []byte(` [ 1 ,"s", [ {"x":"]"} ] , {}, null ] `)
	got, end, err := elements(doc, 1)
	if err != nil || strings.Join(got, " ") != `1 "s" [ {"x":"]"} ] {} null` || end != len(doc)-1 {
		t.Fatalf("got %q, end %d, err %v", got, end, err)
	}
	if got, end, err := elements([]byte(`{"a":[ ]}`), 5); len(got) != 0 || err != nil || end != 8 {
		t.Fatalf("empty array inside: %q, end %d, err %v", got, end, err)
	}
	for in, want := range map[string]string{
		``:        "invalid JSON at byte 0: want an array",
		`{}`:      "invalid JSON at byte 0: want an array",
		`[1`:      "invalid JSON at byte 2: unexpected end of input in array",
		`[1,]`:    "invalid JSON at byte 3: unexpected ']', want a value",
		`[1 2]`:   "invalid JSON at byte 3: unexpected '2', want ',' or ']'",
		"[1\x01]": "invalid JSON at byte 2: unexpected byte 0x01, want ',' or ']'",
		`[tru]`:   "invalid JSON at byte 1: invalid literal, want true",
		`[`:       "invalid JSON at byte 1: unexpected end of input, want a value",
	} {
		if _, _, err := elements([]byte(in), 0); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
		if _, err := Skip([]byte(in), 0); strings.HasPrefix(in, "[") && (err == nil || err.Error() != want) {
			t.Errorf("%q: Skip says %v, want %s", in, err, want)
		}
	}
}

// FuzzElements: reading an array's elements one by one accepts exactly
// the texts that are one valid JSON array, and finds the elements Pointer
// finds.
func FuzzElements(f *testing.F) {
	for _, s := range []string{`[1]`, ` [ 1 , {"b":[null]} , "]" ] `, `[]`, `[1,]`, `{}`, `[1 2]`, `[[]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, end, err := elements(b, SkipSpace(b, 0))
		trimmed := bytes.TrimLeft(b, " \t\r\n")
		valid := Valid(b) == nil && len(trimmed) > 0 && trimmed[0] == '['
		if whole := err == nil && SkipSpace(b, end) == len(b); whole != valid {
			t.Fatalf("%q: elements %v ending at %d, Valid %v", b, err, end, Valid(b))
		}
		if !valid {
			return
		}
		for n, v := range got {
			raw, ok, err := Pointer(b, "/"+strconv.Itoa(n))
			if !ok || err != nil || string(raw) != v {
				t.Fatalf("%q: element %d %q, Pointer %q %v %v", b, n, v, raw, ok, err)
			}
		}
		if _, ok, err := Pointer(b, "/"+strconv.Itoa(len(got))); ok || err != nil {
			t.Fatalf("%q: Pointer finds element %d of %d (%v)", b, len(got), len(got), err)
		}
	})
}
