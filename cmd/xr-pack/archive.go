package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/xr-lake/xr/pkg/archive"
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// keyFlags are the key and limit flags shared by the three subcommands.
type keyFlags struct {
	keyFile  string
	maxSize  int64
	maxRatio int64
	kdf      struct{ memMiB, passes, iterations uint }
}

func (k *keyFlags) register(fs *cli.Flags, limits bool) {
	fs.String(&k.keyFile, "passphrase-file", "FILE", "read the passphrase from FILE (must be chmod 600)")
	fs.Alias("key-file", "passphrase-file")
	if limits {
		k.maxSize, k.maxRatio = archive.DefaultMaxSize, archive.DefaultMaxRatio
		d := archive.DefaultKDFLimits
		k.kdf.memMiB, k.kdf.passes, k.kdf.iterations = uint(d.MemoryKiB>>10), uint(d.Passes), uint(d.Iterations)
		fs.Int64(&k.maxSize, "max-size", "BYTES", "refuse archives that expand beyond BYTES")
		fs.Int64(&k.maxRatio, "max-ratio", "N", "refuse archives that expand more than N times their size")
		fs.Uint(&k.kdf.memMiB, "max-kdf-memory", "MIB", "refuse encrypted archives asking for more than MIB of Argon2id memory")
		fs.Uint(&k.kdf.passes, "max-kdf-passes", "N", "refuse encrypted archives asking for more than N Argon2id passes")
		fs.Uint(&k.kdf.iterations, "max-kdf-iterations", "N", "refuse encrypted archives asking for more than N PBKDF2 iterations")
	}
}

// key returns the passphrase source: --passphrase-file, then the environment
// variable (the manifest's key_env_var or SNAPSHOT_ENCRYPTION_KEY), then the
// manifest's key_file_path, then a terminal prompt.
func (k *keyFlags) key(m *manifest.Manifest, confirm bool) func() ([]byte, error) {
	return func() ([]byte, error) {
		if k.keyFile != "" {
			return archive.ReadKeyFile(k.keyFile)
		}
		env := "SNAPSHOT_ENCRYPTION_KEY"
		if m != nil && m.EncryptionPolicy.KeyEnvVar != "" {
			env = m.EncryptionPolicy.KeyEnvVar
		}
		if v := os.Getenv(env); v != "" {
			return []byte(v), nil
		}
		if m != nil && m.EncryptionPolicy.KeyFilePath != nil && *m.EncryptionPolicy.KeyFilePath != "" {
			return archive.ReadKeyFile(*m.EncryptionPolicy.KeyFilePath)
		}
		return prompt(env, confirm)
	}
}

// prompt asks for the passphrase on the terminal (twice when confirm).
func prompt(env string, confirm bool) ([]byte, error) {
	var tty *os.File
	err := errors.New("stdin is not a terminal")
	if cli.IsTerminal(os.Stdin) {
		tty, err = os.OpenFile("/dev/tty", os.O_RDWR, 0)
	}
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		if tty != nil {
			tty.Close()
		}
		return nil, fmt.Errorf("%w: set %s, pass --passphrase-file, or run on a terminal", archive.ErrNeedKey, env)
	}
	defer tty.Close()
	read := func(label string) ([]byte, error) {
		fmt.Fprint(tty, label)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		return b, err
	}
	p, err := read("passphrase: ")
	if err != nil {
		return nil, err
	}
	if confirm {
		q, err := read("passphrase again: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p, q) {
			return nil, errors.New("the two passphrases differ")
		}
	}
	if len(p) == 0 {
		return nil, archive.ErrNeedKey
	}
	return p, nil
}

func (k *keyFlags) readOptions(m *manifest.Manifest) archive.ReadOptions {
	clamp := func(v uint) uint32 { return uint32(min(v, 1<<32-1)) }
	lim := archive.KDFLimits{MemoryKiB: clamp(k.kdf.memMiB << 10), Passes: clamp(k.kdf.passes), Iterations: clamp(k.kdf.iterations)}
	return archive.ReadOptions{Key: k.key(m, false), MaxSize: k.maxSize, MaxRatio: k.maxRatio, KDF: lim}
}

var archiveCmd = &cli.Command{Name: "archive", Summary: "write a pack archive: xr-pack archive DIR --out FILE",
	Help: archiveUsage, Common: onPack, Exits: mismatchOrInterrupted, Run: runArchive}

// runArchive implements `xr-pack archive DIR --out FILE`.
func runArchive(x *cli.Env) (*xr.Stats, error) {
	var kf keyFlags
	var out, format string
	kdf := "argon2id"
	var encrypt, force, allowSecrets bool
	f := x.Flags
	f.String(&out, "out", "FILE", "write the archive to FILE (- for stdout)")
	f.String(&format, "format", "zip|tar.zst", "the archive format (default: from FILE's name, else zip)")
	f.Bool(&encrypt, "encrypt", "encrypt (appends .enc to FILE)")
	kf.register(f, false)
	f.String(&kdf, "kdf", "argon2id|pbkdf2", "key derivation (pbkdf2: 600,000 iterations)")
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
	o := archive.CreateOptions{Format: format, Encrypt: encrypt || m.EncryptionPolicy.Enabled, Log: x.Logger()}
	base := strings.TrimSuffix(out, ".enc")
	if o.Format == "" && (strings.HasSuffix(base, ".tar.zst") || strings.HasSuffix(base, ".tzst")) {
		o.Format = archive.FormatTarZst
	}
	switch kdf {
	case "argon2id":
		o.KDF = archive.DefaultArgon2id
	case "pbkdf2":
		o.KDF = archive.DefaultPBKDF2
	default:
		return nil, xr.Usagef("--kdf %q: want argon2id or pbkdf2", kdf)
	}
	if o.Encrypt {
		if out != "-" && !strings.HasSuffix(out, ".enc") {
			out += ".enc"
		}
		if o.Passphrase, err = kf.key(m, true)(); err != nil {
			return nil, err
		}
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
	Help: extractUsage, Common: cli.Stats | cli.Verbose, Exits: mismatchOrInterrupted, Run: runExtract}

// runExtract implements `xr-pack extract FILE --out DIR`.
func runExtract(x *cli.Env) (*xr.Stats, error) {
	var kf keyFlags
	var in, as string
	out := "."
	var force bool
	f := x.Flags
	f.String(&out, "out", "DIR", "extract into DIR (the pack becomes DIR/<dataset name>)")
	f.String(&in, "in", "FILE", "the archive FILE (the same as giving FILE as the argument)")
	f.String(&as, "name", "NAME", "name the extracted pack folder NAME instead of the dataset name")
	f.Bool(&force, "force", "replace an existing pack of that name")
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
	o := archive.ExtractOptions{ReadOptions: kf.readOptions(nil), Name: as, Force: force, Log: x.Logger(), Diag: x.Diag()}
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
	kf.register(x.Flags, true)
	if err := x.Parse(); err != nil {
		return nil, err
	}
	if pos := x.Args(); len(pos) == 1 && x.Manifest == "" {
		if fi, err := os.Stat(pos[0]); err == nil && fi.Mode().IsRegular() {
			ro := kf.readOptions(nil)
			ro.MaxLine = x.MaxLine
			return archive.Check(x.Ctx, pos[0], ro)
		}
	}
	for _, n := range []string{"passphrase-file", "max-size", "max-ratio", "max-kdf-memory", "max-kdf-passes", "max-kdf-iterations", "max-line"} {
		if x.Flags.IsSet(n) {
			return nil, xr.Usagef("--%s applies to an archive FILE, not a pack folder", n)
		}
	}
	dir, err := packDir(x)
	if err != nil {
		return nil, err
	}
	return snapshot.Verify(x.Ctx, dir, snapshot.VerifyOptions{Problem: x.Warn, Diag: x.Diag(), Log: x.Logger()})
}
