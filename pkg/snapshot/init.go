package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/xr-lake/xr/pkg/manifest"
)

// Init creates the pack parent/<m.DatasetName>: its manifest.json (never
// replacing one), an empty index.jsonl and records/. It returns the pack
// directory.
func Init(parent string, m *manifest.Manifest) (string, error) {
	name := m.DatasetName
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("dataset name %q: want a plain folder name", name)
	}
	dir := filepath.Join(parent, name)
	b, err := m.Marshal()
	if err != nil {
		return "", err
	}
	if err := mkdirAllSync(filepath.Join(dir, RecordsDir)); err != nil {
		return "", err
	}
	if err := writeAtomic(filepath.Join(dir, ManifestFile), b, 0o644, true); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("%s: manifest exists already; not replacing it", filepath.Join(dir, ManifestFile))
		}
		return "", err
	}
	err = writeAtomic(filepath.Join(dir, IndexFile), nil, 0o644, true)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return dir, nil
}
