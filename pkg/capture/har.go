package capture

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
)

func init() {
	Register(&Format{
		Name: "har",
		Doc:  "HTTP Archive 1.2 (browser devtools, proxies): each of log.entries, streamed",
		Open: openHAR,
	})
}

// harReader walks log.entries of a HAR document one entry at a time:
// members before and after entries are skipped without being kept, so
// memory is bounded by the largest entry (--max-line), whatever the size
// of the file.
type harReader struct {
	s     *stream
	b     *Builder
	file  string
	state int // harStart, harEntries, harDone
	n     int // entries read
	buf   []byte
}

const (
	harStart = iota
	harEntries
	harDone
)

func openHAR(in io.Reader, file string, b *Builder) (Reader, error) {
	return &harReader{s: newStream(in), b: b, file: file}, nil
}

func (h *harReader) Next() (*envelope.Record, error) {
	switch h.state {
	case harDone:
		return nil, io.EOF
	case harStart:
		if err := h.findEntries(); err != nil {
			h.state = harDone
			return nil, err
		}
		h.state = harEntries
		c, err := h.s.peek()
		if err == nil && c == ']' {
			h.s.br.Discard(1)
			h.s.off++
			return nil, h.finish()
		}
	default:
		more, err := h.s.next(']', "log.entries")
		if err != nil {
			h.state = harDone
			return nil, err
		}
		if !more {
			return nil, h.finish()
		}
	}
	pos := Position{Format: "har", File: h.file, Item: "entries/" + strconv.Itoa(h.n)}
	h.n++
	if _, err := h.s.peek(); err == nil {
		pos.Line = h.s.line
	}
	var err error
	h.buf, err = h.s.value(h.buf[:0], true, h.b.o.MaxLine, "log.entries")
	switch {
	case isTooBig(err):
		return nil, &ItemError{Pos: pos, Err: fmt.Errorf("entry %v", err)}
	case err != nil:
		h.state = harDone
		where := pos
		where.File = "" // Each names the file
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	ex, err := parseHAREntry(h.buf)
	if err != nil {
		return nil, &ItemError{Pos: pos, Raw: h.buf, Err: err}
	}
	ex.Pos = pos
	rec, err := h.b.HTTP(ex)
	return rec, asItem(err, pos, h.buf)
}

// findEntries reads up to the first element of log.entries.
func (h *harReader) findEntries() error {
	s := h.s
	if b, err := s.br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		s.br.Discard(3) // a UTF-8 BOM, as some exporters write
		s.off += 3
	}
	c, err := s.peek()
	if err == io.EOF {
		return errors.New("empty file: want a HAR document")
	}
	if err != nil {
		return err
	}
	if c != '{' {
		return s.syntaxErr("not a HAR document: want a JSON object, found %q", c)
	}
	s.br.Discard(1)
	s.off++
	found, err := h.members("the document", func(k string) (bool, error) {
		if k != "log" {
			return false, nil
		}
		if err := s.expect('{', "log"); err != nil {
			return false, err
		}
		found, err := h.members("log", func(k string) (bool, error) {
			if k != "entries" {
				return false, nil
			}
			return true, s.expect('[', "log.entries")
		})
		if err == nil && !found {
			err = errNoEntries(s.line)
		}
		return true, err
	})
	switch {
	case err != nil:
		return err
	case !found:
		return errNoEntries(s.line)
	}
	return nil
}

func errNoEntries(line int) error {
	return fmt.Errorf("line %d: not a HAR document: no log.entries", line)
}

// members walks the members of the object whose '{' is read until fn
// takes one (returns true, with the stream inside that member's value);
// fn returning false skips the value. found is false when the object
// ended with no member taken.
func (h *harReader) members(in string, fn func(key string) (bool, error)) (found bool, err error) {
	s := h.s
	if c, err := s.peek(); err == nil && c == '}' {
		s.br.Discard(1)
		s.off++
		return false, nil
	}
	return h.membersFrom(in, fn)
}

// membersFrom is members from a key on: the one loop over the members of
// an object in the stream (the stream's counterpart of jsonscan.Object,
// which reads a value held whole in memory). A nil fn skips every member.
func (h *harReader) membersFrom(in string, fn func(key string) (bool, error)) (found bool, err error) {
	s := h.s
	for {
		k, err := s.key(in)
		if err != nil {
			return false, err
		}
		if fn != nil {
			if took, err := fn(k); err != nil || took {
				return took, err
			}
		}
		if _, err := s.value(nil, false, 0, in+"."+k); err != nil {
			return false, err
		}
		if more, err := s.next('}', in); err != nil || !more {
			return false, err
		}
	}
}

// finish reads what follows log.entries, up to the end of the document:
// a HAR cut short is an error even when its entries were all read.
func (h *harReader) finish() error {
	h.state = harDone
	s := h.s
	for _, in := range []string{"log", "the document"} {
		more, err := s.next('}', in)
		if err == nil && more {
			_, err = h.membersFrom(in, nil)
		}
		if err != nil {
			return err
		}
	}
	if c, err := s.peek(); err != io.EOF {
		if err != nil {
			return err
		}
		return s.syntaxErr("unexpected %q after the HAR document", c)
	}
	return io.EOF
}

// contentCodings lists the codings of the Content-Encoding headers, in
// the order they were applied (identity left out).
func contentCodings(h []Header) []string {
	var out []string
	for _, x := range h {
		if !strings.EqualFold(x.Name, "Content-Encoding") {
			continue
		}
		for _, c := range strings.Split(x.Value, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				out = append(out, c)
			}
		}
	}
	return out
}

// formText is HAR postData.params as an application/x-www-form-urlencoded
// body, for exporters that give params without text.
func formText(ps []Header) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value))
	}
	return b.String()
}
