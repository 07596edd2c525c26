package model_test

import (
	"sort"
	"time"
)

// version is one logical record some writer produced: its identity
// (exchange_id, key, time) and a marker in its response that survives
// redaction, so a stored copy is recognized whatever was scrubbed.
type version struct {
	id     string
	src    string
	ent    string
	key    *keyval // nil: no natural key
	t      time.Time
	tText  string // observed_at_utc as written (offsets, fractions)
	marker string
	token  string // the bearer token in its Authorization header ("" = none)
}

// keyval is a natural key: its text (what keys it) and whether it was
// written as a JSON number.
type keyval struct {
	text string
	num  bool
}

// rowKey identifies a keyed record on both sides; the separator cannot
// occur in generated names, so no two keys conflate here.
func (v *version) rowKey() string {
	return v.src + "\x00" + v.ent + "\x00" + v.key.text
}

// stored is a copy of a version on one side, scrubbed or not.
type stored struct {
	v        *version
	redacted bool
}

// content is what content_sha256 tells apart: the version and whether its
// secret was scrubbed (scrubbing a record without a secret changes nothing).
func (c stored) content() string {
	if c.redacted && c.v.token != "" {
		return c.v.marker + "/r"
	}
	return c.v.marker
}

func (c stored) hasSecret() bool { return c.v.token != "" && !c.redacted }

// state is both sides as the model expects them.
type state struct {
	pack    []stored          // pack order (grouped by day, append order within one)
	sql     map[string]stored // keyed rows by rowKey
	keyless map[string]stored // rows without a natural key, by content
}

func newState() *state {
	return &state{sql: map[string]stored{}, keyless: map[string]stored{}}
}

func (s *state) clone() *state {
	c := &state{pack: append([]stored(nil), s.pack...), sql: map[string]stored{}, keyless: map[string]stored{}}
	for k, v := range s.sql {
		c.sql[k] = v
	}
	for k, v := range s.keyless {
		c.keyless[k] = v
	}
	return c
}

func (s *state) packContents() map[string]bool {
	m := map[string]bool{}
	for _, c := range s.pack {
		m[c.content()] = true
	}
	return m
}

func (s *state) packIDs() map[string]stored {
	m := map[string]stored{}
	for _, c := range s.pack {
		m[c.v.id] = c
	}
	return m
}

// appendPack appends copies the pack lacks (a hash already in the pack is
// not written again); it returns how many were written.
func (s *state) appendPack(cs []stored) int {
	have := s.packContents()
	n := 0
	for _, c := range cs {
		if have[c.content()] {
			continue
		}
		have[c.content()] = true
		s.pack = append(s.pack, c)
		n++
	}
	return n
}

// latest is the pack's current version of each key: the newest by
// observed_at_utc, a tie going to the later record in pack order (as the
// spec's rules applied record by record decide; pkg/diff).
func (s *state) latest() map[string]stored {
	m := map[string]stored{}
	for _, c := range s.pack {
		if c.v.key == nil {
			continue
		}
		k := c.v.rowKey()
		if cur, ok := m[k]; !ok || !c.v.t.Before(cur.v.t) {
			m[k] = c
		}
	}
	return m
}

func (s *state) sqlRows() []stored {
	var rows []stored
	for _, c := range s.sql {
		rows = append(rows, c)
	}
	for _, c := range s.keyless {
		rows = append(rows, c)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].v.marker < rows[j].v.marker })
	return rows
}

// jsonWins says whether the pack's (JSON) version p beats SQL's r under a
// strategy, in either direction: the import loads p when it wins, the
// export appends r when it does not. Under prefer_newest the later
// observed_at_utc wins and a tie goes to the JSON side, both ways (issue
// 11 item 4).
func jsonWins(strategy string, p, r stored) bool {
	switch strategy {
	case "prefer_json":
		return true
	case "prefer_sql":
		return false
	}
	return !p.v.t.Before(r.v.t)
}

// importPlan is what an import computes against SQL as it is in s: the
// records to load and the number of conflicts (keys whose current
// versions differ on the two sides). With fail and a conflict, failed.
type importPlan struct {
	recs      []stored
	conflicts int
	failed    bool
}

func (s *state) planImport(strategy string, redactOn bool) importPlan {
	var p importPlan
	lat := s.latest()
	keys := make([]string, 0, len(lat))
	for k := range lat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		l := lat[k]
		l.redacted = l.redacted || redactOn
		r, ok := s.sql[k]
		switch {
		case !ok:
			p.recs = append(p.recs, l)
		case r.content() == l.content():
		default:
			p.conflicts++
			if strategy == "fail" {
				p.failed = true
			} else if jsonWins(strategy, l, r) {
				p.recs = append(p.recs, l)
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range s.pack {
		if c.v.key != nil {
			continue
		}
		c.redacted = c.redacted || redactOn
		if _, ok := s.keyless[c.content()]; ok || seen[c.content()] {
			continue
		}
		seen[c.content()] = true
		p.recs = append(p.recs, c)
	}
	if p.failed {
		p.recs = nil
	}
	return p
}

// load applies a plan the way the loader must (issue 18): a key stored
// with another version is replaced only if the strategy lets the incoming
// record win against what is stored now (compare-and-set), so a plan made
// against a stale index never overwrites a newer row under prefer_newest.
func (s *state) load(recs []stored, strategy string) (inserted, updated int) {
	for _, c := range recs {
		if c.v.key == nil {
			if _, ok := s.keyless[c.content()]; !ok {
				s.keyless[c.content()] = c
				inserted++
			}
			continue
		}
		k := c.v.rowKey()
		r, ok := s.sql[k]
		switch {
		case !ok:
			s.sql[k] = c
			inserted++
		case r.content() == c.content():
		case jsonWins(strategy, c, r):
			s.sql[k] = c
			updated++
		}
	}
	return
}

// inScope says whether a version belongs to the dataset the manifest
// names (export dumps only those; import takes every record of the pack).
func (q *seq) inScope(v *version) bool {
	if q.scopeSrc == "" && q.scopeEnt == "" {
		return true
	}
	return v.src == q.scopeSrc && v.ent == q.scopeEnt
}

// exportPlan is what an export does: the rows appended, the rows dumped,
// the conflicts, and whether it fails (a conflict under fail, or SQL's
// record winning against the pack's record of the same exchange_id, which a
// pack cannot take a second time).
type exportPlan struct {
	written, dumped, conflicts int
	failed                     bool
}

// export meets SQL's in-scope rows with the pack: a row whose content the
// pack holds is unchanged; one of a key the pack has is a conflict with
// the pack's current version, resolved by the strategy; a row whose
// exchange_id the pack holds with other content (its unscrubbed original)
// is a conflict on that record: the pack's staying drops the row, SQL's
// winning fails the export (docs/workflows.md). What wins is appended.
func (q *seq) export(s *state, strategy string) exportPlan {
	var p exportPlan
	have := s.packContents()
	ids := s.packIDs()
	lat := s.latest()
	var out []stored
	for _, r := range s.sqlRows() {
		if !q.inScope(r.v) {
			continue
		}
		p.dumped++
		if have[r.content()] {
			continue
		}
		emit, counted := true, false
		if r.v.key != nil {
			if l, ok := lat[r.v.rowKey()]; ok {
				p.conflicts++
				counted = true
				if strategy == "fail" {
					p.failed = true
				}
				emit = !jsonWins(strategy, l, r)
			}
		}
		if pr, ok := ids[r.v.id]; ok && emit {
			if !counted {
				p.conflicts++
			}
			if strategy == "fail" || !jsonWins(strategy, pr, r) {
				p.failed = true
			}
			emit = false
		}
		if emit {
			out = append(out, r)
		}
	}
	if !p.failed {
		p.written = s.appendPack(out)
	}
	return p
}
