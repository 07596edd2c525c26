package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// stream reads one large JSON document piece by piece: it delimits one
// value at a time (kept in a buffer, or skipped without being kept), so a
// HAR of any size is read with memory bounded by its largest entry. It
// counts lines, for positions. It only delimits: a kept value is
// validated by whoever reads it.
type stream struct {
	br   *bufio.Reader
	line int   // the line the next byte is on (1-based)
	off  int64 // bytes consumed
}

func newStream(r io.Reader) *stream {
	return &stream{br: bufio.NewReaderSize(r, 256<<10), line: 1}
}

// errTooBig is the error of a kept value longer than its cap.
type errTooBig struct{ max int }

func (e errTooBig) Error() string { return fmt.Sprintf("longer than %d bytes (--max-line)", e.max) }

// syntaxErr is a structural error at the current position.
func (s *stream) syntaxErr(format string, args ...any) error {
	return fmt.Errorf("line %d (byte %d): %s", s.line, s.off, fmt.Sprintf(format, args...))
}

// unexpectedEnd is the error of a document that ends early.
func (s *stream) unexpectedEnd(in string) error {
	return fmt.Errorf("line %d (byte %d): unexpected end of the file in %s (truncated?)", s.line, s.off, in)
}

// peek skips whitespace and returns the next byte without consuming it,
// or io.EOF.
func (s *stream) peek() (byte, error) {
	for {
		b, err := s.br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		default:
			return b[0], nil
		}
		s.br.Discard(1)
		s.off++
	}
}

// expect consumes byte c (after whitespace), naming what in an error.
func (s *stream) expect(c byte, in string) error {
	got, err := s.peek()
	if err == io.EOF {
		return s.unexpectedEnd(in)
	}
	if err != nil {
		return err
	}
	if got != c {
		return s.syntaxErr("%s: want %q, found %q", in, c, got)
	}
	s.br.Discard(1)
	s.off++
	return nil
}

// key reads an object key and its ':' and returns the key's text.
func (s *stream) key(in string) (string, error) {
	raw, err := s.value(nil, true, 1<<20, in)
	if err != nil {
		return "", err
	}
	if raw[0] != '"' {
		return "", s.syntaxErr("%s: want an object key string, found %q", in, raw[0])
	}
	k, err := jsonscan.Unquote(raw)
	if err != nil {
		return "", s.syntaxErr("%s: %v", in, err)
	}
	return k, s.expect(':', in)
}

// next consumes the ',' between members or elements and reports whether
// another follows (false: the closing byte end was consumed).
func (s *stream) next(end byte, in string) (bool, error) {
	c, err := s.peek()
	if err == io.EOF {
		return false, s.unexpectedEnd(in)
	}
	if err != nil {
		return false, err
	}
	s.br.Discard(1)
	s.off++
	switch c {
	case ',':
		return true, nil
	case end:
		return false, nil
	}
	return false, s.syntaxErr("%s: want ',' or %q, found %q", in, end, c)
}

// value delimits the JSON value that starts at the next non-space byte:
// appended to dst when keep, else skipped. A kept value longer than limit
// bytes is skipped to its end and is an errTooBig. It tracks strings and nesting only, so that a value whose
// brackets balance is delimited whatever is wrong inside it.
func (s *stream) value(dst []byte, keep bool, limit int, in string) ([]byte, error) {
	if _, err := s.peek(); err == io.EOF {
		return dst, s.unexpectedEnd(in)
	} else if err != nil {
		return dst, err
	}
	start, n := len(dst), 0
	depth, inStr, esc, scalar, over := 0, false, false, false, false
	for {
		chunk, err := s.br.Peek(max(s.br.Buffered(), 1))
		if len(chunk) == 0 {
			if err == io.EOF && scalar && depth == 0 {
				return dst, nil // a scalar ends the input
			}
			if err == io.EOF {
				return dst, s.unexpectedEnd(in)
			}
			return dst, err
		}
		i, done := 0, false
	scan:
		for ; i < len(chunk); i++ {
			c := chunk[i]
			if inStr {
				if esc {
					esc = false
					continue
				}
				if j := bytes.IndexAny(chunk[i:], "\"\\\n"); j < 0 {
					i = len(chunk) - 1
					continue
				} else {
					i += j
				}
				switch chunk[i] {
				case '\\':
					esc = true
				case '"':
					inStr = false
					if depth == 0 {
						i++
						done = true
						break scan
					}
				case '\n':
					s.line++
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 { // ends the enclosing container: a scalar's end
					done = true
					break scan
				}
				depth--
				if depth == 0 {
					i++
					done = true
					break scan
				}
			case ',', ' ', '\t', '\r', '\n':
				if depth == 0 {
					done = true
					break scan
				}
				if c == '\n' {
					s.line++
				}
			default:
				if depth == 0 {
					scalar = true
				}
			}
		}
		if keep && !over {
			if len(dst)-start+i > limit {
				over, dst = true, dst[:start]
			} else {
				dst = append(dst, chunk[:i]...)
			}
		}
		s.br.Discard(i)
		s.off += int64(i)
		n += i
		if done {
			switch {
			case n == 0:
				return dst, s.syntaxErr("%s: want a value", in)
			case over:
				return dst, errTooBig{limit}
			}
			return dst, nil
		}
	}
}

// isTooBig reports whether err is a kept value over its cap.
func isTooBig(err error) bool {
	var tb errTooBig
	return errors.As(err, &tb)
}
