package cli

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// CommonFlags says which of the flags many commands share a command
// takes: only those it uses, so that a flag it would ignore is refused.
type CommonFlags uint

const (
	Manifest CommonFlags = 1 << iota // -m, --manifest FILE
	Rejects                          // --rejects FILE
	Stats                            // --stats FILE
	MaxLine                          // --max-line BYTES
	Verbose                          // -v, --verbose

	// Stage is what every stage reading envelopes takes.
	Stage = Manifest | Rejects | Stats | MaxLine | Verbose
)

// Opts are the values of the common flags.
type Opts struct {
	Manifest string
	Rejects  string
	Stats    string
	Quiet    bool
	Verbose  bool
	MaxLine  int

	version bool
}

// register declares the common flags in which, then -q, --version and
// -h, which every command takes (-q as restic has it: a script may quiet
// every command alike).
func (x *Env) register(which CommonFlags) {
	fs := x.Flags
	x.MaxLine = envelope.DefaultMaxLine
	if which&Manifest != 0 {
		fs.String(&x.Manifest, "m,manifest", "FILE", "manifest.json of the dataset")
	}
	if which&Rejects != 0 {
		fs.String(&x.Rejects, "rejects", "FILE", "append bad input lines to FILE and go on (NDJSON: line, error, input; input_encoding, input_truncated, input_bytes when the line is not UTF-8 or was cut)")
	}
	if which&Stats != 0 {
		fs.String(&x.Stats, "stats", "FILE", "write the counters to FILE as one JSON object")
	}
	if which&MaxLine != 0 {
		fs.Int(&x.MaxLine, "max-line", "BYTES", "longest accepted input line")
	}
	if which&Verbose != 0 {
		fs.Bool(&x.Verbose, "v,verbose", "debug log on stderr")
	}
	fs.Bool(&x.Quiet, "q,quiet", "no summary line or notes on stderr")
	commonProgress(x)
	fs.Bool(&x.version, "version", "print the version and exit")
	fs.Bool(new(bool), "h,help", "print this help and exit")
}

// Logger returns the -v debug logger (a discarding one without -v).
func (x *Env) Logger() *slog.Logger {
	if !x.Verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(newDebugHandler(x.Prog, x.Stderr, &x.mu))
}

// LoadManifest loads -m's manifest; nil without -m.
func (x *Env) LoadManifest() (*manifest.Manifest, error) {
	if x.Manifest == "" {
		return nil, nil
	}
	return manifest.Load(x.Manifest)
}

// RejectFunc opens the --rejects file and returns the sink for bad lines,
// or nil when --rejects was not given (bad lines then stop the command).
func (x *Env) RejectFunc() (xr.RejectFunc, error) {
	if x.Rejects == "" {
		return nil, nil
	}
	f, err := os.OpenFile(x.Rejects, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--rejects: %w", err)
	}
	x.rejects = &rejectFile{f: f}
	return x.rejects.reject, nil
}

// Version, when set at link time (-ldflags "-X github.com/xr-lake/xr/pkg/cli.Version=v1.2.3"),
// is the version every command reports instead of the build's own.
var Version string

// VersionString is the version every xr command prints for --version, the
// same for all the binaries of one build: the module version Go stamped
// into the binary (a tag, or a pseudo-version of the commit, when built
// from a checkout or with go install MODULE@VERSION) and the VCS revision
// with its time and "modified" when the tree had changes; "(devel)" when
// the build carries neither (go run, a build outside the checkout).
func VersionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return cmp.Or(Version, "(devel)")
	}
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	v := cmp.Or(Version, bi.Main.Version, "(devel)")
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value
		}
	}
	if rev == "" {
		return v
	}
	detail := []string{"revision " + rev[:min(12, len(rev))]}
	if at != "" {
		detail = append(detail, at)
	}
	if dirty == "true" {
		detail = append(detail, "modified")
	}
	return v + " (" + strings.Join(detail, ", ") + ")"
}
