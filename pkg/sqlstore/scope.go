package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/xr-lake/xr/pkg/envelope"
)

// Scope is one source_system/entity_type pair.
type Scope struct{ Source, Entity string }

// maxScopes: beyond this many pairs, an index of the input's scopes is
// the whole table's (one scan instead of that many queries).
const maxScopes = 256

// ScopesOf reads envelopes from r (named name in errors) and returns the
// distinct source_system/entity_type pairs they hold, in first-seen
// order; all is true when there are more than maxScopes. The index an
// import diffs against must cover every key its records can touch --
// the records' own scopes, whatever the manifest's says (issue 18).
func ScopesOf(ctx context.Context, r io.Reader, name string, maxLine int) (scopes []Scope, all bool, err error) {
	rd := envelope.NewReader(r, maxLine)
	rd.DeferPayloads() // only the two strings are needed
	seen := map[Scope]bool{}
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return scopes, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", name, err)
		}
		s := Scope{rec.Str(envelope.SourceSystem), rec.Str(envelope.EntityType)}
		if s.Source == "" || s.Entity == "" {
			return nil, false, fmt.Errorf("%s: %w", name, &envelope.LineError{Line: rec.Line, Err: errors.New("source_system and entity_type are required")})
		}
		if !seen[s] {
			if len(scopes) == maxScopes {
				return nil, true, nil
			}
			seen[s] = true
			scopes = append(scopes, s)
		}
	}
}
