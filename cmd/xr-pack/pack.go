package main

import (
	"cmp"
	"errors"
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

// onPack is what the subcommands working on one pack folder take of the
// common flags: -m names the pack instead of DIR.
const onPack = cli.Manifest | cli.Stats | cli.Verbose

var interrupted = []cli.Exit{cli.ExitsInterrupted}

var mismatchOrInterrupted = []cli.Exit{cli.ExitsMismatch, cli.ExitsInterrupted}

// parsePack parses the flags and returns the pack folder: the one
// positional argument, or -m's folder.
func parsePack(x *cli.Env) (string, error) {
	if err := x.Parse(); err != nil {
		return "", err
	}
	return packDir(x)
}

// packDir returns the pack folder the parsed arguments name.
func packDir(x *cli.Env) (string, error) {
	pos := x.Args()
	switch {
	case len(pos) == 1 && x.Manifest == "":
		return pos[0], nil
	case len(pos) == 0 && x.Manifest != "":
		return filepath.Dir(x.Manifest), nil
	case len(pos) == 0:
		return "", xr.Usagef("want the pack folder DIR (or -m DIR/manifest.json)")
	case len(pos) == 1:
		return "", xr.Usagef("give the pack folder or -m, not both")
	default:
		return "", xr.Usagef("want one pack folder, got %d arguments", len(pos))
	}
}

var initCmd = &cli.Command{Name: "init", Summary: "create a pack: xr-pack init --name N --source S --entity E --out DIR",
	Help: initUsage, Run: runInit, As: map[string]string{"xr-snapshot init": snapshotInitUsage}}

func runInit(x *cli.Env) (*xr.Stats, error) {
	var nm, source, entity, desc, owner string
	typ, out := "http", "."
	f := x.Flags
	f.String(&nm, "name", "NAME", "dataset name (the pack's folder name)")
	f.String(&source, "source", "S", "source_system of the records")
	f.String(&entity, "entity", "E", "entity_type of the records")
	f.String(&typ, "type", "T", "exchange_type of the records")
	f.String(&desc, "description", "TEXT", "description")
	f.String(&owner, "owner", "NAME", "owner")
	f.String(&out, "out", "DIR", "parent folder of the pack")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if pos := x.Args(); len(pos) > 0 {
		return nil, xr.Usagef("takes no arguments, got %q", pos[0])
	}
	if err := initScope(x.Flags, nm); err != nil {
		return nil, err
	}
	m := manifest.Default(nm, typ, source, entity)
	m.Description, m.Owner = desc, owner
	dir, err := snapshot.Init(out, m)
	if err == nil {
		_, err = fmt.Fprintln(x.Stdout, dir)
	}
	return nil, err
}

var writeCmd = &cli.Command{Name: "write", Summary: "append envelopes (stdin): xr-hash < in.ndjson | xr-pack write DIR",
	Help: writeUsage, Common: cli.Stage, Exits: mismatchOrInterrupted, Run: runWrite}

func runWrite(x *cli.Env) (*xr.Stats, error) {
	o := snapshot.WriteOptions{ChunkSize: snapshot.DefaultChunkSize, ChunkBytes: snapshot.DefaultChunkBytes,
		CommitEvery: snapshot.DefaultCommitEvery, CommitBytes: snapshot.DefaultCommitBytes}
	f := x.Flags
	f.Int(&o.ChunkSize, "chunk-size", "N", "most records per chunk file")
	f.Int64(&o.ChunkBytes, "chunk-bytes", "BYTES", "most bytes per chunk file (a bigger record gets a chunk of its own)")
	f.Duration(&o.CommitEvery, "commit-every", "DUR", "commit the open chunks at least this often")
	f.Int64(&o.CommitBytes, "commit-bytes", "BYTES", "commit the open chunks when they hold this many bytes")
	dir, err := parsePack(x)
	if err != nil {
		return nil, err
	}
	if o.Reject, err = x.RejectFunc(); err != nil {
		return nil, err
	}
	o.MaxLine, o.Log, o.Diag = x.MaxLine, x.Logger(), x.Diag()
	return snapshot.Write(x.Ctx, dir, x.Input(), o)
}

var catCmd = &cli.Command{Name: "cat", Summary: "stream the records: xr-pack cat DIR | xr-canon | xr-sqlload -m DIR/manifest.json",
	Help: catUsage, Common: cli.Stage, Exits: mismatchOrInterrupted, Run: runCat}

func runCat(x *cli.Env) (*xr.Stats, error) {
	var since, until string
	var key keySelector
	var o snapshot.CatOptions
	f := x.Flags
	f.String(&since, "since", "T", "keep records observed at or after T")
	f.String(&until, "until", "T", "keep records observed before T")
	f.String(&key.natural, "key", "K", "keep the records whose natural_key is K")
	f.String(&key.source, "source", "S", "with --key: the records' source_system (default: the manifest's)")
	f.String(&key.entity, "entity", "E", "with --key: the records' entity_type (default: the manifest's)")
	f.Bool(&o.Verify, "verify", "check every record's content_sha256 (and envelope) first; a bad one stops the command naming its chunk file and line (exit 4), or goes to --rejects")
	dir, err := parsePack(x)
	if err != nil {
		return nil, err
	}
	if o.Key, err = key.indexKey(x, dir); err != nil {
		return nil, err
	}
	if o.Reject, err = x.RejectFunc(); err != nil {
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
	o.Log, o.MaxLine = x.Logger(), x.MaxLine
	st, err := snapshot.Cat(x.Ctx, dir, x.Stdout, o)
	if err == nil {
		_, err = noticeSecrets(x, dir)
	}
	return st, err
}

// keySelector is --key K with --source and --entity: the one form of the
// natural-key selector, as xr-sqldump has it.
type keySelector struct{ natural, source, entity string }

// indexKey returns the index key (source|entity|natural_key) the flags
// select, "" for all records. The pack's manifest supplies the source and
// entity not given. --key S|E|K, the form cat took before, still works
// when S|E| is that scope, with a note.
func (k keySelector) indexKey(x *cli.Env, dir string) (string, error) {
	if !x.Flags.IsSet("key") {
		if k.source != "" || k.entity != "" {
			return "", xr.Usagef("--source and --entity go with --key")
		}
		return "", nil
	}
	if k.source == "" || k.entity == "" {
		m, err := manifest.Load(filepath.Join(dir, snapshot.ManifestFile))
		if err != nil {
			return "", err
		}
		k.source, k.entity = cmp.Or(k.source, m.SourceSystem), cmp.Or(k.entity, m.EntityType)
	}
	scope := k.source + "|" + k.entity + "|"
	if strings.HasPrefix(k.natural, scope) && !x.Flags.IsSet("source") && !x.Flags.IsSet("entity") {
		x.Warn("--key " + k.natural + ": a key of the form SOURCE|ENTITY|KEY is deprecated: give the natural key alone (--key " + strings.TrimPrefix(k.natural, scope) + ")")
		return k.natural, nil
	}
	return scope + k.natural, nil
}

var indexCmd = &cli.Command{Name: "index", Summary: "print or rebuild the index: xr-pack index [--rebuild] DIR",
	Help: indexUsage, Common: onPack, Exits: mismatchOrInterrupted, Run: runIndex}

func runIndex(x *cli.Env) (*xr.Stats, error) {
	var rebuild bool
	x.Flags.Bool(&rebuild, "rebuild", "regenerate index.jsonl from the chunks")
	dir, err := parsePack(x)
	if err != nil {
		return nil, err
	}
	if rebuild {
		return snapshot.Rebuild(x.Ctx, dir, snapshot.RebuildOptions{Diag: x.Diag(), Log: x.Logger()})
	}
	return nil, printIndex(dir, x.Stdout)
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

var redactCmd = &cli.Command{Name: "redact", Summary: "scrub the secrets of a pack in place, per its manifest: xr-pack redact DIR",
	Help: redactUsage, Common: onPack, Exits: mismatchOrInterrupted, Run: runRedact}

func runRedact(x *cli.Env) (*xr.Stats, error) {
	dir, err := parsePack(x)
	if err != nil {
		return nil, err
	}
	return snapshot.Redact(x.Ctx, dir, snapshot.RedactOptions{Diag: x.Diag(), Log: x.Logger()})
}

// noticeSecrets prints the one line that tells a pack holding secrets its
// policy removes, and returns their count (from the pack's ledger; chunks
// it does not vouch for are scanned once).
func noticeSecrets(x *cli.Env, dir string) (int64, error) {
	n, err := snapshot.CountSecrets(x.Ctx, dir)
	if err == nil && n > 0 {
		x.Warn(snapshot.SecretsNotice(dir, n))
	}
	return n, err
}

var secretsCmd = &cli.Command{Name: "secrets", Summary: "count the records holding secrets its policy removes: xr-pack secrets DIR",
	Help: secretsUsage, Common: cli.Manifest, Exits: interrupted, Run: runSecrets}

func runSecrets(x *cli.Env) (*xr.Stats, error) {
	dir, err := parsePack(x)
	if err != nil {
		return nil, err
	}
	n, err := snapshot.CountSecrets(x.Ctx, dir)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		x.Note(snapshot.SecretsNotice(dir, n))
	}
	_, err = fmt.Fprintln(x.Stdout, n)
	return nil, err
}
