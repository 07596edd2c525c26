package jsonscan

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestObject: members come in order with their raw keys and values, a
// value the caller read itself or left unread is stepped over, and each
// way an object can be broken has its one text.
func TestObject(t *testing.T) {
	line := []byte(` { "a" : 1 ,"b\u0041":[ {"x":"}"} ] , "c":"s", "d":{} } `)
	var got []string
	o := ObjectText(line)
	for o.Next() {
		switch {
		case string(o.Key()) == `"a"`:
			v, err := o.Value()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, "a="+string(v))
		case string(o.Key()) == `"c"`:
			end, err := SkipString(line, o.ValueStart())
			if err != nil {
				t.Fatal(err)
			}
			o.SetValueEnd(end)
			got = append(got, "c="+string(line[o.ValueStart():end]))
		default: // left unread
			got = append(got, string(o.Key()))
		}
	}
	if o.Err() != nil || strings.Join(got, " ") != `a=1 "b\u0041" c="s" "d"` || o.End() != len(line)-1 {
		t.Fatalf("got %q, end %d, err %v", got, o.End(), o.Err())
	}
	if o := ObjectAt([]byte(`[{}, 1]`), 1); o.Next() || o.Err() != nil || o.End() != 3 {
		t.Fatalf("empty object inside: end %d, err %v", o.End(), o.Err())
	}
	if o := ValidObjectAt([]byte(`{"a":1,"b`), 0); !o.Next() || o.Next() || o.Err() == nil {
		t.Fatalf("ValidObjectAt on text cut in a key: err %v", o.Err())
	}
	for in, want := range map[string]string{
		``:                      "invalid JSON at byte 0: unexpected end of input, want a value",
		`[1]`:                   "not a JSON object",
		`{"a":1} x`:             "invalid JSON at byte 8: unexpected text after the object",
		`{"a":1`:                "invalid JSON at byte 6: unexpected end of input in object",
		`{"a":1,}`:              "invalid JSON at byte 7: unexpected '}', want an object key string",
		`{a:1}`:                 "invalid JSON at byte 1: unexpected 'a', want an object key string",
		`{"a" 1}`:               "invalid JSON at byte 5: want ':' after object key",
		`{"a":1 "b":2}`:         `invalid JSON at byte 7: unexpected '"', want ',' or '}'`,
		`{"a":tru}`:             "invalid JSON at byte 5: invalid literal, want true",
		"{\"a\":1,\"b\x01\":2}": "invalid JSON at byte 9: control character 0x01 in string",
	} {
		o := ObjectText([]byte(in))
		for o.Next() {
		}
		if o.Err() == nil || o.Err().Error() != want {
			t.Errorf("%q: %v, want %s", in, o.Err(), want)
		}
		// Skip's own object loop words a broken object alike, also nested
		if strings.HasPrefix(in, "{") && !strings.Contains(in, "} ") {
			if err := Valid([]byte(in)); err == nil || err.Error() != want {
				t.Errorf("Valid(%q): %v, want %s", in, err, want)
			}
			nested := `[` + in
			_, err := Skip([]byte(nested), 0)
			if se := (*SyntaxError)(nil); !errors.As(err, &se) || se.Offset != o.End()+1 || !strings.HasSuffix(err.Error(), want[strings.Index(want, ": ")+2:]) {
				t.Errorf("Skip(%q): %v, want %s one byte on", nested, err, want)
			}
		}
	}
}

// FuzzObject: reading a line's members one by one accepts exactly the
// lines that are one valid JSON object, and finds the keys Pointer finds.
func FuzzObject(f *testing.F) {
	for _, s := range []string{`{"a":1}`, ` {"a" : [1,{"b":null}] , "c\n":"\u00e9"} `, `{}`, `{"a":1,}`, `[1]`, `{"a"}`, `{"a":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o := ObjectText(b)
		n := 0
		for o.Next() {
			n++
			if n%2 == 0 { // every other value read here, the rest left to Next
				if _, err := o.Value(); err != nil {
					break
				}
			}
		}
		trimmed := bytes.TrimLeft(b, " \t\r\n")
		valid := Valid(b) == nil && len(trimmed) > 0 && trimmed[0] == '{'
		if (o.Err() == nil) != valid {
			t.Fatalf("%q: Object %v, Valid %v", b, o.Err(), Valid(b))
		}
		if !valid {
			return
		}
		if j := SkipSpace(b, o.End()); j != len(b) {
			t.Fatalf("%q: ends at %d", b, o.End())
		}
		var keys []string // what ValidObjectAt reads of the valid text
		v := ValidObjectAt(b, SkipSpace(b, 0))
		for v.Next() {
			keys = append(keys, string(v.Key()))
		}
		if v.Err() != nil || v.End() != o.End() {
			t.Fatalf("%q: ValidObjectAt ends at %d (%v), ObjectText at %d", b, v.End(), v.Err(), o.End())
		}
		o = ObjectText(b)
		for n := 0; o.Next(); n++ {
			if n >= len(keys) || keys[n] != string(o.Key()) {
				t.Fatalf("%q: key %d %s, ValidObjectAt read %q", b, n, o.Key(), keys)
			}
			k, err := Unquote(o.Key())
			if err != nil || strings.ContainsAny(k, "/~") {
				continue
			}
			raw, ok, err := Pointer(b, "/"+k)
			v, _ := o.Value()
			if !ok || err != nil || len(raw) == 0 {
				t.Fatalf("%q: Pointer(/%s) %v %v", b, k, ok, err)
			}
			_ = v // a repeated key: Pointer finds the first
		}
	})
}

func ExampleObjectText() {
	o := ObjectText([]byte(`{"h": "x", "n": [1, 2]}`))
	for o.Next() {
		v, _ := o.Value()
		fmt.Printf("%s=%s\n", o.Key(), v)
	}
	fmt.Println(o.Err())
	// Output:
	// "h"="x"
	// "n"=[1, 2]
	// <nil>
}
