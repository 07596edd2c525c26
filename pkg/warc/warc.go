// Package warc reads WARC files (ISO 28500, WARC/1.0 and 1.1) record by
// record, streaming: plain, gzipped per record (the usual .warc.gz: one gzip
// member per record) or gzipped whole (one member, or members that do not
// follow record boundaries), or zstd-compressed (.warc.zst without a
// dictionary). Memory stays flat: a record's block is read
// through an io.Reader bounded by its Content-Length, and whatever the
// caller leaves unread is skipped.
//
// Every record has a Position that leads back to its bytes: the file offset
// of the gzip member it starts in (what CDX indexes and `warcio extract`
// take) and, when it does not start its member, how far into the member's
// decompressed data it starts (in a zstd file, the offset is into the
// decompressed stream). Every error names the position where the reader
// stopped.
package warc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/xr-lake/xr/pkg/xr"
)

// maxHeaderBytes caps one record's header block: real headers are a few
// hundred bytes, and a missing blank line must not make the reader swallow
// the file.
const maxHeaderBytes = 1 << 20

// Field is one WARC named field, as written (name case kept).
type Field struct{ Name, Value string }

// Header is a record's named fields in file order.
type Header []Field

// Get returns the value of the first field named name (case-insensitive).
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Position says where a record starts. Offset is a byte offset in the file:
// of the record itself in a plain WARC, of the gzip member it starts in in
// a gzipped one. Inner is how far into that member's decompressed data the
// record starts: 0 for a per-record .warc.gz.
type Position struct {
	Offset int64
	Inner  int64
}

// String writes the position as OFFSET, or OFFSET+INNER when the record
// does not start its gzip member.
func (p Position) String() string {
	if p.Inner == 0 {
		return strconv.FormatInt(p.Offset, 10)
	}
	return strconv.FormatInt(p.Offset, 10) + "+" + strconv.FormatInt(p.Inner, 10)
}

// Error is a malformed WARC: what is wrong and where.
type Error struct {
	Pos Position
	Err error
}

func (e *Error) Error() string { return "offset " + e.Pos.String() + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Sentinels a caller (or a test) can tell apart with errors.Is.
var (
	ErrHeader    = errors.New("bad WARC header")
	ErrLength    = errors.New("bad Content-Length")
	ErrTruncated = errors.New("truncated")
	ErrGzip      = errors.New("bad gzip member")
	ErrZstd      = errors.New("bad zstd stream")
)

// Record is one WARC record. Block reads its Content-Length bytes; it is
// valid until the next call of Next.
type Record struct {
	Pos           Position
	Version       string // "WARC/1.0", "WARC/1.1"
	Header        Header
	ContentLength int64
	Block         io.Reader
}

// Type is the record's WARC-Type (response, request, warcinfo, …).
func (r *Record) Type() string { return r.Header.Get("WARC-Type") }

// Reader reads records one after another.
type Reader struct {
	src   *bufio.Reader      // the file's bytes
	srcN  *xr.CountingReader // how many bytes src has taken from the file
	gz    *gzip.Reader       // nil for a plain WARC
	body  *bufio.Reader      // the decompressed (or plain) stream
	bodyN *xr.CountingReader // how many bytes body has taken from the stream
	// members lists the starts of the gzip members the body buffer may
	// still hold bytes of: the stream offset where each begins and its
	// file offset, so a record's start maps back to its member.
	members []memberStart
	block   *io.LimitedReader
	cur     *Record
	err     error
}

type memberStart struct{ stream, file int64 }

// NewReader reads WARC records from r, detecting gzip by its magic bytes.
func NewReader(r io.Reader) *Reader {
	rd := &Reader{srcN: &xr.CountingReader{R: r}}
	rd.src = bufio.NewReaderSize(rd.srcN, 256<<10)
	return rd
}

// Next returns the next record, or io.EOF after the last one. It first
// skips what the caller left unread of the previous record's block and
// checks the record's end (CRLF CRLF). After an error every call returns
// the same error.
func (r *Reader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	r.cur = rec
	return rec, nil
}

func (r *Reader) next() (*Record, error) {
	if r.body == nil {
		if err := r.start(); err != nil {
			return nil, err
		}
	}
	if r.cur != nil {
		if err := r.finishRecord(); err != nil {
			return nil, err
		}
		r.cur = nil
	}
	pos := r.position()
	line, err := r.readLine()
	if err == io.EOF && len(line) == 0 {
		return nil, io.EOF
	}
	if err != nil {
		return nil, r.streamErr(pos, err, "WARC header")
	}
	if !bytes.HasPrefix(line, []byte("WARC/")) {
		return nil, &Error{pos, fmt.Errorf("%w: expected a version line WARC/1.x, got %q", ErrHeader, clip(line))}
	}
	rec := &Record{Pos: pos, Version: string(bytes.TrimRight(line, "\r\n"))}
	size := len(line)
	for {
		line, err = r.readLine()
		if err != nil {
			return nil, r.streamErr(pos, err, "WARC header")
		}
		size += len(line)
		if size > maxHeaderBytes {
			return nil, &Error{pos, fmt.Errorf("%w: header longer than %d bytes (no blank line ends it)", ErrHeader, maxHeaderBytes)}
		}
		text := strings.TrimRight(string(line), "\r\n")
		if text == "" {
			break
		}
		if (text[0] == ' ' || text[0] == '\t') && len(rec.Header) > 0 {
			last := &rec.Header[len(rec.Header)-1]
			last.Value += " " + strings.TrimSpace(text)
			continue
		}
		name, value, ok := strings.Cut(text, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, &Error{pos, fmt.Errorf("%w: not a named field: %q", ErrHeader, clip([]byte(text)))}
		}
		rec.Header = append(rec.Header, Field{name, strings.TrimSpace(value)})
	}
	cl := rec.Header.Get("Content-Length")
	n, perr := strconv.ParseInt(cl, 10, 64)
	if cl == "" || perr != nil || n < 0 {
		return nil, &Error{pos, fmt.Errorf("%w: %q", ErrLength, cl)}
	}
	if rec.Type() == "" {
		return nil, &Error{pos, fmt.Errorf("%w: no WARC-Type", ErrHeader)}
	}
	rec.ContentLength = n
	r.block = &io.LimitedReader{R: r.body, N: n}
	rec.Block = &blockReader{r: r, rec: rec}
	return rec, nil
}

// blockReader reads a record's block, turning a short stream into an
// error that names the record. Its io.EOF means the record is whole: the
// end marker follows the block and, in a per-record .warc.gz, the gzip
// member's checksum holds.
type blockReader struct {
	r     *Reader
	rec   *Record
	ended bool
	err   error
}

func (b *blockReader) Read(p []byte) (int, error) {
	if b.r.cur != b.rec {
		return 0, errors.New("warc: block read after Next")
	}
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.block.Read(p)
	switch {
	case err == io.EOF && b.r.block.N > 0:
		err = b.r.streamErr(b.rec.Pos, io.ErrUnexpectedEOF, "block")
	case err == io.EOF || err == nil && b.r.block.N == 0:
		if !b.ended {
			b.ended = true
			if eerr := b.r.endRecord(b.rec); eerr != nil {
				err = eerr
			}
		}
	case err != nil:
		err = b.r.streamErr(b.rec.Pos, err, "block")
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// finishRecord skips the unread rest of the current block; reading it to
// its end checks the record's end.
func (r *Reader) finishRecord() error {
	_, err := io.Copy(io.Discard, r.cur.Block)
	return err
}

// endRecord checks what follows a block: the end marker CRLF CRLF, then
// (gzipped) the member's end when the record ended it.
func (r *Reader) endRecord(rec *Record) error {
	var end [4]byte
	n, err := io.ReadFull(r.body, end[:])
	if string(end[:n]) != "\r\n\r\n" {
		if err != nil && (n == 0 || bytes.HasPrefix([]byte("\r\n\r\n"), end[:n])) {
			return r.streamErr(rec.Pos, err, "end marker")
		}
		return &Error{rec.Pos, fmt.Errorf("%w: %d does not end the block: the bytes after it are %q, not CRLF CRLF", ErrLength, rec.ContentLength, end[:n])}
	}
	if r.gz != nil {
		// a member that ends here is checked now (its CRC and length),
		// so a record is only whole once its member is
		if _, err := r.body.Peek(1); err != nil && err != io.EOF {
			return r.streamErr(rec.Pos, err, "gzip member's end")
		}
	}
	return nil
}

// start looks at the first bytes: gzip or plain.
func (r *Reader) start() error {
	magic, err := r.src.Peek(2)
	if err != nil && len(magic) == 0 {
		if err == io.EOF {
			r.body = bufio.NewReader(bytes.NewReader(nil))
			r.bodyN = &xr.CountingReader{}
			return nil
		}
		return &Error{Position{}, err}
	}
	if isZstd(r.src) {
		zd, err := zstd.NewReader(r.src, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return &Error{Position{}, fmt.Errorf("%w: %v", ErrZstd, err)}
		}
		r.bodyN = &xr.CountingReader{R: zstdReader{zd}}
	} else if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(r.src)
		if err != nil {
			return &Error{Position{}, fmt.Errorf("%w: %v", ErrGzip, err)}
		}
		gz.Multistream(false)
		r.gz = gz
		r.members = []memberStart{{0, 0}}
		r.bodyN = &xr.CountingReader{R: &memberChain{r: r}}
	} else {
		r.bodyN = &xr.CountingReader{R: r.src}
	}
	r.body = bufio.NewReaderSize(r.bodyN, 256<<10)
	return nil
}

// isZstd: the file starts with a zstd frame, or a skippable frame (a
// .warc.zst's dictionary frame, which xr cannot use: its records then
// fail to decode, with that said).
func isZstd(r *bufio.Reader) bool {
	m, _ := r.Peek(4)
	return len(m) == 4 && (string(m) == "\x28\xb5\x2f\xfd" || m[0]&0xf0 == 0x50 && string(m[1:]) == "\x2a\x4d\x18")
}

// zstdReader marks the zstd decoder's errors as its own.
type zstdReader struct{ d *zstd.Decoder }

func (z zstdReader) Read(p []byte) (int, error) {
	n, err := z.d.Read(p)
	if err != nil && err != io.EOF {
		err = &zstdErr{err}
	}
	return n, err
}

type zstdErr struct{ err error }

func (e *zstdErr) Error() string { return e.err.Error() }

// position is where the next byte of the stream lies.
func (r *Reader) position() Position {
	if r.gz == nil {
		return Position{Offset: r.bodyN.N - int64(r.body.Buffered())}
	}
	// at the end of a member, the next one begins here: read into it (an
	// error stays with the reader for the next read to report)
	r.body.Peek(1)
	at := r.bodyN.N - int64(r.body.Buffered())
	// drop the members wholly behind us
	i := 0
	for i+1 < len(r.members) && r.members[i+1].stream <= at {
		i++
	}
	r.members = r.members[i:]
	m := r.members[0]
	return Position{Offset: m.file, Inner: at - m.stream}
}

// memberChain reads the decompressed stream across gzip members, noting
// where each member starts. Its first error sticks: bufio hands an error
// out once, and a peek may be what meets it.
type memberChain struct {
	r   *Reader
	err error
}

func (c *memberChain) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.read(p)
	c.err = err
	return n, err
}

func (c *memberChain) read(p []byte) (int, error) {
	r := c.r
	for {
		n, err := r.gz.Read(p)
		if err != io.EOF {
			if err != nil {
				err = &gzipErr{member: r.members[len(r.members)-1].file, err: err}
			}
			return n, err
		}
		// the member ended cleanly; another may follow
		if _, perr := r.src.Peek(1); perr == io.EOF {
			return n, io.EOF
		}
		file := r.srcN.N - int64(r.src.Buffered())
		if rerr := r.gz.Reset(r.src); rerr != nil {
			return n, &gzipErr{member: file, err: rerr, start: true}
		}
		r.gz.Multistream(false)
		r.members = append(r.members, memberStart{stream: r.bodyN.N + int64(n), file: file})
		if n > 0 {
			return n, nil
		}
	}
}

// gzipErr is a gzip failure inside the member at file offset member.
type gzipErr struct {
	member int64
	start  bool // the bytes at member are not a gzip header
	err    error
}

func (e *gzipErr) Error() string { return e.err.Error() }

// streamErr turns a read failure met while reading what (a header, a
// block) of the record at pos into an Error.
func (r *Reader) streamErr(pos Position, err error, what string) error {
	var ge *gzipErr
	var we *Error
	var ze *zstdErr
	switch {
	case errors.As(err, &ze) && errors.Is(ze.err, io.ErrUnexpectedEOF):
		return &Error{pos, fmt.Errorf("%w: the zstd stream ends early (in the %s)", ErrTruncated, what)}
	case errors.As(err, &ze):
		return &Error{pos, fmt.Errorf("%w: %v", ErrZstd, ze.err)}
	case errors.As(err, &we):
		return err
	case errors.As(err, &ge) && ge.start:
		return &Error{Position{Offset: ge.member}, fmt.Errorf("%w: data after the last gzip member is not gzip: %v", ErrGzip, ge.err)}
	case errors.As(err, &ge) && errors.Is(ge.err, io.ErrUnexpectedEOF):
		return &Error{pos, fmt.Errorf("%w: gzip member at offset %d ends early (in the %s)", ErrTruncated, ge.member, what)}
	case errors.As(err, &ge):
		return &Error{pos, fmt.Errorf("%w at offset %d: %v", ErrGzip, ge.member, ge.err)}
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{pos, fmt.Errorf("%w: the file ends in the record's %s", ErrTruncated, what)}
	}
	return &Error{pos, err}
}

// readLine reads one header line (ending in LF).
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.body.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, &Error{r.position(), fmt.Errorf("%w: a header line longer than %d bytes", ErrHeader, r.body.Size())}
	}
	if err == io.EOF && len(line) > 0 {
		err = io.ErrUnexpectedEOF
	}
	return line, err
}

// clip shortens what an error quotes.
func clip(b []byte) []byte {
	b = bytes.TrimRight(b, "\r\n")
	if len(b) > 60 {
		return append(b[:60:60], "…"...)
	}
	return b
}
