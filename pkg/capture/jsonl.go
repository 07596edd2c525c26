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
// new envelope; --key-at and --observed-at point into the document.
type jsonlReader struct {
	lines
	b   *Builder
	doc []byte
}

func openJSONL(in io.Reader, file string, b *Builder) (Reader, error) {
	return &jsonlReader{lines: newLines(in, "jsonl", file, b.o.MaxLine), b: b}, nil
}

func (j *jsonlReader) Next() (*envelope.Record, error) {
	line, pos, err := j.next()
	if err != nil {
		return nil, err
	}
	rec, err := j.build(line, pos)
	return rec, asItem(err, pos, line)
}

func (j *jsonlReader) build(line []byte, pos Position) (*envelope.Record, error) {
	if err := jsonscan.Valid(line); err != nil {
		return nil, err
	}
	j.doc = jsonscan.AppendCompact(j.doc[:0], line)
	return j.b.Build(&Entry{Response: j.doc, Doc: j.doc, Pos: pos})
}

// lines reads a line-based capture, one item per non-blank line.
type lines struct {
	r            *envelope.Reader
	format, file string
}

func newLines(in io.Reader, format, file string, maxLine int) lines {
	return lines{r: envelope.NewReader(in, maxLine), format: format, file: file}
}

// next returns the next line and its position, or io.EOF; a line over
// --max-line is an *ItemError.
func (l *lines) next() ([]byte, Position, error) {
	line, err := l.r.ReadLine()
	if err == io.EOF {
		return nil, Position{}, io.EOF
	}
	pos := Position{Format: l.format, File: l.file, Line: l.r.LineNumber()}
	if le := (*envelope.LineError)(nil); errors.As(err, &le) {
		return nil, pos, &ItemError{Pos: pos, Raw: l.r.Bytes(), Err: le.Err}
	}
	return line, pos, err
}

// asItem makes err (if any) an *ItemError about the item raw at pos.
func asItem(err error, pos Position, raw []byte) error {
	if err == nil {
		return nil
	}
	ie := (*ItemError)(nil)
	if !errors.As(err, &ie) {
		ie = &ItemError{Pos: pos, Err: err}
		err = ie
	}
	ie.Raw = raw
	return err
}
