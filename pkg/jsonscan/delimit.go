package jsonscan

import "bytes"

// structural marks the bytes Delimit must look at outside strings.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// Delimit returns the end of the JSON value at b[i] without validating it:
// it only tracks strings and nesting, many times faster than Skip. Use it
// only where the value is fully validated later (the canonicalizer does),
// and only for values that start with '{', '[' or '"'; anything else is
// handed to Skip.
func Delimit(b []byte, i int) (int, error) {
	if i >= len(b) || (b[i] != '{' && b[i] != '[' && b[i] != '"') {
		return Skip(b, i)
	}
	depth := 0
	for j := i; j < len(b); j++ {
		switch c := b[j]; {
		case !structural[c]:
		case c == '"':
			end := StringEnd(b, j)
			if end < 0 {
				return len(b), synErr(j, "unexpected end of input in string")
			}
			if depth == 0 {
				return end, nil
			}
			j = end - 1
		case c == '{' || c == '[':
			depth++
			if depth > MaxDepth {
				return j, TooDeep(j)
			}
		default: // '}' or ']'
			depth--
			if depth == 0 {
				return j + 1, nil
			}
			if depth < 0 {
				return j, synErr(j, "unbalanced %q", c)
			}
		}
	}
	return len(b), synErr(len(b), "unexpected end of input in value")
}

// StringEnd returns the index past the closing quote of the string at
// b[j], or -1: the first '"' not escaped by an odd run of backslashes. It
// only delimits (with IndexByte); the string must be validated elsewhere.
func StringEnd(b []byte, j int) int {
	k := j + 1
	for {
		q := bytes.IndexByte(b[k:], '"')
		if q < 0 {
			return -1
		}
		k += q
		n := 0
		for p := k - 1; p > j && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return k + 1
		}
		k++
	}
}

// Depth returns the deepest nesting of arrays and objects in the valid
// JSON text b (0 for a scalar). Readers differ in the nesting they accept
// (jq 1.6 stops at 256, CPython near 1000); a writer that wants every one
// of them to read its output checks the depth first.
func Depth(b []byte) int {
	depth, deepest := 0, 0
	for j := 0; j < len(b); j++ {
		switch c := b[j]; {
		case !structural[c]:
		case c == '"':
			end := StringEnd(b, j)
			if end < 0 {
				return deepest
			}
			j = end - 1
		case c == '{' || c == '[':
			if depth++; depth > deepest {
				deepest = depth
			}
		default:
			depth--
		}
	}
	return deepest
}
