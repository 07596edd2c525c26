package jsonscan

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Pointer returns the raw JSON value that the RFC 6901 JSON Pointer ptr
// selects in the document b (which must be valid JSON). found is false
// when the pointer names nothing there.
func Pointer(b []byte, ptr string) (raw []byte, found bool, err error) {
	if ptr == "" {
		i := SkipSpace(b, 0)
		end, err := Skip(b, i)
		return b[i:end], err == nil, err
	}
	if ptr[0] != '/' {
		return nil, false, fmt.Errorf("JSON Pointer %q must be empty or start with '/'", ptr)
	}
	i := SkipSpace(b, 0)
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if i >= len(b) {
			return nil, false, nil
		}
		switch b[i] {
		case '{':
			if i, found, err = member(b, i, tok); err != nil || !found {
				return nil, false, err
			}
		case '[':
			n, aerr := strconv.Atoi(tok)
			if aerr != nil || n < 0 || (len(tok) > 1 && tok[0] == '0') {
				return nil, false, nil
			}
			if i, found, err = element(b, i, n); err != nil || !found {
				return nil, false, err
			}
		default:
			return nil, false, nil
		}
	}
	end, err := Skip(b, i)
	if err != nil {
		return nil, false, err
	}
	return b[i:end], true, nil
}

// member finds key in the object at b[i] and returns its value's offset.
func member(b []byte, i int, key string) (int, bool, error) {
	o := ObjectAt(b, i)
	for o.Next() {
		k := o.Key()
		if bytes.IndexByte(k, '\\') < 0 {
			if string(k[1:len(k)-1]) == key {
				return o.ValueStart(), true, nil
			}
			continue
		}
		if s, err := Unquote(k); err != nil {
			return 0, false, err
		} else if s == key {
			return o.ValueStart(), true, nil
		}
	}
	return 0, false, o.Err()
}

// element finds the n-th element of the array at b[i].
func element(b []byte, i, n int) (int, bool, error) {
	i, more, err := FirstElement(b, i)
	for k := 0; more && err == nil; k++ {
		if k == n {
			return i, true, nil
		}
		if i, err = Skip(b, i); err == nil {
			i, more, err = NextElement(b, i)
		}
	}
	return 0, false, err
}

// AppendCompact appends the valid JSON text b without insignificant
// whitespace; everything else (string contents, number lexemes, key
// order) is kept byte for byte. b must have been validated: strings are
// only delimited here, not checked again.
func AppendCompact(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case IsSpace(c):
			continue
		case c == '"':
			end := StringEnd(b, i)
			if end < 0 { // not reached for valid input
				return append(dst, b[i:]...)
			}
			dst = append(dst, b[i:end]...)
			i = end - 1
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// HasSpace reports whether the valid JSON text b has whitespace outside
// its strings, i.e. whether AppendCompact would change it. Like
// AppendCompact it only delimits strings (with IndexByte), so it costs a
// small fraction of a validating scan.
func HasSpace(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case IsSpace(c):
			return true
		case c == '"':
			end := StringEnd(b, i)
			if end < 0 {
				return false
			}
			i = end - 1
		}
	}
	return false
}
