package capture

import (
	"errors"
	"io"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

func init() {
	Register(&Format{
		Name:  "jsonl",
		Doc:   "one raw JSON document per line (a captured API response), the envelope's response; same as --wrap",
		Named: true,
		Open:  openJSONL,
	})
}

// jsonlReader wraps each line, a raw JSON document, as the response of a
// new envelope; --key and --observed-at point into the document.
type jsonlReader struct {
	r    *envelope.Reader
	b    *Builder
	file string
	doc  []byte
}

func openJSONL(in io.Reader, file string, b *Builder) (Reader, error) {
	return &jsonlReader{r: envelope.NewReader(in, b.o.MaxLine), b: b, file: file}, nil
}

func (j *jsonlReader) Next() (*envelope.Record, error) {
	line, err := j.r.ReadLine()
	if err == io.EOF {
		return nil, io.EOF
	}
	pos := Position{Format: "jsonl", File: j.file, Line: j.r.LineNumber()}
	if le := (*envelope.LineError)(nil); errors.As(err, &le) {
		return nil, &ItemError{Pos: pos, Raw: j.r.Bytes(), Err: le.Err}
	}
	if err != nil {
		return nil, err
	}
	if err := jsonscan.Valid(line); err != nil {
		return nil, &ItemError{Pos: pos, Raw: line, Err: err}
	}
	j.doc = jsonscan.AppendCompact(j.doc[:0], line)
	rec, err := j.b.Build(&Entry{Response: j.doc, Doc: j.doc, Pos: pos})
	if ie := (*ItemError)(nil); errors.As(err, &ie) {
		ie.Raw = line
	}
	return rec, err
}
