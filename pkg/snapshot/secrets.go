package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/redact"
	"github.com/xr-lake/xr/pkg/xr"
)

// redactItem applies r to w.rec (parsed, its hash verified) as
// `xr-redact -m | xr-hash` would: when a rule fires, it.line becomes the
// redacted record with its new content_sha256, it.rules the rule ids that
// fired, and it.e and it.h describe the redacted record. Nothing changes
// when no rule fires.
func redactItem(r *redact.Redactor, w *worker, it *item) error {
	if r == nil {
		return nil
	}
	if w.scrub == nil {
		w.scrub = r.NewScrubber()
	}
	ids := w.scrub.Record(&w.rec)
	if ids == nil {
		return nil
	}
	sum, err := w.hash.Sum(&w.rec)
	if err != nil {
		return err
	}
	w.rec.SetString(envelope.ContentSHA256, sum)
	it.line = envelope.Append(nil, &w.rec)
	it.rules = slices.Clone(ids)
	// id and time are those of the record as it came; the key may have
	// lost a secret (a natural_key built from a request's URL)
	e := indexline.For(&w.rec, it.e.File)
	it.e.Hash, it.e.Key, it.e.KP = sum, e.Key, e.KP
	decodeHash(&it.h, sum)
	return nil
}

// SecretsNotice is the one line every reader of a pack prints when the
// pack holds records that its redaction policy would change.
func SecretsNotice(dir string, n int64) string {
	return fmt.Sprintf("%s: %d records hold secrets that the pack's redaction policy removes; scrub them with: xr-pack redact %s", dir, n, dir)
}

// SecretsFile is the ledger of which chunks hold how many records with
// secrets, at the root of a pack: a cache, not part of the pack's data
// (archives leave it out; deleting it only costs a rescan). Each entry
// names a chunk by path, inode, size and modification time, and the whole
// ledger is bound to the redaction policy and the xr version that counted,
// so an entry is used only for the very file it describes under the same
// rules. xr-pack verify and redact write it for every chunk; the other
// readers (cat, cat --verify, archive, secrets) scan only the chunks it
// does not vouch for, and note them.
const SecretsFile = ".xr-pack.secrets"

type ledger struct {
	Policy string                 `json:"policy"`
	Chunks map[string]ledgerEntry `json:"chunks"`
	dirty  bool
}

type ledgerEntry struct {
	Ino     uint64 `json:"ino"`
	Size    int64  `json:"size"`
	Mtime   int64  `json:"mtime_ns"`
	Secrets int64  `json:"secrets"`
}

// policyPrint binds a ledger to the rules that counted.
func policyPrint(p *manifest.RedactionPolicy) string {
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(append([]byte(xr.Version+"\x00"), b...))
	return hex.EncodeToString(sum[:])
}

// loadLedger reads the pack's ledger; one for other rules, or unreadable,
// is an empty one.
func loadLedger(dir, policy string) *ledger {
	l := &ledger{}
	if b, err := os.ReadFile(filepath.Join(dir, SecretsFile)); err == nil {
		json.Unmarshal(b, l)
	}
	if l.Policy != policy || l.Chunks == nil {
		l.Policy, l.Chunks = policy, map[string]ledgerEntry{}
	}
	return l
}

// chunkStamp identifies the file at path now.
func chunkStamp(path string) (ledgerEntry, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return ledgerEntry{}, false
	}
	e := ledgerEntry{Size: fi.Size(), Mtime: fi.ModTime().UnixNano()}
	e.Ino = inode(fi)
	return e, true
}

// lookup returns the count the ledger holds for chunk rel, if the file is
// still the one counted.
func (l *ledger) lookup(dir, rel string) (int64, bool) {
	e, ok := l.Chunks[rel]
	if !ok {
		return 0, false
	}
	now, ok := chunkStamp(filepath.Join(dir, filepath.FromSlash(rel)))
	now.Secrets = e.Secrets
	return e.Secrets, ok && now == e
}

// record notes that chunk rel, as stamped before it was read, holds n
// records with secrets, unless it changed while it was read.
func (l *ledger) record(dir, rel string, before ledgerEntry, n int64) {
	after, ok := chunkStamp(filepath.Join(dir, filepath.FromSlash(rel)))
	if !ok || after != before {
		return
	}
	before.Secrets = n
	l.put(rel, before)
}

// put sets the entry of chunk rel.
func (l *ledger) put(rel string, e ledgerEntry) {
	if old, had := l.Chunks[rel]; !had || old != e {
		l.Chunks[rel] = e
		l.dirty = true
	}
}

// stampClean notes chunks as holding no secret as they are now: after a
// rewrite that left none, or before a scan that will count them (a chunk
// without records is never counted: it holds none). A chunk that cannot
// be stamped loses its entry.
func (l *ledger) stampClean(dir string, chunks []Chunk) {
	for _, ch := range chunks {
		if s, ok := chunkStamp(filepath.Join(dir, filepath.FromSlash(ch.Rel))); ok {
			l.put(ch.Rel, s)
		} else if _, had := l.Chunks[ch.Rel]; had {
			delete(l.Chunks, ch.Rel)
			l.dirty = true
		}
	}
}

// save writes the ledger back when it changed, keeping only entries of
// chunks (nil: every entry), and removes the temporary files of ledger
// writes a kill interrupted: readers keep the ledger, and no writer may
// come after them to clean up (verify counts such a file as a problem).
// Best effort: a read-only pack just stays uncached.
func (l *ledger) save(dir string, chunks []Chunk) {
	RemoveOrphansOf(filepath.Join(dir, SecretsFile))
	if chunks != nil && len(l.Chunks) > len(chunks) {
		keep := make(map[string]bool, len(chunks))
		for _, c := range chunks {
			keep[c.Rel] = true
		}
		for rel := range l.Chunks {
			if !keep[rel] {
				delete(l.Chunks, rel)
				l.dirty = true
			}
		}
	}
	if !l.dirty {
		return
	}
	if b, err := json.Marshal(l); err == nil {
		writeAtomic(filepath.Join(dir, SecretsFile), append(b, '\n'), 0o644, false)
	}
}

// secretsWork marks the chunk lines whose record holds a secret under r
// (a line that is not an envelope holds none: verify reports it).
func secretsWork(r *redact.Redactor) workFunc {
	return func(w *worker, line []byte, it *item) {
		if err := parseChunkLine(&w.rec, line); err != nil {
			it.err = err
			return
		}
		it.secret = holdsSecret(r, w)
	}
}

// holdsSecret reports whether w.rec (its payloads valid JSON) holds a
// record the policy r would change.
func holdsSecret(r *redact.Redactor, w *worker) bool {
	if w.scrub == nil {
		w.scrub = r.NewScrubber()
	}
	return w.scrub.Holds(&w.rec)
}

// vouched returns the sum of the counts the ledger holds for the chunks
// it vouches for, and for each chunk whether it must be scanned instead.
func (l *ledger) vouched(dir string, chunks []Chunk) (known int64, scan []bool) {
	scan = make([]bool, len(chunks))
	for i, c := range chunks {
		if n, ok := l.lookup(dir, c.Rel); ok {
			known += n
		} else {
			scan[i] = true
		}
	}
	return known, scan
}

// chunkCounter sums per-chunk secret counts from a scan in pack order and
// notes each chunk in the ledger.
type chunkCounter struct {
	dir   string
	l     *ledger
	skip  map[string]bool // chunks whose count the ledger gave (in total)
	rel   string
	n     int64
	total int64
}

// newChunkCounter stamps the chunks about to be scanned (the ledger holds
// the stamps until each chunk's count replaces its 0).
func newChunkCounter(dir string, l *ledger, chunks []Chunk) *chunkCounter {
	l.stampClean(dir, chunks)
	return &chunkCounter{dir: dir, l: l}
}

func (c *chunkCounter) add(rel string, secret bool) {
	if c.skip[rel] {
		return
	}
	if rel != c.rel {
		c.flush()
		c.rel, c.n = rel, 0
	}
	if secret {
		c.n++
		c.total++
	}
}

func (c *chunkCounter) flush() {
	if s, ok := c.l.Chunks[c.rel]; ok { // as stamped before the scan
		c.l.record(c.dir, c.rel, s, c.n)
	}
}

// secretsAlong sets up counting the secrets of chunks during a scan that
// parses every record anyway (verify, cat --verify): work also marks the
// records holding secrets, and the counter, fed in pack order, notes each
// chunk in the ledger. With trust, a chunk the ledger vouches for is not
// scanned (its count is the ledger's): cat --verify pays for the scan only
// where the ledger lacks it, while verify counts everything anew. It
// returns work as it is and nil when the policy is off, or the manifest
// does not load (verify reports that).
func secretsAlong(dir string, chunks []Chunk, work workFunc, trust bool) (workFunc, *chunkCounter) {
	r, policy, err := packPolicy(dir)
	if err != nil || r == nil {
		return work, nil
	}
	led := loadLedger(dir, policy)
	known, scan := int64(0), make([]bool, len(chunks))
	if trust {
		known, scan = led.vouched(dir, chunks)
	} else {
		for i := range scan {
			scan[i] = true
		}
	}
	var todo []Chunk
	skip := map[string]bool{}
	for i, c := range chunks {
		if scan[i] {
			todo = append(todo, c)
		} else {
			skip[c.Rel] = true
		}
	}
	c := newChunkCounter(dir, led, todo)
	c.total, c.skip = known, skip
	return func(w *worker, line []byte, it *item) {
		work(w, line, it)
		if it.err == nil && scan[w.src] {
			it.secret = holdsSecret(r, w)
		}
	}, c
}

// done notes the last chunk scanned, saves the ledger (keeping the entries
// of the pack's chunks all) and returns the count. Call it only after a
// scan that went through every chunk: the ledger vouches for them.
func (c *chunkCounter) done(all []Chunk) int64 {
	c.flush()
	c.l.save(c.dir, all)
	return c.total
}

// CountSecrets returns how many records of the pack in dir its redaction
// policy would change (0 when the policy is off): from the ledger for the
// chunks it vouches for, scanning the others (and noting them). Lines that
// are not envelopes count as none.
func CountSecrets(ctx context.Context, dir string) (int64, error) {
	if err := checkPack(dir); err != nil {
		return 0, err
	}
	r, policy, err := packPolicy(dir)
	if err != nil || r == nil {
		return 0, err
	}
	l, err := listChunks(dir)
	if err != nil {
		return 0, err
	}
	led := loadLedger(dir, policy)
	known, scan := led.vouched(dir, l.chunks)
	var unknown []Chunk
	for i, c := range l.chunks {
		if scan[i] {
			unknown = append(unknown, c)
		}
	}
	cc := newChunkCounter(dir, led, unknown)
	if len(unknown) > 0 {
		err := scanChunks(ctx, dir, unknown, secretsWork(r), func(rel string, it *item) error {
			cc.add(rel, it.secret)
			return nil
		})
		if err != nil {
			return 0, err
		}
		cc.flush()
	}
	led.save(dir, l.chunks)
	return known + cc.total, nil
}

// packPolicy compiles the redaction policy of the pack's manifest (the
// rules xr-redact -m applies; nil when the policy is off) and returns its
// fingerprint, which binds the secrets ledger to it.
func packPolicy(dir string) (*redact.Redactor, string, error) {
	m, err := manifest.Load(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, "", err
	}
	if !m.RedactionPolicy.Enabled {
		return nil, "", nil
	}
	r, err := redact.New(redact.Options{Policy: &m.RedactionPolicy})
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return r, policyPrint(&m.RedactionPolicy), nil
}
