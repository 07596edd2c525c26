package sqlstore

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xr-lake/xr/pkg/envelope"
)

// colLimits are the lengths of the text columns that hold a record's
// decoded values, in the order of limitedFields (0: no limit known).
type colLimits struct {
	max   [4]int
	utf16 bool // lengths in UTF-16 code units (SQL Server's NVARCHAR), else characters
}

var limitedFields = [4]envelope.Field{envelope.ExchangeType, envelope.SourceSystem, envelope.EntityType, envelope.NaturalKey}

// limitedCols are the columns of limitedFields; the natural key's is the
// configured one.
func limitedCols(n ddlNames) [4]string {
	return [4]string{"exchange_type", "source_system", "entity_type", n.NKName}
}

// specLimits are the spec's varchar(50), (100), (100) and (500). SQLite's
// TEXT columns have no length: it is held to these, so every engine takes
// the same records.
var specLimits = colLimits{max: [4]int{50, 100, 100, 500}}

// check refuses, naming line and field, a decoded value that a text column
// cannot hold: a NUL character (PostgreSQL's text cannot store one; refused
// on every engine alike) or more characters than the column's length,
// counted as the engine counts them. Without this the engine fails the
// whole batch, naming neither line nor field, and --rejects cannot apply.
func (l colLimits) check(r *row) error {
	vals := [4]string{r.typ, r.src, r.ent, r.nk}
	for i, v := range vals {
		if i == 3 && !r.hasNK {
			continue
		}
		fail := func(format string, args ...any) error {
			return &envelope.LineError{Line: r.line, Field: limitedFields[i].String(), Err: fmt.Errorf(format, args...)}
		}
		if strings.IndexByte(v, 0) >= 0 {
			return fail("holds a NUL character (\\u0000), which a PostgreSQL text column cannot store (refused on every engine)")
		}
		max := l.max[i]
		if max == 0 || len(v) <= max { // bytes >= characters >= ... and >= UTF-16 units
			continue
		}
		n, unit := utf8.RuneCountInString(v), "characters"
		if l.utf16 {
			n, unit = utf16Len(v), "UTF-16 code units"
		}
		if n > max {
			return fail("%d %s, longer than the table's column (%d)", n, unit, max)
		}
	}
	return nil
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		n++
		if c > 0xFFFF {
			n++
		}
	}
	return n
}
