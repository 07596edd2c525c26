package manifest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The reference tool's manifest loads and writes back byte for byte (plus
// the final line end the reference leaves out).
func TestReferenceRoundTrip(t *testing.T) {
	want, err := os.ReadFile("../../testdata/reference-pack/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load("../../testdata/reference-pack/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if m.DatasetName != "reference-pack" || m.SQLTarget.NaturalKeyColumn != nil || m.SQLTarget.NaturalKeyColumnName() != "natural_key" ||
		m.RedactionPolicy.Enabled || len(m.RedactionPolicy.HeadersToRedact) != 6 || m.Path == "" {
		t.Fatalf("loaded %+v", m)
	}
	got, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(want, '\n')) {
		t.Fatalf("round trip differs:\n%s", got)
	}
}

func TestTolerantRead(t *testing.T) {
	m, err := Parse([]byte(`{"dataset_name": "d", "source_system": "s", "sql_target": {"schema": "raw"},
		"zeta": {"kept": [1, 2.50]}, "alpha": "<&>", "encryption_policy": {"enabled": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.SQLTarget.Schema != "raw" || m.SQLTarget.Table != "RawExchangeRecord" || m.SQLTarget.HashColumnName() != "content_sha256" {
		t.Errorf("sql_target defaults: %+v", m.SQLTarget)
	}
	if m.SyncPolicy.ConflictStrategy != "prefer_newest" || m.SyncPolicy.DirectionDefault != "bidirectional" || m.Version != 1 {
		t.Errorf("sync defaults: %+v", m.SyncPolicy)
	}
	if !m.EncryptionPolicy.Enabled || m.EncryptionPolicy.Algorithm != "aes-256-gcm" || m.EncryptionPolicy.KeyEnvVar != "SNAPSHOT_ENCRYPTION_KEY" {
		t.Errorf("encryption defaults: %+v", m.EncryptionPolicy)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	// known fields first in the spec's order, unknown ones after, sorted,
	// values (number lexemes, '<&>') as they were
	iv, ia, iz := strings.Index(s, `"version"`), strings.Index(s, `"alpha": "<&>"`), strings.Index(s, `"zeta"`)
	if iv < 0 || ia < iv || iz < ia || !strings.Contains(s, "2.50") {
		t.Fatalf("field order or values:\n%s", s)
	}
	if strings.Index(s, `"dataset_name"`) > strings.Index(s, `"sql_target"`) {
		t.Fatalf("known order:\n%s", s)
	}
	again, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := again.Marshal()
	if !bytes.Equal(b, b2) {
		t.Fatal("Marshal(Parse(Marshal(m))) is not stable")
	}
}

func TestDefault(t *testing.T) {
	m := Default("n", "mediawiki", "wookieepedia", "page")
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"dataset_name": "n"`, `"exchange_type": "mediawiki"`, `"schema": "lake"`, `"table": "RawExchangeRecord"`,
		`"natural_key_column": "natural_key"`, `"hash_column": "content_sha256"`, `"direction_default": "bidirectional"`,
		`"conflict_strategy": "prefer_newest"`, `"enabled": true`, `"patterns": []`, `"authorization"`, `"algorithm": "aes-256-gcm"`,
		`"key_source": "env"`, `"key_env_var": "SNAPSHOT_ENCRYPTION_KEY"`, `"key_file_path": null`, `"version": 1`, `+00:00"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("default manifest lacks %s", want)
		}
	}
}

func TestErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "xr-pack init") {
		t.Fatalf("missing: %v", err)
	}
	for _, bad := range []string{`{`, `[]`, `{"version": "x"}`} {
		if _, err := Parse([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "invalid manifest") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
