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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
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

// ExitCodesHelp is the exit-code table printed at the end of -h.
const ExitCodesHelp = `Exit codes: 0 ok, 1 error, 2 usage, 3 conflict (--conflict fail),
4 verification found mismatches, 130 interrupted.`

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

// Common holds the flags every command takes.
type Common struct {
	Manifest string
	Rejects  string
	Stats    string
	Quiet    bool
	Verbose  bool
	Version  bool
	MaxLine  int

	rejects *rejectFile
}

// Register adds the common flags to fs.
func Register(fs *flag.FlagSet) *Common {
	c := &Common{}
	fs.StringVar(&c.Manifest, "m", "", "manifest.json of the dataset (same as --manifest)")
	fs.StringVar(&c.Manifest, "manifest", "", "manifest.json of the dataset")
	fs.StringVar(&c.Rejects, "rejects", "", "append bad input lines to `FILE` and go on (NDJSON: line, error, input; input_encoding, input_truncated, input_bytes when the line is not UTF-8 or was cut)")
	fs.StringVar(&c.Stats, "stats", "", "write the counters to `FILE` as one JSON object")
	fs.BoolVar(&c.Quiet, "q", false, "no summary line on stderr")
	fs.BoolVar(&c.Verbose, "v", false, "debug log on stderr")
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	fs.IntVar(&c.MaxLine, "max-line", envelope.DefaultMaxLine, "longest accepted input line in `bytes`")
	return c
}

// Usage returns a flag usage function printing text (synopsis, example
// pipeline), the flags and the exit codes. -h output goes to stdout.
func Usage(fs *flag.FlagSet, text string) func() {
	return func() {
		w := fs.Output()
		fmt.Fprintln(w, strings.TrimSpace(text))
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintln(w, "\n"+ExitCodesHelp)
	}
}

// Parse parses args, printing usage to stdout for -h. It returns done=true
// with the exit code when the command should stop (help, version, bad flag).
func Parse(fs *flag.FlagSet, c *Common, args []string, stdout, stderr io.Writer) (done bool, code int) {
	fs.SetOutput(stderr)
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return true, ExitOK
		}
	}
	if err := fs.Parse(args); err != nil {
		return true, ExitUsage
	}
	if c != nil && c.Version {
		fmt.Fprintf(stdout, "%s %s\n", fs.Name(), VersionString())
		return true, ExitOK
	}
	return false, 0
}

// VersionString is xr's version plus the VCS revision when the binary
// carries one.
func VersionString() string {
	v := xr.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 7 {
				v += " (" + s.Value[:7] + ")"
			}
		}
	}
	return v
}

// Logger returns the -v debug logger (a discarding one without -v).
func (c *Common) Logger(stderr io.Writer) *slog.Logger {
	if !c.Verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// RejectFunc opens the --rejects file and returns the sink for bad lines,
// or nil when --rejects was not given (bad lines then stop the command).
func (c *Common) RejectFunc() (xr.RejectFunc, error) {
	if c.Rejects == "" {
		return nil, nil
	}
	f, err := os.OpenFile(c.Rejects, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--rejects: %w", err)
	}
	c.rejects = &rejectFile{f: f}
	return c.rejects.reject, nil
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

// Finish ends a command: it writes --stats, prints the one-line summary
// and the error (if any) to stderr, and returns the exit code.
func (c *Common) Finish(name string, stderr io.Writer, st *xr.Stats, err error) int {
	restoreBlocking()
	if c.rejects != nil {
		if cerr := c.rejects.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("--rejects: %w", cerr)
		}
	}
	if c.Stats != "" && st != nil {
		if werr := os.WriteFile(c.Stats, append(st.JSON(), '\n'), 0o644); werr != nil && err == nil {
			err = fmt.Errorf("--stats: %w", werr)
		}
	}
	code := ExitCode(err)
	if errors.Is(err, syscall.EPIPE) {
		return ExitOK // the reader went away (| head): end quietly
	}
	if !c.Quiet && st != nil && code != ExitOK || !c.Quiet && st != nil && len(st.Names()) > 0 {
		if s := st.Summary(); s != "" {
			fmt.Fprintf(stderr, "%s: %s\n", name, s)
		}
	}
	if err != nil && code != ExitOK {
		if code == ExitInterrupted {
			fmt.Fprintf(stderr, "%s: interrupted\n", name)
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
		}
	}
	return code
}

// IsTerminal reports whether f is a terminal that can take progress lines.
func IsTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}

// SignalContext is cancelled by SIGINT or SIGTERM. It names the signals
// explicitly: catching every signal would also catch SIGPIPE and break the
// quiet end of `| head`.
//
// SIGPIPE is ignored instead, so a write to a closed stdout returns EPIPE,
// which Finish turns into a quiet exit 0 rather than death by signal (141).
func SignalContext() (context.Context, context.CancelFunc) {
	signal.Ignore(syscall.SIGPIPE)
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
