package diff

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/indexline"
)

// LoadOptions tell Load which entries to keep.
type LoadOptions struct {
	// MaxLine caps one index line (0: envelope.DefaultMaxLine).
	MaxLine int
	// Keep, if set, decides per entry (content hash, key hash) whether it
	// belongs to this process (--shard).
	Keep func(h *[32]byte, k uint64) bool
	// NoKeys drops the keys (--by hash needs none): no key table is built.
	NoKeys bool
	// Resolve, when set, finds the key parts of the records of lines
	// whose k is ambiguous and that have no "kp" (a reference-made pack's
	// index): want maps each such line's chunk file f to the content
	// hashes it names; the result maps a hash to its record's parts. A
	// line it does not resolve is refused, naming it.
	Resolve func(want map[string]map[string]bool) (map[string]envelope.KeyParts, error)
}

// IndexError is a bad line in the index: its Field and Err are those of
// indexline's *Error, so that it reads as `xr-pack verify` words it.
type IndexError struct {
	Name  string // the index's name (file path) as given
	Line  int
	Field string
	Err   error
}

func (e *IndexError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: line %d: %v", e.Name, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: line %d: %s: %v", e.Name, e.Line, e.Field, e.Err)
}

func (e *IndexError) Unwrap() error { return e.Err }

// indexError is the error of reading index name: a bad line as an
// IndexError.
func indexError(name string, err error) error {
	var le *indexline.LineError
	if !errors.As(err, &le) {
		return fmt.Errorf("%s: %w", name, err)
	}
	ie := &IndexError{Name: name, Line: le.Line, Err: le.Err}
	var fe *indexline.Error
	if errors.As(le.Err, &fe) {
		ie.Field, ie.Err = fe.Field, fe.Err
	}
	return ie
}

// Load reads index lines ({"h","k","id","t","f"} objects, any JSON
// spacing, t in any ISO 8601 form) from r. name is used in errors.
func Load(ctx context.Context, r io.Reader, name string, o LoadOptions) (*Index, error) {
	rd := indexline.NewReader(r, o.MaxLine)
	ix := &Index{}
	var pending []unresolved
	var scratch entry
	for {
		f, line, err := rd.Scan()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, indexError(name, err)
		}
		if line&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e := &scratch // one entry for all lines: &e would escape per line through Keep
		*e = entry{h: f.Hash, t: f.Time}
		if !o.NoKeys {
			var ambiguous bool
			if e.k, ambiguous = entryKey(f); ambiguous {
				if o.Resolve == nil {
					return nil, &IndexError{Name: name, Line: line, Field: "k", Err: errAmbiguousKey}
				}
				// resolved from the record once the index is read
				pending = append(pending, unresolved{line: line, e: *e, file: string(f.File), k: string(f.Key)})
				continue
			}
		}
		if o.Keep != nil && !o.Keep(&e.h, e.k) {
			continue
		}
		if ix.ent.n == math.MaxUint32 {
			return nil, fmt.Errorf("%s: more than %d entries", name, uint32(math.MaxUint32))
		}
		ix.ent.add(*e)
	}
	if err := resolveKeys(pending, name, o, &ix.ent); err != nil {
		return nil, err
	}
	ix.build()
	return ix, nil
}

// entryKey is the key hash of an index line: from its "kp" when it has
// one, else from its k text (ambiguous: the text cannot say; see
// keyTextHash); 0 without a natural key.
func entryKey(f *indexline.Fields) (k uint64, ambiguous bool) {
	switch {
	case f.HasKP:
		return keyHash(f.KP), false
	case f.Key == nil:
		return 0, false
	}
	return keyTextHash(f.Key)
}

// unresolved is an index line whose k is ambiguous, waiting for its
// record's key parts.
type unresolved struct {
	line    int
	e       entry
	file, k string // its "f" and "k"
}

// resolveKeys keys the pending lines by their records' parts (o.Resolve),
// adds those o.Keep keeps to ent, and refuses a line whose record is not
// where its f says.
func resolveKeys(pending []unresolved, name string, o LoadOptions, ent *entries) error {
	if len(pending) == 0 {
		return nil
	}
	want := map[string]map[string]bool{}
	for _, p := range pending {
		if want[p.file] == nil {
			want[p.file] = map[string]bool{}
		}
		want[p.file][hex.EncodeToString(p.e.h[:])] = true
	}
	parts, err := o.Resolve(want)
	if err != nil {
		return fmt.Errorf("%s: resolving ambiguous keys from the chunks: %w", name, err)
	}
	for _, p := range pending {
		kp, ok := parts[hex.EncodeToString(p.e.h[:])]
		if !ok || kp.Text() != p.k {
			return &IndexError{Name: name, Line: p.line, Field: "k", Err: fmt.Errorf("%w; and its record is not in f %q to say", errAmbiguousKey, p.file)}
		}
		e := p.e
		e.k = keyHash(kp)
		if o.Keep != nil && !o.Keep(&e.h, e.k) {
			continue
		}
		ent.add(e)
	}
	return nil
}

// errAmbiguousKey is a reference-format index line whose k has more than
// two '|' and no "kp": it cannot tell which (source_system, entity_type,
// natural_key) it names, and a guess could take one key for another.
// Only a comparison by key needs to know (--by hash does not).
var errAmbiguousKey = errors.New(`more than two '|': cannot tell source_system, entity_type and natural_key apart, ` +
	`and this line has no "kp" (key parts) saying which; give the pack folder as --against (its chunks say), ` +
	`or run xr-pack index --rebuild DIR (it writes them)`)
