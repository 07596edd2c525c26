package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/xr-lake/xr/pkg/xr"
)

// A Command is one xr command, or one subcommand of xr-pack: its help,
// the common flags it takes, the exit codes it can return, and Run. Run
// declares the command's own flags on x.Flags, calls x.Parse, does the
// work and returns the counters and the error; Exec turns them into the
// summary line, --stats, the message and the exit code, in one place.
type Command struct {
	Name    string // "xr-hash"; a subcommand's own name ("init")
	Summary string // one line: xr-pack's command list, the man page's NAME
	// Help is the text -h prints before the flags: the "usage:" line(s),
	// the description, and an "Example:" block of commands a test runs.
	Help   string
	Common CommonFlags // which of the common flags it takes
	Exits  []Exit      // the exit codes it can return besides 0, 1 and 2
	Run    func(x *Env) (*xr.Stats, error)
	// Sub are the subcommands (xr-pack's): Run is then not used.
	Sub []*Command
	// As are the helps of the command when it runs as another
	// ($XR_PROG_NAME, see Main), by that name: the text -h then prints in
	// place of Help. A text with a "Flags:" section of its own documents
	// a command whose flags are not this one's (xr-snapshot's import,
	// whose options xr-pack report checks) and is printed alone.
	As map[string]string
}

// Exit is an exit code and what it means, for the footer of -h.
type Exit struct {
	Code  int
	Means string
}

// The exit codes beyond 0 (ok), 1 (error) and 2 (usage) that commands
// return, as their -h footers name them.
var (
	ExitsConflict    = Exit{ExitConflict, "conflict (--conflict fail)"}
	ExitsMismatch    = Exit{ExitMismatch, "verification found mismatches"}
	ExitsInterrupted = Exit{ExitInterrupted, "interrupted"}
)

// Main runs cmd on the process's arguments and streams and exits with its
// status: the whole of every xr main.
//
// $XR_PROG_NAME, when set, is the name usage errors give the command:
// xr-snapshot runs `xr-pack archive` as its `pack` with
// XR_PROG_NAME="xr-snapshot pack", so that a wrong flag says
// "xr-snapshot pack: unknown flag --bogus" and "run 'xr-snapshot pack -h'";
// -h then prints the command's help under that name (Command.As), and
// --version names the program that name starts with.
func Main(cmd *Command) {
	os.Exit(cmd.exec(context.Background(), os.Getenv("XR_PROG_NAME"), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Env is what a command runs with: its streams, its context (cancelled by
// SIGINT and SIGTERM), its flags and the values of the common ones.
type Env struct {
	Name   string // for usage errors and -h: "xr-diff", "xr-pack init"
	Prog   string // the prefix of every other message: "xr-diff", "xr-pack"
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Ctx    context.Context
	Flags  *Flags
	Opts

	cmd      *Command
	args     []string
	rejects  *rejectFile
	progress progressOpts // --progress and the display (progress.go)
	mu       sync.Mutex   // one diagnostic line at a time
}

// Exec runs cmd with args and the streams, and returns the exit status.
// Tests run commands in-process through it.
func (c *Command) Exec(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return c.exec(ctx, "", args, stdin, stdout, stderr)
}

func (c *Command) exec(ctx context.Context, as string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	x := &Env{Name: c.Name, Prog: c.Name, Stdin: stdin, Stdout: stdout, Stderr: stderr, Ctx: ctx, cmd: c, args: args}
	if len(c.Sub) > 0 {
		sub, err := c.pick(x, args)
		if sub == nil {
			return x.finish(nil, err)
		}
		x.Name, x.cmd, x.args = c.Name+" "+sub.Name, sub, args[1:]
	}
	if as != "" {
		x.Name = as
	}
	x.Flags = newFlags(x.Name)
	x.Ctx = xr.WithMeter(x.Ctx, lazyMeter{x}) // the library's progress (progress.go)
	st, err := x.cmd.Run(x)
	return x.finish(st, err)
}

// pick returns the subcommand args[0] names (nil when it printed the help
// or the version, or on a usage error).
func (c *Command) pick(x *Env, args []string) (*Command, error) {
	if len(args) == 0 {
		return nil, xr.Usagef("want a command (%s)", strings.Join(c.subNames(), ", "))
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		_, err := io.WriteString(x.Stdout, c.helpText(x.Name, nil))
		return nil, printed(err)
	case "--version", "-version":
		_, err := fmt.Fprintf(x.Stdout, "%s %s\n", c.Name, VersionString())
		return nil, printed(err)
	}
	for _, s := range c.Sub {
		if s.Name == args[0] {
			return s, nil
		}
	}
	hint := ""
	if n := Nearest(args[0], c.subNames()); n != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", n)
	}
	if strings.HasPrefix(args[0], "-") {
		typed, _, _ := strings.Cut(args[0], "=")
		return nil, xr.Usagef("unknown flag %s", typed)
	}
	return nil, xr.Usagef("unknown command %q%s", args[0], hint)
}

func (c *Command) subNames() []string {
	var n []string
	for _, s := range c.Sub {
		n = append(n, s.Name)
	}
	return n
}

// Parse declares the common flags the command takes, then parses the
// arguments. After -h or --version (printed on stdout) it returns an error
// that ends the command with status 0; Run returns it as it is.
func (x *Env) Parse() error {
	x.register(x.cmd.Common)
	err := x.Flags.parse(x.args)
	for _, n := range x.Flags.notes {
		x.Warn(n)
	}
	switch {
	case errors.Is(err, errHelp):
		_, werr := io.WriteString(x.Stdout, x.cmd.helpText(x.Name, x.Flags))
		return printed(werr)
	case err != nil:
		return err
	case x.version:
		prog, _, _ := strings.Cut(x.Name, " ") // xr-pack, or the name it runs as
		_, werr := fmt.Fprintf(x.Stdout, "%s %s\n", prog, VersionString())
		return printed(werr)
	}
	return nil
}

// printed is the end of a command that printed its help or version: a
// failed write (EPIPE ends quietly all the same), else errHelp (status 0).
func printed(werr error) error {
	if werr != nil {
		return werr
	}
	return errHelp
}

// Args returns the positional arguments (after Parse).
func (x *Env) Args() []string { return x.Flags.Args() }

// NoArgs is the usage error of a command that takes no positional
// arguments (a filter on stdin, or a source on stdout) when it got some:
// silently ignoring `xr-hash in.ndjson --verify` would read stdin instead
// of the file. hint says where the data goes instead ("it reads stdin:
// xr-hash < FILE").
func (x *Env) NoArgs(hint string) error {
	if a := x.Args(); len(a) > 0 {
		return xr.Usagef("takes no arguments (%s), got %q", hint, a[0])
	}
	return nil
}

// Note prints one diagnostic line, unless -q: what the command tells
// along the way (the database used, a notice about the input).
func (x *Env) Note(msg string) {
	if !x.Quiet {
		x.Warn(msg)
	}
}

// Warn prints one diagnostic line, even with -q: a warning, a problem
// found, a wait.
func (x *Env) Warn(msg string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	fmt.Fprintf(x.Stderr, "%s: %s\n", x.Prog, msg)
}

// Diag is the diagnostic sink the command hands its packages: Note and
// Warn above.
func (x *Env) Diag() xr.Diag { return xr.NewDiag(x.Note, x.Warn) }

// Input returns the command's stdin as it reads it: interruptible by the
// signals, with the progress line on a terminal (see Input). The progress
// line is cleared before the summary.
func (x *Env) Input() io.Reader {
	f, ok := x.Stdin.(*os.File)
	if !ok {
		return x.Stdin
	}
	return x.InputFrom(f)
}

// InputFrom is Input of the input file f.
func (x *Env) InputFrom(f *os.File) io.Reader { return x.input(f) }

// Interruptible is Interruptible of stdin (for a command reading an index
// there).
func (x *Env) Interruptible() io.Reader {
	if f, ok := x.Stdin.(*os.File); ok {
		return Interruptible(x.Ctx, f)
	}
	return x.Stdin
}

// FlushEach reports whether stdout is a terminal, where a command flushes
// each record.
func (x *Env) FlushEach() bool { return isTerminal(x.Stdout) }

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && IsTerminal(f)
}

// finish ends a command: it writes --stats, prints the one-line summary
// and the error (if any) on stderr, and returns the exit status. A usage
// error is two lines, the second naming -h, and nothing else; a command
// that failed before it counted anything prints no summary of zeros.
func (x *Env) finish(st *xr.Stats, err error) int {
	x.stopProgress()
	restoreBlocking()
	if err == errHelp {
		return ExitOK
	}
	var ue *xr.UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(x.Stderr, "%s: %s\nrun '%s -h' for usage\n", x.Name, ue.Msg, x.Name)
		return ExitUsage
	}
	if x.rejects != nil {
		if cerr := x.rejects.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("--rejects: %w", cerr)
		}
	}
	if x.Stats != "" && st != nil {
		if werr := os.WriteFile(x.Stats, append(st.JSON(), '\n'), 0o644); werr != nil && err == nil {
			err = fmt.Errorf("--stats: %w", werr)
		}
	}
	code := ExitCode(err)
	if errors.Is(err, syscall.EPIPE) {
		return ExitOK // the reader went away (| head): end quietly
	}
	if !x.Quiet && st != nil && (err == nil && len(st.Names()) > 0 || err != nil && counted(st)) {
		if s := st.Summary(); s != "" {
			fmt.Fprintf(x.Stderr, "%s: %s\n", x.Prog, s)
		}
	}
	if err != nil && code != ExitOK {
		if code == ExitInterrupted {
			fmt.Fprintf(x.Stderr, "%s: interrupted\n", x.Prog)
		} else {
			fmt.Fprintf(x.Stderr, "%s: %v\n", x.Prog, err)
		}
	}
	return code
}

// counted reports whether any counter of st is not zero.
func counted(st *xr.Stats) bool {
	for _, n := range st.Names() {
		if st.Get(n) != 0 {
			return true
		}
	}
	return false
}

// helpText is what -h prints: the help (under name, its As text if it
// has one), the subcommands, the flags (GNU style) and the exit codes the
// command can return.
func (c *Command) helpText(name string, fs *Flags) string {
	help, ok := c.As[name]
	if ok && strings.Contains(help, "\nFlags:\n") {
		return strings.TrimSpace(help) + "\n"
	}
	if !ok {
		help = c.Help
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(help) + "\n")
	exits := c.Exits
	if len(c.Sub) > 0 {
		b.WriteString("\nCommands:\n")
		w := 0
		for _, s := range c.Sub {
			w = max(w, len(s.Name))
		}
		for _, s := range c.Sub {
			fmt.Fprintf(&b, "  %-*s  %s\n", w, s.Name, s.Summary)
			exits = append(exits, s.Exits...)
		}
		fmt.Fprintf(&b, "\nRun '%s COMMAND -h' for a command's flags.\n", c.Name)
		fs = newFlags(c.Name)
		fs.Bool(new(bool), "version", "print the version and exit")
		fs.Bool(new(bool), "h,help", "print this help and exit")
	}
	b.WriteString("\nFlags:\n" + fs.usage())
	b.WriteString("\n" + ExitCodesHelp(exits) + "\n")
	return b.String()
}

// ExitCodesHelp is the footer of -h: 0, 1, 2 and the codes of exits, in
// order, each once.
func ExitCodesHelp(exits []Exit) string {
	parts := []string{"0 ok", "1 error", "2 usage"}
	seen := map[int]bool{}
	for code := 3; code <= 255; code++ {
		for _, e := range exits {
			if e.Code == code && !seen[code] {
				seen[code] = true
				parts = append(parts, fmt.Sprintf("%d %s", e.Code, e.Means))
			}
		}
	}
	return strings.Join(wrap("Exit codes: "+strings.Join(parts, ", ")+".", 76), "\n")
}
