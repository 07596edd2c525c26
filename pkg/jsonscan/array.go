package jsonscan

// FirstElement and NextElement are the loop over the elements of a JSON
// array, with one set of error texts: two steps without state. The caller
// reads each element itself (Skip, Delimit, or its own reader) and hands
// back where it ends:
//
//	i, more, err := jsonscan.FirstElement(b, i)
//	for more && err == nil {
//		var end int
//		if end, err = jsonscan.Skip(b, i); err == nil { // the element: b[i:end]
//			i, more, err = jsonscan.NextElement(b, end)
//		}
//	}
//	// err: the array is broken; else i is just past its ']'
//
// Two inner loops, Skip's and the redaction walk's, write the steps out
// (a call per element costs them measurably); Object is the loop over an
// object's members.

// FirstElement reads the '[' at b[i] and returns the offset of the first
// element, or, for an empty array, more false and the offset just past
// its ']'.
func FirstElement(b []byte, i int) (next int, more bool, err error) {
	if i >= len(b) || b[i] != '[' {
		return i, false, arrayErr(b, i, true)
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, false, nil
	}
	return i, true, nil
}

// NextElement reads what follows the element that ends at b[end]: after
// a ',', the offset of the next element; after the ']', more false and
// the offset just past it.
func NextElement(b []byte, end int) (next int, more bool, err error) {
	i := SkipSpace(b, end)
	if i < len(b) && b[i] == ',' {
		return SkipSpace(b, i+1), true, nil
	}
	if i < len(b) && b[i] == ']' {
		return i + 1, false, nil
	}
	return i, false, arrayErr(b, i, false)
}

// arrayErr is the syntax error of an array broken at b[i] (at its start:
// no '['), built out of line so that the steps stay small.
//
//go:noinline
func arrayErr(b []byte, i int, start bool) error {
	switch {
	case start:
		return synErr(i, "want an array")
	case i >= len(b):
		return synErr(i, "unexpected end of input in array")
	}
	return synErr(i, "unexpected %s, want ',' or ']'", describe(b[i]))
}
