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
	state uint8
	whole bool // ObjectText: only whitespace may follow the object
	valid bool // ValidObjectAt: keys are only delimited
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
// Its values are read as Skip reads a value on its own: MaxDepth counts
// from each value, not from the document.
func ObjectAt(b []byte, i int) Object { return Object{b: b, i: i, ve: -1} }

// ValidObjectAt is ObjectAt for text that has been validated already (the
// redaction walk's values): keys are only delimited, as Delimit delimits
// a value, not checked again. The text must be valid; a value left unread
// is still checked when skipped.
func ValidObjectAt(b []byte, i int) Object { return Object{b: b, i: i, ve: -1, valid: true} }

// ObjectText starts reading b as one JSON object with nothing around it
// but whitespace (an NDJSON line). Text that is not an object fails at
// the first Next: with its syntax error, or ErrNotObject.
func ObjectText(b []byte) Object {
	o := Object{b: b, i: SkipSpace(b, 0), ve: -1, whole: true}
	if o.i >= len(b) || b[o.i] != '{' {
		o.notObject()
	}
	return o
}

func (o *Object) notObject() {
	o.state, o.err = objDone, Valid(o.b)
	if o.err == nil {
		o.err = ErrNotObject
	}
}

// Next moves to the next member and reports whether there is one. It
// returns false at the end of the object (End is then set) or at an error
// (Err).
func (o *Object) Next() bool {
	if o.state != objMember {
		return o.start()
	}
	ve := o.ve
	if ve < 0 {
		var err error
		if ve, err = Skip(o.b, o.v); err != nil {
			return o.stop(ve, err)
		}
	}
	b := o.b
	i := SkipSpace(b, ve)
	if i < len(b) && b[i] == ',' {
		return o.member(SkipSpace(b, i+1))
	}
	if i < len(b) && b[i] == '}' {
		return o.close(i + 1)
	}
	return o.fail(i, wantSep)
}

// start reads the '{' and the first member.
func (o *Object) start() bool {
	if o.state == objDone {
		return false
	}
	b := o.b
	if o.i >= len(b) || b[o.i] != '{' {
		return o.stop(o.i, synErr(o.i, "want an object"))
	}
	o.state = objMember
	i := SkipSpace(b, o.i+1)
	if i < len(b) && b[i] == '}' {
		return o.close(i + 1)
	}
	return o.member(i)
}

// member reads the key at b[i] and the ':' after it.
func (o *Object) member(i int) bool {
	b := o.b
	if i >= len(b) || b[i] != '"' {
		return o.fail(i, wantKey)
	}
	var ke int
	if o.valid {
		if ke = StringEnd(b, i); ke < 0 { // not valid after all: cut short
			return o.fail(len(b), wantKey)
		}
	} else {
		var err error
		if ke, err = SkipString(b, i); err != nil {
			return o.stop(ke, err)
		}
	}
	j := SkipSpace(b, ke)
	if j >= len(b) || b[j] != ':' {
		return o.fail(j, wantColon)
	}
	o.k, o.ke, o.v, o.ve = i, ke, SkipSpace(b, j+1), -1
	return true
}

// What Next wanted where the object is broken.
const (
	wantSep = iota
	wantKey
	wantColon
)

// fail ends the object with the syntax error of what it wanted at b[i].
func (o *Object) fail(i, want int) bool {
	return o.stop(i, objectErr(o.b, i, want))
}

// objectErr is the syntax error of an object broken at b[i], where it
// wanted want: the one wording of every object loop (Object's and
// skipObject's), built out of line so that the loops stay small.
//
//go:noinline
func objectErr(b []byte, i, want int) error {
	switch {
	case want == wantColon:
		return synErr(i, "want ':' after object key")
	case i >= len(b):
		return synErr(i, "unexpected end of input in object")
	case want == wantKey:
		return synErr(i, "unexpected %s, want an object key string", describe(b[i]))
	}
	return synErr(i, "unexpected %s, want ',' or '}'", describe(b[i]))
}

func (o *Object) stop(i int, err error) bool {
	o.state, o.i, o.err = objDone, i, err
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

// KeyStart is the offset of the current key.
func (o *Object) KeyStart() int { return o.k }

// ValueStart is the offset of the current member's value.
func (o *Object) ValueStart() int { return o.v }

// Value returns the current member's value, validated by Skip.
func (o *Object) Value() ([]byte, error) {
	if o.ve < 0 {
		return o.skipValue()
	}
	return o.b[o.v:o.ve:o.ve], nil
}

func (o *Object) skipValue() ([]byte, error) {
	end, err := Skip(o.b, o.v)
	if err != nil {
		o.stop(end, err)
		return nil, err
	}
	o.ve = end
	return o.b[o.v:end], nil
}

// ValueWith returns the current member's value as read by skip (Skip,
// Delimit or the like). An error ends the object: Next returns false and
// Err returns it.
func (o *Object) ValueWith(skip func(b []byte, i int) (int, error)) ([]byte, error) {
	if o.ve < 0 {
		end, err := skip(o.b, o.v)
		if err != nil {
			o.stop(end, err)
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

// TooDeep is the error of an array or object at byte i nested beyond
// MaxDepth (it matches ErrTooDeep), for a reader that counts depth itself.
func TooDeep(i int) error {
	return fmt.Errorf("%w: %w", synErr(i, "more than %d levels", MaxDepth), ErrTooDeep)
}
