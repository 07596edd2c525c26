// Package secretcheck is xr-redact --check over files: NDJSON files (or
// stdin), pack folders and pack archives, read where they are. A pack is
// read chunk by chunk through pkg/snapshot's layout and checked with its
// own manifest's redaction policy; an archive is streamed member by
// member through pkg/archive's reader (zip, tar.zst, encrypted; nothing
// is written to disk). Every finding names its file (and archive member),
// line, exchange_id, JSON Pointer and rule id, never the secret.
package secretcheck

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/xr-lake/xr/pkg/archive"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/redact"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// Options configures Run.
type Options struct {
	// Redact holds the rules (Policy nil: a pack's or archive's own
	// manifest decides; without one, the built-in rules) and the reading
	// options (Reject, MaxLine, Log). Check and OnFinding are set by Run.
	Redact redact.Options
	// Archive configures reading archives (the passphrase source, caps).
	Archive archive.ReadOptions
	// JSON writes every finding as one NDJSON line to Out
	// (redact.Finding.AppendJSON); else each goes to Redact.OnFinding.
	JSON bool
	Out  io.Writer
	// Diag gets a Warn line about an input checked with no rules (its
	// policy is off).
	Diag xr.Diag
}

// Run checks each of paths ("-" is stdin): an NDJSON file, a pack folder
// or a pack archive, told apart as xr-pack verify tells them (a folder is
// a pack; a regular file starting with '{' is NDJSON, any other an
// archive). Counters: read, redacted (records holding secrets), rejected.
// It fails with xr.ErrMismatch when any record holds a secret.
func Run(ctx context.Context, paths []string, stdin io.Reader, o Options) (*xr.Stats, error) {
	st := xr.NewStats("read", "written", "redacted")
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	sink := o.Redact.OnFinding
	var bw *bufio.Writer
	var werr error
	if o.JSON {
		bw = bufio.NewWriterSize(o.Out, 64<<10)
		var line []byte
		sink = func(f redact.Finding) {
			line = append(f.AppendJSON(line[:0]), '\n')
			if _, err := bw.Write(line); err != nil && werr == nil {
				werr = err
			}
		}
	}
	if sink == nil {
		sink = func(redact.Finding) {}
	}
	o.Redact.OnFinding = sink
	for _, p := range paths {
		if err := checkPath(ctx, p, stdin, st, o); err != nil {
			return st, err
		}
		if werr != nil {
			return st, werr
		}
	}
	if bw != nil {
		if err := bw.Flush(); err != nil {
			return st, err
		}
	}
	if n := st.Get("redacted"); n > 0 {
		return st, fmt.Errorf("%d of %d records hold secrets: %w", n, st.Get("read"), xr.ErrMismatch)
	}
	return st, nil
}

func checkPath(ctx context.Context, p string, stdin io.Reader, st *xr.Stats, o Options) error {
	if p == "-" {
		return checkStream(ctx, stdin, "-", "", o.Redact.Policy, st, o)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		return checkPack(ctx, p, st, o)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a file, pack folder or archive", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if isNDJSON(br) {
		return checkStream(ctx, br, p, "", o.Redact.Policy, st, o)
	}
	f.Close()
	return checkArchive(ctx, p, st, o)
}

// isNDJSON reports whether the file starts (after a BOM and blanks) with
// '{', or is empty: envelopes, not an archive.
func isNDJSON(br *bufio.Reader) bool {
	head, _ := br.Peek(512)
	i := 0
	if len(head) >= 3 && string(head[:3]) == "\xef\xbb\xbf" {
		i = 3
	}
	for i < len(head) && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n') {
		i++
	}
	return i == len(head) || head[i] == '{'
}

// checkPack checks every chunk of the pack in dir, in pack order, with
// -m's policy or else the pack's own.
func checkPack(ctx context.Context, dir string, st *xr.Stats, o Options) error {
	if err := snapshot.CheckPack(dir); err != nil {
		return err
	}
	policy := o.Redact.Policy
	if policy == nil {
		m, err := manifest.Load(filepath.Join(dir, snapshot.ManifestFile))
		if err != nil {
			return err
		}
		policy = &m.RedactionPolicy
	}
	if !policy.Enabled {
		o.Diag.Warn(dir + ": redaction_policy.enabled is false: its records are not checked")
		return nil
	}
	chunks, err := snapshot.Chunks(dir)
	if err != nil {
		return err
	}
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(dir, filepath.FromSlash(c.Rel))
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = checkStream(ctx, f, path, "", policy, st, o)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// checkArchive streams the archive's chunks, with -m's policy or else the
// manifest the archive holds (read before its records), or the built-in
// rules when it holds none.
func checkArchive(ctx context.Context, path string, st *xr.Stats, o Options) error {
	policy := o.Redact.Policy
	fromFlag := policy != nil
	readManifest := func(b []byte) error {
		if fromFlag {
			return nil
		}
		m, err := manifest.Parse(b)
		if err != nil {
			return fmt.Errorf("manifest.json: %w", err)
		}
		policy = &m.RedactionPolicy
		if !policy.Enabled {
			o.Diag.Warn(path + ": redaction_policy.enabled is false: its records are not checked")
		}
		return nil
	}
	return archive.Chunks(ctx, path, o.Archive, readManifest, func(member string, r io.Reader) error {
		if policy != nil && !policy.Enabled {
			_, err := io.Copy(io.Discard, r)
			return err
		}
		return checkStream(ctx, r, path, member, policy, st, o)
	})
}

// checkStream checks the envelopes read from r (file, member name them).
func checkStream(ctx context.Context, r io.Reader, file, member string, policy *manifest.RedactionPolicy, st *xr.Stats, o Options) error {
	ro := o.Redact
	ro.Policy, ro.Check = policy, true
	sink := o.Redact.OnFinding
	ro.OnFinding = func(f redact.Finding) {
		f.File, f.Member = file, member
		sink(f)
	}
	s, err := redact.Run(ctx, r, io.Discard, ro)
	if s != nil {
		for _, k := range []string{"read", "redacted", "rejected"} {
			if n := s.Get(k); n > 0 || k != "rejected" {
				st.Add(k, n)
			}
		}
	}
	if err != nil && !errors.Is(err, xr.ErrMismatch) {
		if file == "-" {
			return err
		}
		if member != "" {
			return fmt.Errorf("%s: %w", member, err)
		}
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// Passphrase returns the passphrase source for encrypted archives:
// archive.KeySource's order (the file, as xr-pack's --passphrase-file, which
// must not be readable by others; the environment variable the manifest
// names, encryption_policy.key_env_var, or SNAPSHOT_ENCRYPTION_KEY; the
// manifest's key_file_path), but no prompt: xr-redact's stdin may be data.
func Passphrase(file string, m *manifest.Manifest) func() ([]byte, error) {
	ks := archive.KeySource{KeyFile: file, Manifest: m, Prompt: func(env string, _ bool) ([]byte, error) {
		return nil, fmt.Errorf("%w: set %s or pass --passphrase-file", archive.ErrNeedKey, env)
	}}
	return func() ([]byte, error) { return ks.Passphrase(false) }
}
