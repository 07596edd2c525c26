// Command genbench writes synthetic data for xr-diff's benchmark, fast:
//
//	genbench index N     N index lines (compact form), keys bench|page|<i>
//	genbench input N M   M hashed envelopes against that index: a quarter
//	                     each unchanged, changed (newer), new key, and new
//	                     without a natural key
//
// Hashes are pseudo-random 32-byte values (not real content hashes: xr-diff
// trusts content_sha256 and does not recompute it).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
)

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// digest appends the hex hash of record i, version v.
func digest(b []byte, i, v uint64) []byte {
	var h [32]byte
	s := i*4 + v
	for w := range 4 {
		s = splitmix(s)
		binary.BigEndian.PutUint64(h[w*8:], s)
	}
	return hex.AppendEncode(b, h[:])
}

func stamp(b []byte, i uint64, day int) []byte {
	return fmt.Appendf(b, "2026-01-%02dT%02d:%02d:%02dZ", day, i/3600%24, i/60%60, i%60)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: genbench index N | genbench input N M")
		os.Exit(2)
	}
	n, _ := strconv.ParseUint(os.Args[2], 10, 64)
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	var b []byte
	switch os.Args[1] {
	case "index":
		for i := range n {
			b = append(b[:0], `{"h":"`...)
			b = digest(b, i, 0)
			b = append(b, `","k":"bench|page|`...)
			b = strconv.AppendUint(b, i, 10)
			b = fmt.Appendf(b, `","id":"%08x-0000-4000-8000-%012x","t":"`, i, i)
			b = stamp(b, i, 15)
			b = append(b, "\"}\n"...)
			w.Write(b)
		}
	case "input":
		m, _ := strconv.ParseUint(os.Args[3], 10, 64)
		for j := range m {
			i := splitmix(j) % n // a random index entry
			b = append(b[:0], `{"exchange_id":"`...)
			b = fmt.Appendf(b, "%08x-0000-4000-8000-%012x", j, j)
			b = append(b, `","exchange_type":"http","source_system":"bench","entity_type":"page","natural_key":`...)
			v, day := uint64(0), 15
			switch j % 4 {
			case 0: // unchanged
				b = fmt.Appendf(b, `"%d"`, i)
			case 1: // changed, newer
				b = fmt.Appendf(b, `"%d"`, i)
				v, day = 1, 16
			case 2: // a new key
				b = fmt.Appendf(b, `"new-%d"`, j)
				i, v = n+j, 0
			case 3: // new, keyed by hash alone
				b = append(b, "null"...)
				i, v = n+j, 2
			}
			b = append(b, `,"request":{"url":"https://example.org/`...)
			b = strconv.AppendUint(b, i, 10)
			b = append(b, `"},"response":{"ok":true},"observed_at_utc":"`...)
			b = stamp(b, i, day)
			b = append(b, `","content_sha256":"`...)
			b = digest(b, i, v)
			b = append(b, "\",\"schema_version\":1}\n"...)
			w.Write(b)
		}
	default:
		fmt.Fprintln(os.Stderr, "genbench: want index or input")
		os.Exit(2)
	}
}
