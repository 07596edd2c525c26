// Package cli is what every xr command shares: the common flags (and the
// database flags of the SQL commands), usage text, the summary line, the
// --stats and --rejects files, progress on a terminal, and the one place
// where errors become exit codes. Only cmd/ imports it.
package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/jsonscan"
	"github.com/xr-lake/xr/pkg/xr"
)

// Exit codes, listed in every command's -h.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitConflict    = 3
	ExitMismatch    = 4
	ExitInterrupted = 130
)

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	var ue *xr.UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, syscall.EPIPE):
		return ExitOK // a closed stdout (| head) is a normal end
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, xr.ErrConflict):
		return ExitConflict
	case errors.Is(err, xr.ErrMismatch):
		return ExitMismatch
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	default:
		return ExitError
	}
}

type rejectFile struct {
	mu sync.Mutex
	f  *os.File
}

// reject writes one line of the --rejects file (AppendReject).
func (r *rejectFile) reject(line int, raw []byte, err error) error {
	b := AppendReject(nil, line, raw, err)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, werr := r.f.Write(b)
	return werr
}

// MaxRejectDepth is the deepest input a --rejects line embeds as JSON;
// deeper input is carried as a string, so that the line stays within what
// every common reader accepts (jq 1.6 refuses more than 256 levels).
const MaxRejectDepth = 128

// AppendReject appends the --rejects line of a bad input line, and '\n':
//
//	{"line":N,"error":"…","input":…[,"input_encoding":"base64"][,"input_truncated":true,"input_bytes":B]}
//
// input is the line itself when xr's own parser accepts it as JSON and it
// is nested at most MaxRejectDepth levels deep; otherwise the line as a
// JSON string, or, when it is not valid UTF-8, its bytes in standard
// base64 with "input_encoding":"base64". A line over --max-line was cut:
// input holds its start (as a string or base64), "input_truncated" is true
// and "input_bytes" its whole length. So every rejects line is valid
// NDJSON that jq, Python and xr read, and gives the line back exactly (or
// its start, marked).
func AppendReject(dst []byte, line int, raw []byte, err error) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(line), 10)
	dst = append(dst, `,"error":`...)
	dst = jsonscan.AppendQuoteString(dst, strings.ToValidUTF8(err.Error(), "\uFFFD"))
	dst = append(dst, `,"input":`...)
	var long *envelope.LongLineError
	cut := errors.As(err, &long) && long.Bytes > len(raw)
	if cut {
		raw = trimPartialRune(raw)
	}
	switch {
	case !cut && jsonscan.Valid(raw) == nil && jsonscan.Depth(raw) <= MaxRejectDepth:
		dst = append(dst, bytes.TrimSpace(raw)...)
	case utf8.Valid(raw):
		dst = jsonscan.AppendQuote(dst, raw)
	default:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, raw)
		dst = append(dst, `","input_encoding":"base64"`...)
	}
	if cut {
		dst = append(dst, `,"input_truncated":true,"input_bytes":`...)
		dst = strconv.AppendInt(dst, int64(long.Bytes), 10)
	}
	return append(dst, '}', '\n')
}

// trimPartialRune drops an incomplete UTF-8 sequence that a cut left at
// the end of b (up to three bytes), so that a cut text stays text.
func trimPartialRune(b []byte) []byte {
	for k := 1; k <= 3 && k <= len(b); k++ {
		if c := b[len(b)-k]; c < 0x80 || c >= 0xC0 {
			if c >= 0xC0 && !utf8.FullRune(b[len(b)-k:]) {
				return b[:len(b)-k]
			}
			break
		}
	}
	return b
}

// IsTerminal reports whether f is a terminal that can take progress lines.
func IsTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}
