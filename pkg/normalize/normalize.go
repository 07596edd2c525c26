// Package normalize is the xr-canon stage: it turns envelopes, or raw JSON
// documents (--wrap), into well-formed envelopes — validated, defaults
// filled, observed_at_utc in UTC with 'Z', fields in DESIGN order, no
// insignificant whitespace. It never changes what is hashed, except that
// whitespace inside payloads is dropped.
package normalize

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/xr"
)

// Options configure the stage.
type Options struct {
	MaxLine   int
	FlushEach bool
	Reject    xr.RejectFunc
	Log       *slog.Logger
	Now       func() time.Time // default time.Now

	// Wrap: each input line is a raw JSON document that becomes the
	// response of a new envelope with the fields below.
	Wrap         bool
	ExchangeType string
	SourceSystem string
	EntityType   string
	KeyPointer   string // JSON Pointer to the natural key ("" = none)
	TimePointer  string // JSON Pointer to observed_at_utc ("" = now)
	Tags         []string
	Provenance   Provenance
}

// Provenance fills provenance of wrapped records.
type Provenance struct {
	RunnerName       string
	Host             string
	GitSHA           string // "" → null
	ConnectorVersion string
}

// DefaultProvenance is what xr-canon records when it wraps documents.
func DefaultProvenance(gitSHA string) Provenance {
	host, _ := os.Hostname()
	if gitSHA == "" {
		for _, v := range []string{"XR_GIT_SHA", "GIT_SHA", "GITHUB_SHA", "CI_COMMIT_SHA"} {
			if gitSHA = os.Getenv(v); gitSHA != "" {
				break
			}
		}
	}
	return Provenance{RunnerName: "xr-canon", Host: host, GitSHA: gitSHA, ConnectorVersion: xr.Version}
}

// Run reads in and writes well-formed envelopes to out.
func Run(ctx context.Context, in io.Reader, out io.Writer, o Options) (*xr.Stats, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	st := xr.NewStats("read", "written")
	r := envelope.NewReader(in, o.MaxLine)
	w := envelope.NewWriter(out, o.FlushEach)
	var err error
	if o.Wrap {
		if err = o.checkWrap(); err != nil {
			return st, err
		}
		err = wrapAll(ctx, r, w, st, o)
	} else {
		n := &normalizer{now: o.Now}
		err = envelope.ForEach(ctx, r, st, o.Reject, func(rec *envelope.Record) error {
			if err := n.fill(rec); err != nil {
				return err
			}
			st.Inc("written")
			return w.Write(rec)
		})
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return st, err
}

func (o *Options) checkWrap() error {
	var missing []string
	for _, f := range []struct{ v, flag string }{{o.ExchangeType, "--type"}, {o.SourceSystem, "--source"}, {o.EntityType, "--entity"}} {
		if f.v == "" {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return xr.Usagef("--wrap needs %s (or -m manifest.json)", strings.Join(missing, ", "))
	}
	for _, p := range []string{o.KeyPointer, o.TimePointer} {
		if p != "" && p[0] != '/' {
			return xr.Usagef("JSON Pointer %q must start with '/'", p)
		}
	}
	return nil
}

// normalizer fills defaults; it keeps scratch buffers across records.
type normalizer struct {
	now     func() time.Time
	compact [3][]byte
}

var (
	emptyArray = []byte("[]")
	one        = []byte("1")
	null       = []byte("null")
)

// fill validates and completes rec in place.
func (n *normalizer) fill(rec *envelope.Record) error {
	if !rec.Has(envelope.ExchangeID) || string(rec.Raw(envelope.ExchangeID)) == "null" {
		rec.SetString(envelope.ExchangeID, uuid.NewString())
	}
	t, ok := rec.ObservedAt()
	if !ok {
		t = n.now()
	}
	rec.SetString(envelope.ObservedAt, envelope.FormatTime(t))
	for _, f := range []envelope.Field{envelope.NaturalKey, envelope.Request, envelope.Response} {
		if !rec.Has(f) {
			rec.SetRaw(f, null) // hashed as null anyway; written for a uniform shape
		}
	}
	if !rec.Has(envelope.SchemaVersion) {
		rec.SetRaw(envelope.SchemaVersion, one)
	}
	for _, f := range []envelope.Field{envelope.Tags, envelope.RedactionsApplied} {
		if v := rec.Raw(f); v == nil || string(v) == "null" {
			rec.SetRaw(f, emptyArray)
		}
	}
	if h := rec.Raw(envelope.ContentSHA256); h != nil && rec.Hash() == "" {
		rec.Delete(envelope.ContentSHA256) // "" or null: unset
	}
	for k, f := range []envelope.Field{envelope.Request, envelope.Response, envelope.Provenance} {
		if v := rec.Raw(f); v != nil && jsonscan.HasSpace(v) {
			n.compact[k] = jsonscan.AppendCompact(n.compact[k][:0], v)
			rec.SetRaw(f, n.compact[k])
		}
	}
	for k := range rec.Extra {
		if jsonscan.HasSpace(rec.Extra[k].Raw) {
			rec.Extra[k].Raw = jsonscan.AppendCompact(nil, rec.Extra[k].Raw)
		}
	}
	return nil
}

// wrapAll turns each raw JSON line into a new envelope.
func wrapAll(ctx context.Context, r *envelope.Reader, w *envelope.Writer, st *xr.Stats, o Options) error {
	prov := provenanceJSON(o.Provenance)
	tags := []byte("[")
	for i, t := range o.Tags {
		if i > 0 {
			tags = append(tags, ',')
		}
		tags = jsonscan.AppendQuoteString(tags, t)
	}
	tags = append(tags, ']')
	var doc []byte
	return envelope.ForEachLine(ctx, r, st, o.Reject, func(line []byte) error {
		rec, err := wrapOne(line, &doc, o, prov, tags)
		if err != nil {
			return &envelope.LineError{Err: err}
		}
		st.Inc("written")
		return w.Write(rec)
	})
}

func wrapOne(line []byte, doc *[]byte, o Options, prov, tags []byte) (*envelope.Record, error) {
	if err := jsonscan.Valid(line); err != nil {
		return nil, err
	}
	*doc = jsonscan.AppendCompact((*doc)[:0], line)
	rec := &envelope.Record{}
	rec.SetString(envelope.ExchangeID, uuid.NewString())
	rec.SetString(envelope.ExchangeType, o.ExchangeType)
	rec.SetString(envelope.SourceSystem, o.SourceSystem)
	rec.SetString(envelope.EntityType, o.EntityType)
	rec.SetRaw(envelope.NaturalKey, null)
	if o.KeyPointer != "" {
		v, found, err := jsonscan.Pointer(*doc, o.KeyPointer)
		switch {
		case err != nil:
			return nil, err
		case !found:
			return nil, fmt.Errorf("--key %s: no such value in the document", o.KeyPointer)
		case v[0] != '"' && v[0] != '-' && (v[0] < '0' || v[0] > '9'):
			// the kind only: the document is not redacted yet
			return nil, fmt.Errorf("--key %s: want a string or number, found %s", o.KeyPointer, kindOf(v[0]))
		}
		rec.SetRaw(envelope.NaturalKey, v)
	}
	rec.SetRaw(envelope.Request, null)
	rec.SetRaw(envelope.Response, *doc)
	t := o.Now()
	if o.TimePointer != "" {
		v, found, err := jsonscan.Pointer(*doc, o.TimePointer)
		if err != nil {
			return nil, err
		}
		if !found || v[0] != '"' {
			return nil, fmt.Errorf("--observed-at %s: no timestamp string there", o.TimePointer)
		}
		s, _ := jsonscan.Unquote(v)
		if t, err = envelope.ParseTime(s); err != nil {
			return nil, fmt.Errorf("--observed-at %s: %w", o.TimePointer, err)
		}
	}
	rec.SetString(envelope.ObservedAt, envelope.FormatTime(t))
	rec.SetRaw(envelope.Provenance, prov)
	rec.SetRaw(envelope.SchemaVersion, one)
	rec.SetRaw(envelope.Tags, tags)
	rec.SetRaw(envelope.RedactionsApplied, emptyArray)
	return rec, nil
}

func provenanceJSON(p Provenance) []byte {
	b := []byte(`{"runner_name":`)
	b = jsonscan.AppendQuoteString(b, p.RunnerName)
	b = append(b, `,"host":`...)
	b = jsonscan.AppendQuoteString(b, p.Host)
	b = append(b, `,"git_sha":`...)
	if p.GitSHA == "" {
		b = append(b, "null"...)
	} else {
		b = jsonscan.AppendQuoteString(b, p.GitSHA)
	}
	b = append(b, `,"connector_version":`...)
	b = jsonscan.AppendQuoteString(b, p.ConnectorVersion)
	return append(b, '}')
}

// kindOf names the kind of the JSON value that starts with c.
func kindOf(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a value" // strings and numbers are accepted
}
