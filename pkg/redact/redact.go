// Package redact scrubs secrets out of exchange records before they are
// stored: the values of sensitive headers, secret-naming JSON keys, URL
// query and form parameters and URL passwords, and credentials found by
// their shape anywhere in request and response strings (JWTs, AWS keys,
// PEM private keys, GitHub/GitLab/Slack/Stripe/Google/OpenAI/Anthropic
// keys, bearer and basic credentials, password= assignments, connection
// string passwords), plus the manifest's own regular expressions.
//
// It works on the raw JSON bytes: every string is visited with its JSON
// Pointer, only the secret is replaced by "[REDACTED]", the rest of the
// value keeps its bytes, and a record where nothing fires is written out
// exactly as it came in. Each rule has a stable id (header:authorization,
// url:query:api_key, jwt, …); the ids that fired are added to the record's
// redactions_applied. docs/redact.md lists them all.
package redact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// Options configures Run.
type Options struct {
	// Policy is the manifest's redaction_policy (nil without a manifest).
	// Its headers and patterns are added to the built-in rules; with
	// Enabled false, Run redacts nothing.
	Policy *manifest.RedactionPolicy
	// Headers and Patterns are more header names and Go regular
	// expressions (--header, --pattern).
	Headers  []string
	Patterns []string
	// NoDefaults turns off every built-in rule: only Headers, Patterns
	// and the manifest's lists apply.
	NoDefaults bool

	// Check writes nothing: Run reports each finding to OnFinding and
	// fails with xr.ErrMismatch when any record holds a secret.
	Check     bool
	OnFinding func(Finding)

	Reject    xr.RejectFunc
	Log       *slog.Logger
	MaxLine   int
	FlushEach bool
}

// Finding is one rule that fired on one JSON string. It never holds the
// secret.
type Finding struct {
	// File is the file read ("-" for stdin, a chunk file of a pack, or an
	// archive file) and Member the archive member; both empty when Run
	// read its input.
	File, Member string
	Line         int    // input line (within the file or member)
	ExchangeID   string // the record's exchange_id, if any (Run only)
	Pointer      string // JSON Pointer of the string in the envelope: /request/headers/authorization
	Rule         string // rule id
}

// String is the finding as a text line: "line 3: exchange_id …: /request/url:
// url:query:api_key", or with its file "records/…/chunk-0001.ndjson:3: …"
// (an archive: "backup.zip: ds/records/…/chunk-0001.ndjson:3: …").
func (f Finding) String() string {
	var where string
	switch {
	case f.Member != "":
		where = f.File + ": " + f.Member + ":" + strconv.Itoa(f.Line) + ": "
	case f.File != "" && f.File != "-":
		where = f.File + ":" + strconv.Itoa(f.Line) + ": "
	default:
		where = "line " + strconv.Itoa(f.Line) + ": "
	}
	if f.ExchangeID != "" {
		where += "exchange_id " + f.ExchangeID + ": "
	}
	return where + f.Pointer + ": " + f.Rule
}

// AppendJSON appends the finding as one JSON object (no newline):
// {"file":…,"member":…,"line":…,"exchange_id":…,"pointer":…,"rule":…};
// member and exchange_id only when known, file "-" for stdin.
func (f Finding) AppendJSON(dst []byte) []byte {
	file := f.File
	if file == "" {
		file = "-"
	}
	dst = append(dst, `{"file":`...)
	dst = jsonscan.AppendQuoteString(dst, file)
	if f.Member != "" {
		dst = append(dst, `,"member":`...)
		dst = jsonscan.AppendQuoteString(dst, f.Member)
	}
	dst = append(dst, `,"line":`...)
	dst = strconv.AppendInt(dst, int64(f.Line), 10)
	if f.ExchangeID != "" {
		dst = append(dst, `,"exchange_id":`...)
		dst = jsonscan.AppendQuoteString(dst, f.ExchangeID)
	}
	dst = append(dst, `,"pointer":`...)
	dst = jsonscan.AppendQuoteString(dst, f.Pointer)
	dst = append(dst, `,"rule":`...)
	dst = jsonscan.AppendQuoteString(dst, f.Rule)
	return append(dst, '}')
}

// Redactor holds compiled rules. It is safe for concurrent use; the
// per-call state lives in a walker.
type Redactor struct {
	builtin bool
	names   *nameTable
	headers map[string]string // lower-case header name → rule id
	custom  []customPattern
}

type customPattern struct {
	re  *regexp.Regexp
	lit []byte // the literal every match starts with, for a quick test
	id  string
}

// New compiles the rules of o. An invalid pattern is a usage error naming it.
func New(o Options) (*Redactor, error) {
	r := &Redactor{builtin: !o.NoDefaults, names: newNameTable(), headers: map[string]string{}}
	var headers []string
	if r.builtin {
		headers = append(headers, DefaultHeaders...)
	}
	var patterns, from []string
	if o.Policy != nil {
		headers = append(headers, o.Policy.HeadersToRedact...)
		for i, p := range o.Policy.Patterns {
			patterns = append(patterns, p)
			from = append(from, fmt.Sprintf("redaction_policy.patterns[%d]", i))
		}
	}
	headers = append(headers, o.Headers...)
	for _, p := range o.Patterns {
		patterns, from = append(patterns, p), append(from, "--pattern")
	}
	for _, h := range headers {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if _, ok := r.headers[h]; !ok {
			r.headers[h] = "header:" + h
		}
	}
	for i, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			why := err.Error()
			var se *syntax.Error
			if errors.As(err, &se) {
				why = se.Code.String()
			}
			return nil, xr.Usagef("%s: invalid Go regular expression %q: %s", from[i], p, why)
		}
		lit, _ := re.LiteralPrefix()
		r.custom = append(r.custom, customPattern{re: re, lit: []byte(lit), id: "custom:" + strconv.Itoa(i+1)})
	}
	return r, nil
}

// headerID returns the rule id of a sensitive header name (any case).
func (r *Redactor) headerID(buf, name []byte) (string, bool) {
	if len(name) > maxName || len(r.headers) == 0 {
		return "", false
	}
	for _, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	id, ok := r.headers[string(buf)]
	return id, ok
}

// Value redacts one JSON value, whose JSON Pointer in the envelope is
// pointer ("/request"). It returns the redacted value (value itself when
// nothing fired) and what fired.
func (r *Redactor) Value(value []byte, pointer string) ([]byte, []Finding, error) {
	if err := jsonscan.Valid(value); err != nil {
		return nil, nil, err
	}
	w := newWalker(r)
	w.wantPointers = true
	out, changed := w.walk(nil, value, pointer)
	if !changed {
		return value, nil, nil
	}
	return out, w.finds, nil
}

// Run reads envelopes from in and writes them to out with their request
// and response redacted. A record where a rule fired gets the rule ids
// added to redactions_applied and loses its content_sha256 (the hash no
// longer matches: run xr-hash after xr-redact), all its other bytes kept;
// any other record is written byte for byte as it came in.
func Run(ctx context.Context, in io.Reader, out io.Writer, o Options) (*xr.Stats, error) {
	st := xr.NewStats("read", "written", "redacted")
	r, err := New(o)
	if err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	enabled := o.Policy == nil || o.Policy.Enabled
	rd := envelope.NewReader(in, o.MaxLine)
	wr := envelope.NewWriter(out, o.FlushEach)
	s := r.NewScrubber()
	w := s.w
	w.wantPointers = o.Check || log.Enabled(ctx, slog.LevelDebug)
	var line []byte
	var ms []member
	err = envelope.ForEach(ctx, rd, st, o.Reject, func(rec *envelope.Record) error {
		changed := enabled && s.scrub(rec)
		if changed {
			st.Inc("redacted")
			for _, f := range w.finds {
				f.Line, f.ExchangeID = rec.Line, rec.ID()
				log.Debug("redacted", "line", f.Line, "pointer", f.Pointer, "rule", f.Rule)
				if o.Check && o.OnFinding != nil {
					o.OnFinding(f)
				}
			}
		}
		if o.Check {
			return nil
		}
		var ok bool
		switch {
		case changed:
			s.ids = appendApplied(s.ids[:0], rec.Raw(envelope.RedactionsApplied), w.ids)
			line, ms, ok = splice(line[:0], rd.Bytes(), s.vals, s.ids, ms)
			if !ok { // a repeated member: re-encode the record
				s.apply(rec)
				line = envelope.Append(line[:0], rec)
			}
		default:
			line = append(line[:0], rd.Bytes()...)
		}
		if err := wr.WriteLine(append(line, '\n')); err != nil {
			return err
		}
		st.Inc("written")
		return nil
	})
	if err != nil {
		return st, err
	}
	if err := wr.Flush(); err != nil {
		return st, err
	}
	if n := st.Get("redacted"); o.Check && n > 0 {
		return st, fmt.Errorf("%d of %d records hold secrets: %w", n, st.Get("read"), xr.ErrMismatch)
	}
	return st, nil
}

// Scrubber redacts one record at a time with a Redactor's rules. Unlike
// the Redactor it is not safe for concurrent use (each goroutine makes its
// own); it reuses its buffers from record to record.
type Scrubber struct {
	w          *walker
	bufs, vals [3][]byte
	ids        []byte
}

// NewScrubber returns a Scrubber using r's rules.
func (r *Redactor) NewScrubber() *Scrubber { return &Scrubber{w: newWalker(r)} }

// scrub walks rec's request and response; vals[k] is the redacted value of
// payloads[k], nil where nothing fired. It reports whether anything fired.
func (s *Scrubber) scrub(rec *envelope.Record) bool {
	w := s.w
	w.reset()
	changed := false
	for k, f := range payloads {
		s.vals[k] = nil
		v := rec.Raw(f)
		if v == nil || f == envelope.NaturalKey && v[0] != '"' {
			continue
		}
		if red, ch := w.walk(s.bufs[k][:0], v, payloadPointers[k]); ch {
			s.bufs[k], s.vals[k] = red, red
			changed = true
		}
	}
	return changed
}

// Holds reports whether a rule fires on rec's request or response: the
// record holds a secret. rec is not changed.
func (s *Scrubber) Holds(rec *envelope.Record) bool { return s.scrub(rec) }

// Record redacts rec in place, as xr-redact does: the secrets in its
// request and response replaced, the rule ids that fired added to its
// redactions_applied, and its content_sha256 removed (the caller hashes
// the record again). It returns the rule ids that fired, in first-seen
// order, or nil when nothing fired (rec is then untouched). rec and the
// ids refer to the Scrubber's buffers until its next call. The payloads
// must be valid JSON (verify the record's hash first).
func (s *Scrubber) Record(rec *envelope.Record) []string {
	if !s.scrub(rec) {
		return nil
	}
	s.ids = appendApplied(s.ids[:0], rec.Raw(envelope.RedactionsApplied), s.w.ids)
	s.apply(rec)
	return s.w.ids
}

// apply writes the last scrub's redacted payloads and the
// redactions_applied array s.ids into rec, and removes its content_sha256.
func (s *Scrubber) apply(rec *envelope.Record) {
	for k, f := range payloads {
		if s.vals[k] != nil {
			rec.SetRaw(f, s.vals[k])
		}
	}
	rec.SetRaw(envelope.RedactionsApplied, s.ids)
	rec.Delete(envelope.ContentSHA256)
}

// payloads are the fields redacted, with their JSON Pointers. A
// natural_key is scanned too when it is a string: capture tools build it
// from the request ("GET https://h/p?api_key=…"), and it is stored (in the
// pack's index, in SQL) as plainly as the payloads.
var (
	payloads        = [3]envelope.Field{envelope.Request, envelope.Response, envelope.NaturalKey}
	payloadPointers = [3]string{"/request", "/response", "/natural_key"}
)

// appendApplied appends the new redactions_applied array: the ids already
// there (old, a JSON array of strings or null), then the new ones, sorted,
// without duplicates.
func appendApplied(dst, old []byte, fired []string) []byte {
	var have []string
	if len(old) > 0 && old[0] == '[' {
		// old is an array of strings: the reader checked it
		i, more, _ := jsonscan.FirstElement(old, 0)
		for more && old[i] == '"' {
			e := stringEnd(old, i)
			if s, _ := jsonscan.Unquote(old[i:e]); !slices.Contains(have, s) {
				have = append(have, s)
			}
			i, more, _ = jsonscan.NextElement(old, e)
		}
	}
	n := len(have)
	for _, id := range fired {
		if !slices.Contains(have, id) {
			have = append(have, id)
		}
	}
	slices.Sort(have[n:])
	dst = append(dst, '[')
	for i, s := range have {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonscan.AppendQuoteString(dst, s)
	}
	return append(dst, ']')
}
