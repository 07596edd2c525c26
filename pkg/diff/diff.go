// Package diff computes the delta between a stream of envelopes and the
// index of the other side (a pack's index.jsonl, or xr-sqldump --index):
// it keeps only the records that must be applied there, resolves
// conflicts (same natural key, different content hash) by the spec's
// strategies, and logs every conflict.
//
// The input is read twice: a first pass classifies every record against
// the index and against the input records before it, exactly as the
// spec's rules applied record by record would, and marks which input line
// (if any) is the final winner of each key; the second pass copies the
// marked lines. So the plan holds one record per changed key, conflicts
// under --conflict fail stop the run before a byte is written, and which
// records are emitted does not depend on the order of the input, except
// where the rules themselves do (ties and prefer_incoming). A seekable
// input file is re-read; a pipe is spooled to a temporary file.
//
// The index is held compactly (see Index): binary hashes, hashed keys,
// about 58 bytes an entry.
package diff

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// Strategy resolves a conflict: an incoming record whose natural key the
// other side holds with a different content hash.
type Strategy int

const (
	// PreferNewest keeps the record with the later observed_at_utc; a tie
	// (equal instants, or neither has a timestamp) goes to the JSON side,
	// as the reference's `json_time >= sql_time` decides: the incoming
	// record when it is the pack's (Options.IncomingSQL false), else the
	// existing one. A missing timestamp is older than any real one.
	PreferNewest Strategy = iota
	// PreferIncoming always applies the incoming record.
	PreferIncoming
	// PreferExisting always keeps the other side's record.
	PreferExisting
	// Fail stops at the first conflict (xr.ErrConflict).
	Fail
)

func (s Strategy) String() string {
	return [...]string{"prefer_newest", "prefer_incoming", "prefer_existing", "fail"}[s]
}

// ParseStrategy reads a --conflict value. prefer_json and prefer_sql, the
// spec's names, depend on which side the input comes from: incoming is
// "json" (the pack is being imported into SQL, the default) or "sql".
func ParseStrategy(s, incoming string) (Strategy, error) {
	if incoming != "json" && incoming != "sql" {
		return 0, xr.Usagef("--incoming: want json or sql, not %q", incoming)
	}
	switch s {
	case "prefer_newest", "":
		return PreferNewest, nil
	case "prefer_incoming":
		return PreferIncoming, nil
	case "prefer_existing":
		return PreferExisting, nil
	case "fail":
		return Fail, nil
	case "prefer_json":
		if incoming == "json" {
			return PreferIncoming, nil
		}
		return PreferExisting, nil
	case "prefer_sql":
		if incoming == "sql" {
			return PreferIncoming, nil
		}
		return PreferExisting, nil
	}
	return 0, xr.Usagef("--conflict: want prefer_newest, prefer_json, prefer_sql, prefer_incoming, prefer_existing or fail, not %q", s)
}

// ParseShard reads a --shard value "I/N" (0 <= I < N).
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	var sh Shard
	if n, err := fmt.Sscanf(s, "%d/%d", &sh.I, &sh.N); n != 2 || err != nil || sh.N < 1 || sh.I < 0 || sh.I >= sh.N ||
		fmt.Sprintf("%d/%d", sh.I, sh.N) != s {
		return Shard{}, xr.Usagef("--shard: want I/N with 0 <= I < N, not %q", s)
	}
	return sh, nil
}

// Options configure Run.
type Options struct {
	// Against names the index: an index file, a pack folder (its
	// index.jsonl), or a /dev/fd/N of a process substitution.
	Against string
	// Index, when set, is read instead of opening Against (which then
	// only names it in messages): --against - reads the index from stdin.
	Index io.Reader
	// Conflict is the strategy for conflicts (key mode only).
	Conflict Strategy
	// IncomingSQL says the input is the SQL side and the index the pack's
	// (the export direction); false: the input is the pack's records (the
	// import). It decides prefer_newest's ties: the JSON side wins them.
	IncomingSQL bool
	// Pack, when set, is the pack folder on the JSON side: the input's
	// source (import) or, with IncomingSQL, the index's (export). A
	// conflict under fail names the pack's record by chunk file and line
	// (found only then, in its index.jsonl). With IncomingSQL, an incoming
	// record whose exchange_id the pack holds with other content is a
	// conflict on that record (see checkIDs).
	Pack string
	// ByHash ignores natural keys: a record is new iff its hash is not in
	// the index (nor earlier in the input).
	ByHash bool
	// Conflicts, if set, is a file that gets one JSON line per conflict.
	Conflicts string
	// Shard keeps only this part of the index and the input.
	Shard Shard
	// TempDir holds the spool of a non-seekable input ("" = os.TempDir).
	TempDir   string
	MaxLine   int
	FlushEach bool
	Reject    xr.RejectFunc
	Log       *slog.Logger
}

// Counter names, in summary order.
var counterNames = []string{"read", "new", "changed", "unchanged", "superseded", "conflicts", "emitted", "dropped", "resolved_incoming", "resolved_existing"}

// Run writes to out the records of in that the other side needs.
func Run(ctx context.Context, in io.Reader, out io.Writer, o Options) (*xr.Stats, error) {
	st := xr.NewStats(counterNames...)
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	ix, err := openIndex(ctx, o)
	if err != nil {
		return st, err
	}
	log.Debug("index loaded", "entries", ix.Len(), "bytes", ix.Bytes(), "seconds", time.Since(start).Seconds())
	// The index holds no pointers, so a garbage collection costs little
	// whatever its size: collect after every 4 MB of garbage rather than
	// let it grow to the index's own size (GOGC=100) and double the peak.
	if pct := int(int64(4<<20) * 100 / int64(max(ix.Bytes(), 1))); pct < 100 {
		defer debug.SetGCPercent(debug.SetGCPercent(max(pct, 1)))
	}

	var clog *conflictLog
	if o.Conflicts != "" {
		f, err := os.Create(o.Conflicts)
		if err != nil {
			return st, fmt.Errorf("--conflicts: %w", err)
		}
		clog = &conflictLog{w: bufio.NewWriterSize(f, 64<<10), f: f}
	}

	src, err := newReplay(in, o.TempDir)
	if err != nil {
		clog.close()
		return st, err
	}
	defer src.close()

	start = time.Now()
	c := &classifier{ix: ix, o: o, st: st, log: clog, seen: stateTable{byHash: true}}
	if o.IncomingSQL && o.Pack != "" {
		c.ids = map[string]idRecord{}
		if c.packIDs, err = loadIDPrints(ctx, o.Pack); err != nil {
			clog.close()
			return st, fmt.Errorf("--pack: %w", err)
		}
	}
	defer c.flush()
	err = c.pass(ctx, src.first())
	if err == nil && c.ids != nil {
		err = c.checkIDs(ctx)
	}
	if cerr := clog.close(); err == nil && cerr != nil {
		err = fmt.Errorf("--conflicts: %w", cerr)
	}
	if err != nil {
		return st, err
	}
	log.Debug("classified", "records", c.n.read, "seconds", time.Since(start).Seconds())

	second, err := src.second()
	if err != nil {
		return st, err
	}
	if err := c.emit(ctx, second, out); err != nil {
		return st, err
	}
	return st, nil
}

// openIndex loads the index named by o.Against (or read from o.Index).
func openIndex(ctx context.Context, o Options) (*Index, error) {
	lo := LoadOptions{MaxLine: o.MaxLine, NoKeys: o.ByHash}
	if o.Shard.on() {
		lo.Keep = func(h *[32]byte, k uint64) bool { return o.Shard.keep(h, k, o.ByHash) }
	}
	name := o.Against
	if o.Index != nil {
		return Load(ctx, o.Index, name, lo)
	}
	if name == "" {
		return nil, xr.Usagef("--against is required: an index file, a pack folder, or - for stdin")
	}
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("--against: %w", err)
	}
	if fi.IsDir() {
		// a pack: its chunks say what an ambiguous k of its index means
		lo.Resolve = func(want map[string]map[string]bool) (map[string]envelope.KeyParts, error) {
			return snapshot.KeyPartsOf(ctx, o.Against, want)
		}
		name = filepath.Join(name, snapshot.IndexFile)
		if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
			// a freshly initialized pack has no records and maybe no index yet
			if _, merr := os.Stat(filepath.Join(o.Against, snapshot.ManifestFile)); merr == nil {
				return Load(ctx, strings.NewReader(""), name, lo)
			}
			return nil, fmt.Errorf("--against: %s is not a pack folder (no %s)", o.Against, snapshot.IndexFile)
		}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--against: %w", err)
	}
	defer f.Close()
	return Load(ctx, f, name, lo)
}

type classifier struct {
	ix      *Index
	o       Options
	st      *xr.Stats
	log     *conflictLog
	state   stateTable          // keys won by input records
	seen    stateTable          // hashes of emitted records keyed by hash alone
	mark    []uint64            // bit per input line: emit it
	ids     map[string]idRecord // with IncomingSQL and a Pack: the emitted records by exchange_id that the pack may hold
	packIDs idPrints            // the pack's exchange_ids, for ids
	n       counters
}

// counters are kept as fields in the hot loop and copied into the Stats
// (in counterNames order) at the end.
type counters struct {
	read, new, changed, unchanged, superseded, conflicts, emitted int64
	resolvedincoming, resolvedexisting, othershard                int64
}

func (c *classifier) flush() {
	n := &c.n
	for _, v := range []struct {
		name string
		v    int64
	}{{"read", n.read}, {"new", n.new}, {"changed", n.changed}, {"unchanged", n.unchanged}, {"superseded", n.superseded}, {"conflicts", n.conflicts},
		{"emitted", n.emitted}, {"dropped", n.read - n.emitted}, {"resolved_incoming", n.resolvedincoming},
		{"resolved_existing", n.resolvedexisting}} {
		c.st.Add(v.name, v.v)
	}
	if c.o.Shard.on() {
		c.st.Add("other_shard", n.othershard)
	}
	c.n = counters{}
}

func (c *classifier) set(line int) {
	for line>>6 >= len(c.mark) {
		c.mark = append(c.mark, 0)
	}
	c.mark[line>>6] |= 1 << (line & 63)
}

func (c *classifier) clear(line int) { c.mark[line>>6] &^= 1 << (line & 63) }

func (c *classifier) marked(line int) bool {
	return line>>6 < len(c.mark) && c.mark[line>>6]&(1<<(line&63)) != 0
}

// pass classifies every input record and marks the lines to emit.
func (c *classifier) pass(ctx context.Context, in io.Reader) error {
	rd := envelope.NewReader(in, c.o.MaxLine)
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := rd.Read()
		if err == io.EOF {
			return nil
		}
		if err == nil {
			err = c.record(rec)
		}
		if err != nil {
			if err := rd.Reject(err, c.o.Reject, c.st); err != nil {
				return err
			}
		}
	}
}

// record reads what classify needs of one record (its hash, key hash and
// time, each decoded once), classifies it and, when exchange_ids are
// checked, remembers the records emitted so far whose id the pack may hold.
func (c *classifier) record(rec *envelope.Record) error {
	if !rec.Has(envelope.ContentSHA256) || rec.Hash() == "" {
		return &envelope.LineError{Line: rec.Line, Field: "content_sha256", Err: errors.New("missing (run xr-hash first)")}
	}
	var h [32]byte
	if raw := rec.Raw(envelope.ContentSHA256); len(raw) == 66 {
		hex.Decode(h[:], raw[1:65]) // the usual case: no escapes in the string
	} else {
		hex.Decode(h[:], []byte(rec.Hash()))
	}
	var k uint64
	if !c.o.ByHash && rec.HasNaturalKey() {
		k = recordKeyHash(rec.Str(envelope.SourceSystem), rec.Str(envelope.EntityType), rec.NaturalKeyText())
	}
	if !c.o.Shard.keep(&h, k, c.o.ByHash) {
		c.n.othershard++
		return nil
	}
	t := noTime
	if tt, ok := rec.ObservedAt(); ok {
		t = envelope.UnixNano(tt)
	}
	if err := c.classify(rec, h, k, t); err != nil || c.ids == nil || !c.marked(rec.Line) || rec.ID() == "" || !c.packIDs.has(rec.ID()) {
		return err
	}
	c.ids[strings.ToLower(rec.ID())] = idRecord{incoming: *logEntry(rec, &h, t), k: k}
	return nil
}

// classify classifies one record (content hash h, key hash k, 0 without
// a key, time t), as the other side would see it after the records before
// it were applied.
func (c *classifier) classify(rec *envelope.Record, h [32]byte, k uint64, t int64) error {
	c.n.read++
	if k == 0 {
		if c.seen.get(&h, 0) != nil || c.ix.HasHash(&h) {
			c.n.unchanged++
			return nil
		}
		c.seen.add(current{h: h, line: rec.Line})
		c.n.new++
		c.set(rec.Line)
		return nil
	}
	if cur := c.state.get(nil, k); cur != nil {
		c.version(cur, &h, k, t, rec.Line)
		return nil
	}
	if c.ix.HasHash(&h) {
		c.n.unchanged++
		return nil
	}
	var ex side
	var ok bool
	if ex.h, ex.t, ok = c.ix.Current(k); !ok {
		c.n.new++
		c.state.add(current{h: h, k: k, t: t, line: rec.Line})
		c.set(rec.Line)
		return nil
	}
	if ex.h == h {
		c.n.unchanged++
		return nil
	}
	c.n.changed++
	c.n.conflicts++
	incomingWins := false
	switch c.o.Conflict {
	case PreferNewest:
		// the reference's json_time >= sql_time: a tie goes to the pack
		incomingWins = t > ex.t || t == ex.t && !c.o.IncomingSQL
	case PreferIncoming:
		incomingWins = true
	case Fail:
		if lerr := c.log.write(logEntry(rec, &h, t), &ex, "fail", c.o.Conflict); lerr != nil {
			return lerr
		}
		return c.failed(rec, &h, t, &ex)
	}
	res := "existing"
	if incomingWins {
		res = "incoming"
		c.n.resolvedincoming++
		c.state.add(current{h: h, k: k, t: t, line: rec.Line})
		c.set(rec.Line)
	} else {
		c.n.resolvedexisting++
	}
	return c.log.write(logEntry(rec, &h, t), &ex, res, c.o.Conflict)
}

// idRecord is an emitted record whose exchange_id checkIDs looks up.
type idRecord struct {
	incoming
	k uint64
}

// checkIDs finds the records about to be emitted whose exchange_id the
// pack already holds with other content (SQL's redacted copy of a record
// the pack holds unredacted, or a row changed in place): each is a
// conflict on that record, resolved by the strategy. When the pack's
// record wins, SQL's is dropped; when SQL's wins, the export cannot apply
// it (a pack holds one record per exchange_id and never rewrites one), so
// the run stops, naming both. It reads the pack's index.jsonl once, only
// when something is to be emitted, counting each record's line in its
// chunk file as it goes.
func (c *classifier) checkIDs(ctx context.Context) error {
	for id, r := range c.ids {
		if !c.marked(r.line) {
			delete(c.ids, id)
		}
	}
	if len(c.ids) == 0 {
		return nil
	}
	f, err := os.Open(filepath.Join(c.o.Pack, snapshot.IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil // a fresh pack
	}
	if err != nil {
		return err
	}
	defer f.Close()
	type hit struct {
		r  idRecord
		ex side
	}
	var hits []hit
	perFile := map[string]int{}
	rd := indexline.NewReader(f, 0)
	for {
		e, n, err := rd.Scan()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("--pack: %w", err)
		}
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		perFile[string(e.File)]++
		id := strings.ToLower(string(e.ID))
		r, ok := c.ids[id]
		if !ok || e.Hash == r.h {
			delete(c.ids, id)
			continue
		}
		delete(c.ids, id)
		file := string(e.File)
		ex := side{h: e.Hash, t: e.Time, file: filepath.ToSlash(filepath.Join(c.o.Pack, file)) + ":" + strconv.Itoa(perFile[file])}
		hits = append(hits, hit{r, ex})
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.r.line - b.r.line })
	for _, x := range hits {
		if err := c.idConflict(&x.r, &x.ex); err != nil {
			return err
		}
	}
	return nil
}

// idConflict resolves SQL's record r against the pack's record ex of the
// same exchange_id.
func (c *classifier) idConflict(r *idRecord, ex *side) error {
	sqlWins := false
	switch c.o.Conflict {
	case PreferNewest:
		sqlWins = r.t > ex.t // a tie goes to the pack
	case PreferIncoming:
		sqlWins = true
	case Fail:
		if err := c.log.write(&r.incoming, ex, "fail", c.o.Conflict); err != nil {
			return err
		}
		return &wrapped{fmt.Sprintf("%s: %v: exchange_id %s: the pack's record %x (observed %s) differs from SQL's (key %q, %x, observed %s; line %d of the SQL dump)",
			ex.file, xr.ErrConflict, r.id, ex.h, timeText(ex.t), r.key, r.h, timeText(r.t), r.line), xr.ErrConflict}
	}
	if sqlWins {
		why := "prefer_sql"
		if c.o.Conflict == PreferNewest {
			why = "prefer_newest (it is newer)"
		}
		return fmt.Errorf("%s: exchange_id %s: SQL's record (key %q, %x, observed %s; line %d of the SQL dump) differs from the pack's (%x, observed %s) and %s makes it win, "+
			"but a pack holds one record per exchange_id and never rewrites one: if the difference is redaction, scrub the pack (xr-pack redact %s) and export again",
			ex.file, r.id, r.key, r.h, timeText(r.t), r.line, ex.h, timeText(ex.t), why, c.o.Pack)
	}
	// the pack's record stays: the record counted as emitted is dropped,
	// a conflict resolved for the existing side
	c.clear(r.line)
	if _, _, ok := c.ix.Current(r.k); ok {
		c.n.resolvedincoming-- // it had won a conflict on its key
	} else {
		c.n.new--
		c.n.changed++
		c.n.conflicts++
	}
	c.n.resolvedexisting++
	return c.log.write(&r.incoming, ex, "existing", c.o.Conflict)
}

// failed is the error of a conflict under fail. Without a pack it names
// the input line; with one, the pack's record by chunk file and line (the
// input is then an intermediate stream whose line numbers mean nothing
// to the user) and the SQL side's by its key.
func (c *classifier) failed(rec *envelope.Record, h *[32]byte, t int64, ex *side) error {
	if c.o.Pack == "" {
		return fmt.Errorf("line %d: %w: key %q: incoming %s, existing %s (from the index)",
			rec.Line, xr.ErrConflict, rec.Key(), rec.Hash(), hex.EncodeToString(ex.h[:]))
	}
	json, sql := side{h: *h, t: t}, *ex
	var where string
	if c.o.IncomingSQL {
		json, sql = sql, json
		where = c.locate(snapshot.ByHash(hex.EncodeToString(ex.h[:])))
	} else {
		where = c.locate(snapshot.ByID(rec.ID()), snapshot.ByHash(rec.Hash()))
	}
	if where == "" { // not in the pack (an index out of date): the input's line
		where = "line " + strconv.Itoa(rec.Line)
	}
	msg := fmt.Sprintf("%s: %v: key %q: the pack's record %x (observed %s) differs from SQL's %x (observed %s)",
		where, xr.ErrConflict, rec.Key(), json.h, timeText(json.t), sql.h, timeText(sql.t))
	if c.o.IncomingSQL {
		msg += fmt.Sprintf(" (line %d of the SQL dump)", rec.Line)
	}
	return &wrapped{msg, xr.ErrConflict}
}

// locate names the pack's first record a matcher finds ("D/records/…/
// chunk-0002.ndjson:17"), or is empty when none does.
func (c *classifier) locate(matchers ...func(indexline.Entry) bool) string {
	for _, m := range matchers {
		if p, ok, err := snapshot.Locate(context.Background(), c.o.Pack, m); err == nil && ok {
			return p.In(c.o.Pack)
		}
	}
	return ""
}

// wrapped is an error with its own text that still matches a sentinel.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

func timeText(t int64) string {
	if t == noTime {
		return "never"
	}
	return envelope.FormatTime(time.Unix(0, t))
}

// version handles a record whose key an earlier input record holds: the
// input's own history, not a conflict. The same hash again is unchanged;
// otherwise the newer observation supersedes the other (on a tie the later
// line, as the spec's rules applied record by record decide), whatever the
// strategy: that applies between the two sides only. The winner keeps the
// key's class against the index (new, or a conflict it won), so each
// superseded record is counted once, as superseded.
func (c *classifier) version(cur *current, h *[32]byte, k uint64, t int64, line int) {
	if cur.h == *h {
		c.n.unchanged++
		return
	}
	c.n.superseded++
	if t < cur.t {
		return
	}
	c.clear(cur.line)
	*cur = current{h: *h, k: k, t: t, line: line}
	c.set(line)
}

// side is the existing record of a conflict: the index's current version
// of the key (two input versions of a key are history, not a conflict).
type side struct {
	h    [32]byte
	t    int64
	file string // set for a conflict on an exchange_id: the pack's record, file:line
}

// emit copies the marked lines of the second pass to out.
func (c *classifier) emit(ctx context.Context, in io.Reader, out io.Writer) error {
	rd := envelope.NewReader(in, c.o.MaxLine)
	w := envelope.NewWriter(out, c.o.FlushEach)
	var buf []byte
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, err := rd.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *envelope.LineError
			if errors.As(err, &le) {
				continue // over-long: rejected in the first pass
			}
			return err
		}
		if !c.marked(rd.LineNumber()) {
			continue
		}
		buf = append(append(buf[:0], line...), '\n')
		if err := w.WriteLine(buf); err != nil {
			return err
		}
		c.n.emitted++
	}
	return w.Flush()
}

// conflictLog writes --conflicts: one JSON object a line.
type conflictLog struct {
	w   *bufio.Writer
	f   *os.File
	buf []byte
}

// incoming is the incoming record of a conflict, as the log names it.
type incoming struct {
	key, id string
	line    int
	h       [32]byte
	t       int64
}

func logEntry(rec *envelope.Record, h *[32]byte, t int64) *incoming {
	return &incoming{key: rec.Key(), id: rec.ID(), line: rec.Line, h: *h, t: t}
}

func (l *conflictLog) write(in *incoming, ex *side, resolution string, s Strategy) error {
	if l == nil {
		return nil
	}
	c := &Conflict{
		Key: in.key, Line: in.line, IncomingH: hex.EncodeToString(in.h[:]), IncomingT: conflictTime(in.t), IncomingID: in.id,
		ExistingH: hex.EncodeToString(ex.h[:]), ExistingT: conflictTime(ex.t), ExistingFrom: "index",
		Strategy: s.String(), Resolution: resolution,
	}
	if ex.file != "" { // a conflict on an exchange_id: the pack's record
		c.ExistingFrom, c.ExistingID, c.ExistingAt = "pack", in.id, ex.file
	}
	l.buf = AppendConflict(l.buf[:0], c)
	_, err := l.w.Write(l.buf)
	return err
}

// conflictTime is t (Unix nanoseconds) as a Conflict's time.
func conflictTime(t int64) time.Time {
	if t == noTime {
		return time.Time{}
	}
	return time.Unix(0, t)
}

func (l *conflictLog) close() error {
	if l == nil {
		return nil
	}
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// replay gives the input twice: a regular file is re-read from where it
// started; anything else is copied to a temporary file while the first
// pass reads it.
type replay struct {
	in    io.Reader
	f     *os.File // the input file, or the spool
	pos   int64
	spool *bufio.Writer
}

func newReplay(in io.Reader, dir string) (*replay, error) {
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if pos, err := f.Seek(0, io.SeekCurrent); err == nil {
				return &replay{in: f, f: f, pos: pos}, nil
			}
		}
	}
	sp, err := os.CreateTemp(dir, "xr-diff-*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	os.Remove(sp.Name()) // unlinked at once: nothing is left behind on a crash
	r := &replay{f: sp, spool: bufio.NewWriterSize(sp, 256<<10)}
	r.in = io.TeeReader(in, r.spool)
	return r, nil
}

func (r *replay) first() io.Reader { return r.in }

func (r *replay) second() (io.Reader, error) {
	if r.spool != nil {
		if err := r.spool.Flush(); err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
	}
	if _, err := r.f.Seek(r.pos, io.SeekStart); err != nil {
		return nil, fmt.Errorf("re-reading the input: %w", err)
	}
	return r.f, nil
}

func (r *replay) close() {
	if r.spool != nil {
		r.f.Close()
	}
}
