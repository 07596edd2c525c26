package capture

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/httpmsg"
	"github.com/xr-lake/xr/pkg/warc"
	"github.com/xr-lake/xr/pkg/xr"
)

func init() {
	Register(&Format{
		Name:           "warc",
		Doc:            "WARC files (wget --warc-file, crawlers; plain, .warc.gz per record or whole): each request/response record pair",
		OwnCompression: true,
		Open:           openWARC,
	})
}

// Pairing holds at most this many unpaired request/response records, or
// this many bytes of them, waiting for their other half; past either, the
// oldest becomes an envelope alone. Crawlers write the two halves of an
// exchange next to each other, so one is the usual number waiting.
const (
	maxPending      = 1024
	maxPendingBytes = 64 << 20
)

// warcReader pairs request and response records (by WARC-Concurrent-To,
// else by WARC-Target-URI) into exchanges, one envelope each.
type warcReader struct {
	r       *warc.Reader
	b       *Builder
	file    string
	max     int64
	pending []*warcHalf // unpaired, oldest first
	bytes   int64       // body bytes held by pending
	out     []*Exchange // ready, in order
	eof     bool
	skipped int64 // records that are not HTTP exchanges
	single  int64 // exchanges with one half only
}

// warcHalf is one parsed request or response record.
type warcHalf struct {
	typ        string // "request" or "response"
	id, uri    string
	concurrent []string
	date       time.Time
	pos        warc.Position
	msg        *httpmsg.Message
	truncated  string // WARC-Truncated: the crawler kept only part of the block
}

func openWARC(in io.Reader, file string, b *Builder) (Reader, error) {
	return &warcReader{r: warc.NewReader(in), b: b, file: file, max: int64(b.o.MaxLine)}, nil
}

// Count adds the records that became no envelope: "skipped" (warcinfo,
// metadata, resource, revisit, … and records that hold no HTTP message)
// and "unpaired" (exchanges built from one half).
func (w *warcReader) Count(st *xr.Stats) {
	st.Add("skipped", w.skipped)
	st.Add("unpaired", w.single)
}

func (w *warcReader) Next() (*envelope.Record, error) {
	for len(w.out) == 0 {
		if w.eof {
			if len(w.pending) == 0 {
				return nil, io.EOF
			}
			w.flushOldest()
			break
		}
		if err := w.read(); err != nil {
			return nil, err
		}
	}
	ex := w.out[0]
	w.out = w.out[1:]
	return w.b.HTTP(ex)
}

// read takes the next record: it pairs it, holds it, or skips it.
func (w *warcReader) read() error {
	rec, err := w.r.Next()
	if err == io.EOF {
		w.eof = true
		return nil
	}
	if err != nil {
		// the file cannot be read past this point: one error for it (a
		// crawl cut short keeps every record before), then the end
		w.eof = true
		var we *warc.Error
		if errors.As(err, &we) {
			return &ItemError{Pos: w.pos(we.Pos), Err: we.Err}
		}
		return err
	}
	typ := rec.Type()
	if (typ != "request" && typ != "response") || !isHTTPBlock(rec.Header.Get("Content-Type")) {
		w.skipped++
		return nil
	}
	h, err := w.parse(rec)
	if err != nil {
		return err
	}
	if other := w.partner(h); other != nil {
		w.out = append(w.out, w.pair(h, other))
		return nil
	}
	w.pending = append(w.pending, h)
	w.bytes += int64(len(h.msg.Body))
	for len(w.pending) > maxPending || w.bytes > maxPendingBytes {
		w.flushOldest()
	}
	return nil
}

func (w *warcReader) pos(p warc.Position) Position {
	return Position{Format: "warc", File: w.file, Offset: p.Offset, Inner: p.Inner}
}

// parse reads a request or response record's HTTP message.
func (w *warcReader) parse(rec *warc.Record) (*warcHalf, error) {
	pos := w.pos(rec.Pos)
	if rec.ContentLength > w.max {
		return nil, &ItemError{Pos: pos, Err: fmt.Errorf("%s record of %d bytes: longer than --max-line %d", rec.Type(), rec.ContentLength, w.max)}
	}
	// the block is read to its end (io.EOF), which checks the record's end
	block := make([]byte, rec.ContentLength)
	_, err := io.ReadFull(rec.Block, block)
	if err == nil {
		_, err = rec.Block.Read(nil)
		if err == io.EOF {
			err = nil
		}
	}
	if err != nil {
		var we *warc.Error
		if errors.As(err, &we) {
			w.eof = true
			return nil, &ItemError{Pos: w.pos(we.Pos), Err: we.Err}
		}
		return nil, err
	}
	h := &warcHalf{
		typ:        rec.Type(),
		id:         rec.Header.Get("WARC-Record-ID"),
		uri:        strings.Trim(rec.Header.Get("WARC-Target-URI"), "<>"),
		concurrent: concurrentTo(rec.Header),
		pos:        rec.Pos,
		truncated:  rec.Header.Get("WARC-Truncated"),
	}
	if d := rec.Header.Get("WARC-Date"); d != "" {
		if h.date, err = time.Parse(time.RFC3339Nano, d); err != nil {
			return nil, &ItemError{Pos: pos, Raw: block, Err: fmt.Errorf("WARC-Date: not a W3C-ISO8601 time: %q", d)}
		}
	}
	if h.msg, err = httpmsg.Parse(block, w.max); err != nil {
		return nil, &ItemError{Pos: pos, Raw: block, Err: fmt.Errorf("%s record: HTTP message: %w", h.typ, err)}
	}
	if (h.typ == "request") != (h.msg.Method != "") {
		return nil, &ItemError{Pos: pos, Raw: block, Err: fmt.Errorf("%s record holds an HTTP %s", h.typ, map[bool]string{true: "request", false: "response"}[h.msg.Method != ""])}
	}
	return h, nil
}

func concurrentTo(h warc.Header) []string {
	var ids []string
	for _, f := range h {
		if strings.EqualFold(f.Name, "WARC-Concurrent-To") {
			ids = append(ids, f.Value)
		}
	}
	return ids
}

// isHTTPBlock: the record holds an HTTP message (application/http), not a
// DNS answer or an FTP listing.
func isHTTPBlock(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/http")
}

// partner removes and returns the pending record h pairs with: one that
// names h (or that h names) in WARC-Concurrent-To, else the oldest of the
// other type with the same target URI that names no other record.
func (w *warcReader) partner(h *warcHalf) *warcHalf {
	match := -1
	for i, p := range w.pending {
		if p.typ == h.typ {
			continue
		}
		if contains(h.concurrent, p.id) || contains(p.concurrent, h.id) {
			match = i
			break
		}
		if match < 0 && p.uri == h.uri && len(p.concurrent) == 0 && len(h.concurrent) == 0 {
			match = i
		}
	}
	if match < 0 {
		return nil
	}
	p := w.pending[match]
	w.pending = append(w.pending[:match], w.pending[match+1:]...)
	w.bytes -= int64(len(p.msg.Body))
	return p
}

func contains(ids []string, id string) bool {
	for _, s := range ids {
		if s == id && id != "" {
			return true
		}
	}
	return false
}

// flushOldest makes the oldest pending record an exchange alone.
func (w *warcReader) flushOldest() {
	p := w.pending[0]
	w.pending = w.pending[1:]
	w.bytes -= int64(len(p.msg.Body))
	w.single++
	w.out = append(w.out, w.pair(p, nil))
}

// pair builds the exchange of a request and a response record (either
// may be nil). Its position is the response record's (what CDX indexes
// name), its time the request's WARC-Date (when the exchange began).
func (w *warcReader) pair(a, b *warcHalf) *Exchange {
	req, resp := a, b
	if a.typ == "response" {
		req, resp = b, a
	}
	ex := &Exchange{}
	at := req
	if resp != nil {
		at = resp
		ex.Response = &Response{Status: resp.msg.Status, StatusText: resp.msg.Reason, Message: message(resp)}
	}
	ex.Pos = w.pos(at.pos)
	if req != nil {
		ex.Request = Request{Method: req.msg.Method, URL: requestURL(req), Message: message(req)}
		ex.Started = req.date
	} else {
		// no request record: the response's target URI, fetched with GET
		// (what a crawler's response record without its request means)
		ex.Request = Request{Method: "GET", URL: resp.uri}
		ex.Started = resp.date
	}
	return ex
}

// requestURL is the record's WARC-Target-URI, else the request line's
// target (made absolute with the Host header when it is a path).
func requestURL(h *warcHalf) string {
	if h.uri != "" {
		return h.uri
	}
	if host := h.msg.Get("Host"); host != "" && strings.HasPrefix(h.msg.Target, "/") {
		return "http://" + host + h.msg.Target
	}
	return h.msg.Target
}

func message(h *warcHalf) Message {
	m := h.msg
	hs := make([]Header, len(m.Header))
	for i, f := range m.Header {
		hs[i] = Header{f.Name, f.Value}
	}
	return Message{HTTPVersion: m.Proto, Headers: hs, Body: m.Body, Decoded: m.Decoded, DecodeError: m.DecodeError, Truncated: h.truncated}
}
