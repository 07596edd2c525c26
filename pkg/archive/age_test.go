package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// ageLayout returns where an age file's payload starts (after the header
// and the 16-byte nonce) and the number of its chunks.
func ageLayout(t *testing.T, b []byte) (start, chunks int) {
	t.Helper()
	i := bytes.Index(b, []byte("\n--- "))
	if i < 0 {
		t.Fatal("no age header")
	}
	start = i + 1 + bytes.IndexByte(b[i+1:], '\n') + 1 + 16
	sealed := ageChunk + 16
	return start, (len(b) - start + sealed - 1) / sealed
}

// TestHostileAgeArchive runs damaged age archives, and archives opened
// with the wrong secret, through Extract and Check: each fails with the
// error naming its cause, in one line, and leaves nothing on disk.
func TestHostileAgeArchive(t *testing.T) {
	big := bigPack(t)
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{FormatTarZst, FormatZip} {
		for _, mode := range []string{"age-passphrase", "age-x25519"} {
			a, ro, _ := createEnc(t, big, format, mode)
			ct, _ := os.ReadFile(a)
			start, chunks := ageLayout(t, ct)
			if chunks < 4 {
				t.Fatalf("archive too small for the test: %d chunks", chunks)
			}
			sealed := ageChunk + 16
			chunkAt := func(i int) int { return start + i*sealed }
			mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(ct)) }
			flip := func(off int) []byte { return mod(func(b []byte) []byte { b[off] ^= 0x01; return b }) }
			// a stanza body byte changed to another base64 letter (a byte
			// that is no base64 at all is a parse error: ErrHeader)
			swap := func(off int) []byte {
				return mod(func(b []byte) []byte {
					if b[off] == 'A' {
						b[off] = 'B'
					} else {
						b[off] = 'A'
					}
					return b
				})
			}
			mac := bytes.Index(ct, []byte("\n--- ")) + 10
			stanza := bytes.Index(ct, []byte("\n-> ")) + 1
			stanzaBody := stanza + bytes.IndexByte(ct[stanza:], '\n') + 5
			type hostile struct {
				ct   []byte
				ro   ReadOptions
				want error
			}
			cases := map[string]hostile{
				"flip header MAC":       {flip(mac), ro, ErrHeader},
				"flip nonce":            {flip(start - 3), ro, ErrTampered},
				"flip body chunk 1":     {flip(chunkAt(1) + 100), ro, ErrTampered},
				"flip tag of chunk 0":   {flip(chunkAt(1) - 2), ro, ErrTampered},
				"flip final chunk":      {flip(len(ct) - 30), ro, ErrTruncated},
				"cut inside the header": {ct[:stanza+3], ro, ErrTruncated},
				"cut inside the nonce":  {ct[:start-5], ro, ErrTruncated},
				"cut after the nonce":   {ct[:start], ro, ErrTruncated},
				"trailing byte":         {append(bytes.Clone(ct), 'x'), ro, ErrTruncated},
				"appended chunk":        {append(bytes.Clone(ct), ct[chunkAt(0):chunkAt(1)]...), ro, ErrTampered},
				"chunk 1 dropped":       {append(bytes.Clone(ct[:chunkAt(1)]), ct[chunkAt(2):]...), ro, ErrTampered},
				"chunks 0 and 1 swapped": {mod(func(b []byte) []byte {
					c0 := bytes.Clone(b[chunkAt(0):chunkAt(1)])
					copy(b[chunkAt(0):], b[chunkAt(1):chunkAt(2)])
					copy(b[chunkAt(1):], c0)
					return b
				}), ro, ErrTampered},
			}
			for i := 0; i < chunks; i++ {
				if i < chunks-1 {
					cases[fmt.Sprintf("cut after chunk %d", i)] = hostile{ct[:chunkAt(i+1)], ro, ErrTruncated}
				}
				cases[fmt.Sprintf("cut in chunk %d", i)] = hostile{ct[:chunkAt(i)+1000], ro, ErrTruncated}
			}
			if mode == "age-passphrase" {
				cases["wrong passphrase"] = hostile{ct, ReadOptions{Key: keyFn("not it")}, ErrWrongKey}
				cases["changed scrypt stanza"] = hostile{swap(stanzaBody), ro, ErrWrongKey}
				cases["non-base64 in the stanza"] = hostile{mod(func(b []byte) []byte { b[stanzaBody] = '*'; return b }), ro, ErrHeader}
				cases["no passphrase"] = hostile{ct, ReadOptions{}, ErrNeedKey}
			} else {
				wrong := ReadOptions{Identities: func() ([]age.Identity, error) { return []age.Identity{other}, nil }}
				cases["wrong identity"] = hostile{ct, wrong, ErrNoIdentity}
				cases["changed X25519 stanza"] = hostile{swap(stanzaBody), ro, ErrNoIdentity}
				cases["no identity"] = hostile{ct, ReadOptions{Key: keyFn("pw")}, ErrNeedKey}
			}
			for name, tc := range cases {
				t.Run(format+"/"+mode+"/"+name, func(t *testing.T) {
					p := writeTemp(t, string(tc.ct))
					out := filepath.Join(t.TempDir(), "out")
					_, _, err := Extract(context.Background(), p, out, ExtractOptions{ReadOptions: tc.ro})
					if !errors.Is(err, tc.want) {
						t.Fatalf("err = %v, want %v", err, tc.want)
					}
					if strings.Contains(err.Error(), "\n") {
						t.Fatalf("error is more than one line: %q", err)
					}
					assertEmpty(t, out)
					if _, err := Check(context.Background(), p, tc.ro); !errors.Is(err, tc.want) {
						t.Fatalf("check: err = %v, want %v", err, tc.want)
					}
				})
			}
		}
	}
}

// TestAgeArchiveForSomeoneElse: an archive encrypted to a key pair the
// reader does not hold names the recipients it has, never extracts.
func TestAgeArchiveForSomeoneElse(t *testing.T) {
	someone, _ := age.GenerateX25519Identity()
	a := create(t, refPack, CreateOptions{Recipients: []age.Recipient{someone.Recipient(), someone.Recipient()}})
	out := filepath.Join(t.TempDir(), "out")
	ro := ReadOptions{Identities: func() ([]age.Identity, error) { return []age.Identity{testIdentity}, nil }}
	_, _, err := Extract(context.Background(), a, out, ExtractOptions{ReadOptions: ro})
	if !errors.Is(err, ErrNoIdentity) || !strings.Contains(err.Error(), "encrypted to 2 X25519") {
		t.Fatalf("err = %v", err)
	}
	assertEmpty(t, out)
}

// TestScryptLimit: a passphrase archive asking for more scrypt work than
// the limit is refused before the passphrase is asked for; the limit
// follows --max-kdf-memory above age's default.
func TestScryptLimit(t *testing.T) {
	if got := (KDFLimits{}).scryptMax(); got != DefaultWorkFactor {
		t.Fatalf("default scrypt limit 2^%d, want 2^%d", got, DefaultWorkFactor)
	}
	if got := (KDFLimits{MemoryKiB: 1 << 20}).scryptMax(); got != 20 {
		t.Fatalf("--max-kdf-memory 1024: scrypt limit 2^%d, want 2^20", got)
	}
	a, _, _ := createEnc(t, refPack, FormatZip, "age-passphrase")
	ct, _ := os.ReadFile(a)
	costly := bytes.Replace(ct, []byte(" 10\n"), []byte(" 19\n"), 1)
	asked := false
	ro := ReadOptions{Key: func() ([]byte, error) { asked = true; return []byte("pw"), nil }}
	var le *KDFLimitError
	if _, err := Check(context.Background(), writeTemp(t, string(costly)), ro); !errors.As(err, &le) || asked {
		t.Fatalf("err = %v (asked for the key: %v), want a KDFLimitError before the key is asked for", err, asked)
	}
}
