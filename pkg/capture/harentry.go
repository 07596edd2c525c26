package capture

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// parseHAREntry turns one entry of log.entries (its raw JSON) into an
// Exchange. It reads what was exchanged: the request and response lines,
// headers and bodies, and startedDateTime. Cookies are not read (they are
// the Cookie and Set-Cookie headers again); timings, cache and sizes say
// how the fetch went, not what was exchanged, and would make every capture
// of the same content hash differently.
//
// The entry is validated once, then read member by member without
// decoding anything it does not keep.
func parseHAREntry(raw []byte) (*Exchange, error) {
	if err := jsonscan.Valid(raw); err != nil {
		return nil, err
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("want an object, found %s", kindOf(raw[0]))
	}
	var started, req, resp []byte
	members(raw, func(k string, v []byte) {
		switch k {
		case "startedDateTime":
			started = v
		case "request":
			req = v
		case "response":
			resp = v
		}
	})
	ex := &Exchange{}
	if err := harRequest(&ex.Request, req); err != nil {
		return nil, err
	}
	if started != nil && !isNull(started) {
		s, err := str(started, "startedDateTime")
		if err != nil {
			return nil, err
		}
		if ex.Started, err = envelope.ParseTime(s); err != nil {
			return nil, fmt.Errorf("startedDateTime: %w", err)
		}
	}
	if resp != nil && !isNull(resp) {
		ex.Response = &Response{}
		if err := harResponse(ex.Response, resp); err != nil {
			return nil, err
		}
	}
	return ex, nil
}

func harRequest(r *Request, v []byte) error {
	if v == nil || isNull(v) {
		return errors.New("request: missing")
	}
	if v[0] != '{' {
		return fmt.Errorf("request: want an object, found %s", kindOf(v[0]))
	}
	var err error
	var post []byte
	members(v, func(k string, v []byte) {
		switch {
		case err != nil:
		case k == "method":
			r.Method, err = str(v, "request.method")
		case k == "url":
			r.URL, err = str(v, "request.url")
		case k == "httpVersion":
			r.HTTPVersion, err = str(v, "request.httpVersion")
		case k == "headers":
			r.Headers, err = harHeaders(v, "request.headers")
		case k == "postData":
			post = v
		}
	})
	switch {
	case err != nil:
		return err
	case r.Method == "":
		return errors.New("request.method: missing")
	case r.URL == "":
		return errors.New("request.url: missing")
	case post == nil || isNull(post):
		return nil
	case post[0] != '{':
		return fmt.Errorf("request.postData: want an object, found %s", kindOf(post[0]))
	}
	var text, params []byte
	members(post, func(k string, v []byte) {
		switch {
		case err != nil:
		case k == "mimeType":
			r.MediaType, err = str(v, "request.postData.mimeType")
		case k == "text":
			text = v
		case k == "params":
			params = v
		}
	})
	if err != nil {
		return err
	}
	r.Text = true
	switch {
	case text != nil && !isNull(text):
		if text[0] != '"' {
			return fmt.Errorf("request.postData.text: want a string, found %s", kindOf(text[0]))
		}
		r.Body, err = jsonscan.AppendUnquote(nil, text)
	case params != nil && !isNull(params):
		var ps []Header
		if ps, err = harHeaders(params, "request.postData.params"); err == nil {
			r.Body = []byte(formText(ps))
		}
	}
	return err
}

func harResponse(r *Response, v []byte) error {
	if v[0] != '{' {
		return fmt.Errorf("response: want an object, found %s", kindOf(v[0]))
	}
	var err error
	var content []byte
	members(v, func(k string, v []byte) {
		switch {
		case err != nil:
		case k == "status":
			r.Status, err = harStatus(v)
		case k == "statusText":
			r.StatusText, err = str(v, "response.statusText")
		case k == "httpVersion":
			r.HTTPVersion, err = str(v, "response.httpVersion")
		case k == "headers":
			r.Headers, err = harHeaders(v, "response.headers")
		case k == "content":
			content = v
		}
	})
	if err != nil || content == nil || isNull(content) {
		return err
	}
	if content[0] != '{' {
		return fmt.Errorf("response.content: want an object, found %s", kindOf(content[0]))
	}
	var text []byte
	var encoding string
	members(content, func(k string, v []byte) {
		switch {
		case err != nil:
		case k == "mimeType":
			r.MediaType, err = str(v, "response.content.mimeType")
		case k == "encoding":
			encoding, err = str(v, "response.content.encoding")
		case k == "text":
			text = v
		}
	})
	if err != nil || text == nil || isNull(text) {
		return err
	}
	return harBody(&r.Message, text, encoding)
}

// harBody sets the response body from content.text, which HAR 1.2 holds
// decoded from every content coding (so decoded names them, from the
// Content-Encoding header) and, for binary content, in base64.
func harBody(m *Message, text []byte, encoding string) error {
	if text[0] != '"' {
		return fmt.Errorf("response.content.text: want a string, found %s", kindOf(text[0]))
	}
	body, err := jsonscan.AppendUnquote(nil, text)
	if err != nil {
		return fmt.Errorf("response.content.text: %w", err)
	}
	switch encoding {
	case "":
		m.Body, m.Text = body, true
	case "base64":
		b := make([]byte, base64.StdEncoding.DecodedLen(len(body)))
		n, err := base64.StdEncoding.Decode(b, bytes.TrimSpace(body))
		if err != nil {
			return fmt.Errorf("response.content.text: bad base64: %w", err)
		}
		m.Body = b[:n]
	default:
		return fmt.Errorf("response.content.encoding: %q: want \"base64\" or none", encoding)
	}
	if len(m.Body) > 0 {
		m.Decoded = contentCodings(m.Headers)
	}
	return nil
}

// harStatus reads response.status, an integer.
func harStatus(v []byte) (int, error) {
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return 0, fmt.Errorf("response.status: want a number, found %s", kindOf(v[0]))
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("response.status: not an integer: %s", clip(v))
	}
	return n, nil
}

// harHeaders reads a list of {"name","value"} objects (headers, params).
func harHeaders(v []byte, field string) ([]Header, error) {
	if isNull(v) {
		return nil, nil
	}
	if v[0] != '[' {
		return nil, fmt.Errorf("%s: want an array, found %s", field, kindOf(v[0]))
	}
	var out []Header
	var err error
	elements(v, func(n int, e []byte) {
		if err != nil {
			return
		}
		at := field + "[" + strconv.Itoa(n) + "]"
		if e[0] != '{' {
			err = fmt.Errorf("%s: want an object, found %s", at, kindOf(e[0]))
			return
		}
		var h Header
		members(e, func(k string, v []byte) {
			switch {
			case err != nil:
			case k == "name":
				h.Name, err = str(v, at+".name")
			case k == "value":
				h.Value, err = str(v, at+".value")
			}
		})
		out = append(out, h)
	})
	return out, err
}

// members calls fn on each member of the valid JSON object v, its key
// decoded.
func members(v []byte, fn func(key string, val []byte)) {
	o := jsonscan.ObjectAt(v, 0)
	for o.Next() {
		raw := o.Key()
		k := string(raw[1 : len(raw)-1])
		if strings.IndexByte(k, '\\') >= 0 {
			k, _ = jsonscan.Unquote(raw)
		}
		val, err := o.ValueWith(jsonscan.Delimit)
		if err != nil {
			return // not reached: v is valid
		}
		fn(k, val)
	}
}

// elements calls fn on each element of the valid JSON array v.
func elements(v []byte, fn func(n int, val []byte)) {
	i, more, err := jsonscan.FirstElement(v, 0)
	for n := 0; more && err == nil; n++ {
		var end int
		if end, err = jsonscan.Delimit(v, i); err == nil {
			fn(n, v[i:end])
			i, more, err = jsonscan.NextElement(v, end)
		}
	}
}

// str decodes the JSON string v (null is "").
func str(v []byte, field string) (string, error) {
	switch {
	case isNull(v):
		return "", nil
	case v[0] != '"':
		return "", fmt.Errorf("%s: want a string, found %s", field, kindOf(v[0]))
	}
	return jsonscan.Unquote(v)
}

func isNull(v []byte) bool { return string(v) == "null" }
