package archive

import (
	"context"
	"fmt"
	"github.com/xr-lake/xr/pkg/snapshot"
	"io"
	"strings"
)

// Chunks streams the record chunks of the archive at path to fn, one
// chunk member at a time in the archive's order, without writing to disk:
// the archive is opened as Check opens it (format by content, decryption
// with o.Key, the size and ratio caps against decompression bombs, member
// paths and types refused as Extract refuses them), and nothing else of it
// is checked. manifest, when not nil, receives the pack's manifest.json if
// the archive holds it (ours hold it before the records). fn must read r
// to its end or return an error.
func Chunks(ctx context.Context, path string, o ReadOptions, manifest func([]byte) error, fn func(member string, r io.Reader) error) error {
	src, err := open(path, o)
	if err != nil {
		return err
	}
	defer src.close()
	w := newWalker(ctx, src, o, false)
	return src.walk(func(m *member) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, err := cleanMember(m.name)
		if err != nil {
			return err
		}
		rel := name
		if i := strings.IndexByte(name, '/'); i >= 0 && !strings.HasPrefix(name, "records/") {
			rel = name[i+1:]
		}
		if !m.mode.IsRegular() || !snapshot.IsChunk(rel) {
			if m.mode.IsRegular() && rel == "manifest.json" && manifest != nil {
				var b limitedBuffer
				if _, err := io.Copy(io.MultiWriter(&limitWriter{w: w}, &b), ctxReader{ctx, m.r}); err != nil {
					return fmt.Errorf("member %q: %w", m.name, err)
				}
				return manifest(b.b)
			}
			return w.member(m, nil) // checked and skipped
		}
		r := io.TeeReader(ctxReader{ctx, m.r}, &limitWriter{w: w})
		if err := fn(name, r); err != nil {
			return fmt.Errorf("member %q: %w", m.name, err)
		}
		return nil
	})
}
