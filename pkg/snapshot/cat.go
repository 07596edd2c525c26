package snapshot

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
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
	// Verify checks every record before it goes out: a line that is not
	// a valid envelope, or whose content_sha256 is missing or does not
	// match its content, is an error naming the chunk file and line (a
	// wrong or missing hash wraps xr.ErrMismatch), or goes to Reject.
	Verify bool
	// Reject, with Verify, receives the records that fail it (their line
	// number within the chunk; the error names the chunk).
	Reject xr.RejectFunc
	// MaxLine caps one line with Verify (<= 0: envelope.DefaultMaxLine).
	MaxLine int
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
		if chunks, err = chunksMatching(dir, l.chunks, func(e indexline.Entry) bool { return opts.keeps(e) }); err != nil {
			return st, err
		}
		opts.Log.Debug("chunks the index names", "count", len(chunks))
	}
	meterChunks(ctx, dir, chunks)
	bw := bufio.NewWriterSize(out, 64<<10)
	switch {
	case opts.Verify:
		err = catVerified(ctx, dir, chunks, l.chunks, bw, st, opts)
	case opts.Key == "" && opts.Since.IsZero() && opts.Until.IsZero():
		err = catRaw(ctx, dir, chunks, bw, st)
	default:
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
	meter := xr.MeterOf(ctx)
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
				lines := int64(bytes.Count(b, []byte{'\n'}))
				st.Add("written", lines)
				meter.Add(int64(n), lines)
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
			if err := parseChunkLine(&rec, line); err != nil {
				return errors.New(c.Rel + ": " + err.Error())
			}
			if opts.Key != "" && rec.Key() != opts.Key {
				return nil
			}
			if t, ok := rec.ObservedAt(); !opts.inTime(t, ok) {
				return nil
			}
			return emit(bw, st, line)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// catVerified streams the records that verify (as xr-pack verify checks
// a chunk line: a valid envelope whose content_sha256 matches its
// content), parsing and hashing on every core, in pack order. The first
// record that does not verify stops it, named by chunk file and line,
// unless opts.Reject takes it. As verify does, it notes in the pack's
// ledger which of the chunks (of all, the pack's) hold secrets, so that
// counting them afterwards reads no chunk again.
func catVerified(ctx context.Context, dir string, chunks, all []Chunk, bw *bufio.Writer, st *xr.Stats, opts CatOptions) error {
	st.Add("chunks", int64(len(chunks)))
	filtered := opts.Key != "" || !opts.Since.IsZero() || !opts.Until.IsZero()
	work, secrets := secretsAlong(dir, chunks, verifyWork, true)
	err := scanChunkLines(ctx, dir, chunks, opts.MaxLine, work, func(rel string, it *item, line []byte) error {
		if secrets != nil {
			secrets.add(rel, it.secret)
		}
		if it.err != nil {
			err := chunkLineError(rel, it)
			if opts.Reject == nil {
				return err
			}
			st.Inc("rejected")
			return opts.Reject(it.n, line, err)
		}
		if filtered && !opts.keepsRecord(it.e) {
			return nil
		}
		return emit(bw, st, line)
	})
	if err == nil && secrets != nil {
		secrets.done(all)
	}
	return err
}

// emit writes one record line out, counted as written.
func emit(bw *bufio.Writer, st *xr.Stats, line []byte) error {
	st.Inc("written")
	if _, err := bw.Write(line); err != nil {
		return err
	}
	return bw.WriteByte('\n')
}

// chunkLineError names the chunk file and line of a record that does not
// verify: "records/…/chunk-0002.ndjson:17: content_sha256 …". A wrong or
// missing hash wraps xr.ErrMismatch (exit 4); a line that is not an
// envelope is bad input (exit 1).
func chunkLineError(rel string, it *item) error {
	at := fmt.Sprintf("%s:%d: ", rel, it.n)
	var me *contenthash.MismatchError
	switch {
	case errors.As(it.err, &me):
		return &chunkLineErr{at + fmt.Sprintf("content_sha256 does not match its content (stored %s, computed %s; changed after it was written)",
			me.Stored, me.Computed), xr.ErrMismatch}
	case errors.Is(it.err, contenthash.ErrNoHash):
		return &chunkLineErr{at + "content_sha256 missing (every pack record carries its hash)", xr.ErrMismatch}
	}
	return &chunkLineErr{at + trimLinePrefix(it.err), it.err}
}

// chunkLineErr is a chunk line that does not verify: its message, and the
// error it matches (xr.ErrMismatch for a hash: exit 4).
type chunkLineErr struct {
	msg string
	err error
}

func (e *chunkLineErr) Error() string { return e.msg }
func (e *chunkLineErr) Unwrap() error { return e.err }

// keepsRecord reports whether a record (its index entry) passes the filters.
func (o *CatOptions) keepsRecord(e indexline.Entry) bool {
	if o.Key != "" && e.Key != o.Key {
		return false
	}
	t, err := envelope.ParseTime(e.Time)
	return o.inTime(t, err == nil && e.Time != "")
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
func (o *CatOptions) keeps(e indexline.Entry) bool {
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
func chunksMatching(dir string, chunks []Chunk, match func(indexline.Entry) bool) ([]Chunk, error) {
	f, err := os.Open(filepath.Join(dir, IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return chunks, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	indexed := map[string]bool{} // f → holds a match
	err = indexline.Read(f, func(_ int, e indexline.Entry) error {
		indexed[e.File] = indexed[e.File] || match(e)
		return nil
	}, func(*indexline.LineError) error { return errIndexUnusable })
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
