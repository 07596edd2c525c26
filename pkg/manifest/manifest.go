// Package manifest reads and writes a dataset's manifest.json. Reading is
// tolerant (unknown fields are kept, missing ones defaulted, the
// reference tool's manifests load as they are); writing uses one stable
// field order, pretty-printed like the reference's.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// SQLTarget names the SQL table a dataset mirrors to.
type SQLTarget struct {
	Schema           string  `json:"schema"`
	Table            string  `json:"table"`
	NaturalKeyColumn *string `json:"natural_key_column"`
	HashColumn       *string `json:"hash_column"`
}

// SyncPolicy holds the defaults of import/export/sync.
type SyncPolicy struct {
	DirectionDefault string `json:"direction_default"`
	ConflictStrategy string `json:"conflict_strategy"`
}

// SyncStrategies are the values sync_policy.conflict_strategy takes (the
// spec's; xr-snapshot's --conflict takes the same). xr-diff and xr-sqlload
// accept these and two stream-level ones of their own.
var SyncStrategies = []string{"prefer_newest", "prefer_sql", "prefer_json", "fail"}

// Directions are the values sync_policy.direction_default takes (and
// xr-snapshot sync's --direction).
var Directions = []string{"bidirectional", "json_to_sql", "sql_to_json"}

// RedactionPolicy configures xr-redact.
type RedactionPolicy struct {
	Enabled         bool     `json:"enabled"`
	Patterns        []string `json:"patterns"`
	HeadersToRedact []string `json:"headers_to_redact"`
}

// EncryptionPolicy configures archive encryption.
type EncryptionPolicy struct {
	Enabled     bool    `json:"enabled"`
	Algorithm   string  `json:"algorithm"`
	KeySource   string  `json:"key_source"`
	KeyEnvVar   string  `json:"key_env_var"`
	KeyFilePath *string `json:"key_file_path"`
	// Recipients and RecipientsFile name the public keys (age1…, ssh-ed25519 …)
	// xr-pack archive encrypts to when no --recipient is given; with any,
	// no passphrase is asked for.
	Recipients     []string `json:"recipients,omitempty"`
	RecipientsFile string   `json:"recipients_file,omitempty"`
}

// Manifest is a dataset's manifest.json.
type Manifest struct {
	DatasetName      string           `json:"dataset_name"`
	Description      string           `json:"description"`
	Owner            string           `json:"owner"`
	ExchangeType     string           `json:"exchange_type"`
	SourceSystem     string           `json:"source_system"`
	EntityType       string           `json:"entity_type"`
	SQLTarget        SQLTarget        `json:"sql_target"`
	SyncPolicy       SyncPolicy       `json:"sync_policy"`
	RedactionPolicy  RedactionPolicy  `json:"redaction_policy"`
	EncryptionPolicy EncryptionPolicy `json:"encryption_policy"`
	CreatedAt        string           `json:"created_at"`
	UpdatedAt        string           `json:"updated_at"`
	Version          int              `json:"version"`

	// Extra keeps unknown top-level fields, written after the known ones.
	Extra map[string]json.RawMessage `json:"-"`
	// Path is the file the manifest was read from ("" if built in code).
	Path string `json:"-"`
}

// DefaultHeadersToRedact is the reference's default header list.
var DefaultHeadersToRedact = []string{"authorization", "cookie", "set-cookie", "x-api-key", "api-key", "bearer"}

// Default returns a manifest with the spec's defaults.
func Default(name, exchangeType, source, entity string) *Manifest {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00")
	hash := "content_sha256"
	nk := "natural_key"
	return &Manifest{
		DatasetName:  name,
		ExchangeType: exchangeType,
		SourceSystem: source,
		EntityType:   entity,
		SQLTarget:    SQLTarget{Schema: "lake", Table: "RawExchangeRecord", NaturalKeyColumn: &nk, HashColumn: &hash},
		SyncPolicy:   SyncPolicy{DirectionDefault: "bidirectional", ConflictStrategy: "prefer_newest"},
		RedactionPolicy: RedactionPolicy{Enabled: true, Patterns: []string{},
			HeadersToRedact: append([]string{}, DefaultHeadersToRedact...)},
		EncryptionPolicy: EncryptionPolicy{Algorithm: "aes-256-gcm", KeySource: "env", KeyEnvVar: "SNAPSHOT_ENCRYPTION_KEY"},
		CreatedAt:        now,
		UpdatedAt:        now,
		Version:          1,
	}
}

var knownFields = map[string]bool{
	"dataset_name": true, "description": true, "owner": true, "exchange_type": true,
	"source_system": true, "entity_type": true, "sql_target": true, "sync_policy": true,
	"redaction_policy": true, "encryption_policy": true, "created_at": true,
	"updated_at": true, "version": true,
}

// ErrNotFound is returned (wrapped) when the manifest file does not exist.
var ErrNotFound = errors.New("manifest not found (create one with `xr-pack init`)")

// Load reads a manifest file.
func Load(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Path = path
	return m, nil
}

// Parse decodes a manifest, filling defaults for missing fields.
func Parse(b []byte) (*Manifest, error) {
	m := Default("", "", "", "")
	m.CreatedAt, m.UpdatedAt = "", ""
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("invalid manifest: %w", err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("invalid manifest: %w", err)
	}
	for k, v := range all {
		if !knownFields[k] {
			if m.Extra == nil {
				m.Extra = map[string]json.RawMessage{}
			}
			m.Extra[k] = v
		}
	}
	if m.SQLTarget.Schema == "" {
		m.SQLTarget.Schema = "lake"
	}
	if m.SQLTarget.Table == "" {
		m.SQLTarget.Table = "RawExchangeRecord"
	}
	if m.SyncPolicy.DirectionDefault == "" {
		m.SyncPolicy.DirectionDefault = "bidirectional"
	}
	if m.SyncPolicy.ConflictStrategy == "" {
		m.SyncPolicy.ConflictStrategy = "prefer_newest"
	}
	if m.Version == 0 {
		m.Version = 1
	}
	return m, nil
}

// Marshal encodes the manifest pretty-printed (two-space indent, like the
// reference), known fields in order, then unknown ones sorted by name.
func (m *Manifest) Marshal() ([]byte, error) {
	type plain Manifest // no methods: plain struct encoding
	b, err := marshalNoEscape((*plain)(m))
	if err != nil {
		return nil, err
	}
	if len(m.Extra) > 0 {
		extra, err := marshalNoEscape(m.Extra) // map keys come out sorted
		if err != nil {
			return nil, err
		}
		b = append(append(b[:len(b)-1], ','), extra[1:]...)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// marshalNoEscape is json.Marshal without HTML escaping: '<', '>' and '&'
// stay as they are, as Python's json module writes them.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// NaturalKeyColumnName returns the configured natural-key column name.
func (t SQLTarget) NaturalKeyColumnName() string {
	if t.NaturalKeyColumn == nil || *t.NaturalKeyColumn == "" {
		return "natural_key"
	}
	return *t.NaturalKeyColumn
}

// HashColumnName returns the configured hash column name.
func (t SQLTarget) HashColumnName() string {
	if t.HashColumn == nil || *t.HashColumn == "" {
		return "content_sha256"
	}
	return *t.HashColumn
}
