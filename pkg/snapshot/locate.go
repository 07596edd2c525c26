package snapshot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
)

// Position names a record in a pack: its chunk file (relative to the pack,
// with forward slashes) and its line in that file, from 1.
type Position struct {
	File string
	Line int
}

// String is the file:line form editors and grep understand:
// records/2024/2024-01-16/chunk-0002.ndjson:17.
func (p Position) String() string { return p.File + ":" + strconv.Itoa(p.Line) }

// In is the position with the pack's folder in front, as messages name a
// record: data/snapshots/pages/records/2024/2024-01-16/chunk-0002.ndjson:17.
func (p Position) In(dir string) string {
	return filepath.ToSlash(filepath.Join(dir, p.File)) + ":" + strconv.Itoa(p.Line)
}

var errFound = errors.New("found")

// Locate finds where the pack in dir stores the first record that match
// accepts (match sees the record's index entry: hash, key, exchange_id,
// time, chunk file). It reads index.jsonl for the chunk file, then that
// file for the line; when the index does not name the record (a lagging
// index, or a pack without one) it reads the chunks. It is meant for
// error messages, so the records that are found pay nothing for it. ok
// is false when no record matches.
func Locate(ctx context.Context, dir string, match func(indexline.Entry) bool) (p Position, ok bool, err error) {
	var file string
	if f, err := os.Open(filepath.Join(dir, IndexFile)); err == nil {
		err = indexline.Read(f, func(_ int, e indexline.Entry) error {
			if e.File != "" && match(e) {
				file = e.File
				return errFound
			}
			return nil
		}, func(*indexline.LineError) error { return nil })
		f.Close()
		if err != nil && err != errFound {
			return p, false, err
		}
	}
	l, err := listChunks(dir)
	if err != nil {
		return p, false, err
	}
	// the chunk the index names first, then (a lagging index) the others
	for _, named := range []bool{true, false} {
		for _, c := range l.chunks {
			if (c.Rel == file) != named {
				continue
			}
			if p, ok, err = locateIn(ctx, dir, c, match); ok || err != nil {
				return p, ok, err
			}
		}
	}
	return p, false, nil
}

// locateIn finds the first line of chunk c whose record match accepts.
func locateIn(ctx context.Context, dir string, c Chunk, match func(indexline.Entry) bool) (p Position, ok bool, err error) {
	var rec envelope.Record
	err = scanChunk(ctx, dir, c, func(n int, line []byte) error {
		if parseRecord(&rec, line) != nil {
			return nil
		}
		if e := indexline.For(&rec, c.Rel); match(e) {
			p, ok = Position{File: c.Rel, Line: n}, true
			return errFound
		}
		return nil
	})
	if err == errFound {
		err = nil
	}
	return p, ok, err
}

// ByID matches the record whose exchange_id is id (UUIDs compared without
// regard to case, as the SQL mirror compares them).
func ByID(id string) func(indexline.Entry) bool {
	return func(e indexline.Entry) bool { return e.ID != "" && strings.EqualFold(e.ID, id) }
}

// ByHash matches the record whose content_sha256 is h.
func ByHash(h string) func(indexline.Entry) bool {
	return func(e indexline.Entry) bool { return e.Hash == h }
}
