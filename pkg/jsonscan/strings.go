package jsonscan

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrLoneSurrogate is returned when a string escapes half of a UTF-16
// surrogate pair: valid JSON grammar, but no Unicode text.
var ErrLoneSurrogate = errors.New("string holds an unpaired UTF-16 surrogate escape, which is not Unicode text")

// AppendUnquote decodes the JSON string literal raw (with its quotes, already
// validated by SkipString) and appends its UTF-8 text to dst.
func AppendUnquote(dst, raw []byte) ([]byte, error) {
	s := raw[1 : len(raw)-1]
	for len(s) > 0 {
		j := 0
		for j < len(s) && s[j] != '\\' {
			j++
		}
		dst = append(dst, s[:j]...)
		if j == len(s) {
			break
		}
		s = s[j:]
		switch s[1] {
		case 'u':
			r := rune(hex4(s[2:6]))
			n := 6
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 || len(s) < 12 || s[6] != '\\' || s[7] != 'u' {
					return dst, ErrLoneSurrogate
				}
				r2 := rune(hex4(s[8:12]))
				if r2 < 0xdc00 || r2 > 0xdfff {
					return dst, ErrLoneSurrogate
				}
				r, n = utf16.DecodeRune(r, r2), 12
			}
			dst = utf8.AppendRune(dst, r)
			s = s[n:]
			continue
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		default: // '"', '\\', '/'
			dst = append(dst, s[1])
		}
		s = s[2:]
	}
	return dst, nil
}

// Unquote decodes a validated JSON string literal.
func Unquote(raw []byte) (string, error) {
	if !hasEscape(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	b, err := AppendUnquote(make([]byte, 0, len(raw)), raw)
	return string(b), err
}

func hasEscape(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' {
			return true
		}
	}
	return false
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// needsEscape marks the bytes AppendQuote must escape.
var needsEscape = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const lowerHex = "0123456789abcdef"

// AppendQuote appends s as a JSON string in the reference tool's form
// (Python's json.dumps with ensure_ascii=False): '"' and '\\' escaped, the
// controls \b \t \n \f \r by name, other controls as \u00xx, and every other
// character — U+007F, U+2028, '/', non-ASCII — as itself. s must be UTF-8.
func AppendQuote(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !needsEscape[c] {
			continue
		}
		dst = appendEscape(append(dst, s[start:i]...), c)
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendQuoteString is AppendQuote for a Go string.
func AppendQuoteString(dst []byte, s string) []byte {
	return AppendQuote(dst, []byte(s))
}

// AppendQuoteRune appends r's in-string form (without quotes) as
// AppendQuote writes it: an escape for '"', '\\' and controls, else UTF-8.
func AppendQuoteRune(dst []byte, r rune) []byte {
	if r < 0x80 && needsEscape[r] {
		return appendEscape(dst, byte(r))
	}
	return utf8.AppendRune(dst, r)
}

// appendEscape writes the escape of a byte that needsEscape.
func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\t':
		return append(dst, '\\', 't')
	case '\n':
		return append(dst, '\\', 'n')
	case '\f':
		return append(dst, '\\', 'f')
	case '\r':
		return append(dst, '\\', 'r')
	default:
		return append(dst, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
	}
}
