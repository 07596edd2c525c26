package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime/debug"
	"strconv"
	"strings"

	"filippo.io/age"
)

// Encrypted archives are age files (age-encryption.org/v1, through
// filippo.io/age): the plaintext is exactly the zip or tar.zst an
// unencrypted archive holds, so `age -d` restores it with stock tools. age
// authenticates every 64 KiB chunk and marks the final one, so a reader
// releases only authenticated bytes and learns of truncation at the end.

const (
	ageMagic = "age-encryption.org/v1\n"
	// DefaultWorkFactor is the scrypt work factor (log2 N) of passphrase
	// archives: age's own, about 1 s and 256 MiB once per archive.
	DefaultWorkFactor = 18
	// ageChunk is the plaintext size of one age STREAM chunk.
	ageChunk = 64 << 10
)

// ErrNoIdentity: none of the identities given is a recipient of the
// archive (it is encrypted to someone else, or its header was altered).
var ErrNoIdentity = errors.New("no identity opens this archive")

// PassphraseRecipient is the age scrypt recipient for a passphrase at the
// work factor logN (0: DefaultWorkFactor).
func PassphraseRecipient(pass []byte, logN int) (age.Recipient, error) {
	if len(pass) == 0 {
		return nil, ErrNeedKey
	}
	r, err := age.NewScryptRecipient(string(pass))
	if err != nil {
		return nil, err
	}
	if logN == 0 {
		logN = DefaultWorkFactor
	}
	if logN < 10 || logN > 22 {
		return nil, fmt.Errorf("scrypt work factor %d: want 10 to 22", logN)
	}
	r.SetWorkFactor(logN)
	return r, nil
}

// newAgeWriter starts an age file to the recipients on w. Close seals the
// final chunk; it does not close w.
func newAgeWriter(w io.Writer, rs []age.Recipient) (io.WriteCloser, error) {
	aw, err := age.Encrypt(w, rs...)
	// scrypt's memory (256 MiB at the default) goes back to the OS now, so
	// it does not stack on top of the streaming that follows
	debug.FreeOSMemory()
	return aw, err
}

// stanza is one recipient line of an age header ("-> TYPE ARGS...").
type stanza []string

// peekAgeHeader reads the recipient stanzas of the age header at the front
// of br without consuming it.
func peekAgeHeader(br *bufio.Reader) ([]stanza, error) {
	b, _ := br.Peek(br.Size())
	end := bytes.Index(b, []byte("\n--- "))
	if end < 0 {
		if len(b) < br.Size() {
			return nil, fmt.Errorf("%w: it ends inside its age header", ErrTruncated)
		}
		return nil, fmt.Errorf("%w: age header longer than %d bytes", ErrHeader, br.Size())
	}
	var ss []stanza
	for _, line := range strings.Split(string(b[:end]), "\n") {
		if rest, ok := strings.CutPrefix(line, "-> "); ok {
			ss = append(ss, strings.Fields(rest))
		}
	}
	if len(ss) == 0 {
		return nil, fmt.Errorf("%w: age header has no recipient", ErrHeader)
	}
	return ss, nil
}

// stanzaTypes lists the recipient types of a header, e.g. "X25519 ×2".
func stanzaTypes(ss []stanza) string {
	n := map[string]int{}
	var order []string
	for _, s := range ss {
		t := ""
		if len(s) > 0 {
			t = s[0]
		}
		if n[t] == 0 {
			order = append(order, t)
		}
		n[t]++
	}
	var parts []string
	for _, t := range order {
		if n[t] > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", n[t], t))
		} else {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, ", ")
}

// scryptLogN returns the work factor of a passphrase archive's header.
func scryptLogN(ss []stanza) (int, bool) {
	for _, s := range ss {
		if len(s) == 3 && s[0] == "scrypt" {
			n, err := strconv.Atoi(s[2])
			if err != nil || n < 1 || n > 64 {
				return 64, true // refused by the limit or by age
			}
			return n, true
		}
	}
	return 0, false
}

// scryptMax is the highest scrypt work factor a reader accepts: age's
// default (2^18, 256 MiB), or more when MemoryKiB allows more (scrypt
// with r=8 needs 2^logN KiB).
func (l KDFLimits) scryptMax() int {
	return bits.Len32(max(l.orDefault().MemoryKiB, 1<<DefaultWorkFactor)) - 1
}

// ageIdentities picks how to open an age file: its passphrase (an scrypt
// header, checked against the KDF limits before the key is asked for), or
// the identities given (every other header).
func ageIdentities(ss []stanza, o ReadOptions) ([]age.Identity, error) {
	if logN, ok := scryptLogN(ss); ok {
		if lim := o.KDF.scryptMax(); logN > lim {
			return nil, &KDFLimitError{Asks: fmt.Sprintf("an scrypt work factor of 2^%d (%s of memory)", logN, kibString(1<<min(logN, 31))),
				Limit: fmt.Sprintf("2^%d", lim), Flag: fmt.Sprintf("--max-kdf-memory %d", 1<<max(logN-10, 0))}
		}
		pass, err := getKey(o)
		if err != nil {
			return nil, fmt.Errorf("archive is encrypted with a passphrase: %w", err)
		}
		id, err := age.NewScryptIdentity(string(pass))
		if err != nil {
			return nil, err
		}
		id.SetMaxWorkFactor(o.KDF.scryptMax())
		return []age.Identity{id}, nil
	}
	var ids []age.Identity
	if o.Identities != nil {
		var err error
		if ids, err = o.Identities(); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: the archive is encrypted to public keys (%s); pass --identity FILE", ErrNeedKey, stanzaTypes(ss))
	}
	return ids, nil
}

// eofReader notes when its source ended: a chunk that fails to open at
// the end of the file may be a cut, one before it cannot.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if errors.Is(err, io.EOF) {
		e.eof = true
	}
	return n, err
}

// openAgeStream opens the age file at the front of br and returns the
// reader of its plaintext; every error names its cause with xr's errors.
func openAgeStream(br *bufio.Reader, o ReadOptions) (io.Reader, error) {
	ss, err := peekAgeHeader(br)
	if err != nil {
		return nil, err
	}
	ids, err := ageIdentities(ss, o)
	if err != nil {
		return nil, err
	}
	src := &eofReader{r: br}
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		return nil, ageHeaderError(err, ss, src.eof)
	}
	return &ageReader{r: r, src: src}, nil
}

// ageHeaderError turns age's header errors into xr's.
func ageHeaderError(err error, ss []stanza, eof bool) error {
	var nomatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &nomatch):
		if _, ok := scryptLogN(ss); ok {
			return fmt.Errorf("%w (or the archive's header was altered)", ErrWrongKey)
		}
		return fmt.Errorf("%w: it is encrypted to %s, and none of the identities given is among its recipients (or its header was altered)", ErrNoIdentity, stanzaTypes(ss))
	case strings.Contains(err.Error(), "bad header MAC"):
		return fmt.Errorf("%w: its MAC does not match (the header was altered)", ErrHeader)
	case eof:
		return fmt.Errorf("%w: it ends inside its age header", ErrTruncated)
	}
	return fmt.Errorf("%w: %v", ErrHeader, err)
}

// ageReader maps age's stream errors to xr's (truncated, modified,
// trailing data), naming the chunk.
type ageReader struct {
	r    io.Reader
	src  *eofReader
	read int64 // plaintext bytes released
}

func (a *ageReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.read += int64(n)
	if err == nil || errors.Is(err, io.EOF) {
		return n, err
	}
	chunk := a.read / ageChunk
	msg := err.Error()
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) && chunk == 0:
		err = fmt.Errorf("%w: it ends before its first chunk", ErrTruncated)
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%w: it ends after chunk %d without the final chunk", ErrTruncated, chunk-1)
	case strings.Contains(msg, "trailing data"):
		err = fmt.Errorf("%w (after chunk %d)", ErrTrailing, chunk)
	case strings.Contains(msg, "failed to decrypt") && a.src.eof:
		err = fmt.Errorf("%w or was modified: its final chunk %d fails authentication", ErrTruncated, chunk)
	case strings.Contains(msg, "failed to decrypt"), strings.Contains(msg, "last chunk is empty"):
		err = fmt.Errorf("%w (chunk %d)", ErrTampered, chunk)
	}
	return n, err
}
