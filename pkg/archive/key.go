package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// Where secrets come from (docs/archive.md, "Keys"). A passphrase is never
// a flag value: it comes from a key file, an environment variable, the
// manifest's key_file_path, or the terminal. Public keys (recipients) are
// not secret and may be flag values; identities (private keys) come from
// files only. Every file holding a secret must be a regular file closed to
// group and others (chmod 600), as ssh and gpg insist.

// DefaultKeyEnv is the environment variable holding the passphrase unless
// the manifest's encryption_policy.key_env_var names another.
const DefaultKeyEnv = "SNAPSHOT_ENCRYPTION_KEY"

// maxSecretFile caps key and identity files (an age identity file holding a
// few hundred keys stays far below).
const maxSecretFile = 64 << 10

// KeySource finds the passphrase, in this order: KeyFile (--passphrase-file); the
// environment variable named by the manifest's key_env_var (default
// SNAPSHOT_ENCRYPTION_KEY); the manifest's key_file_path; Prompt (a
// terminal prompt).
type KeySource struct {
	KeyFile  string             // --passphrase-file; "" = none
	Manifest *manifest.Manifest // nil for extract and verify: the manifest is inside the archive
	Getenv   func(string) string
	// Prompt asks on the terminal; nil means TerminalPrompt.
	Prompt func(env string, confirm bool) ([]byte, error)
}

// Env is the environment variable the passphrase is read from.
func (k KeySource) Env() string {
	if k.Manifest != nil && k.Manifest.EncryptionPolicy.KeyEnvVar != "" {
		return k.Manifest.EncryptionPolicy.KeyEnvVar
	}
	return DefaultKeyEnv
}

// Passphrase returns the passphrase; confirm asks twice on a terminal (a
// typo when writing an archive would lock it for good).
func (k KeySource) Passphrase(confirm bool) ([]byte, error) {
	if k.KeyFile != "" {
		return ReadKeyFile(k.KeyFile)
	}
	getenv := k.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(k.Env()); v != "" {
		return []byte(v), nil
	}
	if m := k.Manifest; m != nil && m.EncryptionPolicy.KeyFilePath != nil && *m.EncryptionPolicy.KeyFilePath != "" {
		return ReadKeyFile(*m.EncryptionPolicy.KeyFilePath)
	}
	prompt := k.Prompt
	if prompt == nil {
		prompt = TerminalPrompt
	}
	p, err := prompt(k.Env(), confirm)
	if err == nil && len(p) == 0 {
		err = ErrNeedKey
	}
	return p, err
}

// openSecretFile opens a file holding a secret (what names it: "key file",
// "identity file") and refuses one that is not a regular file, is open to
// group or others, or is larger than maxSecretFile. Errors never hold the
// file's contents.
func openSecretFile(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s %s: not a regular file", what, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s %s is accessible by others (mode %04o): run chmod 600 %s", what, path, fi.Mode().Perm(), path)
	}
	if fi.Size() > maxSecretFile {
		return nil, fmt.Errorf("%s %s: larger than 64 KiB", what, path)
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return b, nil
}

// ReadKeyFile reads a passphrase from a key file (chmod 600, at most
// 64 KiB); one trailing newline (\n or \r\n) is dropped. The error never
// contains the key.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := openSecretFile(path, "key file")
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("key file %s is empty", path)
	}
	return b, nil
}

// ReadIdentities reads the identities (private keys) an encrypted archive
// may be opened with, like `age -i`: each path is an age identity file
// (AGE-SECRET-KEY-1… lines, # comments, as age-keygen writes) or an
// unencrypted SSH private key (ed25519 or RSA). Every file must be chmod 600.
func ReadIdentities(paths []string) ([]age.Identity, error) {
	var ids []age.Identity
	for _, p := range paths {
		b, err := openSecretFile(p, "identity file")
		if err != nil {
			return nil, err
		}
		got, err := parseIdentities(b)
		if err != nil {
			return nil, fmt.Errorf("identity file %s: %w", p, err)
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

func parseIdentities(b []byte) ([]age.Identity, error) {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")) {
		id, err := agessh.ParseIdentity(b)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, errors.New("a passphrase-protected SSH key; xr reads unencrypted ones only (decrypt with age -d -i, or copy the key and remove its passphrase with ssh-keygen -p)")
		}
		if err != nil {
			return nil, errors.New("not a usable SSH private key (ed25519 or RSA)")
		}
		return []age.Identity{id}, nil
	}
	var ids []age.Identity
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d: not UTF-8", n+1)
		}
		switch {
		case strings.HasPrefix(line, "AGE-SECRET-KEY-1"):
			id, err := age.ParseX25519Identity(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: malformed age identity", n+1) // never the line: it is a secret
			}
			ids = append(ids, id)
		case strings.HasPrefix(line, "age1"), strings.HasPrefix(line, "ssh-"):
			return nil, fmt.Errorf("line %d: a public key (recipient), not an identity", n+1)
		default:
			return nil, fmt.Errorf("line %d: unknown identity type (want AGE-SECRET-KEY-1… or an SSH private key)", n+1)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no identities found")
	}
	return ids, nil
}

// ParseRecipient parses one public key: an age X25519 recipient (age1…)
// or an SSH public key ("ssh-ed25519 …" or "ssh-rsa …", as in
// authorized_keys).
func ParseRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1"):
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, fmt.Errorf("recipient %q: %v", s, err)
		}
		return r, nil
	case strings.HasPrefix(s, "ssh-ed25519 "), strings.HasPrefix(s, "ssh-rsa "):
		r, err := agessh.ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("recipient %q: %v", clip(s), err)
		}
		return r, nil
	case strings.HasPrefix(s, "AGE-SECRET-KEY-"), strings.HasPrefix(s, "-----BEGIN"):
		return nil, errors.New("a private key was given where a recipient (public key) belongs; use its public key (age-keygen -y, or the .pub file)")
	}
	return nil, fmt.Errorf("recipient %q: want an age public key (age1…) or an SSH public key (ssh-ed25519 or ssh-rsa)", clip(s))
}

// clip shortens a recipient for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// ReadRecipientsFile reads an age recipients file: one public key per
// line, empty lines and # comments ignored. Errors name the line.
func ReadRecipientsFile(path string) ([]age.Recipient, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recipients file: %w", err)
	}
	defer f.Close()
	var rs []age.Recipient
	sc := bufio.NewScanner(io.LimitReader(f, 16<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := ParseRecipient(line)
		if err != nil {
			return nil, fmt.Errorf("recipients file %s: line %d: %w", path, n, err)
		}
		rs = append(rs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("recipients file %s: %w", path, err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("recipients file %s: no recipients found", path)
	}
	return rs, nil
}

// Recipients gathers the public keys to encrypt to: the given keys and
// files, or else the manifest's encryption_policy recipients and
// recipients_file. None at all means passphrase mode.
func Recipients(keys, files []string, m *manifest.Manifest) ([]age.Recipient, error) {
	if len(keys) == 0 && len(files) == 0 && m != nil {
		keys, files = m.EncryptionPolicy.Recipients, nil
		if f := m.EncryptionPolicy.RecipientsFile; f != "" {
			files = []string{f}
		}
	}
	var rs []age.Recipient
	for _, k := range keys {
		r, err := ParseRecipient(k)
		if err != nil {
			return nil, xr.Usagef("--recipient: %v", err)
		}
		rs = append(rs, r)
	}
	for _, f := range files {
		got, err := ReadRecipientsFile(f)
		if err != nil {
			return nil, err
		}
		rs = append(rs, got...)
	}
	return rs, nil
}

// EncryptTo returns the age recipients of a new archive: the public keys
// named (keys and files, else the manifest's encryption_policy recipients
// and recipients_file), or else the passphrase from ks (asked twice on a
// terminal) as an scrypt recipient at work factor logN. age encrypts to
// public keys or to one passphrase, never both, so naming a key file
// beside recipients is an error.
func EncryptTo(keys, files []string, ks KeySource, logN int) ([]age.Recipient, error) {
	rs, err := Recipients(keys, files, ks.Manifest)
	if err != nil || len(rs) > 0 {
		if err == nil && ks.KeyFile != "" {
			err = xr.Usagef("--passphrase-file with recipients: an archive is encrypted to public keys or to a passphrase, not both")
		}
		return rs, err
	}
	pass, err := ks.Passphrase(true)
	if err != nil {
		return nil, err
	}
	r, err := PassphraseRecipient(pass, logN)
	if err != nil {
		return nil, err
	}
	return []age.Recipient{r}, nil
}
