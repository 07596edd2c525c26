package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seal(t testing.TB, plain []byte, pass string, k KDF) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, []byte(pass), k)
	if err != nil {
		t.Fatal(err)
	}
	// odd write sizes cross chunk boundaries
	for p := plain; len(p) > 0; {
		n := min(len(p), 10007)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func unseal(ct []byte, pass string) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(ct), []byte(pass))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestEncryptRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3 * ChunkSize, 3*ChunkSize + 500} {
		plain := make([]byte, n)
		rand.Read(plain)
		ct := seal(t, plain, "pw", fastKDF)
		chunks := max(1, (n+ChunkSize-1)/ChunkSize)
		if want := headerSize + n + chunks*tagSize; len(ct) != want {
			t.Fatalf("n=%d: %d bytes, want %d", n, len(ct), want)
		}
		got, err := unseal(ct, "pw")
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("n=%d: err=%v equal=%v", n, err, bytes.Equal(got, plain))
		}
	}
}

func TestPBKDF2(t *testing.T) {
	ct := seal(t, []byte("hello"), "pw", DefaultPBKDF2)
	if ct[7] != kdfPBKDF2 {
		t.Fatalf("kdf id %d", ct[7])
	}
	if got, err := unseal(ct, "pw"); err != nil || string(got) != "hello" {
		t.Fatalf("%q %v", got, err)
	}
}

// TestHostileCiphertext: each kind of damage is detected and named.
func TestHostileCiphertext(t *testing.T) {
	plain := make([]byte, 3*ChunkSize+1000) // chunks 0,1,2 full, 3 short and final
	rand.Read(plain)
	ct := seal(t, plain, "pw", fastKDF)
	ctFull := seal(t, plain[:2*ChunkSize], "pw", fastKDF)
	chunk := func(i int) (int, int) { s := headerSize + i*sealedSize; return s, min(s+sealedSize, len(ct)) }
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(ct)) }
	flip := func(off int) []byte { return mod(func(b []byte) []byte { b[off] ^= 0x01; return b }) }
	s1, e1 := chunk(1)
	s2, e2 := chunk(2)
	cases := map[string]struct {
		ct   []byte
		pass string
		want error
	}{
		"wrong key":            {ct, "wrong", ErrWrongKey},
		"flip magic-adjacent":  {flip(6), "pw", ErrHeader},
		"flip salt":            {flip(25), "pw", ErrHeader},
		"flip kdf params":      {flip(10), "pw", ErrHeader},
		"flip key check":       {flip(40), "pw", ErrHeader},
		"flip header checksum": {flip(70), "pw", ErrHeader},
		"flip chunk body":      {flip(s1 + 100), "pw", ErrTampered},
		"flip chunk tag":       {flip(e1 - 3), "pw", ErrTampered},
		"flip final chunk":     {flip(len(ct) - 100), "pw", ErrTruncated},
		"swapped chunks": {mod(func(b []byte) []byte {
			c1 := bytes.Clone(b[s1:e1])
			copy(b[s1:e1], b[s2:e2])
			copy(b[s2:e2], c1)
			return b
		}), "pw", ErrReordered},
		"chunk dropped":         {append(bytes.Clone(ct[:s1]), ct[e1:]...), "pw", ErrReordered},
		"cut at chunk boundary": {ct[:e2], "pw", ErrTruncated},
		"cut mid chunk":         {ct[:s2+1234], "pw", ErrTruncated},
		"cut in header":         {ct[:50], "pw", ErrTruncated},
		"header only":           {ct[:headerSize], "pw", ErrTruncated},
		// after a short final chunk the boundary is unknown: still refused
		"trailing data":  {append(bytes.Clone(ct), 'x'), "pw", ErrTruncated},
		"appended chunk": {append(bytes.Clone(ct), ct[s1:e1]...), "pw", ErrTampered},
		// after a full final chunk it is named
		"trailing after full chunk": {append(bytes.Clone(ctFull), 'x'), "pw", ErrTrailing},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := unseal(tc.ct, tc.pass)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if len(got) > 0 && !bytes.HasPrefix(plain, got) {
				t.Fatal("unauthenticated plaintext was released")
			}
		})
	}
}

// TestHostileEncryptedArchive runs damaged encrypted archives through
// Extract: each fails with its error and leaves nothing on disk.
func TestHostileEncryptedArchive(t *testing.T) {
	big := bigPack(t)
	for _, format := range []string{FormatTarZst, FormatZip} {
		a := createXREnc(t, big, format, "pw", fastKDF)
		ct, _ := os.ReadFile(a)
		if len(ct) < headerSize+3*sealedSize {
			t.Fatalf("archive too small for the test: %d bytes", len(ct))
		}
		for name, tc := range map[string]struct {
			ct   []byte
			pass string
			want error
		}{
			"wrong key": {ct, "nope", ErrWrongKey},
			"truncated": {ct[:len(ct)-sealedSize/2], "pw", ErrTruncated},
			"tampered":  {func() []byte { b := bytes.Clone(ct); b[headerSize+sealedSize+7] ^= 0x80; return b }(), "pw", ErrTampered},
			"header":    {func() []byte { b := bytes.Clone(ct); b[22] ^= 0x04; return b }(), "pw", ErrHeader},
			"tag":       {func() []byte { b := bytes.Clone(ct); b[headerSize+sealedSize-1] ^= 0x10; return b }(), "pw", ErrTampered},
			"swapped": {func() []byte {
				b := bytes.Clone(ct)
				c0 := bytes.Clone(b[headerSize : headerSize+sealedSize])
				copy(b[headerSize:], b[headerSize+sealedSize:headerSize+2*sealedSize])
				copy(b[headerSize+sealedSize:], c0)
				return b
			}(), "pw", ErrReordered},
		} {
			t.Run(format+"/"+name, func(t *testing.T) {
				p := writeTemp(t, string(tc.ct))
				out := filepath.Join(t.TempDir(), "out")
				_, _, err := Extract(context.Background(), p, out, ExtractOptions{ReadOptions: ReadOptions{Key: keyFn(tc.pass)}})
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				assertEmpty(t, out)
				if _, err := Check(context.Background(), p, ReadOptions{Key: keyFn(tc.pass)}); !errors.Is(err, tc.want) {
					t.Fatalf("check: err = %v, want %v", err, tc.want)
				}
			})
		}
	}
}

// bigPack is the reference pack with a few hundred KiB of incompressible
// extra files, so that its archive spans several chunks.
func bigPack(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "big")
	copyTree(t, refPack, dir)
	b := make([]byte, 300<<10)
	rand.Read(b)
	if err := os.WriteFile(filepath.Join(dir, "notes.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k")
	os.WriteFile(p, []byte("s3cret\n"), 0o644)
	if _, err := ReadKeyFile(p); err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("world-readable key file: err = %v", err)
	}
	os.Chmod(p, 0o600)
	k, err := ReadKeyFile(p)
	if err != nil || string(k) != "s3cret" {
		t.Fatalf("%q %v", k, err)
	}
}

func FuzzDecrypt(f *testing.F) {
	f.Add(seal(f, []byte("hello world"), "pw", fastKDF))
	f.Add(seal(f, make([]byte, ChunkSize+10), "pw", fastKDF))
	f.Fuzz(func(t *testing.T, ct []byte) {
		got, err := unseal(ct, "pw")
		if err == nil && len(ct) != headerSize+len(got)+tagSize*max(1, (len(got)+ChunkSize-1)/ChunkSize) {
			t.Fatalf("accepted %d bytes for %d of plaintext", len(ct), len(got))
		}
	})
}

func BenchmarkEncrypt(b *testing.B) {
	plain := make([]byte, 4<<20)
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	for b.Loop() {
		w, _ := NewWriter(io.Discard, []byte("pw"), fastKDF)
		w.Write(plain)
		w.Close()
	}
}

func BenchmarkDecrypt(b *testing.B) {
	plain := make([]byte, 4<<20)
	ct := seal(b, plain, "pw", fastKDF)
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(ct), []byte("pw"))
		io.Copy(io.Discard, r)
	}
}
