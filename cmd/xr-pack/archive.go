package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
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

const archiveUsage = `usage: xr-pack archive DIR --out FILE [--format zip|tar.zst] [--encrypt]
       xr-pack archive -m DIR/manifest.json --out FILE [--encrypt]

Write the pack in DIR to one archive file: a zip (Deflate, the default, any
unzip reads it) or a tar.zst (faster, smaller). The archive holds DIR under
its dataset name and _pack_meta.json (dataset, time, tool version, record
count, the SHA-256 of every member); the same pack gives the same bytes.
--encrypt (or the manifest's encryption_policy.enabled) wraps it in xr's
streaming AES-256-GCM format and appends .enc to FILE. The key comes from
--key-file, SNAPSHOT_ENCRYPTION_KEY (or the manifest's key_env_var), or a
prompt on the terminal; never from a flag value. See docs/archive.md.

A pack holding records with secrets that its redaction_policy removes is
refused (run xr-pack redact DIR first) unless --allow-secrets is given.

Example:
  SNAPSHOT_ENCRYPTION_KEY=... xr-pack archive data/snapshots/pages \
      --out backups/pages-$(date +%Y%m%d).tar.zst --encrypt
`

const extractUsage = `usage: xr-pack extract --in FILE --out DIR [--force] [--name NAME]

Unpack an archive (zip, tar.zst, xr-encrypted, or the reference tool's zip
and .zip.enc, told apart by content) into DIR/<dataset name>. Every member's
SHA-256 is checked against the archive's metadata and the pack is verified
(as xr-pack verify) in a staging folder before it is moved into place (with
--force: swapped with the old pack in one step), so a failed extract leaves
nothing behind; decrypted data stays in unnamed files until then (Linux),
and the next extract into DIR removes what a killed one left. Refuses path
escapes, links, device files, and archives that expand beyond --max-size or
--max-ratio.

Example:
  xr-pack extract --in backups/pages.tar.zst.enc --out data/snapshots/ &&
      xr-pack cat data/snapshots/pages | xr-sqlload -m data/snapshots/pages/manifest.json
`

const verifyArchiveUsage = `usage: xr-pack verify FILE

Check an archive end to end without extracting it: decryption and
authentication, every member's path, type and SHA-256 against the metadata,
every record's content hash, and record and index counts. Exits 4 on a
mismatch.

Example:
  for f in /cold/*.enc; do xr-pack verify "$f" || echo "BAD: $f"; done
`

// keyFlags are the key and limit flags shared by the three subcommands.
type keyFlags struct {
	keyFile  string
	maxSize  int64
	maxRatio int64
	kdf      struct{ memMiB, passes, iterations uint }
}

func (k *keyFlags) register(fs *flag.FlagSet, limits bool) {
	fs.StringVar(&k.keyFile, "key-file", "", "read the passphrase from `FILE` (must be chmod 600)")
	if limits {
		fs.Int64Var(&k.maxSize, "max-size", archive.DefaultMaxSize, "refuse archives that expand beyond `bytes`")
		fs.Int64Var(&k.maxRatio, "max-ratio", archive.DefaultMaxRatio, "refuse archives that expand more than `N` times their size")
		d := archive.DefaultKDFLimits
		fs.UintVar(&k.kdf.memMiB, "max-kdf-memory", uint(d.MemoryKiB>>10), "refuse encrypted archives asking for more than `MiB` of Argon2id memory")
		fs.UintVar(&k.kdf.passes, "max-kdf-passes", uint(d.Passes), "refuse encrypted archives asking for more than `N` Argon2id passes")
		fs.UintVar(&k.kdf.iterations, "max-kdf-iterations", uint(d.Iterations), "refuse encrypted archives asking for more than `N` PBKDF2 iterations")
	}
}

// key returns the passphrase source: --key-file, then the environment
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
		return nil, fmt.Errorf("%w: set %s, pass --key-file, or run on a terminal", archive.ErrNeedKey, env)
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

// runArchive implements `xr-pack archive DIR --out FILE`.
func runArchive(ctx context.Context, args []string) int {
	var kf keyFlags
	var out, format, kdf string
	var encrypt, force, allowSecrets bool
	return packCommand(args, "archive", archiveUsage, func(fs *flag.FlagSet) {
		kf.register(fs, false)
		fs.StringVar(&out, "out", "", "write the archive to `FILE` (- for stdout)")
		fs.StringVar(&format, "format", "", "zip or tar.zst (default: from FILE's name, else zip)")
		fs.BoolVar(&encrypt, "encrypt", false, "encrypt (appends .enc to FILE)")
		fs.StringVar(&kdf, "kdf", "argon2id", "key derivation: argon2id or pbkdf2 (600,000 iterations)")
		fs.BoolVar(&force, "force", false, "replace FILE if it exists")
		fs.BoolVar(&allowSecrets, "allow-secrets", false, "archive a pack even if it holds secrets its redaction policy removes")
	}, func(c *cli.Common, dir string) (*xr.Stats, error) {
		if out == "" {
			return nil, xr.Usagef("--out FILE is required")
		}
		if err := refuseSecrets(ctx, dir, allowSecrets); err != nil {
			return nil, err
		}
		m, err := manifest.Load(filepath.Join(dir, snapshot.ManifestFile))
		if err != nil {
			return nil, err
		}
		o := archive.CreateOptions{Format: format, Encrypt: encrypt || m.EncryptionPolicy.Enabled, Log: c.Logger(os.Stderr)}
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
			if cli.IsTerminal(os.Stdout) {
				return nil, xr.Usagef("--out -: stdout is a terminal; redirect it to a file")
			}
			return archive.Create(ctx, dir, os.Stdout, o)
		}
		o.Notice = func(msg string) { fmt.Fprintf(os.Stderr, "%s: %s\n", name, msg) }
		st, err := archive.CreateFile(ctx, dir, out, force, o)
		if err == nil && !c.Quiet {
			fmt.Fprintf(os.Stderr, "%s: wrote %s\n", name, out)
		}
		return st, err
	})
}

// refuseSecrets stops an archive of a pack holding secrets its policy
// removes: an archive is kept for years and copied around, so what the
// policy says must not be kept is not put in one by default.
func refuseSecrets(ctx context.Context, dir string, allow bool) error {
	if allow {
		_, err := noticeSecrets(ctx, dir)
		return err
	}
	n, err := snapshot.CountSecrets(ctx, dir)
	if err == nil && n > 0 {
		err = fmt.Errorf("%s; refusing to archive them (--allow-secrets archives the pack as it is)", snapshot.SecretsNotice(dir, n))
	}
	return err
}

// runExtract implements `xr-pack extract --in FILE --out DIR`.
func runExtract(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("xr-pack extract", flag.ContinueOnError)
	c := cli.Register(fs)
	var kf keyFlags
	kf.register(fs, true)
	var in, out, as string
	var force bool
	fs.StringVar(&in, "in", "", "the archive `FILE`")
	fs.StringVar(&out, "out", ".", "extract into `DIR` (the pack becomes DIR/<dataset name>)")
	fs.StringVar(&as, "name", "", "name the extracted pack folder `NAME` instead of the dataset name")
	fs.BoolVar(&force, "force", false, "replace an existing pack of that name")
	fs.Usage = cli.Usage(fs, extractUsage)
	pos, done, code := parse(fs, c, args)
	if done {
		return code
	}
	var dest string
	st, err := func() (*xr.Stats, error) {
		if in == "" && len(pos) == 1 {
			in, pos = pos[0], nil
		}
		if in == "" || len(pos) > 0 {
			return nil, xr.Usagef("want --in FILE --out DIR")
		}
		o := archive.ExtractOptions{ReadOptions: kf.readOptions(nil), Name: as, Force: force, Log: c.Logger(os.Stderr),
			Notice: func(msg string) { fmt.Fprintf(os.Stderr, "%s: %s\n", name, msg) }}
		var st *xr.Stats
		var err error
		dest, st, err = archive.Extract(ctx, in, out, o)
		return st, err
	}()
	if err == nil && !c.Quiet {
		fmt.Fprintf(os.Stderr, "%s: extracted %s\n", name, dest)
	}
	return c.Finish(name, os.Stderr, st, err)
}

// runVerifyArchive implements `xr-pack verify FILE` on an archive file.
func runVerifyArchive(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("xr-pack verify", flag.ContinueOnError)
	c := cli.Register(fs)
	var kf keyFlags
	kf.register(fs, true)
	fs.Usage = cli.Usage(fs, verifyArchiveUsage)
	pos, done, code := parse(fs, c, args)
	if done {
		return code
	}
	st, err := func() (*xr.Stats, error) {
		if len(pos) != 1 {
			return nil, xr.Usagef("want one archive FILE")
		}
		ro := kf.readOptions(nil)
		ro.MaxLine = c.MaxLine
		return archive.Check(ctx, pos[0], ro)
	}()
	return c.Finish(name, os.Stderr, st, err)
}
