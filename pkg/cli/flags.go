package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/xr"
)

// Flags are a command's flags: what each is called (-m, --manifest), the
// placeholder of its value (FILE; none for a switch), its help. They are
// parsed by xr's own loop rather than flag.FlagSet's, so that flags may
// come before and after the positional arguments (GNU style, which
// `xr-pack cat DIR --verify` needs), an unknown flag gets a short message
// with a suggestion, and the help, the man page and the completion are all
// made from this one list. The values are flag.Values, as stdlib's flag
// package has them.
type Flags struct {
	cmd    string // "xr-diff", "xr-pack init": the prefix of messages
	list   []*Flag
	byName map[string]*Flag
	args   []string
	notes  []string // deprecation notes of the flags used
}

// Flag is one flag.
type Flag struct {
	Long  string // "manifest" (empty for a short-only flag)
	Short string // "m", or empty
	Arg   string // the value's placeholder ("FILE"); "" for a switch
	Help  string
	Value flag.Value
	Def   string // the default as shown by -h ("" for none)
	// Use, on a deprecated spelling, is the flag to use instead.
	Use *Flag
	set bool
}

func newFlags(cmd string) *Flags {
	return &Flags{cmd: cmd, byName: map[string]*Flag{}}
}

// Name returns the flag's name as a user types it: --long, or -s.
func (f *Flag) Name() string {
	if f.Long != "" {
		return "--" + f.Long
	}
	return "-" + f.Short
}

// Var declares a flag taking a value (arg names it, e.g. FILE) or, with
// arg "", a switch (v must then be a bool flag). names is "long" or
// "s,long" (or a lone "s"). The value v holds now is the default -h shows.
func (fs *Flags) Var(v flag.Value, names, arg, help string) *Flag {
	f := &Flag{Arg: arg, Help: help, Value: v}
	short, long, ok := strings.Cut(names, ",")
	if !ok {
		long, short = names, ""
		if len(names) == 1 {
			short, long = names, ""
		}
	}
	f.Short, f.Long = short, long
	if arg != "" {
		f.Def = v.String()
	}
	for _, n := range []string{f.Short, f.Long} {
		if n == "" {
			continue
		}
		if fs.byName[n] != nil {
			panic("cli: flag " + n + " declared twice in " + fs.cmd)
		}
		fs.byName[n] = f
	}
	fs.list = append(fs.list, f)
	return f
}

// String declares a string flag.
func (fs *Flags) String(p *string, names, arg, help string) *Flag {
	return fs.Var((*stringValue)(p), names, arg, help)
}

// Bool declares a switch.
func (fs *Flags) Bool(p *bool, names, help string) *Flag {
	return fs.Var((*boolValue)(p), names, "", help)
}

// Int declares an integer flag.
func (fs *Flags) Int(p *int, names, arg, help string) *Flag {
	return fs.Var((*intValue)(p), names, arg, help)
}

// Int64 declares a 64-bit integer flag.
func (fs *Flags) Int64(p *int64, names, arg, help string) *Flag {
	return fs.Var((*int64Value)(p), names, arg, help)
}

// Uint declares a non-negative integer flag.
func (fs *Flags) Uint(p *uint, names, arg, help string) *Flag {
	return fs.Var((*uintValue)(p), names, arg, help)
}

// Duration declares a duration flag (1m30s).
func (fs *Flags) Duration(p *time.Duration, names, arg, help string) *Flag {
	return fs.Var((*durationValue)(p), names, arg, help)
}

// Func declares a flag whose every use calls fn with the value (for a
// repeatable flag such as --tag).
func (fs *Flags) Func(names, arg, help string, fn func(string) error) *Flag {
	return fs.Var(funcValue(fn), names, arg, help)
}

// Alias declares old, a spelling of the flag use that xr no longer
// documents: it still works (a user may have scripted it), and says once
// on stderr what to write instead. -h does not list it.
func (fs *Flags) Alias(old, use string) {
	u := fs.byName[use]
	if u == nil || fs.byName[old] != nil {
		panic("cli: bad alias " + old + " for " + use + " in " + fs.cmd)
	}
	fs.byName[old] = &Flag{Long: old, Arg: u.Arg, Value: u.Value, Use: u}
}

// IsSet reports whether the flag named name (long or short) was given.
func (fs *Flags) IsSet(name string) bool {
	f := fs.byName[name]
	return f != nil && f.set
}

// Args returns the positional arguments.
func (fs *Flags) Args() []string { return fs.args }

// List returns the documented flags in declaration order.
func (fs *Flags) List() []*Flag { return fs.list }

// errHelp ends a command that printed its help or version: exit 0.
var errHelp = fmt.Errorf("help printed")

// parse reads args: flags (--long, --long=V, --long V, -s V, -s=V; a
// single dash before a long name works too, as Go's flag package has it)
// anywhere before "--", everything else positional. -h/--help returns
// errHelp; a wrong flag is a usage error.
func (fs *Flags) parse(args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			fs.args = append(fs.args, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			fs.args = append(fs.args, a)
			continue
		}
		typed, val, hasVal := strings.Cut(a, "=")
		name := strings.TrimPrefix(strings.TrimPrefix(typed, "-"), "-")
		if name == "h" || name == "help" {
			return errHelp
		}
		f := fs.byName[name]
		if f == nil || name == "" {
			return xr.Usagef("unknown flag %s%s", typed, fs.suggest(name))
		}
		if f.Arg == "" {
			if !hasVal {
				val = "true"
			}
		} else if !hasVal {
			if i+1 >= len(args) {
				return xr.Usagef("%s needs a value (%s)", typed, f.Arg)
			}
			i++
			val = args[i]
		}
		if err := f.Value.Set(val); err != nil {
			return xr.Usagef("%s: %v", typed, err)
		}
		f.set = true
		if f.Use != nil {
			f.Use.set = true
			fs.notes = append(fs.notes, fmt.Sprintf("%s is deprecated: use %s", typed, f.Use.Name()))
		}
	}
	return nil
}

// suggest returns " (did you mean --x?)" for the documented flag nearest
// to name, when one is near enough to be a typo.
func (fs *Flags) suggest(name string) string {
	var names []string
	for _, f := range fs.list {
		if f.Long != "" {
			names = append(names, f.Long)
		}
	}
	if best := Nearest(name, names); best != "" {
		return " (did you mean --" + best + "?)"
	}
	return ""
}

// Nearest returns the candidate nearest to s when it is near enough to be
// a typo of it (an edit distance of at most a third of its length, at
// least 1; or s is a prefix of it), else "". Ties go to the first.
func Nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/3
	if bestD < 1 {
		bestD = 1
	}
	prefix := ""
	for _, c := range candidates {
		if d := editDistance(s, c); d <= bestD && (best == "" || d < editDistance(s, best)) {
			best = c
		}
		if prefix == "" && len(s) >= 2 && strings.HasPrefix(c, s) {
			prefix = c
		}
	}
	if best == "" {
		return prefix
	}
	return best
}

// editDistance is the Levenshtein distance, with a swap of two neighbours
// counted as one edit (--verfiy).
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// usage renders the flag list of -h, GNU style:
//
//	-m, --manifest FILE  manifest.json of the dataset
//	    --rejects FILE   append bad input lines to FILE
func (fs *Flags) usage() string {
	left := make([]string, len(fs.list))
	width := 0
	for i, f := range fs.list {
		s := "    "
		if f.Short != "" {
			s = "-" + f.Short
			if f.Long != "" {
				s += ", "
			}
		}
		if f.Long != "" {
			s += "--" + f.Long
		}
		if f.Arg != "" {
			s += " " + f.Arg
		}
		left[i] = s
		if len(s) <= 26 {
			width = max(width, len(s))
		}
	}
	var b strings.Builder
	for i, f := range fs.list {
		help := f.Help
		if f.Def != "" && f.Def != "0" && f.Def != "0s" {
			help += " (default " + f.Def + ")"
		}
		lines := wrap(help, 78-2-width-2)
		if len(left[i]) > width {
			fmt.Fprintf(&b, "  %s\n", left[i])
		} else {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, left[i], lines[0])
			lines = lines[1:]
		}
		for _, l := range lines {
			fmt.Fprintf(&b, "  %*s  %s\n", width, "", l)
		}
	}
	return b.String()
}

// wrap breaks text into lines of at most width runes (a longer word gets
// a line of its own).
func wrap(text string, width int) []string {
	if width < 20 {
		width = 20
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}

// The value types: stdlib flag's, with messages that say what is wanted.

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("invalid value %q (want true or false)", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, strconv.IntSize)
	if err != nil {
		return fmt.Errorf("invalid value %q (want an integer)", s)
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type int64Value int64

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return fmt.Errorf("invalid value %q (want an integer)", s)
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }

type uintValue uint

func (v *uintValue) Set(s string) error {
	n, err := strconv.ParseUint(s, 0, strconv.IntSize)
	if err != nil {
		return fmt.Errorf("invalid value %q (want a non-negative integer)", s)
	}
	*v = uintValue(n)
	return nil
}
func (v *uintValue) String() string { return strconv.FormatUint(uint64(*v), 10) }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid value %q (want a duration such as 30s or 1m)", s)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

type funcValue func(string) error

func (f funcValue) Set(s string) error { return f(s) }
func (f funcValue) String() string     { return "" }
