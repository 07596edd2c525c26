// Package capture turns the files captured traffic already lives in — HAR,
// WARC, LLM batch files, JSON lines — into envelopes (xr-canon --from).
//
// A Format opens one capture file as a Reader that yields one built
// envelope (or one positioned error) at a time, so every format streams
// with flat memory. Formats share one Builder: it applies the flags and
// manifest (type, source, entity, --key-at, tags), fills provenance with the
// capture file and the item's position in it (har:s.har#entries/17,
// warc:c.warc.gz@1234, llm-batch:out.jsonl:3), and turns an HTTP exchange
// into the request/response objects every HTTP format writes (http.go).
package capture

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/xr"
)

// Reader yields the envelopes of one capture file.
type Reader interface {
	// Next returns the next envelope, or io.EOF after the last. An error
	// about one item is an *ItemError and the Reader can go on after it
	// (the item goes to --rejects); any other error ends the file. The
	// record is valid until the next call. A Reader that holds files open
	// implements io.Closer too.
	Next() (*envelope.Record, error)
}

// Format is one capture format of xr-canon --from.
type Format struct {
	Name string
	// Doc is one line for -h.
	Doc string
	// OwnCompression: the reader reads the file's bytes as they are and
	// handles compression itself (WARC's gzip members, whose offsets name
	// the records). Other formats get decompressed input (decompress).
	OwnCompression bool
	// Named: the capture names no exchange_type, source_system or
	// entity_type, so the flags or the manifest must (jsonl).
	Named bool
	// Open starts reading in, the capture file named file ("-": stdin).
	Open func(in io.Reader, file string, b *Builder) (Reader, error)
}

var formats = map[string]*Format{}

// Register adds a format; formats register themselves in init.
func Register(f *Format) {
	if _, dup := formats[f.Name]; dup {
		panic("capture: format registered twice: " + f.Name)
	}
	formats[f.Name] = f
}

// Lookup returns the format called name, or a usage error naming them all.
func Lookup(name string) (*Format, error) {
	if f, ok := formats[name]; ok {
		return f, nil
	}
	return nil, xr.Usagef("--from %q: unknown format (want one of %s)", name, strings.Join(Names(), ", "))
}

// Names lists the registered formats, sorted.
func Names() []string {
	var n []string
	for k := range formats {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// Position says where an item sits in its capture file. Line-based formats
// set Line; HAR sets Item (a JSON Pointer fragment below the document,
// "entries/17") and the Line the entry starts on; WARC sets Offset (of the
// record's first byte in the file as stored, compressed or not).
type Position struct {
	Format string
	File   string // as given on the command line; "-" is stdin
	Item   string
	Line   int
	Offset int64
	// Inner: a WARC record inside a gzip member holding several records
	// (a whole-file .warc.gz) starts Inner bytes into the member's
	// decompressed data; the member starts at Offset.
	Inner int64
}

// offset writes Offset, or Offset+Inner when the item is inside a member.
func (p Position) offset() string {
	s := strconv.FormatInt(p.Offset, 10)
	if p.Inner > 0 {
		s += "+" + strconv.FormatInt(p.Inner, 10)
	}
	return s
}

// Provenance is the position as provenance.capture writes it:
// har:s.har#entries/17, warc:c.warc.gz@1234, llm-batch:out.jsonl:3.
func (p Position) Provenance() string {
	s := p.Format + ":" + p.File
	switch {
	case p.Item != "":
		return s + "#" + p.Item
	case p.Line > 0:
		return s + ":" + strconv.Itoa(p.Line)
	}
	return s + "@" + p.offset()
}

// String is the position for messages: "s.har: entries/17 (line 230)",
// "line 3" (stdin), "c.warc.gz: offset 1234".
func (p Position) String() string {
	var s string
	switch {
	case p.Item != "" && p.Line > 0:
		s = fmt.Sprintf("%s (line %d)", p.Item, p.Line)
	case p.Item != "":
		s = p.Item
	case p.Line > 0:
		s = "line " + strconv.Itoa(p.Line)
	default:
		s = "offset " + p.offset()
	}
	if p.File != "" && p.File != "-" {
		s = p.File + ": " + s
	}
	return s
}

// ItemError is what is wrong with one item of a capture. Raw is the item's
// bytes for --rejects (nil when they cannot be given back).
type ItemError struct {
	Pos Position
	Raw []byte
	Err error
}

func (e *ItemError) Error() string { return e.Pos.String() + ": " + e.Err.Error() }
func (e *ItemError) Unwrap() error { return e.Err }

// Options are what the flags and the manifest say about every envelope;
// an empty string takes the format's default (docs/capture.md).
type Options struct {
	ExchangeType string
	SourceSystem string
	EntityType   string
	// KeyPointer (--key-at) selects the natural key: a JSON Pointer into the
	// built envelope (/request/url, /response/body/id); for jsonl, into
	// the document, as --wrap always did. "" is the format's default.
	KeyPointer string
	// TimePointer (--observed-at) selects observed_at_utc the same way.
	TimePointer string
	Tags        []string
	Provenance  Provenance
	Now         func() time.Time // default time.Now
	MaxLine     int              // longest line of line-based formats
	// Requests is llm-batch's input file (--requests), joined by custom_id.
	Requests string
}

// Provenance is what provenance records besides the capture position.
type Provenance struct {
	RunnerName       string
	Host             string
	GitSHA           string // "" → null
	ConnectorVersion string
}

// DefaultProvenance is what xr-canon records in the envelopes it builds.
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

// Builder builds envelopes from the parts a format found, applying
// Options. One Builder serves every file of a run.
type Builder struct {
	o    Options
	prov []byte // provenance without its closing brace
	tags []byte
}

// NewBuilder checks o and returns its Builder.
func NewBuilder(o Options) (*Builder, error) {
	for _, p := range []struct{ flag, ptr string }{{"--key-at", o.KeyPointer}, {"--observed-at", o.TimePointer}} {
		if p.ptr != "" && p.ptr[0] != '/' {
			return nil, xr.Usagef("%s: JSON Pointer %q must start with '/'", p.flag, p.ptr)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxLine <= 0 {
		o.MaxLine = envelope.DefaultMaxLine
	}
	b := &Builder{o: o}
	b.prov = appendProvenance(nil, o.Provenance)
	b.tags = append(b.tags, '[')
	for i, t := range o.Tags {
		if i > 0 {
			b.tags = append(b.tags, ',')
		}
		b.tags = jsonscan.AppendQuoteString(b.tags, t)
	}
	b.tags = append(b.tags, ']')
	return b, nil
}

// Options returns the builder's options (formats read MaxLine, Requests).
func (b *Builder) Options() Options { return b.o }

// Entry is one item of a capture, ready to become an envelope. Type,
// Source and Entity are the format's defaults for it; the flags and the
// manifest win over them.
type Entry struct {
	Type, Source, Entity string
	Key                  []byte // raw JSON natural key (nil: null)
	Request, Response    []byte // raw JSON (nil: null)
	Observed             time.Time
	Pos                  Position
	// Doc, when set, is what --key-at and --observed-at point into instead
	// of the envelope (jsonl: the document).
	Doc []byte
}

var (
	null       = []byte("null")
	emptyArray = []byte("[]")
	one        = []byte("1")
)

// Build turns e into an envelope. Its errors are *ItemError at e.Pos.
func (b *Builder) Build(e *Entry) (*envelope.Record, error) {
	rec, err := b.build(e)
	if err != nil {
		return nil, &ItemError{Pos: e.Pos, Err: err}
	}
	return rec, nil
}

func (b *Builder) build(e *Entry) (*envelope.Record, error) {
	typ, src, ent := or(b.o.ExchangeType, e.Type), or(b.o.SourceSystem, e.Source), or(b.o.EntityType, e.Entity)
	for _, f := range []struct{ v, name, flag string }{{typ, "exchange_type", "--type"}, {src, "source_system", "--source"}, {ent, "entity_type", "--entity"}} {
		if f.v == "" {
			return nil, fmt.Errorf("%s: none in the capture: give %s (or -m manifest.json)", f.name, f.flag)
		}
	}
	req, resp := orRaw(e.Request), orRaw(e.Response)
	key := orRaw(e.Key)
	if b.o.KeyPointer != "" {
		v, err := b.lookup(e, req, resp, b.o.KeyPointer, "--key-at")
		if err != nil {
			return nil, err
		}
		if c := v[0]; c != '"' && c != '-' && (c < '0' || c > '9') {
			// the kind only: the capture is not redacted yet
			return nil, fmt.Errorf("--key-at %s: want a string or number, found %s", b.o.KeyPointer, kindOf(c))
		}
		key = v
	}
	t := e.Observed
	if b.o.TimePointer != "" {
		v, err := b.lookup(e, req, resp, b.o.TimePointer, "--observed-at")
		if err != nil {
			return nil, err
		}
		if v[0] != '"' {
			return nil, fmt.Errorf("--observed-at %s: no timestamp string there", b.o.TimePointer)
		}
		s, _ := jsonscan.Unquote(v)
		if t, err = envelope.ParseTime(s); err != nil {
			return nil, fmt.Errorf("--observed-at %s: %w", b.o.TimePointer, err)
		}
	}
	if t.IsZero() {
		t = b.o.Now()
	}
	rec := &envelope.Record{}
	rec.SetString(envelope.ExchangeID, newID())
	rec.SetString(envelope.ExchangeType, typ)
	rec.SetString(envelope.SourceSystem, src)
	rec.SetString(envelope.EntityType, ent)
	rec.SetRaw(envelope.NaturalKey, key)
	rec.SetRaw(envelope.Request, req)
	rec.SetRaw(envelope.Response, resp)
	rec.SetString(envelope.ObservedAt, envelope.FormatTime(t))
	rec.SetRaw(envelope.Provenance, b.provenance(e.Pos))
	rec.SetRaw(envelope.SchemaVersion, one)
	rec.SetRaw(envelope.Tags, b.tags)
	rec.SetRaw(envelope.RedactionsApplied, emptyArray)
	return rec, nil
}

// lookup resolves a --key-at/--observed-at pointer: into e.Doc when set,
// else into the envelope's request or response.
func (b *Builder) lookup(e *Entry, req, resp []byte, ptr, flag string) ([]byte, error) {
	doc, rest := e.Doc, ptr
	if doc == nil {
		first, tail, _ := strings.Cut(ptr[1:], "/")
		switch first {
		case "request":
			doc = req
		case "response":
			doc = resp
		default:
			return nil, xr.Usagef("%s %s: want a pointer into /request or /response of the envelope", flag, ptr)
		}
		rest = ""
		if tail != "" || strings.HasSuffix(ptr, "/") {
			rest = "/" + tail
		}
	}
	v, found, err := jsonscan.Pointer(doc, rest)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return nil, fmt.Errorf("%s %s: no such value in the %s", flag, ptr, map[bool]string{true: "document", false: "envelope"}[e.Doc != nil])
	}
	return v, nil
}

func (b *Builder) provenance(p Position) []byte {
	out := make([]byte, 0, len(b.prov)+len(p.File)+40)
	out = append(out, b.prov...)
	if p.Format != "" {
		out = append(out, `,"capture":`...)
		out = jsonscan.AppendQuoteString(out, p.Provenance())
	}
	return append(out, '}')
}

func appendProvenance(b []byte, p Provenance) []byte {
	b = append(b, `{"runner_name":`...)
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
	return jsonscan.AppendQuoteString(b, p.ConnectorVersion)
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
	case '"':
		return "a string"
	}
	return "a number"
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func orRaw(v []byte) []byte {
	if v == nil {
		return null
	}
	return v
}

func newID() string { return uuid.NewString() }
