package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/xr"
)

// RebuildOptions configures Rebuild.
type RebuildOptions struct {
	// Diag gets a Warn line per chunk line that could not be indexed.
	Diag xr.Diag
	// Log receives debug messages.
	Log *slog.Logger
}

// Rebuild regenerates index.jsonl from the chunks, atomically, under the
// pack's exclusive lock, and removes temporary files interrupted writers
// left. Counters: chunks, records, index_entries, bad_lines. A chunk line
// that does not parse cannot be indexed: it is reported through
// opts.Diag, the rest is indexed, and the error wraps xr.ErrMismatch.
func Rebuild(ctx context.Context, dir string, opts RebuildOptions) (*xr.Stats, error) {
	if err := checkPack(dir); err != nil {
		return xr.NewStats("chunks", "records", "index_entries"), err
	}
	lk, l, err := lockRewrite(dir)
	if err != nil {
		return xr.NewStats("chunks", "records", "index_entries"), err
	}
	defer lk.unlock()
	return rebuildLocked(ctx, dir, l, nil, opts.Diag.Warn)
}

// rebuildLocked writes a new index.jsonl for the chunks in l, calling
// onEntry for each entry written. The caller holds the exclusive lock.
func rebuildLocked(ctx context.Context, dir string, l *listing, onEntry func(indexline.Entry), problem func(string)) (*xr.Stats, error) {
	st := xr.NewStats("chunks", "records", "index_entries", "bad_lines")
	a, err := CreateAtomic(filepath.Join(dir, IndexFile), 0o644)
	if err != nil {
		return st, err
	}
	defer a.Abort()
	var buf []byte
	var first error
	st.Add("chunks", int64(len(l.chunks)))
	err = scanChunks(ctx, dir, l.chunks, rebuildWork, func(rel string, it *item) error {
		st.Inc("records")
		if it.err != nil {
			st.Inc("bad_lines")
			msg := fmt.Sprintf("%s: line %d: not indexed: %v", rel, it.n, trimLinePrefix(it.err))
			if first == nil {
				first = errors.New(msg)
			}
			if problem != nil {
				problem(msg)
			}
			return nil
		}
		it.e.File = rel
		buf = indexline.Append(buf[:0], it.e)
		st.Inc("index_entries")
		if onEntry != nil {
			onEntry(it.e)
		}
		_, err := a.Write(buf)
		return err
	})
	if err != nil {
		return st, err
	}
	if err := a.Commit(false); err != nil {
		return st, err
	}
	if n := st.Get("bad_lines"); n > 0 {
		return st, fmt.Errorf("%d chunk lines could not be indexed (first: %v): %w", n, first, xr.ErrMismatch)
	}
	return st, nil
}

// rebuildWork makes the index entry of one chunk line. The line must be
// valid JSON with a content_sha256; the hash is not verified here.
func rebuildWork(w *worker, line []byte, it *item) {
	if err := parseChunkLine(&w.rec, line); err != nil {
		it.err = err
		return
	}
	if !envelope.IsDigest(w.rec.Hash()) {
		it.err = errors.New("content_sha256 missing")
		return
	}
	it.e = indexline.For(&w.rec, "")
}

// scanChunk calls fn with each non-blank line of chunk c and its 1-based
// line number. The line is valid only during the call.
func scanChunk(ctx context.Context, dir string, c Chunk, fn func(n int, line []byte) error) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(c.Rel)))
	if err != nil {
		return err
	}
	defer f.Close()
	rd := envelope.NewReader(xr.MeteredReader(ctx, f), 0)
	for i := 0; ; i++ {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := rd.ReadLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Rel, err)
		}
		if err := fn(rd.LineNumber(), line); err != nil {
			return err
		}
	}
}

// countRecords counts the non-blank lines of a chunk file.
func countRecords(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rd := envelope.NewReader(f, 0)
	n := 0
	for {
		_, err := rd.ReadLine()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// trimLinePrefix drops the "line N: " of an envelope.LineError, for
// messages that name the line themselves.
func trimLinePrefix(err error) string {
	var le *envelope.LineError
	if errors.As(err, &le) {
		if le.Field != "" {
			return le.Field + ": " + le.Err.Error()
		}
		return le.Err.Error()
	}
	return err.Error()
}
