package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

const name = "xr-pack"

// parse parses flags that may come before and after the positional
// arguments, which it returns.
func parse(fs *flag.FlagSet, c *cli.Common, args []string) (pos []string, done bool, code int) {
	if done, code := cli.Parse(fs, c, args, os.Stdout, os.Stderr); done {
		return nil, true, code
	}
	rest := fs.Args()
	for len(rest) > 0 {
		a := rest[0]
		if a == "--" {
			pos = append(pos, rest[1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			if err := fs.Parse(rest); err != nil {
				return nil, true, cli.ExitUsage
			}
			rest = fs.Args()
			continue
		}
		pos = append(pos, a)
		rest = rest[1:]
	}
	return pos, false, 0
}

// packDir takes DIR from the one positional argument or from -m.
func packDir(c *cli.Common, pos []string) (string, error) {
	switch {
	case len(pos) == 1 && c.Manifest == "":
		return pos[0], nil
	case len(pos) == 0 && c.Manifest != "":
		return filepath.Dir(c.Manifest), nil
	case len(pos) == 0:
		return "", xr.Usagef("want the pack folder DIR (or -m DIR/manifest.json)")
	case len(pos) == 1:
		return "", xr.Usagef("give the pack folder or -m, not both")
	default:
		return "", xr.Usagef("want one pack folder, got %d arguments", len(pos))
	}
}

// packCommand runs a subcommand that works on one pack folder: flags
// (declared by setup), DIR or -m, then body; the summary, --stats and
// the exit code as every xr command does.
func packCommand(args []string, sub, usage string, setup func(*flag.FlagSet), body func(c *cli.Common, dir string) (*xr.Stats, error)) int {
	fs := flag.NewFlagSet("xr-pack "+sub, flag.ContinueOnError)
	c := cli.Register(fs)
	setup(fs)
	fs.Usage = cli.Usage(fs, usage)
	pos, done, code := parse(fs, c, args)
	if done {
		return code
	}
	st, err := func() (*xr.Stats, error) {
		dir, err := packDir(c, pos)
		if err != nil {
			return nil, err
		}
		return body(c, dir)
	}()
	return c.Finish(name, os.Stderr, st, err)
}

// isFileArg reports whether the first positional argument of verify is a
// regular file (an archive) rather than a pack folder.
// verifyValueFlags are the flags of `verify` (DIR or FILE) that take a value.
var verifyValueFlags = map[string]bool{"m": true, "manifest": true, "stats": true, "rejects": true,
	"max-line": true, "key-file": true, "max-size": true, "max-ratio": true,
	"max-kdf-memory": true, "max-kdf-passes": true, "max-kdf-iterations": true}

func isFileArg(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if !strings.Contains(a, "=") && verifyValueFlags[strings.TrimLeft(a, "-")] {
				i++ // skip the flag's value
			}
			continue
		}
		fi, err := os.Stat(a)
		return err == nil && fi.Mode().IsRegular()
	}
	return false
}

const initUsage = `usage: xr-pack init --name N --source S --entity E [--type T] [--description D] [--owner O] --out DIR

Creates the pack DIR/N: DIR/N/manifest.json (every field of the spec, with
its defaults), an empty DIR/N/index.jsonl and DIR/N/records/. Prints DIR/N.
Never replaces an existing manifest.

Example:
  xr-pack init --name wookieepedia-pages --source wookieepedia --entity page \
    --type mediawiki --out data/snapshots
`

func runInit(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("xr-pack init", flag.ContinueOnError)
	c := cli.Register(fs)
	var nm, source, entity, typ, desc, owner, out string
	fs.StringVar(&nm, "name", "", "dataset `name` (the pack's folder name)")
	fs.StringVar(&source, "source", "", "source_system of the records")
	fs.StringVar(&entity, "entity", "", "entity_type of the records")
	fs.StringVar(&typ, "type", "http", "exchange_type of the records")
	fs.StringVar(&desc, "description", "", "description")
	fs.StringVar(&owner, "owner", "", "owner")
	fs.StringVar(&out, "out", ".", "parent `DIR` of the pack")
	fs.Usage = cli.Usage(fs, initUsage)
	pos, done, code := parse(fs, c, args)
	if done {
		return code
	}
	err := func() error {
		if len(pos) > 0 {
			return xr.Usagef("init takes no arguments, got %q", pos[0])
		}
		if nm == "" || source == "" || entity == "" {
			return xr.Usagef("init needs --name, --source and --entity")
		}
		m := manifest.Default(nm, typ, source, entity)
		m.Description, m.Owner = desc, owner
		dir, err := snapshot.Init(out, m)
		if err == nil {
			_, err = fmt.Fprintln(os.Stdout, dir)
		}
		return err
	}()
	return c.Finish(name, os.Stderr, nil, err)
}

const writeUsage = `usage: xr-pack write [flags] DIR

Appends the envelopes on stdin to the pack DIR. Records go into
records/YYYY/YYYY-MM-DD/chunk-NNNN.ndjson by the UTC day of observed_at_utc;
chunk numbers continue after the highest in the pack; a record whose
content_sha256 is already in the pack is skipped. Every record needs a
content_sha256 that verifies (run xr-hash first) and an observed_at_utc.
When the manifest's redaction_policy is enabled, each record is stored as
'xr-redact -m DIR/manifest.json | xr-hash' would make it (counted as
redacted). A record whose exchange_id the pack holds with other content is
refused (line N: exchange_id …), or goes to --rejects.
Crash-safe: after a crash the pack holds its old records plus whole new chunks.
Commits at least every --commit-every (5s) and whenever the open chunks hold
--commit-bytes (512 MiB), whatever the order of days, so a killed write keeps
what it had. Counters count what is committed: "written" is what the pack
gained; after a failure (disk full) the rest is "not committed".

Example:
  xr-sqldump -m D/manifest.json | xr-diff --against D/index.jsonl | xr-pack write D
`

func runWrite(ctx context.Context, args []string) int {
	var o snapshot.WriteOptions
	return packCommand(args, "write", writeUsage, func(fs *flag.FlagSet) {
		fs.IntVar(&o.ChunkSize, "chunk-size", snapshot.DefaultChunkSize, "most `records` per chunk file")
		fs.Int64Var(&o.ChunkBytes, "chunk-bytes", snapshot.DefaultChunkBytes, "most `bytes` per chunk file (a bigger record gets a chunk of its own)")
		fs.DurationVar(&o.CommitEvery, "commit-every", snapshot.DefaultCommitEvery, "commit the open chunks at least this often (`duration`)")
		fs.Int64Var(&o.CommitBytes, "commit-bytes", snapshot.DefaultCommitBytes, "commit the open chunks when they hold this many `bytes`")
	}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		var err error
		if o.Reject, err = c.RejectFunc(); err != nil {
			return nil, err
		}
		o.MaxLine, o.Log, o.Notice = c.MaxLine, c.Logger(os.Stderr), problemPrinter()
		in, stopProgress := cli.Progress("xr-pack write", os.Stdin, os.Stderr)
		defer stopProgress()
		return snapshot.Write(ctx, dir, in, o)
	})
}

const catUsage = `usage: xr-pack cat [--verify [--rejects FILE]] [--since T] [--until T] [--key K] DIR

Streams every record of the pack DIR to stdout, chunk by chunk in path order
(folder, then chunk number), lines in file order, as the chunks hold them.
--since keeps records observed at or after T, --until those before T (T is
ISO 8601, e.g. 2026-01-15 or 2026-01-15T10:00:00Z); --key keeps the records
whose key source_system|entity_type|natural_key is K (the index names the
chunks to read).

A pack holding records with secrets that its manifest's redaction_policy
removes is told in one line on stderr, with the count and the command that
scrubs them (xr-pack redact DIR). The count comes from the pack's ledger
(.xr-pack.secrets); a chunk it does not vouch for is scanned once (with
--verify, in the same pass).

--verify checks each record before it goes out, as xr-pack verify does: a
line that is not a valid envelope, or whose content_sha256 is missing or does
not match its content (the chunk was changed after it was written), stops
the command naming the chunk file and line, e.g.
  xr-pack: records/2024/2024-01-16/chunk-0002.ndjson:17: content_sha256 does not match its content (…)
with exit status 4 (1 for a line that is not an envelope); with --rejects
FILE such records go there instead and the rest goes on. It parses and hashes
every record (on every core): use it where the records are taken in, as
xr-snapshot import does.

Example:
  xr-pack cat --verify D | xr-canon | xr-redact -m D/manifest.json | xr-hash | xr-sqlload -m D/manifest.json
`

func runCat(ctx context.Context, args []string) int {
	var since, until string
	var o snapshot.CatOptions
	return packCommand(args, "cat", catUsage, func(fs *flag.FlagSet) {
		fs.StringVar(&since, "since", "", "keep records observed at or after `T`")
		fs.StringVar(&until, "until", "", "keep records observed before `T`")
		fs.StringVar(&o.Key, "key", "", "keep records with index key `K` (source|entity|natural_key)")
		fs.BoolVar(&o.Verify, "verify", false, "check every record's content_sha256 (and envelope) first; a bad one stops the command naming its chunk file and line (exit 4), or goes to --rejects")
	}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		var err error
		if o.Reject, err = c.RejectFunc(); err != nil {
			return nil, err
		}
		if o.Reject != nil && !o.Verify {
			return nil, xr.Usagef("--rejects needs --verify (plain cat checks nothing)")
		}
		if o.Since, err = cli.ParseTimeBound("since", since); err != nil {
			return nil, err
		}
		if o.Until, err = cli.ParseTimeBound("until", until); err != nil {
			return nil, err
		}
		o.Log, o.MaxLine = c.Logger(os.Stderr), c.MaxLine
		st, err := snapshot.Cat(ctx, dir, os.Stdout, o)
		if err == nil {
			_, err = noticeSecrets(ctx, dir)
		}
		return st, err
	})
}

const indexUsage = `usage: xr-pack index [--rebuild] DIR

Prints the index lines of the pack DIR ({"h", "k", "id", "t", "f"}, one per
record; a k with more than two '|' is followed by "kp", the key's parts
[source, entity, natural_key], which the text cannot tell apart). With
--rebuild, regenerates DIR/index.jsonl from the chunks (atomically, under the
pack's lock, with every kp) and prints nothing.

Example:
  xr-sqldump -m D/manifest.json | xr-diff --against <(xr-pack index D) | xr-pack write D
`

func runIndex(ctx context.Context, args []string) int {
	var rebuild bool
	return packCommand(args, "index", indexUsage, func(fs *flag.FlagSet) {
		fs.BoolVar(&rebuild, "rebuild", false, "regenerate index.jsonl from the chunks")
	}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		if rebuild {
			return snapshot.Rebuild(ctx, dir, snapshot.RebuildOptions{Problem: problemPrinter(), Log: c.Logger(os.Stderr)})
		}
		return nil, printIndex(dir, os.Stdout)
	})
}

// printIndex copies DIR/index.jsonl to w (nothing for a pack without one).
func printIndex(dir string, w io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, snapshot.ManifestFile)); err != nil {
		return fmt.Errorf("%s: not a pack: no %s", dir, snapshot.ManifestFile)
	}
	f, err := os.Open(filepath.Join(dir, snapshot.IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

const verifyUsage = `usage: xr-pack verify DIR | FILE

Checks the pack DIR: every chunk line is a valid envelope whose
content_sha256 verifies, and index.jsonl and the chunks agree exactly (no
missing, extra or duplicate lines; "f" names the chunk holding the record),
and one exchange_id names one record. Each problem is printed on stderr;
exit status 4 when there is any. Records holding secrets that the
manifest's redaction_policy removes are counted (secrets) and told in one
line naming 'xr-pack redact DIR'; that alone is not a problem. Given an
archive FILE instead, checks the archive.

Example:
  xr-pack verify D || xr-pack index --rebuild D
`

func runVerify(ctx context.Context, args []string) int {
	return packCommand(args, "verify", verifyUsage, func(*flag.FlagSet) {}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		return snapshot.Verify(ctx, dir, snapshot.VerifyOptions{Problem: problemPrinter(), Notice: problemPrinter(), Log: c.Logger(os.Stderr)})
	})
}

// problemPrinter prints each problem (or notice) as one diagnostic line.
func problemPrinter() func(string) {
	return func(msg string) { fmt.Fprintf(os.Stderr, "%s: %s\n", name, msg) }
}

const redactUsage = `usage: xr-pack redact [--stats FILE] DIR

Scrubs the pack DIR in place with its manifest's redaction_policy (the rules
and rule ids of 'xr-redact -m DIR/manifest.json'): every stored record where
a rule fires is replaced by what 'xr-redact -m | xr-hash' makes of it, keeping
its exchange_id, observed_at_utc, chunk and place; then index.jsonl is made
anew from the chunks. The one command that rewrites stored records: use it
when a pack holds secrets (written before the policy was on, or by another
tool), which every reader of the pack reports.

Prints one line per chunk rewritten (how many records, which rule ids; never
a secret) and counts records per rule id (rule:ID in --stats). Crash-safe:
each chunk is rewritten to a temporary file, fsynced and renamed over the old
one; after a kill the pack holds old or new chunks, never a mix within one,
and running xr-pack redact again finishes the job. Runs under the pack's
write lock. A record whose content_sha256 does not verify stops it (run
xr-pack verify).

Example:
  xr-pack redact D && xr-pack cat D | xr-redact -m D/manifest.json --check
`

func runRedact(ctx context.Context, args []string) int {
	return packCommand(args, "redact", redactUsage, func(*flag.FlagSet) {}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		pr := problemPrinter()
		return snapshot.Redact(ctx, dir, snapshot.RedactOptions{Changed: pr, Notice: pr, Log: c.Logger(os.Stderr)})
	})
}

// noticeSecrets prints the one line that tells a pack holding secrets its
// policy removes, and returns their count (from the pack's ledger; chunks
// it does not vouch for are scanned once).
func noticeSecrets(ctx context.Context, dir string) (int64, error) {
	n, err := snapshot.CountSecrets(ctx, dir)
	if err == nil && n > 0 {
		problemPrinter()(snapshot.SecretsNotice(dir, n))
	}
	return n, err
}

const secretsUsage = `usage: xr-pack secrets DIR

Prints how many records of the pack DIR hold secrets that its manifest's
redaction_policy removes (0 when the policy is off), with the one-line
notice on stderr when there are any. Chunks the pack's ledger
(DIR/.xr-pack.secrets, kept by verify, redact, cat, archive and this
command) vouches for are not read again, so it is cheap after the first
run. xr-pack redact DIR removes the secrets.

Example:
  test "$(xr-pack secrets -q D)" -eq 0 || xr-pack redact D
`

func runSecrets(ctx context.Context, args []string) int {
	return packCommand(args, "secrets", secretsUsage, func(*flag.FlagSet) {}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		n, err := noticeSecrets(ctx, dir)
		if err != nil {
			return nil, err
		}
		_, err = fmt.Fprintln(os.Stdout, n)
		return nil, err
	})
}
