package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"

	"github.com/xr-lake/xr/internal/treetest"
	"github.com/xr-lake/xr/pkg/xr"
)

// refPack is the reference tool's pack, the fixture shared by the packages.
const refPack = "../../testdata/reference-pack"

const refPass = "correct horse battery staple"

// fastKDF keeps tests quick; the header stores the parameters.
var fastKDF = KDF{Name: "argon2id", Time: 1, Memory: 64, Threads: 1}

func keyFn(k string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(k), nil } }

// assertEmpty checks that a failed extract left nothing in dir.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 0 {
		t.Fatalf("failed extract left %d entries in %s (first %s)", len(es), dir, es[0].Name())
	}
}

func TestReferenceArchives(t *testing.T) {
	for _, tc := range []struct{ file, key string }{
		{"dataset.zip", ""},
		{"dataset-enc.zip.enc", refPass},
		// written by xr-pack archive --encrypt before age (xr-enc v1, Argon2id)
		{"xrenc-v1.tar.zst.enc", refPass},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out := t.TempDir()
			o := ExtractOptions{ReadOptions: ReadOptions{Key: keyFn(tc.key)}}
			dest, st, err := Extract(context.Background(), filepath.Join("testdata", tc.file), out, o)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(dest) != "reference-pack" {
				t.Fatalf("dest %s, want the dataset name reference-pack", dest)
			}
			if st.Get("records") != 50 || st.Get("files") != 10 {
				t.Fatalf("stats %s", st.Summary())
			}
			treetest.Same(t, dest, refPack, nil)
			if _, err := Check(context.Background(), filepath.Join("testdata", tc.file), o.ReadOptions); err != nil {
				t.Fatalf("check: %v", err)
			}
		})
	}
}

func TestReferenceEncryptedWrongKey(t *testing.T) {
	out := t.TempDir()
	o := ExtractOptions{ReadOptions: ReadOptions{Key: keyFn("not it")}}
	_, _, err := Extract(context.Background(), "testdata/dataset-enc.zip.enc", out, o)
	if !errors.Is(err, ErrRefOpen) {
		t.Fatalf("err = %v, want ErrRefOpen", err)
	}
	_, _, err = Extract(context.Background(), "testdata/dataset-enc.zip.enc", out, ExtractOptions{})
	if !errors.Is(err, ErrNeedKey) {
		t.Fatalf("no key: err = %v, want ErrNeedKey", err)
	}
	assertEmpty(t, out)
}

func create(t *testing.T, dir string, o CreateOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Create(context.Background(), dir, &buf, o); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "a")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func emptyPack(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "empty")
	os.MkdirAll(dir, 0o755)
	b, _ := os.ReadFile(refPack + "/manifest.json")
	b = bytes.Replace(b, []byte(`"reference-pack"`), []byte(`"empty"`), 1)
	os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "index.jsonl"), nil, 0o644)
	return dir
}

// encModes are the ways an archive is written: plain, age to a passphrase
// (a low work factor keeps tests quick; the header records it), age to an
// X25519 key, xr-enc v1 (earlier builds), and the reference's .zip.enc.
var encModes = []string{"plain", "age-passphrase", "age-x25519", "xrenc-v1", "reference"}

// testIdentity is an X25519 key pair for the tests.
var testIdentity = func() *age.X25519Identity {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		panic(err)
	}
	return id
}()

// createEnc writes the archive of pack in format under mode and returns
// its path and the options that read it (ok false: the mode does not
// hold that format).
func createEnc(t *testing.T, pack, format, mode string) (string, ReadOptions, bool) {
	t.Helper()
	ro := ReadOptions{Key: keyFn("pw"), Identities: func() ([]age.Identity, error) { return []age.Identity{testIdentity}, nil }}
	co := CreateOptions{Format: format}
	switch mode {
	case "age-passphrase":
		r, err := PassphraseRecipient([]byte("pw"), 10)
		if err != nil {
			t.Fatal(err)
		}
		co.Recipients = []age.Recipient{r}
	case "age-x25519":
		co.Recipients = []age.Recipient{testIdentity.Recipient()}
	case "xrenc-v1":
		return createXREnc(t, pack, format, "pw", fastKDF), ro, true
	case "reference":
		if format != FormatZip {
			return "", ro, false
		}
		co.RefPassphrase = []byte("pw")
	}
	return create(t, pack, co), ro, true
}

func TestRoundTrip(t *testing.T) {
	packs := map[string]string{"reference": refPack, "empty": emptyPack(t)}
	magic := map[string]string{"plain": "", "age-passphrase": ageMagic, "age-x25519": ageMagic, "xrenc-v1": encMagic}
	for pname, pack := range packs {
		for _, format := range []string{FormatZip, FormatTarZst} {
			for _, mode := range encModes {
				t.Run(pname+"/"+format+"/"+mode, func(t *testing.T) {
					a, ro, ok := createEnc(t, pack, format, mode)
					if !ok {
						return
					}
					head, _ := os.ReadFile(a)
					if m := magic[mode]; m != "" && !bytes.HasPrefix(head, []byte(m)) {
						t.Fatalf("%s archive starts %q", mode, head[:min(len(head), 22)])
					}
					st, err := Check(context.Background(), a, ro)
					if err != nil {
						t.Fatalf("check: %v", err)
					}
					want := map[string]int64{"reference": 50, "empty": 0}[pname]
					if st.Get("records") != want {
						t.Fatalf("records %d, want %d", st.Get("records"), want)
					}
					out := t.TempDir()
					dest, _, err := Extract(context.Background(), a, out, ExtractOptions{ReadOptions: ro})
					if err != nil {
						t.Fatalf("extract: %v", err)
					}
					treetest.Same(t, dest, pack, nil)
					// a second extract refuses to overwrite, --force replaces
					if _, _, err := Extract(context.Background(), a, out, ExtractOptions{ReadOptions: ro}); !errors.Is(err, ErrExists) {
						t.Fatalf("second extract: %v, want ErrExists", err)
					}
					if _, _, err := Extract(context.Background(), a, out, ExtractOptions{ReadOptions: ro, Force: true}); err != nil {
						t.Fatalf("forced extract: %v", err)
					}
					treetest.Same(t, dest, pack, nil)
					if es, _ := os.ReadDir(out); len(es) != 1 {
						t.Fatalf("%d entries in the output folder, want 1", len(es))
					}
				})
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, format := range []string{FormatZip, FormatTarZst} {
		a, _ := os.ReadFile(create(t, refPack, CreateOptions{Format: format}))
		// a copy of the pack with other file times gives the same bytes
		cp := filepath.Join(t.TempDir(), "p")
		copyTree(t, refPack, cp)
		b, _ := os.ReadFile(create(t, cp, CreateOptions{Format: format}))
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: two archives of the same pack differ", format)
		}
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	for rel, data := range treetest.Files(t, src, nil) {
		p := filepath.Join(dst, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, time.Now(), time.Now())
	}
}

// zipOf builds a zip with the given members; a name ending in "@" is made a
// symlink.
func zipOf(t *testing.T, members map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range members {
		fh := &zip.FileHeader{Name: strings.TrimSuffix(name, "@"), Method: zip.Deflate}
		if strings.HasSuffix(name, "@") {
			fh.SetMode(fs.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "h.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)
	return p
}

func tarZstOf(t *testing.T, hdrs []*tar.Header) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "h.tar.zst")
	os.WriteFile(p, tarZst(t, hdrs, nil), 0o644)
	return p
}

// tarZst is the tar.zst of the members hdrs with data (nil: zeros).
func tarZst(t *testing.T, hdrs []*tar.Header, data [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if data == nil {
			tw.Write(make([]byte, h.Size))
		} else {
			tw.Write(data[i])
		}
	}
	if err := errors.Join(tw.Close(), zw.Close()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHostileMembers(t *testing.T) {
	man, _ := os.ReadFile(refPack + "/manifest.json")
	cases := map[string]struct {
		file string
		want string
	}{
		"zip-slip":      {zipOf(t, map[string]string{"manifest.json": string(man), "../evil": "x"}), "unsafe path"},
		"absolute":      {zipOf(t, map[string]string{"manifest.json": string(man), "/etc/evil": "x"}), "unsafe path"},
		"deep-slip":     {zipOf(t, map[string]string{"manifest.json": string(man), "records/../../evil": "x"}), "unsafe path"},
		"backslash":     {zipOf(t, map[string]string{"manifest.json": string(man), "..\\evil": "x"}), "unsafe path"},
		"zip-symlink":   {zipOf(t, map[string]string{"manifest.json": string(man), "records@": "/etc"}), "links are not allowed"},
		"tar-symlink":   {tarZstOf(t, []*tar.Header{{Name: "d/records", Typeflag: tar.TypeSymlink, Linkname: "/etc"}}), "links are not allowed"},
		"tar-hardlink":  {tarZstOf(t, []*tar.Header{{Name: "d/x", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}), "links are not allowed"},
		"tar-device":    {tarZstOf(t, []*tar.Header{{Name: "d/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}), "not a regular file"},
		"tar-dotdot":    {tarZstOf(t, []*tar.Header{{Name: "d/../../x", Typeflag: tar.TypeReg, Size: 1}}), "unsafe path"},
		"no-pack":       {zipOf(t, map[string]string{"hello.txt": "hi"}), "no manifest.json"},
		"not-archive":   {zipOf(t, nil)[:0] + writeTemp(t, "just some text, not an archive at all....."), "not a zip, tar.zst, age or xr-encrypted archive"},
		"bad-meta-name": {zipOf(t, map[string]string{"manifest.json": string(man), MetaName: `{"dataset_name":"../up"}`}), "not a plain folder name"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			_, _, err := Extract(context.Background(), tc.file, out, ExtractOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			assertEmpty(t, out)
			if _, err := os.Lstat(filepath.Join(filepath.Dir(out), "evil")); err == nil {
				t.Fatal("a member escaped the output folder")
			}
		})
	}
}

func writeTemp(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte(s), 0o644)
	return p
}

func TestBomb(t *testing.T) {
	man, _ := os.ReadFile(refPack + "/manifest.json")
	bombs := map[string]string{
		"zip":     zipOf(t, map[string]string{"manifest.json": string(man), "records/2026/z.bin": strings.Repeat("\x00", 8<<20)}),
		"tar.zst": tarZstOf(t, []*tar.Header{{Name: "d/records/z.bin", Typeflag: tar.TypeReg, Size: 8 << 20}}),
	}
	for name, ro := range map[string]ReadOptions{
		"zip/ratio":     {MaxRatio: 100, RatioFloor: 1 << 20},
		"zip/size":      {MaxSize: 4 << 20},
		"tar.zst/ratio": {MaxRatio: 100, RatioFloor: 1 << 20},
		"tar.zst/size":  {MaxSize: 4 << 20},
	} {
		bomb := bombs[strings.Split(name, "/")[0]]
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			_, _, err := Extract(context.Background(), bomb, out, ExtractOptions{ReadOptions: ro})
			if err == nil || !strings.Contains(err.Error(), "decompression bomb") {
				t.Fatalf("err = %v", err)
			}
			assertEmpty(t, out)
			if _, err := Check(context.Background(), bomb, ro); err == nil || !strings.Contains(err.Error(), "decompression bomb") {
				t.Fatalf("check: err = %v", err)
			}
		})
	}
}

// TestMemberHashMismatch rewrites one of our archives with a chunk changed
// and the metadata kept.
func TestMemberHashMismatch(t *testing.T) {
	a := create(t, refPack, CreateOptions{})
	zr, err := zip.OpenReader(a)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	changed := false
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !changed && strings.Contains(f.Name, "/records/") {
			b = bytes.Replace(b, []byte("a"), []byte("b"), 1)
			changed = true
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	p := writeTemp(t, buf.String())
	out := filepath.Join(t.TempDir(), "out")
	_, _, err = Extract(context.Background(), p, out, ExtractOptions{})
	if !errors.Is(err, xr.ErrMismatch) || !strings.Contains(err.Error(), "does not match the metadata") {
		t.Fatalf("err = %v", err)
	}
	assertEmpty(t, out)
	if _, err := Check(context.Background(), p, ReadOptions{}); !errors.Is(err, xr.ErrMismatch) {
		t.Fatalf("check: err = %v", err)
	}
}

// TestVerifyPackFailureLeavesNothing: a pack that fails the full verify
// (--verify, or an archive without member hashes, which is always
// verified) leaves nothing; without --verify, our archive's pack is not
// verified again.
func TestVerifyPackFailureLeavesNothing(t *testing.T) {
	ours := create(t, refPack, CreateOptions{Format: FormatTarZst})
	bad := errors.New("pack is bad")
	for _, tc := range []struct {
		archive string
		verify  bool
		runs    bool
	}{
		{ours, true, true},
		{ours, false, false},
		{"testdata/dataset.zip", false, true}, // the reference's: no member hashes
	} {
		out := filepath.Join(t.TempDir(), "out")
		ran := false
		o := ExtractOptions{Verify: tc.verify, VerifyPack: func(context.Context, string) error { ran = true; return bad }}
		_, _, err := Extract(context.Background(), tc.archive, out, o)
		if ran != tc.runs {
			t.Fatalf("%s (verify %v): the pack verify ran: %v, want %v", tc.archive, tc.verify, ran, tc.runs)
		}
		if !tc.runs {
			if err != nil {
				t.Fatalf("%s: err = %v", tc.archive, err)
			}
			continue
		}
		if !errors.Is(err, bad) {
			t.Fatalf("%s: err = %v", tc.archive, err)
		}
		assertEmpty(t, out)
	}
}

// TestCorruptRecordInPack: an archive of a pack whose record does not match
// its content hash (the metadata computed over the bad bytes) fails verify
// FILE with the line, and extract --verify (through xr-pack verify) leaves
// nothing. A default extract does not check records (the documented
// trade-off: the member hashes prove the bytes are the archived ones) and
// restores the pack as it was archived.
func TestCorruptRecordInPack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	copyTree(t, refPack, dir)
	chunk := filepath.Join(dir, "records/2026/2026-01-16/chunk-0003.ndjson")
	b, _ := os.ReadFile(chunk)
	lines := bytes.SplitAfter(b, []byte("\n"))
	lines[2] = bytes.Replace(lines[2], []byte(`"method": "GET"`), []byte(`"method": "PUT"`), 1)
	os.WriteFile(chunk, bytes.Join(lines, nil), 0o644)
	for _, format := range []string{FormatZip, FormatTarZst} {
		a := create(t, dir, CreateOptions{Format: format})
		_, err := Check(context.Background(), a, ReadOptions{})
		if !errors.Is(err, xr.ErrMismatch) || !strings.Contains(err.Error(), "chunk-0003.ndjson\": line 3: content_sha256") {
			t.Fatalf("%s: check: err = %v", format, err)
		}
		out := filepath.Join(t.TempDir(), "out")
		_, _, err = Extract(context.Background(), a, out, ExtractOptions{Verify: true})
		if !errors.Is(err, xr.ErrMismatch) || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("%s: extract --verify: err = %v", format, err)
		}
		assertEmpty(t, out)
		dest, _, err := Extract(context.Background(), a, out, ExtractOptions{})
		if err != nil {
			t.Fatalf("%s: extract: %v", format, err)
		}
		treetest.Same(t, dest, dir, nil)
	}
}

// rewriteTarZst rewrites a plain tar.zst archive of ours with edit applied
// to each member's bytes (not the metadata's); with fixMeta, the metadata
// lists the new sizes and hashes, as if the archive had been written so.
func rewriteTarZst(t *testing.T, a []byte, edit func(name string, b []byte) []byte, fixMeta bool) []byte {
	t.Helper()
	zr, err := zstd.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var hdrs []*tar.Header
	var data [][]byte
	sums := map[string]MetaMember{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Name != MetaName {
			b = edit(h.Name, b)
			sum := sha256.Sum256(b)
			sums[h.Name] = MetaMember{Path: h.Name, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
		} else if fixMeta {
			var m Meta
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for i, mm := range m.Members {
				m.Members[i] = sums[mm.Path]
			}
			b, _ = json.MarshalIndent(&m, "", "  ")
		}
		h.Size = int64(len(b))
		hdrs, data = append(hdrs, h), append(data, b)
	}
	return tarZst(t, hdrs, data)
}

// ageTo encrypts plain to testIdentity into a file and returns its path.
func ageTo(t *testing.T, plain []byte) string {
	t.Helper()
	var buf bytes.Buffer
	aw, err := age.Encrypt(&buf, testIdentity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	aw.Write(plain)
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, buf.String())
}

// TestTarZstAgeMemberHashMismatch: in a tar.zst inside age (the format
// extract reads with decryption and writing overlapped), a member whose
// bytes differ from the metadata fails a default extract, which leaves
// nothing; so does a pack whose manifest does not parse, even with the
// metadata made to match it.
func TestTarZstAgeMemberHashMismatch(t *testing.T) {
	dir := bigPack(t)
	big := make([]byte, 5<<20) // several read-ahead buffers
	rand.Read(big)
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	plain, _ := os.ReadFile(create(t, dir, CreateOptions{Format: FormatTarZst}))
	changed := func(name string, b []byte) []byte {
		if strings.HasSuffix(name, "/big.bin") {
			b[len(b)-2] ^= 0x01
		}
		return b
	}
	badManifest := func(name string, b []byte) []byte {
		if strings.HasSuffix(name, "/manifest.json") {
			return []byte("{")
		}
		return b
	}
	ro := ReadOptions{Identities: func() ([]age.Identity, error) { return []age.Identity{testIdentity}, nil }}
	for _, tc := range []struct {
		name    string
		archive []byte
		want    string
	}{
		{"member changed", rewriteTarZst(t, plain, changed, false), "does not match the metadata"},
		{"manifest broken", rewriteTarZst(t, plain, badManifest, true), "does not verify: manifest.json: invalid manifest"},
	} {
		a := ageTo(t, tc.archive)
		out := filepath.Join(t.TempDir(), "out")
		_, _, err := Extract(context.Background(), a, out, ExtractOptions{ReadOptions: ro})
		if !errors.Is(err, xr.ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		assertEmpty(t, out)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Create(ctx, refPack, io.Discard, CreateOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("create: err = %v", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, _, err := Extract(ctx, "testdata/dataset.zip", out, ExtractOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("extract: err = %v", err)
	}
	assertEmpty(t, out)
}

// FuzzCheck: any bytes as an archive are read without panicking, and an
// extract that fails leaves nothing behind.
func FuzzCheck(f *testing.F) {
	for _, format := range []string{FormatZip, FormatTarZst} {
		var buf bytes.Buffer
		if _, err := Create(context.Background(), emptyPackF(f), &buf, CreateOptions{Format: format}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	ref, _ := os.ReadFile("testdata/dataset.zip")
	f.Add(ref)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "a")
		os.WriteFile(p, b, 0o644)
		ro := ReadOptions{MaxSize: 1 << 20} // no key: the slow reference KDF is not tried
		Check(context.Background(), p, ro)
		out := filepath.Join(t.TempDir(), "out")
		if _, _, err := Extract(context.Background(), p, out, ExtractOptions{ReadOptions: ro}); err != nil {
			assertEmpty(t, out)
		}
	})
}

func emptyPackF(f *testing.F) string {
	dir := filepath.Join(f.TempDir(), "fz")
	os.MkdirAll(dir, 0o755)
	b, _ := os.ReadFile(refPack + "/manifest.json")
	os.WriteFile(filepath.Join(dir, "manifest.json"), bytes.Replace(b, []byte(`"reference-pack"`), []byte(`"fz"`), 1), 0o644)
	os.WriteFile(filepath.Join(dir, "index.jsonl"), nil, 0o644)
	return dir
}

func TestCreateRefusesLinksSkipsDotfiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	copyTree(t, refPack, dir)
	os.WriteFile(filepath.Join(dir, ".xr-pack.lock"), []byte("1\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".tmp"), 0o755)
	os.WriteFile(filepath.Join(dir, ".tmp", "x"), []byte("x"), 0o644)
	a := create(t, dir, CreateOptions{})
	st, err := Check(context.Background(), a, ReadOptions{})
	if err != nil || st.Get("files") != 10 {
		t.Fatalf("dotfiles archived? files=%d err=%v", st.Get("files"), err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "records", "evil")); err != nil {
		t.Skip(err)
	}
	if _, err := Create(context.Background(), dir, io.Discard, CreateOptions{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("symlink in pack: err = %v", err)
	}
}

// TestTarZstFramesDeterministic: a tar.zst spanning several zstd frames is
// the same bytes whatever the number of compressing goroutines, and reads
// back whole.
func TestTarZstFramesDeterministic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	copyTree(t, refPack, dir)
	b := make([]byte, 2*frameSize+12345)
	for i := range b {
		b[i] = byte(i*7 + i/1000) // compressible, not trivially
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	var archives [][]byte
	for _, procs := range []int{1, 2, 4} {
		prev := runtime.GOMAXPROCS(procs)
		a, _ := os.ReadFile(create(t, dir, CreateOptions{Format: FormatTarZst}))
		runtime.GOMAXPROCS(prev)
		archives = append(archives, a)
	}
	for i := 1; i < len(archives); i++ {
		if !bytes.Equal(archives[0], archives[i]) {
			t.Fatalf("GOMAXPROCS %d and 1 give different archives", []int{1, 2, 4}[i])
		}
	}
	if n := bytes.Count(archives[0], []byte{0x28, 0xb5, 0x2f, 0xfd}); n < 3 {
		t.Fatalf("%d zstd frames, want at least 3", n)
	}
	p := writeTemp(t, string(archives[0]))
	dest, _, err := Extract(context.Background(), p, t.TempDir(), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	treetest.Same(t, dest, dir, nil)
}
