package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/xr-lake/xr/pkg/decompress"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/xr"
)

func init() {
	Register(&Format{
		Name: "llm-batch",
		Doc:  "an OpenAI or Anthropic batch results file, joined with its input file by custom_id (--requests)",
		Open: openBatch,
	})
}

// batchReader turns each line of an LLM batch results file into an llm
// envelope: natural_key the custom_id, response the result line, request
// the input line of the same custom_id when --requests names the input
// file (found through an index of offsets, so neither file is held in
// memory).
type batchReader struct {
	lines
	b    *Builder
	reqs *requestIndex // nil without --requests
	buf  []byte
	req  []byte
}

func openBatch(in io.Reader, file string, b *Builder) (Reader, error) {
	br := &batchReader{lines: newLines(in, "llm-batch", file, b.o.MaxLine), b: b}
	if b.o.Requests != "" {
		idx, err := openRequests(b.o.Requests, b.o.MaxLine)
		if err != nil {
			return nil, err
		}
		br.reqs = idx
	}
	return br, nil
}

func (br *batchReader) Next() (*envelope.Record, error) {
	line, pos, err := br.next()
	if err != nil {
		return nil, err
	}
	rec, err := br.build(line, pos)
	return rec, asItem(err, pos, line)
}

// Count adds "unanswered": the requests of --requests that no result
// line answered (a batch that expired or was cut short).
func (br *batchReader) Count(st *xr.Stats) {
	if br.reqs != nil {
		st.Add("unanswered", int64(len(br.reqs.at)-br.reqs.answered))
	}
}

// Close closes the requests file.
func (br *batchReader) Close() error {
	br.reqs.close()
	return nil
}

func (br *batchReader) build(line []byte, pos Position) (*envelope.Record, error) {
	if err := jsonscan.Valid(line); err != nil {
		return nil, err
	}
	br.buf = jsonscan.AppendCompact(br.buf[:0], line)
	doc := br.buf
	if doc[0] != '{' {
		return nil, fmt.Errorf("want a batch result object, found %s", kindOf(doc[0]))
	}
	// one walk over the members finds all four (a Pointer each walked the
	// line again, past the whole result, up to five times)
	var idv, response, errv, result []byte
	members(doc, func(k string, v []byte) {
		switch {
		case k == "custom_id" && idv == nil:
			idv = v
		case k == "response" && response == nil:
			response = v
		case k == "error" && errv == nil:
			errv = v
		case k == "result" && result == nil:
			result = v
		}
	})
	id, err := customIDOf(idv)
	if err != nil {
		return nil, err
	}
	source := ""
	switch {
	case present(response), present(errv):
		source = "openai"
	case present(result):
		source = "anthropic"
	default:
		return nil, errors.New("not a batch result: no response, result or error member")
	}
	e := Entry{Type: "llm", Source: source, Entity: "completion", Key: jsonscan.AppendQuoteString(nil, id), Response: doc, Pos: pos}
	if br.reqs != nil {
		if br.req, err = br.reqs.lookup(br.req[:0], id); err != nil {
			return nil, err
		}
		e.Request = br.req
	}
	if e.Observed, err = resultTime(response); err != nil {
		return nil, err
	}
	return br.b.Build(&e)
}

// customID returns the line's custom_id, which must be a non-empty string.
func customID(doc []byte) (string, error) {
	v, found, err := jsonscan.Pointer(doc, "/custom_id")
	if err != nil {
		return "", err
	}
	if !found {
		v = nil
	}
	return customIDOf(v)
}

// customIDOf checks the raw custom_id value v (nil: missing).
func customIDOf(v []byte) (string, error) {
	switch {
	case v == nil:
		return "", errors.New("custom_id: missing")
	case v[0] != '"':
		return "", fmt.Errorf("custom_id: want a string, found %s", kindOf(v[0]))
	}
	id, err := jsonscan.Unquote(v)
	if err == nil && id == "" {
		err = errors.New("custom_id: empty")
	}
	return id, err
}

// present: a member was there, and not null.
func present(v []byte) bool { return v != nil && !isNull(v) }

// resultTime is when the provider made the answer: the response body's
// created_at (Responses API) or created (Chat Completions), Unix seconds,
// read from the line's response member (nil: none). Zero when the result
// does not say (Anthropic's results do not).
func resultTime(response []byte) (time.Time, error) {
	for _, ptr := range []string{"/body/created_at", "/body/created"} {
		v, found, _ := jsonscan.Pointer(response, ptr)
		if !found || isNull(v) {
			continue
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || v[0] == '"' || f < 0 || f > 1e11 || math.IsNaN(f) {
			return time.Time{}, fmt.Errorf("response%s: want Unix seconds, found %s", ptr, clip(v))
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, nil
}

func clip(v []byte) string {
	if len(v) > 40 {
		return string(v[:37]) + "..."
	}
	return string(v)
}

// requestIndex finds the input line of a custom_id in the requests file:
// it keeps the offset of each line, not the line. A compressed requests
// file is decompressed into an unnamed temporary file first.
type requestIndex struct {
	f        *os.File
	name     string
	at       map[string]reqLoc
	answered int // requests looked up at least once
}

type reqLoc struct {
	off      int64
	n        int
	line     int
	answered bool
}

func openRequests(name string, maxLine int) (*requestIndex, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--requests: %w", err)
	}
	idx := &requestIndex{f: f, name: name, at: map[string]reqLoc{}}
	if err := idx.plain(); err != nil {
		idx.close()
		return nil, fmt.Errorf("--requests %s: %w", name, err)
	}
	if err := idx.build(maxLine); err != nil {
		idx.close()
		return nil, fmt.Errorf("--requests %s: %w", name, err)
	}
	return idx, nil
}

// plain replaces a compressed file by its decompressed bytes in a
// temporary file (removed at once: only the open file keeps it).
func (x *requestIndex) plain() error {
	dr := decompress.NewReader(x.f)
	defer dr.Close()
	if format, err := dr.Format(); err != nil {
		return err
	} else if format == "" {
		_, err := x.f.Seek(0, io.SeekStart)
		return err
	}
	tmp, err := os.CreateTemp("", "xr-requests-*")
	if err != nil {
		return err
	}
	os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, dr); err != nil {
		tmp.Close()
		return err
	}
	x.f.Close()
	x.f = tmp
	return nil
}

// build reads every line and indexes its custom_id.
func (x *requestIndex) build(maxLine int) error {
	if _, err := x.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(x.f, 256<<10)
	var off int64
	var line []byte
	for n := 1; ; n++ {
		line = line[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			line = append(line, chunk...)
			if len(line) > maxLine+2 {
				return fmt.Errorf("line %d: longer than %d bytes (--max-line)", n, maxLine)
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return err
		}
		if len(line) == 0 {
			return nil
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if err := x.add(t, off+int64(bytes.Index(line, t)), n); err != nil {
				return err
			}
		}
		off += int64(len(line))
		if err == io.EOF {
			return nil
		}
	}
}

func (x *requestIndex) add(t []byte, off int64, n int) error {
	if err := jsonscan.Valid(t); err != nil {
		return fmt.Errorf("line %d: %w", n, err)
	}
	if t[0] != '{' {
		return fmt.Errorf("line %d: want a batch request object, found %s", n, kindOf(t[0]))
	}
	id, err := customID(t)
	if err != nil {
		return fmt.Errorf("line %d: %w", n, err)
	}
	if prev, dup := x.at[id]; dup {
		return fmt.Errorf("line %d: custom_id %q repeats line %d", n, id, prev.line)
	}
	x.at[id] = reqLoc{off: off, n: len(t), line: n}
	return nil
}

// lookup appends the (compacted) input line of custom_id id to dst.
func (x *requestIndex) lookup(dst []byte, id string) ([]byte, error) {
	loc, ok := x.at[id]
	if !ok {
		return nil, fmt.Errorf("custom_id %q: no such request in %s", id, x.name)
	}
	if !loc.answered {
		loc.answered = true
		x.at[id] = loc
		x.answered++
	}
	raw := make([]byte, loc.n)
	if _, err := x.f.ReadAt(raw, loc.off); err != nil {
		return nil, fmt.Errorf("--requests %s: line %d: %w", x.name, loc.line, err)
	}
	return jsonscan.AppendCompact(dst, raw), nil
}

func (x *requestIndex) close() {
	if x != nil && x.f != nil {
		x.f.Close()
		x.f = nil
	}
}
