package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/xr-lake/xr/pkg/xr"
)

// Progress modes: --progress MODE, else $XR_PROGRESS, else auto.
const (
	// ProgressAuto draws one `\r` line on stderr when stderr is a
	// terminal, and nothing otherwise.
	ProgressAuto = "auto"
	// ProgressJSON writes a JSON status line to stderr every second and
	// one at the end, terminal or not (restic's --json).
	ProgressJSON = "json"
	// ProgressNone shows nothing.
	ProgressNone = "none"
)

// Environment a parent (scripts/xr-snapshot) uses to make one stage of a
// pipeline draw the one progress line of a whole step while the other
// stages stay quiet (XR_PROGRESS=none): XR_PROGRESS_FD names the file
// descriptor the line goes to (the parent's stderr, while the stage's own
// stderr is captured), XR_PROGRESS_LABEL replaces the command's name on
// the line ("xr-snapshot import 1/4 reading the pack"). A stage so
// driven leaves its last frame on the line for the parent to clear, so
// that a finished step stays visible at 100% until the next one draws.
const (
	envProgress      = "XR_PROGRESS"
	envProgressFD    = "XR_PROGRESS_FD"
	envProgressLabel = "XR_PROGRESS_LABEL"
)

// How often a frame is drawn: four times a second on a terminal, once a
// second as JSON (a CI log); $XR_PROGRESS_FPS frames a second instead
// (restic's RESTIC_PROGRESS_FPS).
const (
	ttyEvery       = 250 * time.Millisecond
	jsonEvery      = time.Second
	envProgressFPS = "XR_PROGRESS_FPS"
)

// frameEvery is the time between two frames.
func frameEvery(json bool) time.Duration {
	if fps, err := strconv.ParseFloat(os.Getenv(envProgressFPS), 64); err == nil && fps > 0 && fps <= 1000 {
		return time.Duration(float64(time.Second) / fps)
	}
	if json {
		return jsonEvery
	}
	return ttyEvery
}

// progressOpts are a command's --progress and its display.
type progressOpts struct {
	mode  string // --progress ("" when not given)
	once  sync.Once
	meter *meter // nil: no display
}

// progressCommands are the commands with work to show, by their own
// names (xr-pack's subcommands by theirs, whatever name $XR_PROG_NAME
// gives them): the stages (their input), the SQL commands and xr-pack's
// readers and writers. The others (xr-pack init, locate, secrets) do not
// take --progress, since a flag a command would ignore is refused.
var progressCommands = map[string]bool{"xr-canon": true, "xr-hash": true, "xr-redact": true, "xr-diff": true,
	"xr-sqlload": true, "xr-sqldump": true, "write": true, "cat": true, "index": true,
	"verify": true, "redact": true, "archive": true, "extract": true}

// commonProgress declares --progress for the commands that show progress.
func commonProgress(x *Env) {
	if !progressCommands[x.cmd.Name] {
		return
	}
	x.Flags.Func("progress", "MODE", "progress on stderr: auto (a line when stderr is a terminal), json (status lines, terminal or not) or none; default: $XR_PROGRESS, else auto", func(s string) error {
		if !validProgressMode(s) {
			return fmt.Errorf("want auto, json or none, not %q", s)
		}
		x.progress.mode = s
		return nil
	})
}

func validProgressMode(s string) bool {
	return s == ProgressAuto || s == ProgressJSON || s == ProgressNone
}

// progressMode is the mode in effect; a bad $XR_PROGRESS is said once
// and taken as auto.
func (x *Env) progressMode() string {
	if x.progress.mode != "" {
		return x.progress.mode
	}
	env := os.Getenv(envProgress)
	if env == "" {
		return ProgressAuto
	}
	if !validProgressMode(env) {
		x.Warn(fmt.Sprintf("warning: %s=%q: want auto, json or none; using auto", envProgress, env))
		return ProgressAuto
	}
	return env
}

// meter returns the command's display, started on first use (after the
// flags were parsed: the library asks when it starts its work); nil when
// the command shows no progress. A command's stdin and its pack feed the
// same one.
func (x *Env) meter() *meter {
	x.progress.once.Do(func() {
		if progressCommands[x.cmd.Name] {
			x.progress.meter = newMeter(x.Name, x.progressMode(), x.Stderr)
		}
	})
	return x.progress.meter
}

// stopProgress ends the display, if any (finish calls it, so that the
// line is gone before the summary).
func (x *Env) stopProgress() {
	x.progress.once.Do(func() {}) // none started now: none will
	if m := x.progress.meter; m != nil {
		m.stop()
	}
}

// newMeter decides, from the mode and where the output goes, whether
// there is a display and of which kind.
func newMeter(name, mode string, stderr io.Writer) *meter {
	if mode == ProgressNone {
		return nil
	}
	out, driven := stderr, false
	if fd := os.Getenv(envProgressFD); fd != "" {
		n, err := strconv.Atoi(fd)
		if err != nil || n < 0 {
			return nil
		}
		f := os.NewFile(uintptr(n), "progress")
		if _, err := f.Stat(); err != nil {
			return nil
		}
		out, driven = f, true
	}
	m := &meter{name: name, label: name, out: out, json: mode == ProgressJSON, driven: driven,
		start: time.Now(), done: make(chan struct{})}
	if l := os.Getenv(envProgressLabel); l != "" {
		m.label = l
	}
	if !m.json && !isTerminal(out) {
		return nil
	}
	m.wg.Add(1)
	go m.run()
	return m
}

// meter counts a command's work (xr.Meter) and draws it.
type meter struct {
	name, label string // the command; what the line starts with
	out         io.Writer
	json        bool // JSON status lines instead of a terminal line
	driven      bool // a parent owns the line (XR_PROGRESS_FD)
	start       time.Time

	total, bytes, records atomic.Int64
	fed                   atomic.Bool  // the work reported something: a meter never fed draws nothing
	readAt                atomic.Int64 // when the total was reached (unix ns): the rate stops there

	drawn    bool // a terminal frame is on the line (run's goroutine only)
	done     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

func (m *meter) SetTotal(n int64) {
	m.total.Store(n)
	m.fed.Store(true)
}

func (m *meter) Add(bytes, records int64) {
	if n, t := m.bytes.Add(bytes), m.total.Load(); t > 0 && n >= t && m.readAt.Load() == 0 {
		m.readAt.Store(time.Now().UnixNano())
	}
	m.records.Add(records)
	if !m.fed.Load() {
		m.fed.Store(true)
	}
}

func (m *meter) stop() { m.stopOnce.Do(func() { close(m.done); m.wg.Wait() }) }

func (m *meter) run() {
	defer m.wg.Done()
	t := time.NewTicker(frameEvery(m.json))
	defer t.Stop()
	for {
		select {
		case <-m.done:
			m.end()
			return
		case <-t.C:
			m.draw(false)
		}
	}
}

// end writes the last state: a final JSON status line always; on a
// terminal the final frame (so that a finished read shows 100%) where a
// frame was drawn, then, unless a parent owns the line, clears it for
// the summary.
func (m *meter) end() {
	if m.json || m.drawn {
		m.draw(true)
	}
	if !m.json && !m.driven {
		fmt.Fprint(m.out, "\r\x1b[K")
	}
}

func (m *meter) draw(final bool) {
	if !m.fed.Load() {
		return
	}
	s := m.snapshot(time.Now())
	if m.json {
		m.out.Write(s.appendJSON(nil, final))
		return
	}
	width := 0
	if f, ok := m.out.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			width = w
		}
	}
	fmt.Fprint(m.out, "\r\x1b[K"+fitWidth(s.line(), width))
	m.drawn = true
}

// snapshot is the meter's state at one moment.
func (m *meter) snapshot(now time.Time) progressState {
	s := progressState{name: m.name, label: m.label, elapsed: now.Sub(m.start),
		total: m.total.Load(), bytes: m.bytes.Load(), records: m.records.Load()}
	s.reading = s.elapsed
	if at := m.readAt.Load(); at != 0 {
		s.reading = time.Unix(0, at).Sub(m.start)
	}
	return s
}

// input is how a command reads its input file f (stdin): Interruptible,
// counted on the display, with percent and ETA when f is a regular file.
// A terminal gets a one-line hint instead (a command silently waiting for
// input looks hung; a progress line would mix with what is typed).
// The display ends in finish, before the summary.
func (x *Env) input(f *os.File) io.Reader {
	in := Interruptible(x.Ctx, f)
	if term.IsTerminal(int(f.Fd())) {
		x.Warn("reading envelopes from the terminal (Ctrl-D ends; -h for help)")
		return in
	}
	m := x.meter()
	if m == nil {
		return in
	}
	if size := remaining(f); size > 0 {
		m.SetTotal(size)
	}
	return xr.MeterReader(m, in)
}

// remaining is how much of a regular file is left to read from its
// offset (0 for anything else).
func remaining(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	return max(fi.Size()-off, 0)
}

// lazyMeter is the meter x.Ctx carries for a library that reports its
// own work (xr.MeterOf: a pack, an archive, a table): the display starts
// when the library first asks, after the command parsed --progress.
type lazyMeter struct{ x *Env }

func (l lazyMeter) Active() bool { return l.x.meter() != nil }

func (l lazyMeter) SetTotal(n int64) {
	if m := l.x.meter(); m != nil {
		m.SetTotal(n)
	}
}

func (l lazyMeter) Add(bytes, records int64) {
	if m := l.x.meter(); m != nil {
		m.Add(bytes, records)
	}
}
