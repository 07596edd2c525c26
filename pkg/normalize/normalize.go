// Package normalize is the xr-canon stage: it turns envelopes, or raw JSON
// documents (--wrap), into well-formed envelopes — validated, defaults
// filled, observed_at_utc in UTC with 'Z', fields in DESIGN order, no
// insignificant whitespace. It never changes what is hashed, except that
// whitespace inside payloads is dropped.
package normalize

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/xr-lake/xr/pkg/capture"
	"github.com/xr-lake/xr/pkg/decompress"
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

	// From names a capture format (capture.Names) whose items become new
	// envelopes; Wrap is From "jsonl": each input line is a raw JSON
	// document that becomes the response of a new envelope.
	From string
	Wrap bool
	// Files are the capture files to read, in order ("-": in). None: in.
	Files []string

	// What every built envelope gets; "" takes the format's default.
	ExchangeType string
	SourceSystem string
	EntityType   string
	KeyPointer   string // JSON Pointer to the natural key ("" = the format's)
	TimePointer  string // JSON Pointer to observed_at_utc ("" = the capture's, or now)
	Tags         []string
	Provenance   Provenance
	Requests     string // llm-batch: the batch's input file, joined by custom_id
}

// Provenance fills provenance of the envelopes xr-canon builds.
type Provenance = capture.Provenance

// DefaultProvenance is what xr-canon records when it builds envelopes.
func DefaultProvenance(gitSHA string) Provenance { return capture.DefaultProvenance(gitSHA) }

// Run reads in and writes well-formed envelopes to out. Input compressed
// with gzip or zstd is decompressed as it is read.
func Run(ctx context.Context, in io.Reader, out io.Writer, o Options) (*xr.Stats, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	st := xr.NewStats("read", "written")
	w := envelope.NewWriter(out, o.FlushEach)
	var err error
	if o.Wrap || o.From != "" {
		err = build(ctx, in, w, st, o)
	} else {
		err = normalizeAll(ctx, in, w, st, o)
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return st, err
}

// normalizeAll checks and completes envelopes.
func normalizeAll(ctx context.Context, in io.Reader, w *envelope.Writer, st *xr.Stats, o Options) error {
	dr := decompress.NewReader(in)
	defer dr.Close()
	r := envelope.NewReader(dr, o.MaxLine)
	n := &normalizer{now: o.Now}
	return envelope.ForEach(ctx, r, st, o.Reject, func(rec *envelope.Record) error {
		if err := n.fill(rec); err != nil {
			return err
		}
		st.Inc("written")
		return w.Write(rec)
	})
}

// build turns the items of capture files into new envelopes.
func build(ctx context.Context, in io.Reader, w *envelope.Writer, st *xr.Stats, o Options) error {
	from, flag := o.From, "--from "+o.From
	if o.Wrap {
		if from != "" && from != "jsonl" {
			return xr.Usagef("--wrap is --from jsonl: give one of them")
		}
		from, flag = "jsonl", "--wrap"
	}
	f, err := capture.Lookup(from)
	if err != nil {
		return err
	}
	if o.Requests != "" && from != "llm-batch" {
		return xr.Usagef("--requests is the input file of --from llm-batch, not of %s", flag)
	}
	if f.Named {
		if err := needNames(flag, o); err != nil {
			return err
		}
	}
	b, err := capture.NewBuilder(capture.Options{
		ExchangeType: o.ExchangeType, SourceSystem: o.SourceSystem, EntityType: o.EntityType,
		KeyPointer: o.KeyPointer, TimePointer: o.TimePointer, Tags: o.Tags,
		Provenance: o.Provenance, Now: o.Now, MaxLine: o.MaxLine, Requests: o.Requests,
	})
	if err != nil {
		return err
	}
	files := o.Files
	if len(files) == 0 {
		files = []string{"-"}
	}
	return capture.Each(ctx, f, files, in, b, st, o.Reject, w.Write)
}

// needNames checks that a format whose captures name no type, source or
// entity got them from the flags or the manifest.
func needNames(flag string, o Options) error {
	var missing []string
	for _, f := range []struct{ v, flag string }{{o.ExchangeType, "--type"}, {o.SourceSystem, "--source"}, {o.EntityType, "--entity"}} {
		if f.v == "" {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return xr.Usagef("%s needs %s (or -m manifest.json)", flag, strings.Join(missing, ", "))
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
