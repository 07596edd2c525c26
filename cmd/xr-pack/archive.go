package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/xr-lake/xr/pkg/archive"
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// keyFlags are the key and limit flags shared by the three subcommands;
// where keys come from is archive.KeySource's policy.
type keyFlags struct {
	keyFile    string
	identities []string
	maxSize    int64
	maxRatio   int64
	kdf        struct{ memMiB, passes, iterations uint }
}

func (k *keyFlags) register(fs *cli.Flags, limits bool) {
	fs.String(&k.keyFile, "passphrase-file", "FILE", "read the passphrase from FILE (must be chmod 600)")
	fs.Alias("key-file", "passphrase-file")
	if limits {
		fs.Func("identity", "FILE", "open archives encrypted to public keys with the age identity file or unencrypted SSH private key FILE (chmod 600); repeatable",
			func(v string) error { k.identities = append(k.identities, v); return nil })
		k.maxSize, k.maxRatio = archive.DefaultMaxSize, archive.DefaultMaxRatio
		d := archive.DefaultKDFLimits
		k.kdf.memMiB, k.kdf.passes, k.kdf.iterations = uint(d.MemoryKiB>>10), uint(d.Passes), uint(d.Iterations)
		fs.Int64(&k.maxSize, "max-size", "BYTES", "refuse archives that expand beyond BYTES")
		fs.Int64(&k.maxRatio, "max-ratio", "N", "refuse archives that expand more than N times their size")
		fs.Uint(&k.kdf.memMiB, "max-kdf-memory", "MIB", "refuse encrypted archives asking for more than MIB of Argon2id memory (scrypt: at least 256, age's default)")
		fs.Uint(&k.kdf.passes, "max-kdf-passes", "N", "refuse encrypted archives asking for more than N Argon2id passes")
		fs.Uint(&k.kdf.iterations, "max-kdf-iterations", "N", "refuse encrypted archives asking for more than N PBKDF2 iterations")
	}
}

func (k *keyFlags) source(m *manifest.Manifest) archive.KeySource {
	return archive.KeySource{KeyFile: k.keyFile, Manifest: m}
}

func (k *keyFlags) readOptions() archive.ReadOptions {
	clamp := func(v uint) uint32 { return uint32(min(v, 1<<32-1)) }
	lim := archive.KDFLimits{MemoryKiB: clamp(k.kdf.memMiB << 10), Passes: clamp(k.kdf.passes), Iterations: clamp(k.kdf.iterations)}
	return archive.ReadOptions{
		Key:        func() ([]byte, error) { return k.source(nil).Passphrase(false) },
		Identities: func() ([]age.Identity, error) { return archive.ReadIdentities(k.identities) },
		MaxSize:    k.maxSize, MaxRatio: k.maxRatio, KDF: lim}
}

var archiveCmd = &cli.Command{Name: "archive", Summary: "write a pack archive: xr-pack archive DIR --out FILE",
	Help: archiveUsage, Common: onPack, Exits: mismatchOrInterrupted, Run: runArchive,
	As: map[string]string{"xr-snapshot pack": snapshotPackUsage}}

// runArchive implements `xr-pack archive DIR --out FILE`.
func runArchive(x *cli.Env) (*xr.Stats, error) {
	var kf keyFlags
	var out, format string
	var recipients, recipientFiles []string
	workFactor := archive.DefaultWorkFactor
	var encrypt, reference, force, allowSecrets bool
	f := x.Flags
	f.String(&out, "out", "FILE", "write the archive to FILE, named exactly (- for stdout)")
	f.String(&format, "format", "zip|tar.zst", "the archive format (default: from FILE's name, else zip)")
	f.Bool(&encrypt, "encrypt", "encrypt as an age file (FILE must end in .age)")
	f.Func("recipient", "KEY", "encrypt to the public KEY (age1… or \"ssh-ed25519 …\"); repeatable",
		func(v string) error { recipients = append(recipients, v); return nil })
	f.Func("recipients-file", "FILE", "encrypt to the public keys in FILE (one per line, # comments); repeatable",
		func(v string) error { recipientFiles = append(recipientFiles, v); return nil })
	kf.register(f, false)
	f.Int(&workFactor, "work-factor", "N", "passphrase mode: scrypt work factor, cost 2^N (default 18, age's: about 1 s and 256 MiB)")
	f.Bool(&reference, "reference-format", "write the reference tool's .zip.enc instead of age (see above)")
	f.Bool(&force, "force", "replace FILE if it exists")
	f.Bool(&allowSecrets, "allow-secrets", "archive a pack even if it holds secrets its redaction policy removes")
	dir, err := parsePack(x)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return nil, xr.Usagef("--out FILE is required")
	}
	if err := refuseSecrets(x, dir, allowSecrets); err != nil {
		return nil, err
	}
	m, err := manifest.Load(filepath.Join(dir, snapshot.ManifestFile))
	if err != nil {
		return nil, err
	}
	o := archive.CreateOptions{Format: format, Log: x.Logger()}
	if o.Format == "" {
		o.Format = archive.FormatFromName(out)
	}
	encrypt = encrypt || reference || m.EncryptionPolicy.Enabled || len(recipients) > 0 || len(recipientFiles) > 0
	if err := archive.CheckOutName(out, encrypt, reference); err != nil {
		return nil, err
	}
	switch {
	case reference:
		o.RefPassphrase, err = kf.source(m).Passphrase(true)
	case encrypt:
		o.Recipients, err = archive.EncryptTo(recipients, recipientFiles, kf.source(m), workFactor)
	}
	if err != nil {
		return nil, err
	}
	if out == "-" {
		if x.FlushEach() {
			return nil, xr.Usagef("--out -: stdout is a terminal; redirect it to a file")
		}
		return archive.Create(x.Ctx, dir, x.Stdout, o)
	}
	o.Diag = x.Diag()
	st, err := archive.CreateFile(x.Ctx, dir, out, force, o)
	if err == nil {
		x.Note("wrote " + out)
	}
	return st, err
}

// refuseSecrets stops an archive of a pack holding secrets its policy
// removes: an archive is kept for years and copied around, so what the
// policy says must not be kept is not put in one by default.
func refuseSecrets(x *cli.Env, dir string, allow bool) error {
	if allow {
		_, err := noticeSecrets(x, dir)
		return err
	}
	n, err := snapshot.CountSecrets(x.Ctx, dir)
	if err == nil && n > 0 {
		err = fmt.Errorf("%s; refusing to archive them (--allow-secrets archives the pack as it is)", snapshot.SecretsNotice(dir, n))
	}
	return err
}

var extractCmd = &cli.Command{Name: "extract", Summary: "unpack an archive: xr-pack extract FILE --out DIR",
	Help: extractUsage, Common: cli.Stats | cli.Verbose, Exits: mismatchOrInterrupted, Run: runExtract,
	As: map[string]string{"xr-snapshot unpack": snapshotUnpackUsage}}

// runExtract implements `xr-pack extract FILE --out DIR`.
func runExtract(x *cli.Env) (*xr.Stats, error) {
	var kf keyFlags
	var in, as string
	out := "."
	var force, verify bool
	f := x.Flags
	f.String(&out, "out", "DIR", "extract into DIR (the pack becomes DIR/<dataset name>)")
	f.String(&in, "in", "FILE", "the archive FILE (the same as giving FILE as the argument)")
	f.String(&as, "name", "NAME", "name the extracted pack folder NAME instead of the dataset name")
	f.Bool(&force, "force", "replace an existing pack of that name")
	f.Bool(&verify, "verify", "also run xr-pack verify on the extracted pack before moving it into place (every record's content hash, the index against the chunks)")
	kf.register(f, true)
	if err := x.Parse(); err != nil {
		return nil, err
	}
	switch pos := x.Args(); {
	case in == "" && len(pos) == 1:
		in = pos[0]
	case in == "" || len(pos) > 0:
		return nil, xr.Usagef("want the archive FILE (and --out DIR)")
	}
	ro := kf.readOptions()
	ro.TempDir = out // the reference format's decrypted copy
	o := archive.ExtractOptions{ReadOptions: ro, Name: as, Force: force, Verify: verify, Log: x.Logger(), Diag: x.Diag()}
	dest, st, err := archive.Extract(x.Ctx, in, out, o)
	if err == nil {
		x.Note("extracted " + dest)
	}
	return st, err
}

var verifyCmd = &cli.Command{Name: "verify", Summary: "check a pack, or an archive file: xr-pack verify DIR | FILE",
	Help: verifyUsage, Common: onPack | cli.MaxLine, Exits: mismatchOrInterrupted, Run: runVerify}

// runVerify implements `xr-pack verify DIR` and, on an archive file,
// `xr-pack verify FILE`; the flags about archives are refused for a pack.
func runVerify(x *cli.Env) (*xr.Stats, error) {
	var kf keyFlags
	var asJSON bool
	kf.register(x.Flags, true)
	x.Flags.Bool(&asJSON, "json", "write each problem of a pack folder as one NDJSON line on stdout: {file, line, exchange_id, kind, problem}")
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if pos := x.Args(); len(pos) == 1 && x.Manifest == "" {
		if fi, err := os.Stat(pos[0]); err == nil && fi.Mode().IsRegular() {
			if asJSON {
				return nil, xr.Usagef("--json applies to a pack folder, not an archive FILE")
			}
			ro := kf.readOptions()
			ro.MaxLine = x.MaxLine
			return archive.Check(x.Ctx, pos[0], ro)
		}
	}
	for _, n := range []string{"passphrase-file", "identity", "max-size", "max-ratio", "max-kdf-memory", "max-kdf-passes", "max-kdf-iterations", "max-line"} {
		if x.Flags.IsSet(n) {
			return nil, xr.Usagef("--%s applies to an archive FILE, not a pack folder", n)
		}
	}
	dir, err := packDir(x)
	if err != nil {
		return nil, err
	}
	opts := snapshot.VerifyOptions{Problem: x.Warn, Diag: x.Diag(), Log: x.Logger()}
	if asJSON {
		opts.Problem, opts.Finding = nil, findingsTo(x.Stdout)
	}
	return snapshot.Verify(x.Ctx, dir, opts)
}

// findingsTo writes each of verify's findings as one JSON line on w.
func findingsTo(w io.Writer) func(snapshot.Finding) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(f snapshot.Finding) { _ = enc.Encode(f) }
}
