package snapshot

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/decompress"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/redact"
	"github.com/xr-lake/xr/pkg/xr"
)

// WriteOptions configures Write.
type WriteOptions struct {
	// ChunkSize is the most records per chunk file (default 1000).
	ChunkSize int
	// ChunkBytes caps a chunk's size in bytes (default 64 MiB); a record
	// larger than the cap gets a chunk of its own.
	ChunkBytes int64
	// MaxLine caps one input line (default envelope.DefaultMaxLine).
	MaxLine int
	// Reject receives bad input lines; nil: a bad line stops the write.
	Reject xr.RejectFunc
	// Log receives debug messages.
	Log *slog.Logger
	// Diag gets a Warn line when Write repairs what an interrupted
	// writer left (temporary files, a lagging index).
	Diag xr.Diag
	// CommitEvery and CommitBytes bound what a write holds uncommitted: at
	// least every CommitEvery (default 5 s), and whenever the open chunks
	// hold CommitBytes (default 512 MiB), every open chunk is committed as
	// it is, whatever the order of days in the input.
	CommitEvery time.Duration
	CommitBytes int64
}

// Defaults of WriteOptions.
const (
	DefaultChunkSize   = 1000
	DefaultChunkBytes  = 64 << 20
	DefaultCommitEvery = 5 * time.Second
	DefaultCommitBytes = 512 << 20
	// maxOpenChunks bounds the chunks (one per UTC day) open at once; the
	// least recently used one is closed when a new day needs a chunk.
	maxOpenChunks = 64
)

// Write appends the envelopes read from in to the pack in dir; see the
// package documentation for the guarantees. Counters: read, written,
// skipped (already in the pack, by content_sha256), and rejected with
// opts.Reject.
//
// When Write stops early (a bad line without opts.Reject, or ctx
// cancelled) the records before that point that reached the writer (input
// is read in batches) are committed in whole chunks; rerunning the same
// input skips them as duplicates.
func Write(ctx context.Context, dir string, in io.Reader, opts WriteOptions) (*xr.Stats, error) {
	st := xr.NewStats("read", "written", "skipped", "redacted")
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = DefaultChunkSize
	}
	if opts.ChunkBytes <= 0 {
		opts.ChunkBytes = DefaultChunkBytes
	}
	if opts.CommitEvery <= 0 {
		opts.CommitEvery = DefaultCommitEvery
	}
	if opts.CommitBytes <= 0 {
		opts.CommitBytes = DefaultCommitBytes
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := checkPack(dir); err != nil {
		return st, err
	}
	lk, l, err := lockRewrite(dir)
	if err != nil {
		return st, err
	}
	defer lk.unlock()
	w := &writer{dir: dir, opts: opts, st: st, open: map[string]*openChunk{}, seen: map[[32]byte]struct{}{}, ids: map[[16]byte][32]byte{}}
	var policy string
	if w.redactor, policy, err = packPolicy(dir); err != nil {
		return st, err
	}
	if w.redactor != nil { // the chunks it writes hold no secret: tell the readers
		w.ledger = loadLedger(dir, policy)
		defer func() { w.ledger.save(dir, nil) }()
	}
	if len(l.temps) > 0 {
		w.notice(fmt.Sprintf("removing %d temporary files of an interrupted write", len(l.temps)))
	}
	if err := w.prepare(ctx, l); err != nil {
		return st, err
	}
	defer w.index.Close()
	w.queue, w.committed = make(chan *openChunk, 2), make(chan struct{})
	go w.commitLoop()
	defer w.countCommitted()
	err = w.run(ctx, in)
	if err != nil && !isInputStop(err) {
		w.abortAll()
		return st, err
	}
	if ferr := w.finishAll(); ferr != nil {
		return st, ferr
	}
	if cerr := w.index.Close(); err == nil && cerr != nil {
		return st, cerr
	}
	return st, err
}

// countCommitted sets "written" to the records committed, and counts the
// rest of those accepted as "not committed" (after a failure, such as a
// full disk): the counters say what is in the pack, not what was tried.
func (w *writer) countCommitted() {
	done := w.committedRecs.Load()
	w.st.Add("written", done-w.st.Get("written"))
	if n := w.accepted - done; n > 0 {
		w.st.Add("not_committed", n)
	}
}

// isInputStop tells errors after which the records already read are still
// committed: bad input and interruption (not I/O failures of the pack).
func isInputStop(err error) bool {
	var le *envelope.LineError
	return errors.As(err, &le) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

type writer struct {
	dir   string
	opts  WriteOptions
	st    *xr.Stats
	index *os.File
	next  int // next chunk number
	open  map[string]*openChunk
	clock int64
	seen  map[[32]byte]struct{}
	ids   map[[16]byte][32]byte // exchange_id → content_sha256
	// redactor applies the pack's redaction policy (nil: off); ledger
	// notes the chunks written as holding no secret
	redactor *redact.Redactor
	ledger   *ledger

	// the committer: full chunks go through queue; err is its first failure
	queue     chan *openChunk
	committed chan struct{}
	mu        sync.Mutex
	err       error

	accepted      int64        // records added to chunks
	committedRecs atomic.Int64 // records in chunks the committer made durable
	openBytes     int64        // bytes in the open chunks
}

type openChunk struct {
	day     string
	num     int
	rel     string
	a       *AtomicFile
	n       int
	size    int64
	idx     []byte // index lines, appended once the chunk is durable
	lastUse int64
}

// prepare loads the hashes of the pack (its chunks l) and makes sure the
// index agrees with the chunks before anything is added: an interrupted
// writer can leave a chunk whose index lines are missing or cut short.
// Then the index is rebuilt (under our lock) first.
func (w *writer) prepare(ctx context.Context, l *listing) error {
	w.next = l.maxNum + 1
	ok, err := w.loadIndex(l)
	if err != nil {
		return err
	}
	_, perr := os.Stat(filepath.Join(w.dir, RedactPendingFile))
	switch {
	case perr == nil: // the index may name the old hashes of rewritten chunks
		ok = false
		w.notice("an interrupted xr-pack redact may have left " + IndexFile + " behind the chunks; rebuilding it first (rerun xr-pack redact " + w.dir + " to finish scrubbing)")
	case !ok:
		w.notice(IndexFile + " did not match the chunks (an interrupted write?); rebuilding it first")
	}
	if !ok {
		clear(w.seen)
		clear(w.ids)
		_, err := rebuildLocked(ctx, w.dir, l, w.rememberEntry, nil)
		if err != nil && !errors.Is(err, xr.ErrMismatch) {
			return fmt.Errorf("rebuilding the index: %w", err)
		}
	}
	path := filepath.Join(w.dir, IndexFile)
	_, statErr := os.Stat(path)
	if w.index, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
		return err
	}
	if statErr != nil {
		return syncDir(w.dir)
	}
	return nil
}

func (w *writer) notice(msg string) {
	w.opts.Log.Warn(msg)
	w.opts.Diag.Warn(msg)
}

// loadIndex reads the hashes of index.jsonl and reports whether the index
// is in step with the chunks: every line parses, the file ends with a line
// end, every chunk has index lines, and the last chunk indexed has as many
// index lines as records (the writer appends index lines chunk by chunk,
// so only the last one can be short).
func (w *writer) loadIndex(l *listing) (bool, error) {
	f, err := os.Open(filepath.Join(w.dir, IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return len(l.chunks) == 0, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	ok := true
	perFile := map[string]int{}
	last := ""
	err = indexline.Read(f, func(_ int, e indexline.Entry) error {
		w.rememberEntry(e)
		if e.File != last {
			last = e.File
		}
		perFile[e.File]++
		return nil
	}, func(*indexline.LineError) error { ok = false; return nil })
	if err != nil {
		return false, err
	}
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		b := []byte{0}
		if _, err := f.ReadAt(b, fi.Size()-1); err != nil || b[0] != '\n' {
			ok = false
		}
	}
	for _, c := range l.chunks {
		// a chunk without index lines is a lagging index, unless the
		// chunk holds no record (empty or blank lines: nothing to index)
		if ok && perFile[c.Rel] == 0 {
			n, err := countRecords(filepath.Join(w.dir, filepath.FromSlash(c.Rel)))
			ok = err == nil && n == 0
		}
	}
	if ok && last != "" {
		n, err := countRecords(filepath.Join(w.dir, filepath.FromSlash(last)))
		if err == nil && n != perFile[last] {
			ok = false
		}
	}
	return ok, nil
}

// has reports whether the record is in the pack already: its content, or
// (for a record redacted on the way in) its content as it came in, which
// a pack written before its policy was on may hold.
func (w *writer) has(it *item) bool {
	_, dup := w.seen[it.h]
	if !dup && it.h0 != it.h {
		_, dup = w.seen[it.h0]
	}
	return dup
}

// rememberID records that the pack holds exchange_id id with content h.
func (w *writer) rememberID(id string, h [32]byte) {
	if id != "" {
		w.ids[idKey(id)] = h
	}
}

// checkID refuses a record whose exchange_id the pack already holds with
// other content: one exchange_id names one record.
func (w *writer) checkID(it *item) error {
	if it.e.ID == "" {
		return nil
	}
	h, ok := w.ids[idKey(it.e.ID)]
	if !ok || h == it.h {
		return nil
	}
	return &envelope.LineError{Line: it.n, Field: envelope.ExchangeID.String(),
		Err: fmt.Errorf("%s is already in the pack with other content (content_sha256 %x); one exchange_id names one record", it.e.ID, h)}
}

// rememberEntry adds an index entry's hash to the set of hashes in the
// pack, and its exchange_id.
func (w *writer) rememberEntry(e indexline.Entry) {
	var k [32]byte
	if _, err := hex.Decode(k[:], []byte(e.Hash)); err != nil || len(e.Hash) != 64 {
		return
	}
	w.seen[k] = struct{}{}
	w.rememberID(e.ID, k)
}

// add writes one record line into the open chunk of its day.
func (w *writer) add(day string, line []byte, e indexline.Entry) error {
	c := w.open[day]
	if c != nil && (c.n >= w.opts.ChunkSize || c.n > 0 && c.size+int64(len(line))+1 > w.opts.ChunkBytes) {
		if err := w.finish(c); err != nil {
			return err
		}
		c = nil
	}
	if c == nil {
		var err error
		if c, err = w.newChunk(day); err != nil {
			return err
		}
	}
	w.clock++
	c.lastUse = w.clock
	if _, err := c.a.Write(line); err != nil {
		return err
	}
	if err := c.a.WriteByte('\n'); err != nil {
		return err
	}
	c.n++
	c.size += int64(len(line)) + 1
	w.openBytes += int64(len(line)) + 1
	w.accepted++
	e.File = c.rel
	c.idx = indexline.Append(c.idx, e)
	if w.openBytes >= w.opts.CommitBytes {
		return w.commitOpen()
	}
	return nil
}

func (w *writer) newChunk(day string) (*openChunk, error) {
	if len(w.open) >= maxOpenChunks {
		var lru *openChunk
		for _, c := range w.open {
			if lru == nil || c.lastUse < lru.lastUse {
				lru = c
			}
		}
		if err := w.finish(lru); err != nil {
			return nil, err
		}
	}
	rel := chunkRel(day, w.next)
	w.next++
	path := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := mkdirAllSync(filepath.Dir(path)); err != nil {
		return nil, err
	}
	a, err := CreateAtomic(path, 0o644)
	if err != nil {
		return nil, err
	}
	c := &openChunk{day: day, num: w.next - 1, rel: rel, a: a}
	w.open[day] = c
	w.opts.Log.Debug("chunk opened", "f", rel)
	return c, nil
}

// finish hands a full chunk to the committer, which makes it durable
// while the writer goes on with the next records.
func (w *writer) finish(c *openChunk) error {
	delete(w.open, c.day)
	w.openBytes -= c.size
	if err := w.commitErr(); err != nil {
		c.a.Abort()
		return err
	}
	w.queue <- c
	return nil
}

// commitLoop commits the chunks handed over, in order: the chunk under its
// final name and fsynced, then its index lines appended and fsynced. After
// a crash the index can only lack lines, never name a chunk that is not
// there. After the first failure it drops what comes.
func (w *writer) commitLoop() {
	defer close(w.committed)
	for c := range w.queue {
		if w.commitErr() != nil {
			c.a.Abort()
			continue
		}
		if err := w.commit(c); err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
		}
	}
}

func (w *writer) commit(c *openChunk) error {
	if err := commitFault(c.rel); err != nil {
		c.a.Abort()
		return err
	}
	if err := c.a.Commit(true); err != nil {
		return err
	}
	// in the pack from here on: the index is derived, and the next writer
	// (or index --rebuild) restores lines an error below leaves out
	w.committedRecs.Add(int64(c.n))
	if _, err := w.index.Write(c.idx); err != nil {
		return err
	}
	if err := w.index.Sync(); err != nil {
		return err
	}
	if w.ledger != nil {
		w.ledger.stampClean(w.dir, []Chunk{{Rel: c.rel}})
	}
	w.opts.Log.Debug("chunk written", "f", c.rel, "records", c.n)
	return nil
}

// commitFault lets tests make a chunk's commit fail (a full disk where no
// small file system can be mounted).
var commitFault = func(rel string) error { return nil }

func (w *writer) commitErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// commitOpen hands every open chunk to the committer as it is, in
// chunk-number order, so that a write whose chunks fill slowly (days
// interleaved) still commits what it has; the next records of those days
// start new chunks.
func (w *writer) commitOpen() error {
	cs := make([]*openChunk, 0, len(w.open))
	for _, c := range w.open {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b *openChunk) int { return a.num - b.num })
	for _, c := range cs {
		if err := w.finish(c); err != nil {
			return err
		}
	}
	return nil
}

// finishAll commits the open chunks and waits for the committer.
func (w *writer) finishAll() error {
	w.commitOpen() // a failure is reported below; the rest is dropped
	w.abortAll()
	return w.commitErr()
}

// abortAll drops the open chunks; what the committer has is committed.
func (w *writer) abortAll() {
	for _, c := range w.open {
		c.a.Abort()
	}
	clear(w.open)
	close(w.queue)
	<-w.committed
}

// writeWork parses and checks one input record of Write, and redacts it
// with r (nil: the pack's policy is off).
func writeWork(r *redact.Redactor) workFunc {
	return func(w *worker, line []byte, it *item) {
		var err error
		if err = parseRecord(&w.rec, line); err != nil {
			var le *envelope.LineError
			if errors.As(err, &le) {
				le.Line = it.n
			}
			it.err = err
			return
		}
		w.rec.Line = it.n
		t, err := checkRecord(&w.hash, &w.rec) // also validates the payloads parseRecord only delimited
		if err != nil {
			it.err = err
			return
		}
		it.e = indexline.For(&w.rec, "")
		it.day = string(t.UTC().AppendFormat(w.day[:0], "2006-01-02"))
		decodeHash(&it.h, w.rec.Hash())
		it.h0 = it.h
		if err := redactItem(r, w, it); err != nil {
			it.err = &envelope.LineError{Line: it.n, Err: err}
		}
	}
}

// decodeHash decodes a verified content_sha256.
func decodeHash(dst *[32]byte, h string) { hex.Decode(dst[:], []byte(h)) }

// checkRecord refuses records that cannot go into a pack: no
// observed_at_utc, or a content_sha256 that is missing or wrong.
func checkRecord(h *contenthash.Hasher, rec *envelope.Record) (time.Time, error) {
	t, ok := rec.ObservedAt()
	if !ok {
		return t, &envelope.LineError{Line: rec.Line, Field: envelope.ObservedAt.String(), Err: errors.New("missing (run xr-canon first)")}
	}
	if err := h.Verify(rec); err != nil {
		// plain text: a refused record is bad input (exit 1), not a
		// verification result (exit 4)
		return t, &envelope.LineError{Line: rec.Line, Err: errors.New(err.Error())}
	}
	return t, nil
}

// run stores the records of the input in order.
func (w *writer) run(ctx context.Context, in io.Reader) error {
	dr := decompress.NewReader(in) // gzip or zstd input, found by its magic bytes
	defer dr.Close()
	p := startPipeline(oneSource(dr), w.opts.MaxLine, writeWork(w.redactor), true)
	defer p.close()
	tick := time.NewTicker(w.opts.CommitEvery)
	defer tick.Stop()
	for {
		b, err := p.takeOr(ctx, tick.C)
		if errors.Is(err, errWake) {
			if err := w.commitOpen(); err != nil {
				return err
			}
			continue
		}
		if b == nil {
			return err
		}
		select {
		case <-tick.C: // the input is busy: commit on time all the same
			if err := w.commitOpen(); err != nil {
				return err
			}
		default:
		}
		for i := range b.items {
			it := &b.items[i]
			w.st.Inc("read")
			if it.err != nil {
				if err := xr.RejectOrFail(w.opts.Reject, w.st, it.n, b.line(it), it.err); err != nil {
					return err
				}
				continue
			}
			if w.has(it) {
				w.st.Inc("skipped")
				continue
			}
			if err := w.checkID(it); err != nil {
				if err := xr.RejectOrFail(w.opts.Reject, w.st, it.n, b.line(it), err); err != nil {
					return err
				}
				continue
			}
			if err := w.add(it.day, b.stored(it), it.e); err != nil {
				return err
			}
			w.seen[it.h] = struct{}{}
			w.rememberID(it.e.ID, it.h)
			if it.line != nil {
				w.st.Inc("redacted")
			}
		}
		if b.readErr != nil && b.readErr != io.EOF {
			return b.readErr
		}
		p.recycle(b)
	}
}
