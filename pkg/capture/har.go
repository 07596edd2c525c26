package capture

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
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
	for {
		k, err := s.key(in)
		if err != nil {
			return false, err
		}
		took, err := fn(k)
		if err != nil || took {
			return took, err
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
		for {
			more, err := s.next('}', in)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			k, err := s.key(in)
			if err != nil {
				return err
			}
			if _, err := s.value(nil, false, 0, in+"."+k); err != nil {
				return err
			}
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

// harEntry is what xr reads of a HAR 1.2 entry. Cookies are not read:
// they are the Cookie and Set-Cookie headers again; timings and cache
// say how the fetch went, not what was exchanged, and would make every
// capture of the same content hash differently.
type harEntry struct {
	StartedDateTime *string
	Request         *struct {
		Method      *string
		URL         *string
		HTTPVersion string
		Headers     []harHeader
		PostData    *struct {
			MimeType string
			Text     *string
			Params   []harHeader
		}
	}
	Response *struct {
		Status      json.Number
		StatusText  string
		HTTPVersion string
		Headers     []harHeader
		Content     *struct {
			MimeType string
			Text     *string
			Encoding string
		}
	}
}

type harHeader struct {
	Name  string
	Value string
}

// parseHAREntry turns one entry into an Exchange.
func parseHAREntry(raw []byte) (*Exchange, error) {
	if err := jsonscan.Valid(raw); err != nil {
		return nil, err
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("want an object, found %s", kindOf(raw[0]))
	}
	var e harEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, harJSONError(err)
	}
	if e.Request == nil {
		return nil, errors.New("request: missing")
	}
	ex := &Exchange{}
	r := e.Request
	switch {
	case r.Method == nil || *r.Method == "":
		return nil, errors.New("request.method: missing")
	case r.URL == nil || *r.URL == "":
		return nil, errors.New("request.url: missing")
	}
	ex.Request = Request{Method: *r.Method, URL: *r.URL, Message: Message{HTTPVersion: r.HTTPVersion, Headers: headers(r.Headers)}}
	if p := r.PostData; p != nil {
		ex.Request.MediaType, ex.Request.Text = p.MimeType, true
		switch {
		case p.Text != nil:
			ex.Request.Body = []byte(*p.Text)
		case len(p.Params) > 0:
			ex.Request.Body = []byte(formText(p.Params))
		}
	}
	if e.StartedDateTime != nil {
		t, err := envelope.ParseTime(*e.StartedDateTime)
		if err != nil {
			return nil, fmt.Errorf("startedDateTime: %w", err)
		}
		ex.Started = t
	}
	if resp := e.Response; resp != nil {
		status, err := strconv.Atoi(string(resp.Status))
		if err != nil && resp.Status != "" {
			return nil, fmt.Errorf("response.status: not an integer: %s", resp.Status)
		}
		ex.Response = &Response{Status: status, StatusText: resp.StatusText,
			Message: Message{HTTPVersion: resp.HTTPVersion, Headers: headers(resp.Headers)}}
		if c := resp.Content; c != nil {
			ex.Response.MediaType = c.MimeType
			if err := harBody(&ex.Response.Message, c.Text, c.Encoding); err != nil {
				return nil, err
			}
		}
	}
	return ex, nil
}

// harBody sets the response body from content.text, which HAR 1.2 holds
// decoded from every content coding (so decoded names them, from the
// Content-Encoding header) and, for binary content, in base64.
func harBody(m *Message, text *string, encoding string) error {
	if text == nil {
		return nil
	}
	switch encoding {
	case "":
		m.Body, m.Text = []byte(*text), true
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*text))
		if err != nil {
			return fmt.Errorf("response.content.text: bad base64: %w", err)
		}
		m.Body = b
	default:
		return fmt.Errorf("response.content.encoding: %q: want \"base64\" or none", encoding)
	}
	if len(m.Body) > 0 {
		m.Decoded = contentCodings(m.Headers)
	}
	return nil
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

func headers(hs []harHeader) []Header {
	out := make([]Header, len(hs))
	for i, h := range hs {
		out[i] = Header(h)
	}
	return out
}

// formText is HAR postData.params as an application/x-www-form-urlencoded
// body, for exporters that give params without text.
func formText(ps []harHeader) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value))
	}
	return b.String()
}

// harJSONError says what is wrong with an entry in HAR's terms.
func harJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: want %s, found %s", harField(te.Field), typeName(te.Type), te.Value)
	}
	return err
}

// harField spells a Go field path in HAR's names: Request.PostData.Text →
// request.postData.text.
func harField(f string) string {
	parts := strings.Split(f, ".")
	for i, p := range parts {
		if p == "URL" {
			parts[i] = "url"
		} else if p == "HTTPVersion" {
			parts[i] = "httpVersion"
		} else if p != "" {
			parts[i] = strings.ToLower(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, ".")
}

// typeName names the JSON kind a Go type takes.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[json.Number]():
		return "a number"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Slice:
		return "an array"
	}
	return "an object"
}
