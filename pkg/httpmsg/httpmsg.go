// Package httpmsg reads an HTTP/1.x message held as raw bytes — a WARC
// request or response record's block — into its start line, its header
// fields (names as captured, order kept) and its body, undoing the
// transfer and content codings a capture keeps as they went over the wire
// (chunked; gzip, deflate, br, zstd) and saying which it undid.
//
// A capture is evidence: a body whose coding cannot be undone (a truncated
// gzip stream, an unknown coding) keeps its bytes as captured, with the
// reason in Message.DecodeError, rather than failing the import; only a
// start line or header that is not HTTP is an error.
package httpmsg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Field is one header field as captured.
type Field struct{ Name, Value string }

// Message is a parsed HTTP/1.x request or response.
type Message struct {
	// Request line (Method non-empty) or status line (Status non-zero).
	Method, Target string
	Status         int
	Reason         string
	Proto          string // "HTTP/1.1"
	Header         []Field
	// Body after undoing the codings in Decoded, in the order undone
	// ("chunked", then content codings from the last applied to the first).
	Body    []byte
	Decoded []string
	// DecodeError says why a coding was left in place (Body then holds the
	// bytes as they were before that coding was tried).
	DecodeError string
}

// ErrTooLarge is a body that, decoded, would pass the caller's limit.
var ErrTooLarge = errors.New("decoded body larger than the limit")

// Get returns the first value of the header field name (case-insensitive).
func (m *Message) Get(name string) string {
	for _, f := range m.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns every value of the header field name, in order.
func (m *Message) Values(name string) []string {
	var vs []string
	for _, f := range m.Header {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Parse reads an HTTP/1.x request or response from b and decodes its body,
// refusing a decoded body over max bytes (max <= 0: no limit).
func Parse(b []byte, max int64) (*Message, error) {
	m := &Message{}
	line, rest, err := cutLine(b)
	if err != nil {
		return nil, fmt.Errorf("start line: %w", err)
	}
	if err := m.parseStartLine(line); err != nil {
		return nil, err
	}
	for {
		line, rest, err = cutLine(rest)
		if err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		if len(line) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(m.Header) > 0 {
			m.Header[len(m.Header)-1].Value += " " + strings.TrimSpace(string(line))
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("header: not a field: %q", clip(line))
		}
		m.Header = append(m.Header, Field{string(name), strings.TrimSpace(string(value))})
	}
	m.Body = rest
	if err := m.decode(max); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Message) parseStartLine(line []byte) error {
	s := string(line)
	if strings.HasPrefix(s, "HTTP/") {
		proto, rest, _ := strings.Cut(s, " ")
		code, reason, _ := strings.Cut(rest, " ")
		n, err := strconv.Atoi(code)
		if err != nil || n < 100 || n > 999 {
			return fmt.Errorf("status line: bad status code %q", clip(line))
		}
		m.Proto, m.Status, m.Reason = proto, n, reason
		return nil
	}
	f := strings.Fields(s)
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/") {
		return fmt.Errorf("start line: neither a request nor a status line: %q", clip(line))
	}
	m.Method, m.Target, m.Proto = f[0], f[1], f[2]
	return nil
}

// decode undoes Transfer-Encoding chunked, then the content codings.
func (m *Message) decode(max int64) error {
	for _, te := range m.Values("Transfer-Encoding") {
		for _, c := range splitList(te) {
			if c != "chunked" {
				continue
			}
			body, err := Dechunk(m.Body)
			if err != nil {
				m.DecodeError = "chunked: " + err.Error()
				return nil
			}
			m.Body = body
			m.Decoded = append(m.Decoded, "chunked")
		}
	}
	var codings []string
	for _, ce := range m.Values("Content-Encoding") {
		codings = append(codings, splitList(ce)...)
	}
	body, done, err := DecodeContent(codings, m.Body, max)
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	m.Body = body
	m.Decoded = append(m.Decoded, done...)
	if err != nil {
		m.DecodeError = err.Error()
	}
	return nil
}

// DecodeContent undoes the content codings (as listed in Content-Encoding,
// first applied first) from the last to the first, returning the body, the
// codings undone, and — when one could not be undone — the body as it was
// before it with the reason. identity is skipped and not reported.
func DecodeContent(codings []string, body []byte, max int64) ([]byte, []string, error) {
	var done []string
	for i := len(codings) - 1; i >= 0; i-- {
		c := strings.ToLower(strings.TrimSpace(codings[i]))
		if c == "" || c == "identity" {
			continue
		}
		out, err := decodeOne(c, body, max)
		if err != nil {
			return body, done, fmt.Errorf("%s: %w", c, err)
		}
		body = out
		done = append(done, c)
	}
	return body, done, nil
}

func decodeOne(coding string, body []byte, max int64) ([]byte, error) {
	var r io.Reader
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r = zr
	case "deflate":
		// RFC 9110 says zlib; some servers send raw deflate
		if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(body))
		}
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, errors.New("unknown content coding: kept as captured")
	}
	return readLimited(r, max)
}

// readLimited reads r whole, failing with ErrTooLarge past max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		return io.ReadAll(r)
	}
	out, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)
	}
	return out, nil
}

// Dechunk undoes the chunked transfer coding (RFC 9112 section 7.1),
// dropping chunk extensions and trailer fields.
func Dechunk(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for {
		line, rest, err := cutLine(b)
		if err != nil {
			return nil, errors.New("chunk size line: " + err.Error())
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimSpace(size)), 16, 63)
		if err != nil {
			return nil, fmt.Errorf("bad chunk size %q", clip(line))
		}
		if n == 0 {
			return out, nil // trailer fields, if any, are not body
		}
		if uint64(len(rest)) < n+2 {
			return nil, fmt.Errorf("chunk of %d bytes cut short (%d left)", n, len(rest))
		}
		out = append(out, rest[:n]...)
		if rest[n] != '\r' || rest[n+1] != '\n' {
			if rest[n] != '\n' {
				return nil, fmt.Errorf("chunk of %d bytes not followed by CRLF", n)
			}
			rest = rest[n+1:]
		} else {
			rest = rest[n+2:]
		}
		b = rest
	}
}

// cutLine splits off one line ending in CRLF (or a bare LF, which
// RFC 9112 lets a recipient accept).
func cutLine(b []byte) (line, rest []byte, err error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, nil, errors.New("no line end")
	}
	line = b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, b[i+1:], nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, strings.ToLower(p))
		}
	}
	return out
}

func clip(b []byte) []byte {
	if len(b) > 60 {
		return append(b[:60:60], "…"...)
	}
	return b
}
