package archive

import (
	"bytes"
	"fmt"
	"os"
)

// ReadKeyFile reads a passphrase from a key file. The file must not be
// readable or writable by group or others (chmod 600); one trailing newline
// is dropped. The error never contains the key.
func ReadKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s: not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s is accessible by others (mode %04o): run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	if fi.Size() > 64<<10 {
		return nil, fmt.Errorf("key file %s: larger than 64 KiB", path)
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("key file %s is empty", path)
	}
	return b, nil
}
