package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// craftKDF rewrites an xr-enc header's KDF parameters and recomputes its
// (unkeyed) checksum, as anyone can: the parameters cannot be
// authenticated before the key is derived from them.
func craftKDF(ct []byte, k KDF) []byte {
	b := bytes.Clone(ct)
	id, _ := k.id()
	b[7] = id
	binary.BigEndian.PutUint32(b[8:], k.Time)
	binary.BigEndian.PutUint32(b[12:], k.Memory)
	b[16] = k.Threads
	sum := sha256.Sum256(b[:68])
	copy(b[68:80], sum[:12])
	return b
}

// TestCraftedKDFHeaderIsRefusedCheaply: a header asking for more key
// derivation than the reader's limit is refused before any derivation, in
// well under 2 s and 300 MB, saying what it asks for and which flag allows
// it, and never "wrong key" (the right key is given; it was not tried).
func TestCraftedKDFHeaderIsRefusedCheaply(t *testing.T) {
	ct, _ := os.ReadFile(createXREnc(t, refPack, FormatTarZst, "pw", fastKDF))
	for name, tc := range map[string]struct {
		k    KDF
		want []string
	}{
		"argon2id 1 GiB":     {KDF{Name: "argon2id", Time: 1, Memory: 1 << 20, Threads: 1}, []string{"1 GiB", "more than the limit of 128 MiB", "--max-kdf-memory 1024"}},
		"argon2id 64 passes": {KDF{Name: "argon2id", Time: 64, Memory: 64 << 10, Threads: 1}, []string{"64 passes", "more than the limit of 4", "--max-kdf-passes 64"}},
		"pbkdf2 50M":         {KDF{Name: "pbkdf2", Time: 50_000_000}, []string{"50000000 iterations", "more than the limit of 2000000", "--max-kdf-iterations 50000000"}},
	} {
		t.Run(name, func(t *testing.T) {
			p := writeTemp(t, string(craftKDF(ct, tc.k)))
			for _, op := range []string{"extract", "verify"} {
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				start := time.Now()
				var err error
				if op == "extract" {
					out := filepath.Join(t.TempDir(), "out")
					_, _, err = Extract(context.Background(), p, out, ExtractOptions{ReadOptions: ReadOptions{Key: keyFn("pw")}})
					assertEmpty(t, out)
				} else {
					_, err = Check(context.Background(), p, ReadOptions{Key: keyFn("pw")})
				}
				el := time.Since(start)
				runtime.ReadMemStats(&ms1)
				if el > 2*time.Second {
					t.Errorf("%s: took %v (want < 2 s)", op, el)
				}
				if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 300<<20 {
					t.Errorf("%s: allocated %d MB (want < 300 MB)", op, alloc>>20)
				}
				if err == nil {
					t.Fatalf("%s: accepted", op)
				}
				msg := err.Error()
				if strings.Contains(msg, "wrong key") {
					t.Errorf("%s: %q says wrong key for a key that was not tried", op, msg)
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%s: %q does not say %q", op, msg, w)
					}
				}
			}
		})
	}
}

// TestKDFLimitsRaised: an archive written with more passes than the
// default limit opens once the limit is raised; parameters altered within
// the limits do try the key, and the failure says they may have been.
func TestKDFLimitsRaised(t *testing.T) {
	costly := KDF{Name: "argon2id", Time: 6, Memory: 64, Threads: 1}
	p := createXREnc(t, refPack, FormatZip, "pw", costly)
	var le *KDFLimitError
	if _, err := Check(context.Background(), p, ReadOptions{Key: keyFn("pw")}); !errors.As(err, &le) {
		t.Fatalf("default limits: err = %v, want a KDFLimitError", err)
	}
	if _, err := Check(context.Background(), p, ReadOptions{Key: keyFn("pw"), KDF: KDFLimits{Passes: 6}}); err != nil {
		t.Fatalf("--max-kdf-passes 6: %v", err)
	}
	ct, _ := os.ReadFile(p)
	altered := writeTemp(t, string(craftKDF(ct, KDF{Name: "argon2id", Time: 2, Memory: 64, Threads: 1})))
	_, err := Check(context.Background(), altered, ReadOptions{Key: keyFn("pw")})
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "altered: argon2id t=2 m=64 KiB p=1") {
		t.Fatalf("altered parameters: err = %v", err)
	}
}
