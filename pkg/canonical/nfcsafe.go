package canonical

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A rune is NFC-safe when it has canonical combining class 0, cannot
// combine with a rune before it, and is its own NFC. A string made only of
// NFC-safe runes is in NFC already: nothing in it can reorder, compose or
// decompose. Checking that per rune from a bit table is many times faster
// than norm.IsNormal, and covers nearly all real text; strings with any
// other rune take the exact path through package norm.
const safeLimit = 0x20000 // the BMP and the SMP (emoji, historic scripts)

var (
	safeOnce sync.Once
	safeBits []uint64
)

func buildSafe() {
	safeBits = make([]uint64, safeLimit/64)
	var buf [utf8.UTFMax]byte
	for r := rune(0); r < safeLimit; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		if r < 0x300 { // Latin-1 and friends: all NFC-safe
			safeBits[r>>6] |= 1 << (r & 63)
			continue
		}
		s := buf[:utf8.EncodeRune(buf[:], r)]
		p := norm.NFC.Properties(s)
		if p.CCC() == 0 && p.BoundaryBefore() && norm.NFC.IsNormal(s) {
			safeBits[r>>6] |= 1 << (r & 63)
		}
	}
}

// nfcSafe reports whether r is NFC-safe (see safeLimit).
func nfcSafe(r rune) bool {
	if r >= safeLimit {
		return false
	}
	safeOnce.Do(buildSafe)
	return safeBits[r>>6]&(1<<(r&63)) != 0
}
