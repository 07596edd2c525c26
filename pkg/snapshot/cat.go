package snapshot

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// CatOptions filters Cat. Zero values filter nothing.
type CatOptions struct {
	// Since keeps records observed at or after it.
	Since time.Time
	// Until keeps records observed before it.
	Until time.Time
	// Key keeps records whose index key (source_system|entity_type|
	// natural_key) is Key. For Key, Since and Until the index names the
	// chunks to read; the records themselves decide.
	Key string
	// Log receives debug messages.
	Log *slog.Logger
}

// Cat streams the records of the pack in dir to out: chunk files in pack
// order (folder, then chunk number), lines in file order, each line as the
// chunk holds it. Counters: chunks (files read), written.
func Cat(ctx context.Context, dir string, out io.Writer, opts CatOptions) (*xr.Stats, error) {
	st := xr.NewStats("chunks", "written")
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := checkPack(dir); err != nil {
		return st, err
	}
	l, err := listChunks(dir)
	if err != nil {
		return st, err
	}
	chunks := l.chunks
	if opts.Key != "" || !opts.Since.IsZero() || !opts.Until.IsZero() {
		if chunks, err = chunksMatching(dir, l.chunks, func(e IndexEntry) bool { return opts.keeps(e) }); err != nil {
			return st, err
		}
		opts.Log.Debug("chunks the index names", "count", len(chunks))
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if opts.Key == "" && opts.Since.IsZero() && opts.Until.IsZero() {
		err = catRaw(ctx, dir, chunks, bw, st)
	} else {
		err = catFiltered(ctx, dir, chunks, bw, st, opts)
	}
	if err != nil {
		return st, err
	}
	return st, bw.Flush()
}

var bom = []byte("\xef\xbb\xbf")

// catRaw copies whole chunk files, counting their lines. A UTF-8 BOM at the
// start of a chunk is not part of its first line (verify and the filtered
// cat read past it), so it is left out: in the middle of the stream the
// next stage would refuse it.
func catRaw(ctx context.Context, dir string, chunks []Chunk, bw *bufio.Writer, st *xr.Stats) error {
	buf := make([]byte, 256<<10)
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(c.Rel)))
		if err != nil {
			return err
		}
		st.Inc("chunks")
		last := byte('\n')
		for first := true; ; first = false {
			n, rerr := f.Read(buf)
			b := buf[:n]
			if first {
				b = bytes.TrimPrefix(b, bom)
			}
			if len(b) > 0 {
				st.Add("written", int64(bytes.Count(b, []byte{'\n'})))
				last = b[len(b)-1]
				if _, err := bw.Write(b); err != nil {
					f.Close()
					return err
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				f.Close()
				return rerr
			}
		}
		f.Close()
		if last != '\n' { // a last line without its line end
			st.Inc("written")
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
		}
	}
	return nil
}

func catFiltered(ctx context.Context, dir string, chunks []Chunk, bw *bufio.Writer, st *xr.Stats, opts CatOptions) error {
	var rec envelope.Record
	for _, c := range chunks {
		st.Inc("chunks")
		err := scanChunk(ctx, dir, c, func(n int, line []byte) error {
			rec = envelope.Record{Extra: rec.Extra[:0]}
			if err := envelope.Parse(&rec, line, true); err != nil {
				return errors.New(c.Rel + ": " + err.Error())
			}
			if opts.Key != "" && rec.Key() != opts.Key {
				return nil
			}
			if t, ok := rec.ObservedAt(); !opts.inTime(t, ok) {
				return nil
			}
			st.Inc("written")
			if _, err := bw.Write(line); err != nil {
				return err
			}
			return bw.WriteByte('\n')
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// inTime reports whether an observation time passes --since/--until.
func (o *CatOptions) inTime(t time.Time, ok bool) bool {
	if o.Since.IsZero() && o.Until.IsZero() {
		return true
	}
	return ok && (o.Since.IsZero() || !t.Before(o.Since)) && (o.Until.IsZero() || t.Before(o.Until))
}

// keeps reports whether an index entry may name a record the filters
// keep (an entry whose t does not parse may).
func (o *CatOptions) keeps(e IndexEntry) bool {
	if o.Key != "" && e.Key != o.Key {
		return false
	}
	if o.Since.IsZero() && o.Until.IsZero() {
		return true
	}
	t, err := envelope.ParseTime(e.Time)
	return err != nil || o.inTime(t, true)
}

// chunksMatching keeps the chunks that the index says hold a record
// match accepts. When the index is missing, has a bad line or does not
// cover every chunk (an interrupted write), all chunks are kept, so a
// lagging index never hides a record.
func chunksMatching(dir string, chunks []Chunk, match func(IndexEntry) bool) ([]Chunk, error) {
	f, err := os.Open(filepath.Join(dir, IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return chunks, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	indexed := map[string]bool{} // f → holds a match
	err = ReadIndex(f, func(_ int, e IndexEntry) error {
		indexed[e.File] = indexed[e.File] || match(e)
		return nil
	}, func(*IndexLineError) error { return errIndexUnusable })
	if errors.Is(err, errIndexUnusable) {
		return chunks, nil
	}
	if err != nil {
		return nil, err
	}
	var keep []Chunk
	for _, c := range chunks {
		has, ok := indexed[c.Rel]
		if !ok {
			return chunks, nil
		}
		if has {
			keep = append(keep, c)
		}
	}
	return keep, nil
}

var errIndexUnusable = errors.New("index unusable")
