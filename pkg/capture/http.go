package capture

import (
	"encoding/base64"
	"mime"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// Header is one HTTP header as captured (name spelled as captured).
type Header struct{ Name, Value string }

// Message is what a request and a response share.
type Message struct {
	HTTPVersion string   // "HTTP/1.1", "h2"; "" when the capture does not say
	Headers     []Header // in captured order, repeats kept
	Body        []byte   // the body, its content codings undone (see Decoded)
	// Text: Body is text already (HAR's content.text); it is never turned
	// into base64 while it is valid UTF-8.
	Text bool
	// MediaType is the capture's own (HAR's mimeType); "" takes the
	// Content-Type header.
	MediaType string
	// Decoded lists the codings the reader undid, in the order undone
	// ("chunked", "gzip", "br", "deflate"; "base64" for HAR's encoding).
	Decoded []string
	// DecodeError says why a coding in the capture was left in place (the
	// body then holds the bytes as captured, before that coding).
	DecodeError string
	// Truncated: the capture holds only part of the body, and why (WARC's
	// WARC-Truncated: "length", "time", "disconnect", "unspecified").
	Truncated string
}

// Request is the request side of an HTTP exchange.
type Request struct {
	Method string
	URL    string
	Message
}

// Response is the response side of an HTTP exchange.
type Response struct {
	Status     int
	StatusText string
	Message
}

// Exchange is one captured HTTP exchange: what HAR entries and WARC
// request/response pairs have in common.
type Exchange struct {
	Request  Request
	Response *Response // nil: the capture holds no response
	Started  time.Time // zero: unknown (observed_at_utc is then now)
	Pos      Position
}

// HTTP builds the envelope of an HTTP exchange (docs/capture.md, "HTTP
// envelopes"): exchange_type http, source_system the URL's host,
// entity_type resource, natural_key the method and the URL with its query
// parameters sorted, request and response as structured objects.
func (b *Builder) HTTP(ex *Exchange) (*envelope.Record, error) {
	u, _ := url.Parse(ex.Request.URL) // nil for a URL that does not parse: kept as captured
	key := jsonscan.AppendQuoteString(nil, strings.ToUpper(ex.Request.Method)+" "+NaturalURL(ex.Request.URL))
	e := Entry{
		Type:     "http",
		Entity:   "resource",
		Key:      key,
		Request:  appendRequest(nil, &ex.Request, u),
		Observed: ex.Started,
		Pos:      ex.Pos,
	}
	if u != nil {
		e.Source = strings.ToLower(u.Host)
	}
	if ex.Response != nil {
		e.Response = appendResponse(nil, ex.Response)
	}
	return b.Build(&e)
}

// NaturalURL is the URL as the default natural key holds it: scheme and
// host in lower case, user and password and the fragment dropped, the query's name=value pairs
// sorted (by decoded name, then decoded value; each pair spelled as
// captured), so that two captures of one resource whose clients ordered
// the parameters differently get one key.
func NaturalURL(raw string) string {
	s, _, _ := strings.Cut(raw, "#")
	base, query, hasQuery := strings.Cut(s, "?")
	if scheme, rest, ok := strings.Cut(base, "://"); ok {
		host, path, _ := strings.Cut(rest, "/")
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:] // credentials name no resource
		}
		base = strings.ToLower(scheme) + "://" + strings.ToLower(host)
		if strings.Contains(rest, "/") {
			base += "/" + path
		}
	}
	if !hasQuery {
		return base
	}
	pairs := strings.Split(query, "&")
	pairs = slices.DeleteFunc(pairs, func(p string) bool { return p == "" })
	slices.SortStableFunc(pairs, func(a, b string) int {
		an, av := splitPair(a)
		bn, bv := splitPair(b)
		if c := strings.Compare(an, bn); c != 0 {
			return c
		}
		return strings.Compare(av, bv)
	})
	return base + "?" + strings.Join(pairs, "&")
}

// splitPair decodes one name=value pair of a query (undecodable parts are
// kept as they are).
func splitPair(p string) (name, value string) {
	n, v, _ := strings.Cut(p, "=")
	return unescape(n), unescape(v)
}

func unescape(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

func appendRequest(b []byte, r *Request, u *url.URL) []byte {
	b = append(b, `{"method":`...)
	b = jsonscan.AppendQuoteString(b, r.Method)
	b = append(b, `,"url":`...)
	b = jsonscan.AppendQuoteString(b, r.URL)
	if r.HTTPVersion != "" {
		b = append(b, `,"http_version":`...)
		b = jsonscan.AppendQuoteString(b, r.HTTPVersion)
	}
	b = append(b, `,"query":`...)
	raw := ""
	if u != nil {
		raw = u.RawQuery
	}
	b = appendQuery(b, raw)
	b = appendMessage(b, &r.Message)
	return append(b, '}')
}

func appendResponse(b []byte, r *Response) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	if r.StatusText != "" {
		b = append(b, `,"status_text":`...)
		b = jsonscan.AppendQuoteString(b, r.StatusText)
	}
	if r.HTTPVersion != "" {
		b = append(b, `,"http_version":`...)
		b = jsonscan.AppendQuoteString(b, r.HTTPVersion)
	}
	b = appendMessage(b, &r.Message)
	return append(b, '}')
}

// appendQuery writes the query parameters as an object of name → list of
// values, names in the order they first appear, both percent-decoded. An
// object, not a list of pairs, so that xr-redact's key rules see the
// names (?api_key=… becomes {"api_key":[…]}).
func appendQuery(b []byte, raw string) []byte {
	type param struct {
		name   string
		values []string
	}
	var params []param
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		n, v := splitPair(p)
		i := slices.IndexFunc(params, func(q param) bool { return q.name == n })
		if i < 0 {
			params = append(params, param{name: n})
			i = len(params) - 1
		}
		params[i].values = append(params[i].values, v)
	}
	b = append(b, '{')
	for i, p := range params {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendText(b, p.name)
		b = append(b, ':', '[')
		for j, v := range p.values {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendText(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendText quotes s, with bytes that are not UTF-8 replaced by U+FFFD
// (a header or parameter holds text; JSON cannot hold anything else).
func appendText(b []byte, s string) []byte {
	return jsonscan.AppendQuoteString(b, strings.ToValidUTF8(s, "\uFFFD"))
}

// appendMessage writes headers, media type and body of m.
func appendMessage(b []byte, m *Message) []byte {
	b = append(b, `,"headers":[`...)
	ctype := ""
	for i, h := range m.Headers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendText(b, h.Name)
		b = append(b, `,"value":`...)
		b = appendText(b, h.Value)
		b = append(b, '}')
		if ctype == "" && strings.EqualFold(h.Name, "Content-Type") {
			ctype = h.Value
		}
	}
	b = append(b, ']')
	mt := mediaType(or(m.MediaType, ctype))
	if mt != "" {
		b = append(b, `,"media_type":`...)
		b = appendText(b, mt)
	}
	if len(m.Body) > 0 {
		b = appendBody(b, m.Body, mt, m.Text)
	}
	if len(m.Decoded) > 0 {
		b = append(b, `,"decoded":[`...)
		for i, d := range m.Decoded {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendText(b, d)
		}
		b = append(b, ']')
	}
	if m.DecodeError != "" {
		b = append(b, `,"decode_error":`...)
		b = appendText(b, m.DecodeError)
	}
	if m.Truncated != "" {
		b = append(b, `,"truncated":`...)
		b = appendText(b, m.Truncated)
	}
	return b
}

// Body formats, as body_format says them.
const (
	BodyJSON   = "json"   // body is the JSON value itself (number lexemes kept)
	BodyText   = "text"   // body is a string
	BodyBase64 = "base64" // body is the bytes in standard base64
)

// appendBody writes body_format and body: a body whose media type is JSON
// and which parses as one JSON value is that value; valid UTF-8 text of a
// textual media type (or of none, when it holds no control characters) is
// a string; anything else is base64.
func appendBody(b, body []byte, mt string, text bool) []byte {
	switch {
	case isJSONType(mt) && jsonscan.Valid(body) == nil:
		b = append(b, `,"body_format":"json","body":`...)
		return jsonscan.AppendCompact(b, body)
	case utf8.Valid(body) && (text || isTextType(mt) || mt == "" && plainText(body)):
		b = append(b, `,"body_format":"text","body":`...)
		return jsonscan.AppendQuote(b, body)
	}
	b = append(b, `,"body_format":"base64","body":"`...)
	b = base64.StdEncoding.AppendEncode(b, body)
	return append(b, '"')
}

// mediaType is the essence of a Content-Type value ("application/json"),
// lower case, parameters dropped.
func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

func isJSONType(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// textTypes are the media types outside text/* whose bodies are text.
var textTypes = []string{
	"application/json", "application/xml", "application/javascript", "application/ecmascript",
	"application/x-javascript", "application/x-www-form-urlencoded", "application/graphql",
	"application/x-ndjson", "application/jsonl", "application/yaml", "application/x-yaml",
	"application/sql", "application/toml", "application/x-sh",
}

func isTextType(mt string) bool {
	return strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") ||
		strings.HasSuffix(mt, "+xml") || slices.Contains(textTypes, mt)
}

// plainText reports whether b holds no control characters but tab, line
// ends and form feed: text when no media type says otherwise.
func plainText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
			return false
		}
	}
	return true
}
