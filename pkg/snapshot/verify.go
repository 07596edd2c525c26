package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/xr"
)

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Problem, when set, receives each problem as one line as it is
	// found; the returned error then only counts them. When nil, the
	// error itself names the problems (the first 20).
	Problem func(msg string)
	// Finding, when set, also receives each problem with where it is
	// (`xr-pack verify --json`); the error then only counts them.
	Finding func(Finding)
	// Diag gets the Warn line that tells a pack holding secrets its
	// redaction policy removes (not a problem: exit 0).
	Diag xr.Diag
	// Log receives debug messages.
	Log *slog.Logger
}

// Finding is one problem Verify found and where: File is relative to the
// pack (a chunk, index.jsonl or manifest.json), Line its 1-based line (0:
// the whole file), ExchangeID the record's when known, Kind the counter it
// counts in and Problem the message Verify prints.
type Finding struct {
	File       string `json:"file"`
	Line       int    `json:"line,omitempty"`
	ExchangeID string `json:"exchange_id,omitempty"`
	Kind       string `json:"kind"`
	Problem    string `json:"problem"`
}

// at is where a problem is: the Finding without its kind and message.
type at struct {
	file string
	line int
	id   string
}

// The problem counters of Verify, in summary order.
var verifyProblems = []string{
	"bad_manifest", "bad_lines", "bad_hashes", "bad_index_lines", "missing_index",
	"extra_index", "duplicate_index", "duplicate_records", "duplicate_ids", "wrong_file", "index_differs", "temp_files",
}

// Verify checks the pack in dir: the manifest loads, every chunk line is a
// valid envelope whose content_sha256 verifies, and index.jsonl and the
// chunks agree exactly — one index line per record, none missing, extra or
// duplicated, each "f" naming the chunk that holds the record and "k"/"t"
// matching it. Counters: chunks, records, index_entries, then one counter
// per kind of problem (bad_manifest, bad_lines, bad_hashes,
// bad_index_lines, missing_index, extra_index, duplicate_index,
// duplicate_records, wrong_file, index_differs, temp_files). Any problem
// makes the error wrap xr.ErrMismatch. Verify holds the pack's shared lock,
// so it fails (ErrLocked) rather than race a writer.
func Verify(ctx context.Context, dir string, opts VerifyOptions) (*xr.Stats, error) {
	st := xr.NewStats(append(append([]string{"chunks", "records", "index_entries"}, verifyProblems...), "secrets")...)
	if err := checkPack(dir); err != nil {
		return st, err
	}
	lk, err := lockPack(dir, false)
	if err != nil {
		return st, err
	}
	defer lk.unlock()
	v := &verifier{dir: dir, st: st, opts: opts, byKey: map[recKey]int32{}, fileID: map[string]int32{}, byID: map[[16]byte]idPlace{}}
	if b, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err != nil {
		v.problem(at{file: ManifestFile}, "bad_manifest", "%s: %v", ManifestFile, unwrapPathErr(err))
	} else if _, err := manifest.Parse(b); err != nil {
		v.problem(at{file: ManifestFile}, "bad_manifest", "%s: %v", ManifestFile, err)
	}
	l, err := listChunks(dir)
	if err != nil {
		return st, err
	}
	for _, t := range l.temps {
		v.problem(at{file: t}, "temp_files", "%s: temporary file of an interrupted write (index --rebuild removes it)", t)
	}
	if err := v.loadIndex(); err != nil {
		return st, err
	}
	meterChunks(ctx, dir, l.chunks)
	if err := v.chunks(ctx, l.chunks); err != nil {
		return st, err
	}
	if c := v.secrets; c != nil {
		n := c.done(l.chunks)
		st.Add("secrets", n)
		if n > 0 {
			opts.Diag.Warn(SecretsNotice(dir, n))
		}
	}
	for i := range v.lines {
		if il := &v.lines[i]; !il.used {
			v.problem(at{file: IndexFile, line: int(il.line), id: il.id}, "extra_index", "index line %d: no such record in the chunks (id %s, f %s)", il.line, orNull(il.id), orNull(v.files[il.file]))
		}
	}
	return st, v.result()
}

type recKey struct {
	h  [32]byte
	id [16]byte
}

// makeKey packs (content_sha256, exchange_id) into a fixed-size map key.
// Values that are not a digest or a UUID are hashed into the same space.
func makeKey(h, id string) recKey {
	var k recKey
	if _, err := hex.Decode(k.h[:], []byte(h)); err != nil || len(h) != 64 {
		k.h = sha256.Sum256([]byte("h:" + h))
	}
	k.id = idKey(id)
	return k
}

// idKey packs an exchange_id into a fixed-size map key (a UUID by its
// value, whatever its case; any other text hashed into the same space).
func idKey(id string) [16]byte {
	var k [16]byte
	if hx := strings.ReplaceAll(id, "-", ""); envelope.IsUUID(id) {
		hex.Decode(k[:], []byte(strings.ToLower(hx)))
	} else if id != "" {
		s := sha256.Sum256([]byte("id:" + id))
		copy(k[:], s[:])
	}
	return k
}

type idxLine struct {
	line int32
	file int32
	kt   uint64
	id   string
	kp   string // the line's "kp" (key parts), "" when it has none
	used bool
}

type verifier struct {
	dir    string
	st     *xr.Stats
	opts   VerifyOptions
	lines  []idxLine
	byKey  map[recKey]int32
	fileID map[string]int32
	files  []string
	seed   maphash.Seed
	named  []string
	// byID: where each exchange_id was first seen, with its content
	byID map[[16]byte]idPlace
	// secrets counts the records holding secrets (nil: the policy is off)
	secrets *chunkCounter
}

// idPlace is where a record with a given exchange_id is.
type idPlace struct {
	file, line int32
	h          [32]byte
}

func (v *verifier) problem(where at, counter, format string, args ...any) {
	v.st.Inc(counter)
	msg := fmt.Sprintf(format, args...)
	if v.opts.Finding != nil {
		v.opts.Finding(Finding{File: where.file, Line: where.line, ExchangeID: where.id, Kind: counter, Problem: msg})
	}
	if v.opts.Problem != nil {
		v.opts.Problem(msg)
	} else if len(v.named) < 20 {
		v.named = append(v.named, msg)
	}
}

func (v *verifier) result() error {
	n := int64(0)
	for _, p := range verifyProblems {
		n += v.st.Get(p)
	}
	switch {
	case n == 0:
		return nil
	case v.opts.Problem != nil || v.opts.Finding != nil:
		return fmt.Errorf("%d problems found: %w", n, xr.ErrMismatch)
	}
	more := ""
	if n > int64(len(v.named)) {
		more = fmt.Sprintf("; and %d more", n-int64(len(v.named)))
	}
	return fmt.Errorf("%d problems found: %s%s: %w", n, strings.Join(v.named, "; "), more, xr.ErrMismatch)
}

func (v *verifier) intern(f string) int32 {
	id, ok := v.fileID[f]
	if !ok {
		id = int32(len(v.files))
		v.files = append(v.files, f)
		v.fileID[f] = id
	}
	return id
}

// keyTime digests an entry's k and t (t compared as an instant, so "Z"
// and "+00:00" forms agree).
func (v *verifier) keyTime(k, t string) uint64 {
	var h maphash.Hash
	h.SetSeed(v.seed)
	h.WriteString(k)
	h.WriteByte(0)
	if tt, err := envelope.ParseTime(t); err == nil {
		var b [9]byte
		binary.LittleEndian.PutUint64(b[1:], uint64(tt.UnixNano()))
		h.Write(b[:]) // b[0] == 0: no text form starts with a NUL
	} else {
		h.WriteString(t)
	}
	return h.Sum64()
}

func (v *verifier) loadIndex() error {
	v.seed = maphash.MakeSeed()
	f, err := os.Open(filepath.Join(v.dir, IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return indexline.Read(f, func(n int, e indexline.Entry) error {
		v.st.Inc("index_entries")
		k := makeKey(e.Hash, e.ID)
		if prev, dup := v.byKey[k]; dup {
			v.problem(at{file: IndexFile, line: n, id: e.ID}, "duplicate_index", "index line %d: same record as index line %d (id %s)", n, v.lines[prev].line, orNull(e.ID))
			return nil
		}
		v.byKey[k] = int32(len(v.lines))
		v.lines = append(v.lines, idxLine{line: int32(n), file: v.intern(e.File), kt: v.keyTime(e.Key, e.Time), id: e.ID, kp: e.KP})
		return nil
	}, func(ie *indexline.LineError) error {
		v.problem(at{file: IndexFile, line: ie.Line}, "bad_index_lines", "%s", ie.Error())
		return nil
	})
}

// chunks checks every chunk line, parsing and verifying in parallel
// and matching against the index in pack order.
func (v *verifier) chunks(ctx context.Context, chunks []Chunk) error {
	v.st.Add("chunks", int64(len(chunks)))
	var work workFunc
	work, v.secrets = secretsAlong(v.dir, chunks, verifyWork, false)
	return scanChunks(ctx, v.dir, chunks, work, func(rel string, it *item) error {
		if v.secrets != nil {
			v.secrets.add(rel, it.secret)
		}
		v.record(rel, it)
		return nil
	})
}

// verifyWork parses and verifies one chunk line.
func verifyWork(w *worker, line []byte, it *item) {
	var err error
	if err = parseRecord(&w.rec, line); err != nil {
		it.kind, it.err = "bad_lines", err
		return
	}
	if err := w.hash.Verify(&w.rec); err != nil {
		// parseRecord leaves the payloads to the hash check: tell a
		// line that is not JSON from a wrong hash
		var full envelope.Record
		if perr := envelope.Parse(&full, line, false); perr != nil {
			it.kind, it.err = "bad_lines", perr
			return
		}
		it.kind, it.err = "bad_hashes", err
	}
	it.e = indexline.For(&w.rec, "")
}

// record checks one chunk record against the index.
func (v *verifier) record(rel string, it *item) {
	v.st.Inc("records")
	n := it.n
	if it.err != nil {
		kind := it.kind
		if kind == "" { // a line the reader refused (too long)
			kind = "bad_lines"
		}
		v.problem(at{file: rel, line: n, id: it.e.ID}, kind, "%s: line %d: %s", rel, n, trimLinePrefix(it.err))
		if kind == "bad_lines" || it.e.Hash == "" {
			return
		}
	}
	e := it.e
	e.File = rel
	k := makeKey(e.Hash, e.ID)
	v.checkID(rel, n, e.ID, k)
	i, ok := v.byKey[k]
	switch {
	case !ok:
		v.problem(at{file: rel, line: n, id: e.ID}, "missing_index", "%s: line %d: no index line for id %s (h %s)", rel, n, orNull(e.ID), e.Hash)
		return
	case v.lines[i].used:
		v.problem(at{file: rel, line: n, id: e.ID}, "duplicate_records", "%s: line %d: the same record (id %s, same content_sha256) is already in the pack", rel, n, orNull(e.ID))
		return
	}
	il := &v.lines[i]
	il.used = true
	if v.files[il.file] != rel {
		v.problem(at{file: IndexFile, line: int(il.line), id: e.ID}, "wrong_file", "index line %d: f is %s but the record is in %s line %d", il.line, orNull(v.files[il.file]), rel, n)
	}
	if il.kt != v.keyTime(e.Key, e.Time) || il.kp != "" && il.kp != e.KP {
		kp := ""
		if il.kp != "" {
			kp = ", kp " + orNull(e.KP)
		}
		v.problem(at{file: IndexFile, line: int(il.line), id: e.ID}, "index_differs", "index line %d: k or t differs from the record in %s line %d (want k %q%s, t %s)", il.line, rel, n, e.Key, kp, orNull(e.Time))
	}
}

// checkID reports a second record with an exchange_id already seen with
// other content: one exchange_id names one record.
func (v *verifier) checkID(rel string, n int, id string, k recKey) {
	if k.id == ([16]byte{}) {
		return
	}
	p, seen := v.byID[k.id]
	if !seen {
		v.byID[k.id] = idPlace{file: v.intern(rel), line: int32(n), h: k.h}
		return
	}
	if p.h != k.h {
		v.problem(at{file: rel, line: n, id: id}, "duplicate_ids", "%s: line %d: exchange_id %s is also the record at %s line %d, with other content; one exchange_id names one record", rel, n, id, v.files[p.file], p.line)
	}
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}
