package snapshot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xr-lake/xr/pkg/indexline"
	"github.com/xr-lake/xr/pkg/xr"
)

// RedactPendingFile marks a pack whose `xr-pack redact` was interrupted:
// some chunks may be rewritten while index.jsonl still names their old
// hashes. It is created (durably) before the first chunk is replaced and
// removed once the new index is in place; while it is there, a writer
// rebuilds the index before appending. Rerunning xr-pack redact finishes
// the job.
const RedactPendingFile = ".xr-redact-pending"

// RedactOptions configures Redact.
type RedactOptions struct {
	// Diag gets a Warn line per chunk rewritten (the chunk, how many of
	// its records changed and the rule ids that fired; never a secret) and
	// one when Redact finishes what an interrupted run left.
	Diag xr.Diag
	// Log receives debug messages.
	Log *slog.Logger
}

// RuleCounter is the prefix of Redact's per-rule counters: "rule:jwt" is
// the number of records in which rule jwt fired.
const RuleCounter = "rule:"

// Redact scrubs the pack in dir in place with its manifest's redaction
// policy: the one operation that rewrites stored records. Each record
// where a rule fires is replaced by what `xr-redact -m | xr-hash` makes of
// it (its exchange_id, observed_at_utc and every other field kept, its
// place in its chunk too); a chunk holding such records is rewritten to a
// temporary file, fsynced and renamed over the old one, so a crash leaves
// either the old or the new chunk; then index.jsonl is replaced
// (atomically) by one made from the chunks. It runs under the pack's
// exclusive lock. Rerunning it after an interruption finishes the job; on
// a clean pack it changes nothing.
//
// Two versions of a key may become one content (same content_sha256): both
// stay, as two records with their own exchange_ids. A record that becomes
// the very record already kept (same exchange_id and content_sha256: the
// redacted copy an older export appended next to its original) is left
// out, counted as duplicates_dropped: one exchange_id names one record.
//
// A record whose content_sha256 does not verify, or a line that is not an
// envelope, stops it (naming chunk and line) before its chunk is touched:
// run xr-pack verify. Counters: chunks, records, redacted (records
// changed), rewritten (chunks), then rule:ID per rule id that fired.
func Redact(ctx context.Context, dir string, opts RedactOptions) (*xr.Stats, error) {
	st := xr.NewStats("chunks", "records", "redacted", "duplicates_dropped", "rewritten")
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := checkPack(dir); err != nil {
		return st, err
	}
	r, policy, err := packPolicy(dir)
	if err != nil {
		return st, err
	}
	if r == nil {
		return st, fmt.Errorf("%s: redaction_policy.enabled is false in %s: there is no policy to apply (enable it first)", dir, ManifestFile)
	}
	lk, l, err := lockRewrite(dir)
	if err != nil {
		return st, err
	}
	defer lk.unlock()
	pending := filepath.Join(dir, RedactPendingFile)
	if _, err := os.Stat(pending); err == nil {
		opts.Diag.Warn("finishing an interrupted xr-pack redact")
	}
	idx, err := CreateAtomic(filepath.Join(dir, IndexFile), 0o644)
	if err != nil {
		return st, err
	}
	defer idx.Abort()
	st.Add("chunks", int64(len(l.chunks)))
	c := &chunkRewrite{dir: dir, pending: pending, opts: opts, st: st}
	defer c.abort()
	var buf []byte
	seen := map[recKey]struct{}{}
	err = scanChunkLines(ctx, dir, l.chunks, 0, writeWork(r), func(rel string, it *item, line []byte) error {
		if rel != c.rel {
			if err := c.finish(); err != nil {
				return err
			}
			if err := c.start(rel); err != nil {
				return err
			}
		}
		if it.err != nil {
			return fmt.Errorf("%s: %v; nothing of this chunk was changed (see xr-pack verify)", rel, it.err)
		}
		st.Inc("records")
		c.total++
		k := recKey{h: it.h, id: idKey(it.e.ID)} // it.h: the verified hash, decoded
		if _, dup := seen[k]; dup {
			// once scrubbed, the copy a pre-0.2 export added (the same
			// exchange_id, redacted) is this very record: keep one
			c.dropped++
			st.Inc("duplicates_dropped")
			return nil
		}
		seen[k] = struct{}{}
		if it.line != nil {
			c.add(it.rules)
		}
		if _, err := c.a.Write(line); err != nil {
			return err
		}
		if err := c.a.WriteByte('\n'); err != nil {
			return err
		}
		it.e.File = rel
		buf = indexline.Append(buf[:0], it.e)
		_, err := idx.Write(buf)
		return err
	})
	if err == nil {
		err = c.finish()
	}
	if err != nil {
		return st, err
	}
	if err := idx.Commit(false); err != nil {
		return st, err
	}
	// every chunk is clean now: tell the readers' ledger
	led := loadLedger(dir, policy)
	led.stampClean(dir, l.chunks)
	led.save(dir, l.chunks)
	if err := os.Remove(pending); err != nil && !errors.Is(err, os.ErrNotExist) {
		return st, err
	}
	return st, syncDir(dir)
}

// chunkRewrite is the chunk Redact is rewriting.
type chunkRewrite struct {
	dir, pending string
	opts         RedactOptions
	st           *xr.Stats
	rel          string
	a            *AtomicFile
	n            int      // records changed in this chunk
	dropped      int      // copies of a record left out
	total        int      // records in this chunk
	rules        []string // rule ids that fired in this chunk
}

func (c *chunkRewrite) start(rel string) error {
	a, err := CreateAtomic(filepath.Join(c.dir, filepath.FromSlash(rel)), 0o644)
	if err != nil {
		return err
	}
	c.rel, c.a, c.n, c.dropped, c.total, c.rules = rel, a, 0, 0, 0, c.rules[:0]
	return nil
}

// add counts a changed record and the rules that fired on it.
func (c *chunkRewrite) add(rules []string) {
	c.n++
	c.st.Inc("redacted")
	for _, id := range rules {
		c.st.Inc(RuleCounter + id)
		if !slices.Contains(c.rules, id) {
			c.rules = append(c.rules, id)
		}
	}
}

// finish puts the rewritten chunk in place if a record changed, and drops
// it otherwise.
func (c *chunkRewrite) finish() error {
	if c.a == nil {
		return nil
	}
	a := c.a
	c.a = nil
	if c.n == 0 && c.dropped == 0 {
		a.Abort()
		return nil
	}
	if err := c.markPending(); err != nil {
		a.Abort()
		return err
	}
	if err := a.Commit(false); err != nil {
		return err
	}
	c.st.Inc("rewritten")
	c.opts.Log.Debug("chunk rewritten", "f", c.rel, "redacted", c.n)
	slices.Sort(c.rules)
	msg := fmt.Sprintf("%s: %d of %d records redacted (%s)", c.rel, c.n, c.total, strings.Join(c.rules, ", "))
	if c.dropped > 0 {
		msg += fmt.Sprintf("; %d copies of records already in the pack left out", c.dropped)
	}
	c.opts.Diag.Warn(msg)
	return nil
}

func (c *chunkRewrite) abort() {
	if c.a != nil {
		c.a.Abort()
	}
}

// markPending creates RedactPendingFile, durably, before the first chunk
// is replaced.
func (c *chunkRewrite) markPending() error {
	if _, err := os.Stat(c.pending); err == nil {
		return nil
	}
	return writeAtomic(c.pending, []byte("xr-pack redact is rewriting this pack's chunks; rerun it to finish\n"), 0o644, false)
}
