package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/decompress"
	"github.com/xr-lake/xr/pkg/diff"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// DefaultBatch is xr-sqlload's default --batch (rows per transaction),
// chosen by measurement on the bench corpus (see docs/sql.md).
const DefaultBatch = 500

// maxBatchBytes caps a batch's payload bytes, so memory stays flat with
// large records whatever --batch says.
const maxBatchBytes = 32 << 20

// LoadOptions configures Load.
type LoadOptions struct {
	DB       string              // --db ("" = resolve from the environment)
	DBFrom   string              // what gave DB, for the database line ("" = --db)
	Getenv   func(string) string // os.Getenv in the command; nil = no environment
	Manifest *manifest.Manifest  // sql_target; nil = defaults
	Batch    int                 // rows per transaction (<= 0: DefaultBatch)
	DryRun   bool                // report would-be counts, change nothing
	NoCreate bool                // fail instead of creating a missing table
	// Conflict is the strategy the write enforces on a row whose natural
	// key is stored with another hash (see casMode); the zero value is
	// prefer_newest. Fail stops the load at such a row.
	Conflict diff.Strategy
	// Conflicts, if set, gets one line per declined row, in xr-diff's
	// conflicts-log form (existing_from "table").
	Conflicts io.Writer
	MaxLine   int
	Reject    xr.RejectFunc
	// LockTimeout: how long a statement waits for a lock another session
	// holds (0: DefaultLockTimeout; negative: no limit).
	LockTimeout time.Duration
	// Diag gets the lines for stderr: Note the database used and notes
	// about it, Warn a wait for a lock (after a second).
	Diag xr.Diag
	Log  *slog.Logger

	// failBatch, when set (tests), is called after a batch's statements
	// ran and before its commit; an error aborts that batch.
	failBatch func(n int) error
	// started, when set (tests), is called once the table is ready,
	// before the first batch.
	started func()
}

// row is one record ready for the table.
type row struct {
	id, typ, src, ent string
	nk                string
	hasNK             bool
	observed          time.Time
	hash              string
	payload           string
	schemaVersion     int64
	line              int // input line number, for error messages
}

func rowFrom(rec *envelope.Record, line []byte, h *contenthash.Hasher) (row, error) {
	fail := func(f envelope.Field, format string, args ...any) (row, error) {
		return row{}, &envelope.LineError{Line: rec.Line, Field: f.String(), Err: fmt.Errorf(format, args...)}
	}
	if rec.ID() == "" {
		return fail(envelope.ExchangeID, "missing (run xr-canon first)")
	}
	obs, ok := rec.ObservedAt()
	if !ok {
		return fail(envelope.ObservedAt, "missing (run xr-canon first)")
	}
	if err := h.Verify(rec); err != nil {
		var me *contenthash.MismatchError
		if !errors.As(err, &me) && !errors.Is(err, contenthash.ErrNoHash) {
			// the payloads are validated here, by canonicalization (the
			// reader only delimits them): the error names its field
			return row{}, &envelope.LineError{Line: rec.Line, Err: err}
		}
		return fail(envelope.ContentSHA256, "%s", strings.TrimPrefix(err.Error(), "content_sha256 "))
	}
	sv := int64(1)
	if v := rec.Raw(envelope.SchemaVersion); v != nil {
		sv, _ = strconv.ParseInt(string(v), 10, 64)
	}
	return row{
		id: strings.ToLower(rec.ID()), typ: rec.Str(envelope.ExchangeType),
		src: rec.Str(envelope.SourceSystem), ent: rec.Str(envelope.EntityType),
		nk: rec.NaturalKeyText(), hasNK: rec.HasNaturalKey(),
		observed: obs.UTC(), hash: rec.Hash(), payload: string(line), schemaVersion: sv,
		line: rec.Line,
	}, nil
}

// refusal is a row of a batch that the table's contents refuse.
type refusal struct {
	r   *row
	err error
}

// storedID is the record the table holds under an exchange_id.
type storedID struct {
	src, ent, hash string
	nk             *string
}

// idClash refuses r (whose hash is not stored: not unchanged) when its
// exchange_id is stored for another record, s: unless s is the row that
// r's natural key replaces, writing r would give two rows one
// exchange_id (the primary key). The table holds the current record per
// natural key and one record per exchange_id; a reused id with other
// content is the input's error, not the load's.
func idClash(r *row, s storedID) error {
	if r.hasNK && s.nk != nil && *s.nk == r.nk && s.src == r.src && s.ent == r.ent {
		return nil
	}
	k := envelope.IndexKey(s.src, s.ent, deref(s.nk))
	return &envelope.LineError{Line: r.line, Field: envelope.ExchangeID.String(),
		Err: fmt.Errorf("%s is already stored for another record (k %q, content_sha256 %s); one exchange_id, one record", r.id, k, s.hash)}
}

// batch collects rows; no two share an id, a hash or a natural key, so
// one set-based statement per batch has the same effect as applying the
// rows one by one.
type batch struct {
	rows  []row
	bytes int
	seen  map[string]struct{}
}

func (b *batch) conflicts(r *row) bool {
	_, a := b.seen["i"+r.id]
	_, h := b.seen["h"+r.hash]
	k := false
	if r.hasNK {
		_, k = b.seen["k"+r.src+"\x00"+r.ent+"\x00"+r.nk]
	}
	return a || h || k
}

func (b *batch) add(r row) {
	b.rows = append(b.rows, r)
	b.bytes += len(r.payload)
	b.seen["i"+r.id] = struct{}{}
	b.seen["h"+r.hash] = struct{}{}
	if r.hasNK {
		b.seen["k"+r.src+"\x00"+r.ent+"\x00"+r.nk] = struct{}{}
	}
}

func (b *batch) reset() {
	clear(b.rows) // drop payload references
	b.rows, b.bytes = b.rows[:0], 0
	clear(b.seen)
}

// Load reads envelopes from in and upserts them into the table, one
// transaction per batch. Counters: read, inserted, updated, unchanged,
// kept_newer (rows the strategy declined: the stored version won) (+
// rejected with a reject sink).
func Load(ctx context.Context, in io.Reader, o LoadOptions) (*xr.Stats, error) {
	st := xr.NewStats(append([]string{"read"}, committedCounters[:]...)...)
	mode := ""
	if o.DryRun {
		mode = ", dry run: nothing is changed"
	}
	t, d, err := resolve(o.DB, o.DBFrom, o.Getenv, o.Manifest, o.Diag.Note, mode)
	if err != nil {
		return st, err
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if rej := o.Reject; rej != nil { // called by the reader and by the writer
		var mu sync.Mutex
		o.Reject = func(line int, raw []byte, err error) error {
			mu.Lock()
			defer mu.Unlock()
			return rej(line, raw, err)
		}
	}
	if o.DryRun && d.Engine == SQLite {
		if _, err := os.Stat(d.Conn); errors.Is(err, os.ErrNotExist) {
			// a dry run leaves no new database file behind
			defer func() {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(d.Conn + suffix)
				}
			}()
		}
	}
	o.LockTimeout = lockLimit(o.LockTimeout)
	e, err := open(ctx, d, t, o.LockTimeout, o.Log)
	if err != nil {
		return st, err
	}
	defer e.close()
	l := &loader{e: e, o: o, st: st}
	what := "table " + t.NameIn(d.Engine)
	err = watched(ctx, e, o.Diag.Warn, what, o.LockTimeout, func() error { return l.start(ctx) })
	var lt *lockTimeoutError
	if errors.As(err, &lt) {
		err = fmt.Errorf("%s: %w", what, err)
	}
	if err != nil {
		return st, err
	}
	if o.started != nil {
		o.started()
	}
	l.confirmed = time.Now()
	err = l.run(ctx, in)
	switch {
	case l.tx != nil: // dry run: the one transaction is never committed
		if rerr := l.tx.rollback(context.WithoutCancel(ctx)); rerr != nil && err == nil {
			err = rerr
		}
	case err == nil:
		err = l.confirm(ctx)
	default:
		// a failed or interrupted load still counts what is durable
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		l.confirm(cctx)
		cancel()
	}
	if err != nil && l.tx == nil {
		st.Add("not_committed", l.uncounted())
	}
	return st, err
}

// uncounted is what was read and neither rejected nor counted as
// committed: after a failure, the records no committed batch holds.
func (l *loader) uncounted() int64 {
	n := l.st.Get("read") - l.st.Get("rejected")
	for _, c := range committedCounters {
		n -= l.st.Get(c)
	}
	return n
}

// confirmEvery is how often a load makes the batches it committed
// durable and counts them (PostgreSQL: one synchronous commit, one WAL
// flush, see pgTx.upsert; the other engines' commits need nothing more).
const confirmEvery = 5 * time.Second

type loader struct {
	e    engine
	o    LoadOptions
	st   *xr.Stats
	tx   loadTx    // the dry run's single transaction
	n    int       // batches done
	lim  colLimits // the table's text lengths, checked before a row joins a batch
	clog []byte    // the conflicts log's line buffer

	// a committed batch counts once the engine confirmed it durable
	// (PostgreSQL commits asynchronously; see engine.durable): pending
	// holds the counts of batches committed since the last confirmation,
	// at confirmed
	pending   [len(committedCounters)]int64
	confirmed time.Time
}

// committedCounters are the counters of what a committed batch did, in
// the summary's order; with "read" and "rejected" they add up to what was
// read, and not_committed (after a failure) is the rest.
var committedCounters = [...]string{"inserted", "updated", "unchanged", "kept_newer"}

// counts is what a batch of n rows did, in committedCounters' order: the
// rows neither written, refused nor declined were unchanged.
func (a *applied) counts(n int) [len(committedCounters)]int64 {
	kept := int64(len(a.declined))
	return [...]int64{a.ins, a.upd, int64(n-len(a.refused)) - kept - a.ins - a.upd, kept}
}

// count adds a batch's counts to pending, to be counted once confirmed
// durable; the dry run's (which commits nothing) go to the counters.
func (l *loader) count(n [len(committedCounters)]int64) {
	for i, v := range n {
		if l.tx == nil {
			l.pending[i] += v
		} else {
			l.st.Add(committedCounters[i], v)
		}
	}
}

// confirm makes every committed batch durable and counts the pending
// ones: so the counters never include a batch that a server crash could
// still take back.
func (l *loader) confirm(ctx context.Context) error {
	if err := retry(ctx, func() error { return l.e.durable(ctx) }); err != nil {
		return err
	}
	for i, n := range committedCounters {
		if l.pending[i] != 0 {
			l.st.Add(n, l.pending[i])
		}
	}
	clear(l.pending[:])
	l.confirmed = time.Now()
	return nil
}

// start makes sure the table exists (in the dry run: inside its
// transaction, so a missing table is created and then rolled back).
func (l *loader) start(ctx context.Context) error {
	if l.o.DryRun {
		tx, err := l.e.begin(ctx)
		if err != nil {
			return err
		}
		l.tx = tx
		return l.prepare(ctx, tx)
	}
	return retry(ctx, func() error {
		tx, err := l.e.begin(ctx)
		if err != nil {
			return err
		}
		if err := l.prepare(ctx, tx); err != nil {
			tx.rollback(context.WithoutCancel(ctx))
			return err
		}
		return tx.commit(ctx)
	})
}

// prepare creates the table if needed and reads its column lengths.
func (l *loader) prepare(ctx context.Context, tx loadTx) error {
	if err := tx.ensure(ctx, !l.o.NoCreate); err != nil {
		return err
	}
	var err error
	l.lim, err = tx.limits(ctx)
	return err
}

// run reads, checks and batches records in one goroutine while the
// caller's goroutine writes the previous batch: hash verification and the
// database's work overlap (the profile showed them about even). At most
// two batches are in memory.
func (l *loader) run(ctx context.Context, in io.Reader) error {
	ready := make(chan *batch, 1)
	free := make(chan *batch, 2)
	for range 2 {
		free <- &batch{seen: map[string]struct{}{}}
	}
	done := make(chan struct{})
	rst := xr.NewStats("read") // the reader's counters: read, rejected
	var rerr error
	go func() {
		defer close(ready)
		rerr = l.read(ctx, in, rst, ready, free, done)
	}()
	var err error
	for b := range ready {
		if err == nil {
			err = l.flush(ctx, b)
			if err != nil {
				close(done) // stop the reader; drain what it sent
			}
		}
		b.reset()
		free <- b
	}
	for _, n := range rst.Names() {
		l.st.Add(n, rst.Get(n))
	}
	if err != nil {
		return err
	}
	return rerr
}

// errWriterDone ends read when the writer has stopped: its error is the
// one the load reports.
var errWriterDone = errors.New("the writer stopped")

// read parses and verifies records into batches and hands full ones over;
// the last, partial one only at the end of a clean input.
func (l *loader) read(ctx context.Context, in io.Reader, st *xr.Stats, ready, free chan *batch, done chan struct{}) error {
	dr := decompress.NewReader(in) // gzip or zstd input, found by its magic bytes
	defer dr.Close()
	rd := envelope.NewReader(dr, l.o.MaxLine)
	rd.DeferPayloads() // every record's hash is verified, which validates request and response
	var h contenthash.Hasher
	b := <-free
	send := func() bool {
		select {
		case ready <- b:
		case <-done:
			return false
		}
		select {
		case b = <-free:
			return true
		case <-done:
			return false
		}
	}
	err := envelope.ForEach(ctx, rd, st, l.o.Reject, func(rec *envelope.Record) error {
		r, err := rowFrom(rec, rd.Bytes(), &h)
		if err == nil {
			err = l.lim.check(&r)
		}
		if err != nil {
			return err // a *LineError: rejected, or the load stops
		}
		if b.conflicts(&r) || len(b.rows) >= l.o.Batch || b.bytes+len(r.payload) > maxBatchBytes && len(b.rows) > 0 {
			if !send() {
				return errWriterDone
			}
		}
		b.add(r)
		return nil
	})
	switch {
	case err == errWriterDone:
		return nil
	case err != nil:
		return err
	}
	if len(b.rows) > 0 {
		send()
	}
	return ctx.Err()
}

// flush applies one batch in one transaction, retrying transient errors.
func (l *loader) flush(ctx context.Context, b *batch) error {
	if len(b.rows) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var a applied
	var err error
	mode := modeOf(l.o.Conflict)
	// without --rejects a refused record stops the load, and nothing of
	// its batch is committed; so does a declined row under fail
	stop := func() error {
		if len(a.refused) > 0 && l.o.Reject == nil {
			return a.refused[0].err
		}
		if len(a.declined) > 0 && l.o.Conflict == diff.Fail {
			return a.declined[0].conflictErr()
		}
		return nil
	}
	what := fmt.Sprintf("batch %d (input lines %d-%d)", l.n+1, firstLine(b), lastLine(b))
	err = watched(ctx, l.e, l.o.Diag.Warn, what, l.o.LockTimeout, func() error {
		if l.tx != nil {
			var err error
			a, err = l.tx.upsert(ctx, b.rows, mode)
			if err == nil {
				err = stop()
			}
			return err
		}
		return retry(ctx, func() error {
			tx, err := l.e.begin(ctx)
			if err != nil {
				return err
			}
			a, err = tx.upsert(ctx, b.rows, mode)
			if err == nil {
				err = stop()
			}
			if err == nil && l.o.failBatch != nil {
				err = l.o.failBatch(l.n)
			}
			if err == nil {
				err = ctx.Err() // interrupted: commit nothing half-done
			}
			if err != nil {
				tx.rollback(context.WithoutCancel(ctx))
				return err
			}
			return tx.commit(ctx)
		})
	})
	if err != nil {
		if errors.Is(err, xr.ErrConflict) && len(a.declined) > 0 {
			if lerr := l.logConflicts(a.declined[:1], "fail"); lerr != nil {
				err = errors.Join(err, lerr)
			}
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	l.n++
	l.count(a.counts(len(b.rows)))
	if err := l.logConflicts(a.declined, "existing"); err != nil {
		return err
	}
	for _, f := range a.refused {
		if err := xr.RejectOrFail(l.o.Reject, l.st, f.r.line, []byte(f.r.payload), f.err); err != nil {
			return err
		}
	}
	if l.tx == nil && time.Since(l.confirmed) >= confirmEvery {
		if err := l.confirm(ctx); err != nil {
			return fmt.Errorf("after %s: making the batches durable: %w", what, err)
		}
	}
	return nil
}

// logConflicts writes the declined rows to --conflicts, in input order.
func (l *loader) logConflicts(ds []decline, resolution string) error {
	if l.o.Conflicts == nil || len(ds) == 0 {
		return nil
	}
	slices.SortFunc(ds, func(a, b decline) int { return a.r.line - b.r.line })
	for i := range ds {
		l.clog = diff.AppendConflict(l.clog[:0], ds[i].conflict(l.o.Conflict, resolution))
		if _, err := l.o.Conflicts.Write(l.clog); err != nil {
			return fmt.Errorf("--conflicts: %w", err)
		}
	}
	return nil
}

func firstLine(b *batch) int { return b.rows[0].line }
func lastLine(b *batch) int  { return b.rows[len(b.rows)-1].line }

// errNoTable is the error of a load under --no-create into a table that
// is not there, on every engine.
func errNoTable(name string, e Engine) error {
	return fmt.Errorf("table %s does not exist (run without --no-create, or apply `xr-sqlload --ddl --db %s:...`)", name, e)
}
