package secretcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"filippo.io/age"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/archive"
	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/redact"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

const (
	ghTok  = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
	secret = "hunter2-" + "Sekret9"
)

var records = []string{
	`{"exchange_id":"0f8fad5b-d9cb-469f-a165-70867728950e","exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"a","request":{"url":"https://h/p?page=1"},"response":{"ok":true},"observed_at_utc":"2024-05-01T10:00:00Z"}`,
	`{"exchange_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"b","request":{"headers":{"Authorization":"Bearer ` + ghTok + `"}},"response":{"ok":true},"observed_at_utc":"2024-05-01T10:00:01Z"}`,
	`{"exchange_id":"9dfb369b-ab13-4fae-a276-55daa05f1119","exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"c","request":{},"response":{"log":"login password=` + secret + ` ok"},"observed_at_utc":"2024-05-02T10:00:00Z"}`,
}

// hashed returns the records with their content hashes (a pack holds
// only hashed records).
func hashed(t *testing.T) string {
	var b strings.Builder
	var h contenthash.Hasher
	for _, l := range records {
		var rec envelope.Record
		if err := envelope.Parse(&rec, []byte(l), false); err != nil {
			t.Fatal(err)
		}
		sum, err := h.Sum(&rec)
		if err != nil {
			t.Fatal(err)
		}
		rec.SetString(envelope.ContentSHA256, sum)
		b.Write(envelope.Append(nil, &rec))
		b.WriteByte('\n')
	}
	return b.String()
}

// pack makes a pack holding the records, secrets included (written with
// the policy off, then turned on, as a pack written by an older tool or
// the reference one would be).
func pack(t *testing.T) string {
	t.Helper()
	m := manifest.Default("ds", "http", "s", "e")
	m.RedactionPolicy.Enabled = false
	dir, err := snapshot.Init(t.TempDir(), m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Write(context.Background(), dir, strings.NewReader(hashed(t)), snapshot.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	m.RedactionPolicy.Enabled = true
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, snapshot.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// check runs Run and returns the NDJSON findings, decoded.
func check(t *testing.T, paths []string, stdin string, o Options) ([]map[string]any, *xr.Stats, error) {
	t.Helper()
	var out bytes.Buffer
	o.JSON, o.Out = true, &out
	st, err := Run(context.Background(), paths, strings.NewReader(stdin), o)
	if strings.Contains(out.String(), ghTok) || strings.Contains(out.String(), secret) {
		t.Errorf("a finding shows the secret: %s", out.String())
	}
	var fs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var f map[string]any
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("finding %q is not JSON: %v", l, err)
		}
		fs = append(fs, f)
	}
	return fs, st, err
}

func rules(fs []map[string]any) []string {
	var r []string
	for _, f := range fs {
		r = append(r, f["rule"].(string)+" "+f["pointer"].(string))
	}
	slices.Sort(r)
	return r
}

// wantLine: the Authorization record is the second of 2024-05-01's
// chunk, the password one the first of 2024-05-02's.
func wantLine(f map[string]any) float64 {
	if strings.HasPrefix(f["rule"].(string), "header:") {
		return 2
	}
	return 1
}

var wantRules = []string{"assign:password /response/log", "header:authorization /request/headers/Authorization"}

func TestCheckPack(t *testing.T) {
	dir := pack(t)
	fs, st, err := check(t, []string{dir}, "", Options{})
	if !errors.Is(err, xr.ErrMismatch) || !strings.Contains(err.Error(), "2 of 3 records hold secrets") {
		t.Fatalf("err = %v", err)
	}
	if !slices.Equal(rules(fs), wantRules) {
		t.Errorf("findings %v, want %v", rules(fs), wantRules)
	}
	for _, f := range fs {
		file := f["file"].(string)
		if !strings.HasPrefix(file, filepath.Join(dir, "records")+string(filepath.Separator)) || !strings.HasSuffix(file, ".ndjson") {
			t.Errorf("file %q is not a chunk of the pack", file)
		}
		if f["line"].(float64) != wantLine(f) || f["exchange_id"] == nil || f["member"] != nil {
			t.Errorf("finding %v: want its line in its chunk (one chunk per day), an exchange_id, no member", f)
		}
	}
	if st.Get("read") != 3 || st.Get("redacted") != 2 {
		t.Errorf("stats %s", st.Summary())
	}

	// the pack's policy off: nothing is checked, and a notice says so
	m, _ := manifest.Load(filepath.Join(dir, snapshot.ManifestFile))
	m.RedactionPolicy.Enabled = false
	b, _ := m.Marshal()
	os.WriteFile(filepath.Join(dir, snapshot.ManifestFile), b, 0o644)
	var notes []string
	fs, _, err = check(t, []string{dir}, "", Options{Diag: xr.NewDiag(nil, func(s string) { notes = append(notes, s) })})
	if err != nil || len(fs) != 0 || len(notes) != 1 || !strings.Contains(notes[0], "redaction_policy.enabled is false") {
		t.Errorf("policy off: %v %v %q", err, fs, notes)
	}
	// -m's policy wins over the pack's
	fs, _, err = check(t, []string{dir}, "", Options{Redact: redact.Options{Policy: &manifest.RedactionPolicy{Enabled: true}}})
	if !errors.Is(err, xr.ErrMismatch) || len(fs) != 2 {
		t.Errorf("-m policy: %v %v", err, fs)
	}
}

// passphrase is the age recipient for "pw" at a low work factor (quick).
func passphrase(t *testing.T) age.Recipient {
	r, err := archive.PassphraseRecipient([]byte("pw"), 10)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckArchives(t *testing.T) {
	dir := pack(t)
	tmp := t.TempDir()
	for _, c := range []struct {
		name string
		o    archive.CreateOptions
	}{
		{"zip", archive.CreateOptions{Format: archive.FormatZip}},
		{"tar.zst", archive.CreateOptions{Format: archive.FormatTarZst}},
		{"zip.age", archive.CreateOptions{Format: archive.FormatZip, Recipients: []age.Recipient{passphrase(t)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(tmp, "ds."+c.name)
			if _, err := archive.CreateFile(context.Background(), dir, path, false, c.o); err != nil {
				t.Fatal(err)
			}
			o := Options{Archive: archive.ReadOptions{Key: func() ([]byte, error) { return []byte("pw"), nil }}}
			fs, st, err := check(t, []string{path}, "", o)
			if !errors.Is(err, xr.ErrMismatch) {
				t.Fatalf("err = %v", err)
			}
			if !slices.Equal(rules(fs), wantRules) {
				t.Errorf("findings %v, want %v", rules(fs), wantRules)
			}
			for _, f := range fs {
				if f["file"] != path || !strings.HasPrefix(f["member"].(string), "ds/records/") || f["line"].(float64) != wantLine(f) {
					t.Errorf("finding %v: want file %s, a member ds/records/…, its line", f, path)
				}
			}
			if st.Get("read") != 3 {
				t.Errorf("stats %s", st.Summary())
			}
		})
	}
	// an encrypted archive without a passphrase is an error that says how
	path := filepath.Join(tmp, "ds.zip.age")
	_, _, err := check(t, []string{path}, "", Options{Archive: archive.ReadOptions{Key: Passphrase("", nil)}})
	if !errors.Is(err, archive.ErrNeedKey) || !strings.Contains(err.Error(), "SNAPSHOT_ENCRYPTION_KEY") {
		t.Errorf("err = %v", err)
	}
}

func TestCheckFilesAndStdin(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "in.ndjson")
	os.WriteFile(file, []byte("\ufeff"+strings.Join(records, "\n")+"\n"), 0o644)
	clean := filepath.Join(tmp, "clean.ndjson")
	os.WriteFile(clean, []byte(records[0]+"\n"), 0o644)
	fs, st, err := check(t, []string{clean, file, "-"}, records[1]+"\n", Options{})
	if !errors.Is(err, xr.ErrMismatch) || !strings.Contains(err.Error(), "3 of 5 records hold secrets") {
		t.Fatalf("err = %v", err)
	}
	var where []string
	for _, f := range fs {
		where = append(where, f["file"].(string)+":"+strings.TrimSuffix(strings.TrimSuffix(f["pointer"].(string), "/log"), "/headers/Authorization"))
	}
	want := []string{file + ":/request", file + ":/response", "-:/request"}
	if !slices.Equal(where, want) {
		t.Errorf("findings at %q, want %q", where, want)
	}
	if st.Get("read") != 5 {
		t.Errorf("stats %s", st.Summary())
	}
	// no secret: no error
	if _, _, err := check(t, []string{clean}, "", Options{}); err != nil {
		t.Errorf("clean: %v", err)
	}
	// a bad line names its file
	bad := filepath.Join(tmp, "bad.ndjson")
	os.WriteFile(bad, []byte(records[0]+"\n{\"a\":\n"), 0o644)
	if _, _, err := check(t, []string{bad}, "", Options{}); err == nil || !strings.HasPrefix(err.Error(), bad+": line 2: ") {
		t.Errorf("bad line: %v", err)
	}
	// neither file nor folder
	if _, _, err := check(t, []string{filepath.Join(tmp, "missing")}, "", Options{}); err == nil {
		t.Error("a missing path passed")
	}
}

func TestFindingText(t *testing.T) {
	for _, c := range []struct {
		f    redact.Finding
		want string
	}{
		{redact.Finding{Line: 3, Pointer: "/request/url", Rule: "url:query:api_key"}, "line 3: /request/url: url:query:api_key"},
		{redact.Finding{File: "-", Line: 3, ExchangeID: "x", Pointer: "/p", Rule: "r"}, "line 3: exchange_id x: /p: r"},
		{redact.Finding{File: "d/records/c.ndjson", Line: 2, Pointer: "/p", Rule: "r"}, "d/records/c.ndjson:2: /p: r"},
		{redact.Finding{File: "a.zip", Member: "ds/records/c.ndjson", Line: 2, Pointer: "/p", Rule: "r"}, "a.zip: ds/records/c.ndjson:2: /p: r"},
	} {
		if got := c.f.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
