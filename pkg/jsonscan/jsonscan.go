// Package jsonscan validates and slices JSON text without decoding it into
// Go values, so that payload bytes (number lexemes, escapes, key order)
// survive untouched. It accepts exactly what RFC 8259 accepts: UTF-8 text,
// no comments, no trailing commas, no NaN, no leading zeros.
//
// Lone surrogate escapes such as "\ud800" are valid JSON grammar and are
// accepted here; consumers that must produce UTF-8 (the content hash)
// reject them themselves.
package jsonscan

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects accepted. The
// reference tool (CPython's json) fails at about 1000 levels; deeper input
// is refused rather than risking unbounded recursion.
const MaxDepth = 1000

// MaxIntDigits is CPython's default limit on the digits of an integer it
// will parse (sys.get_int_max_str_digits): the reference tool cannot read
// a line holding a longer one, and its hash cannot be reproduced, so xr
// refuses it wherever it first reads the JSON.
const MaxIntDigits = 4300

// ErrIntTooLong is the error for an integer over MaxIntDigits digits.
var ErrIntTooLong = errors.New("integer has more than 4300 digits (the reference tool cannot read it)")

// SyntaxError reports invalid JSON at a byte offset of the scanned text.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// ErrTooDeep is wrapped by the error for input nested beyond MaxDepth.
var ErrTooDeep = errors.New("nested too deeply")

func synErr(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// IsSpace reports whether c is JSON insignificant whitespace.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipSpace returns the index of the first non-whitespace byte at or after i.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && IsSpace(b[i]) {
		i++
	}
	return i
}

// Valid reports whether b holds exactly one JSON value, optionally
// surrounded by whitespace.
func Valid(b []byte) error {
	i := SkipSpace(b, 0)
	end, err := Skip(b, i)
	if err != nil {
		return err
	}
	if j := SkipSpace(b, end); j != len(b) {
		return synErr(j, "unexpected %s after the value", describe(b[j]))
	}
	return nil
}

// Skip validates the JSON value that starts at b[i] and returns the index
// just past it.
func Skip(b []byte, i int) (int, error) {
	return skip(b, i, 0)
}

func skip(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, synErr(i, "unexpected end of input, want a value")
	}
	switch c := b[i]; {
	case c == '"':
		return SkipString(b, i)
	case c == '{':
		return skipObject(b, i, depth+1)
	case c == '[':
		return skipArray(b, i, depth+1)
	case c == '-' || (c >= '0' && c <= '9'):
		return SkipNumber(b, i)
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	default:
		return i, synErr(i, "unexpected %s, want a value", describe(c))
	}
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, synErr(i, "invalid literal, want %s", lit)
	}
	return i + len(lit), nil
}

// skipObject is Object's loop written out, as skipArray is the array
// steps': the validator's inner loop, where reading through Object costs
// a third more time on a document of small objects (BenchmarkSkipObjects).
// Its errors are Object's (objectErr).
func skipObject(b []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return i, TooDeep(i)
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, objectErr(b, i, wantKey)
		}
		var err error
		if i, err = SkipString(b, i); err != nil {
			return i, err
		}
		i = SkipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return i, objectErr(b, i, wantColon)
		}
		if i, err = skip(b, SkipSpace(b, i+1), depth); err != nil {
			return i, err
		}
		i = SkipSpace(b, i)
		switch {
		case i < len(b) && b[i] == ',':
			i = SkipSpace(b, i+1)
		case i < len(b) && b[i] == '}':
			return i + 1, nil
		default:
			return i, objectErr(b, i, wantSep)
		}
	}
}

// skipArray is FirstElement and NextElement written out: the validator's
// inner loop, where a call per element costs a fifth more instructions on
// a document of short elements (callgrind, BenchmarkSkipArrays). Its
// errors are theirs (arrayErr).
func skipArray(b []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return i, TooDeep(i)
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = skip(b, i, depth); err != nil {
			return i, err
		}
		i = SkipSpace(b, i)
		switch {
		case i < len(b) && b[i] == ',':
			i = SkipSpace(b, i+1)
		case i < len(b) && b[i] == ']':
			return i + 1, nil
		default:
			return i, arrayErr(b, i, false)
		}
	}
}

// SkipNumber validates the number lexeme at b[i] and returns the index past it.
func SkipNumber(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, synErr(i, "number has no digits")
	case b[i] == '0':
		i++
		if i < len(b) && b[i] >= '0' && b[i] <= '9' {
			return i, synErr(start, "number has a leading zero")
		}
	case b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return i, synErr(i, "number has no digits")
	}
	intEnd := i
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, synErr(i, "number has no digits after '.'")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, synErr(i, "number has no digits in its exponent")
		}
	}
	if i == intEnd && i-start > MaxIntDigits && (b[start] != '-' || i-start-1 > MaxIntDigits) {
		return i, fmt.Errorf("number at byte %d: %w", start, ErrIntTooLong)
	}
	return i, nil
}

// stop marks the bytes that end a plain run inside a string: '"', '\\'
// and controls. Everything else is copied or checked as UTF-8 in bulk.
var stop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// SkipString validates the string at b[i] (which must be '"') and returns
// the index past its closing quote. It checks escapes and UTF-8.
func SkipString(b []byte, i int) (int, error) {
	i++
	for {
		k, high := PlainRun(b, i, false)
		if high && !utf8.Valid(b[i:k]) {
			for i < k {
				r, size := utf8.DecodeRune(b[i:k])
				if r == utf8.RuneError && size <= 1 {
					return i, synErr(i, "invalid UTF-8 in string")
				}
				i += size
			}
		}
		i = k
		if i >= len(b) {
			return i, synErr(i, "unexpected end of input in string")
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			n, err := escapeLen(b, i)
			if err != nil {
				return i, err
			}
			i += n
		default:
			return i, synErr(i, "control character %#02x in string", c)
		}
	}
}

// escapeLen validates the escape sequence at b[i] ('\\') and returns its length.
func escapeLen(b []byte, i int) (int, error) {
	if i+1 >= len(b) {
		return 0, synErr(i, "unexpected end of input in escape")
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		if i+6 > len(b) {
			return 0, synErr(i, "truncated \\u escape")
		}
		for _, h := range b[i+2 : i+6] {
			if hexVal(h) < 0 {
				return 0, synErr(i, "invalid \\u escape")
			}
		}
		return 6, nil
	default:
		return 0, synErr(i, "invalid escape \\%c", b[i+1])
	}
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func describe(c byte) string {
	switch {
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", c)
	default:
		return fmt.Sprintf("byte %#02x", c)
	}
}
