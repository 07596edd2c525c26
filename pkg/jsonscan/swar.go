package jsonscan

import "encoding/binary"

// Eight bytes at a time: these masks find, in one 64-bit word, any byte
// that ends a plain run inside a string ('"', '\\', a control) and any
// non-ASCII byte, so long runs of plain text are skipped word by word.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// StopMask has the high bit set in each byte of x that is '"', '\\' or a
// control character (< 0x20). Bytes >= 0x80 are not flagged.
func StopMask(x uint64) uint64 {
	ctl := (x - ones*0x20) &^ x
	q := x ^ (ones * '"')
	qt := (q - ones) &^ q
	s := x ^ (ones * '\\')
	bs := (s - ones) &^ s
	return (ctl | qt | bs) & highs
}

// PlainRun returns the index of the first byte at or after i that is '"',
// '\\', a control character, or (when ascii is set) non-ASCII; len(b) if
// none. high reports whether the run b[i:end] has non-ASCII bytes.
func PlainRun(b []byte, i int, ascii bool) (end int, high bool) {
	var h uint64
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		m := StopMask(x)
		if ascii {
			m |= x & highs
		}
		if m != 0 {
			break
		}
		h |= x
		i += 8
	}
	for i < len(b) {
		c := b[i]
		if stop[c] || ascii && c >= 0x80 {
			break
		}
		h |= uint64(c)
		i++
	}
	return i, h&highs != 0 || h >= 0x80
}
