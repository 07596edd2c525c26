package jsonscan

import (
	"errors"
	"fmt"
)

// Object reads the members of a JSON object one at a time, checking the
// object's own syntax (keys, ':', ',', '}') as it goes: the one loop over
// object members in xr, with one set of error texts. Each value is read by
// the caller, or skipped:
//
//	o := jsonscan.ObjectText(line) // or ObjectAt(b, i) inside a document
//	for o.Next() {
//		v, err := o.Value() // validated by Skip; or ValueWith(Delimit),
//		                    // or read from ValueStart() and SetValueEnd(end)
//		if err != nil { … o.Key() names the member … }
//	}
//	if err := o.Err(); err != nil { … }
//	end := o.End()
//
// A value left unread is skipped (and validated) by the next Next.
type Object struct {
	b     []byte
	i     int // where reading goes on; at an error, its offset
	k, ke int // the current key (quotes included)
	v, ve int // the current value; ve < 0 while unread
	depth int // nesting of the object, for the MaxDepth check of values
	state uint8
	whole bool // ObjectText: only whitespace may follow the object
	err   error
}

const (
	objStart uint8 = iota
	objMember
	objDone
)

// ErrNotObject is the error of ObjectText for valid JSON that is not an
// object.
var ErrNotObject = errors.New("not a JSON object")

// ObjectAt starts reading the object at b[i], which must be '{'.
func ObjectAt(b []byte, i int) Object { return Object{b: b, i: i, ve: -1, depth: 1} }

// ObjectText starts reading b as one JSON object with nothing around it
// but whitespace (an NDJSON line). Text that is not an object fails at
// the first Next: with its syntax error, or ErrNotObject.
func ObjectText(b []byte) Object {
	o := Object{b: b, i: SkipSpace(b, 0), ve: -1, depth: 1, whole: true}
	if o.i >= len(b) || b[o.i] != '{' {
		o.state, o.err = objDone, Valid(b)
		if o.err == nil {
			o.err = ErrNotObject
		}
	}
	return o
}

// objectAt is ObjectAt for Skip, at its nesting depth.
func objectAt(b []byte, i, depth int) Object { return Object{b: b, i: i, ve: -1, depth: depth} }

// Next moves to the next member and reports whether there is one. It
// returns false at the end of the object (End is then set) or at an error
// (Err).
func (o *Object) Next() bool {
	b := o.b
	var i int
	switch o.state {
	case objDone:
		return false
	case objStart:
		if o.i >= len(b) || b[o.i] != '{' {
			return o.fail(o.i, "want an object")
		}
		if o.depth > MaxDepth {
			o.state, o.err = objDone, tooDeep(o.i)
			return false
		}
		i = SkipSpace(b, o.i+1)
		if i < len(b) && b[i] == '}' {
			return o.close(i + 1)
		}
		o.state = objMember
	default:
		ve := o.ve
		if ve < 0 {
			var err error
			if ve, err = skip(b, o.v, o.depth); err != nil {
				o.state, o.i, o.err = objDone, ve, err
				return false
			}
		}
		i = SkipSpace(b, ve)
		if i >= len(b) {
			return o.fail(i, "unexpected end of input in object")
		}
		switch b[i] {
		case ',':
			i = SkipSpace(b, i+1)
		case '}':
			return o.close(i + 1)
		default:
			return o.fail(i, "unexpected %s, want ',' or '}'", describe(b[i]))
		}
	}
	if i >= len(b) {
		return o.fail(i, "unexpected end of input in object")
	}
	if b[i] != '"' {
		return o.fail(i, "unexpected %s, want an object key string", describe(b[i]))
	}
	ke, err := SkipString(b, i)
	if err != nil {
		o.state, o.i, o.err = objDone, ke, err
		return false
	}
	j := SkipSpace(b, ke)
	if j >= len(b) || b[j] != ':' {
		return o.fail(j, "want ':' after object key")
	}
	o.k, o.ke, o.v, o.ve = i, ke, SkipSpace(b, j+1), -1
	return true
}

func (o *Object) fail(i int, format string, args ...any) bool {
	o.state, o.i, o.err = objDone, i, synErr(i, format, args...)
	return false
}

func (o *Object) close(end int) bool {
	o.state, o.i = objDone, end
	if o.whole {
		if j := SkipSpace(o.b, end); j != len(o.b) {
			o.i, o.err = j, synErr(j, "unexpected text after the object")
		}
	}
	return false
}

// Key is the current member's key as it stands in the text, quotes and
// escapes included.
func (o *Object) Key() []byte { return o.b[o.k:o.ke] }

// KeyIs reports whether the current key is name, written without escapes.
func (o *Object) KeyIs(name string) bool {
	return o.ke-o.k == len(name)+2 && string(o.b[o.k+1:o.ke-1]) == name
}

// ValueStart is the offset of the current member's value.
func (o *Object) ValueStart() int { return o.v }

// Value returns the current member's value, validated by Skip.
func (o *Object) Value() ([]byte, error) { return o.ValueWith(Skip) }

// ValueWith returns the current member's value as read by skip (Skip,
// Delimit or the like). An error ends the object: Next returns false and
// Err returns it.
func (o *Object) ValueWith(skip func(b []byte, i int) (int, error)) ([]byte, error) {
	if o.ve < 0 {
		end, err := skip(o.b, o.v)
		if err != nil {
			o.state, o.i, o.err = objDone, end, err
			return nil, err
		}
		o.ve = end
	}
	return o.b[o.v:o.ve], nil
}

// SetValueEnd tells where the current member's value ends, for a caller
// that read it itself from ValueStart.
func (o *Object) SetValueEnd(end int) { o.ve = end }

// Err is the syntax error that ended the object, if any.
func (o *Object) Err() error { return o.err }

// End is the offset just past the object's '}' once Next has returned
// false without an error; after an error, the error's offset.
func (o *Object) End() int { return o.i }

func tooDeep(i int) error {
	return fmt.Errorf("%w: %w", synErr(i, "more than %d levels", MaxDepth), ErrTooDeep)
}
