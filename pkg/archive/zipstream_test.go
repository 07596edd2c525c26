package archive

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zip"
)

// members lists name → content through a source's walker.
func members(t *testing.T, s *source) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := s.walk(func(m *member) error {
		b, err := io.ReadAll(m.r)
		got[m.name] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestZipStreamMatchesRandomAccess reads the same zips front to back and
// through the central directory: the reference's (sizes in the local
// headers) and ours (data descriptors).
func TestZipStreamMatchesRandomAccess(t *testing.T) {
	for _, p := range []string{"testdata/dataset.zip", create(t, refPack, CreateOptions{})} {
		b, _ := os.ReadFile(p)
		ra, st := &source{}, &source{}
		if err := ra.openZip(bytes.NewReader(b), int64(len(b)), "zip"); err != nil {
			t.Fatal(err)
		}
		st.openZipStream(bufio.NewReader(bytes.NewReader(b)), func() int64 { return int64(len(b)) }, "zip")
		want, got := members(t, ra), members(t, st)
		if len(want) != len(got) || len(want) < 10 {
			t.Fatalf("%s: %d members streamed, %d in the directory", p, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: member %s differs when streamed", p, k)
			}
		}
	}
}

// encryptFile wraps a file's bytes in xr's encryption.
func encryptFile(t *testing.T, plain []byte) string {
	return writeTemp(t, string(seal(t, plain, "pw", fastKDF)))
}

func TestZipStreamHostile(t *testing.T) {
	man, _ := os.ReadFile(refPack + "/manifest.json")
	ours, _ := os.ReadFile(create(t, refPack, CreateOptions{}))
	corrupt := bytes.Clone(ours)
	corrupt[200] ^= 0xff // inside the first member's deflate data
	var stored bytes.Buffer
	zw := zip.NewWriter(&stored)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Store})
	w.Write(man)
	zw.Close()
	slip, _ := os.ReadFile(zipOf(t, map[string]string{"manifest.json": string(man), "../evil": "x"}))
	link, _ := os.ReadFile(zipOf(t, map[string]string{"manifest.json": string(man), "records/x@": "/etc/passwd"}))
	for name, tc := range map[string]struct {
		zip  []byte
		want string
	}{
		"zip-slip":      {slip, "unsafe path"},
		"symlink":       {link, ""}, // local headers carry no modes: it becomes a plain file
		"corrupt":       {corrupt, "index.jsonl"},
		"stored+desc":   {stored.Bytes(), "stored member of unknown size"},
		"cut":           {ours[:len(ours)/2], "unexpected EOF"},
		"garbage after": {append(bytes.Clone(ours[:300]), bytes.Repeat([]byte{7}, 100)...), "index.jsonl"},
	} {
		t.Run(name, func(t *testing.T) {
			p := encryptFile(t, tc.zip)
			out := filepath.Join(t.TempDir(), "out")
			dest, _, err := Extract(context.Background(), p, out, ExtractOptions{ReadOptions: ReadOptions{Key: keyFn("pw")}})
			if tc.want == "" {
				if fi, err := os.Lstat(filepath.Join(dest, "records/x")); err != nil || !fi.Mode().IsRegular() {
					t.Fatalf("records/x: %v %v", fi, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			} else {
				assertEmpty(t, out)
			}
			var links []string
			filepath.Walk(filepath.Dir(out), func(p string, fi os.FileInfo, err error) error {
				if err == nil && fi.Mode()&os.ModeSymlink != 0 {
					links = append(links, p)
				}
				return nil
			})
			sort.Strings(links)
			if len(links) > 0 {
				t.Fatalf("symlinks created: %v", links)
			}
			if _, err := Check(context.Background(), p, ReadOptions{Key: keyFn("pw")}); err == nil && tc.want != "" {
				t.Fatal("check accepted it")
			}
		})
	}
}
