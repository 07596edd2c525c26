package main

import (
	"archive/zip"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// refPassphrase is the passphrase of the reference-format archives made here.
const refPassphrase = "correct horse battery staple"

// TestReferenceFormatStreams: a reference-format .zip.enc far larger than
// memory allows extracts and verifies with flat memory (it used to be
// decrypted whole, and refused above 64 MiB). The archive is made the way
// pack.py makes it: the reference's zip (members at the root, its
// _pack_meta.json) as one AES-256-GCM message under PBKDF2-HMAC-SHA256 at
// 480,000 iterations, a 16-byte salt and a 12-byte nonce first, sealed
// here with the standard library's whole-message GCM.
// (Before the streaming reader: "reference-format encrypted archive is
// larger than the cap for whole-message decryption" at 300 MB.) 20 MB normally;
// XR_TEST_LONG=1 makes it 300 MB.
func TestReferenceFormatStreams(t *testing.T) {
	size := 20 << 20
	if os.Getenv("XR_TEST_LONG") == "1" {
		size = 300 << 20
	}
	dir := t.TempDir()
	enc := filepath.Join(dir, "big.zip.enc")
	blobSum := makeRefArchive(t, enc, size)
	fi, _ := os.Stat(enc)
	t.Logf("reference-format archive: %d bytes", fi.Size())

	env := []string{"SNAPSHOT_ENCRYPTION_KEY=" + refPassphrase}
	for _, args := range [][]string{
		{"verify", "-q", enc},
		{"extract", "-q", "--in", enc, "--out", filepath.Join(dir, "out")},
	} {
		cmd, stderr := packCmd(t, env, args...)
		if err := cmd.Run(); err != nil {
			t.Fatalf("xr-pack %s: %v\n%s", args[0], err, stderr)
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
		t.Logf("xr-pack %s: peak RSS %d MB", args[0], rss>>20)
		if rss >= 128<<20 {
			t.Fatalf("xr-pack %s of a %d MB reference-format archive: peak RSS %d MB, want under 128 MB", args[0], fi.Size()>>20, rss>>20)
		}
	}
	b, err := os.Open(filepath.Join(dir, "out", "reference-pack", "blob.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h := sha256.New()
	io.Copy(h, b)
	if !bytes.Equal(h.Sum(nil), blobSum) {
		t.Fatal("blob.bin differs after the round trip")
	}
	if es, _ := os.ReadDir(filepath.Join(dir, "out")); len(es) != 1 {
		t.Fatalf("extract left %d entries in its output folder, want the pack alone", len(es))
	}
}

// refArchiveVar=PATH,SIZE makes the test binary write a reference-format
// archive and exit (TestMain): the archive is made in a process of its own,
// since on Linux a child started by a process that once held it all in
// memory reports that process's peak as its own peak RSS.
const refArchiveVar = "XR_TEST_WRITE_REF_ARCHIVE"

// makeRefArchive writes the reference-format archive in a child process
// and returns the SHA-256 of its blob.bin.
func makeRefArchive(t *testing.T, path string, size int) []byte {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d", refArchiveVar, path, size))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("writing the reference-format archive: %v\n%s", err, out)
	}
	sum, err := hex.DecodeString(strings.TrimSpace(string(out)))
	if err != nil || len(sum) != sha256.Size {
		t.Fatalf("writing the reference-format archive: %q", out)
	}
	return sum
}

// writeRefArchive writes the reference tool's encrypted archive (passphrase
// refPassphrase) of the golden reference pack plus a stored blob.bin of size
// random bytes, and returns the blob's SHA-256.
func writeRefArchive(path string, size int) ([]byte, error) {
	golden, err := zip.OpenReader(filepath.Join("..", "..", "pkg", "archive", "testdata", "dataset.zip"))
	if err != nil {
		return nil, err
	}
	defer golden.Close()
	var buf bytes.Buffer
	buf.Grow(size + 1<<20)
	zw := zip.NewWriter(&buf)
	var meta *zip.File
	for _, f := range golden.File {
		if f.Name == "_pack_meta.json" {
			meta = f // last, as pack.py writes it
			continue
		}
		if err := zw.Copy(f); err != nil {
			return nil, err
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "blob.bin", Method: zip.Store})
	if err != nil {
		return nil, err
	}
	var seed [32]byte
	rand.Read(seed[:])
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(w, h), mrand.NewChaCha8(seed), int64(size)); err != nil {
		return nil, err
	}
	if err := zw.Copy(meta); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	salt, nonce := make([]byte, 16), make([]byte, 12)
	rand.Read(salt)
	rand.Read(nonce)
	key, err := pbkdf2.Key(sha256.New, refPassphrase, salt, 480_000, 32)
	if err != nil {
		return nil, err
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	plain := buf.Bytes()
	sealed := aead.Seal(plain[:0], nonce, plain, nil) // in place
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	for _, b := range [][]byte{salt, nonce, sealed} {
		if _, err := f.Write(b); err != nil {
			f.Close()
			return nil, err
		}
	}
	return h.Sum(nil), f.Close()
}

// writeRefArchiveAndExit is the child process of makeRefArchive.
func writeRefArchiveAndExit(spec string) {
	path, n, _ := strings.Cut(spec, ",")
	size, err := strconv.Atoi(n)
	if err == nil {
		var sum []byte
		if sum, err = writeRefArchive(path, size); err == nil {
			fmt.Println(hex.EncodeToString(sum))
			os.Exit(0)
		}
	}
	fmt.Println(err)
	os.Exit(1)
}
