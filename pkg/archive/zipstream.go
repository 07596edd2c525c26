package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"

	"github.com/klauspost/compress/flate"
)

// Streaming zip reading, front to back through the local headers, for a
// zip that cannot be read at random (one inside xr's encryption). Deflate
// members end themselves, so their sizes need not be known in advance
// (our writer puts them in data descriptors after the data); stored members
// need their sizes in the local header. The central directory is read past,
// not used: every member is checked against the archive's metadata (which
// lists paths, sizes and SHA-256) and each member's CRC-32 is checked here.
// Local headers carry no file modes, so every member is read as a regular
// file (a link can only ever become a plain file holding its target).

var (
	sigLocal      = []byte("PK\x03\x04")
	sigCentral    = []byte("PK\x01\x02")
	sigEnd        = []byte("PK\x05\x06")
	sigEnd64      = []byte("PK\x06\x06")
	sigDescriptor = []byte("PK\x07\x08")
)

var errZipStream = errors.New("zip (streamed)")

func (s *source) openZipStream(r *bufio.Reader, consumed func() int64, kind string) {
	s.kind = kind
	s.consumed = consumed
	s.walk = func(fn func(*member) error) error {
		for {
			sig, err := r.Peek(4)
			if err != nil {
				return fmt.Errorf("%w: %s before the central directory", errZipStream, io.ErrUnexpectedEOF)
			}
			switch {
			case bytes.Equal(sig, sigLocal):
			case bytes.Equal(sig, sigCentral), bytes.Equal(sig, sigEnd), bytes.Equal(sig, sigEnd64):
				_, err := io.Copy(io.Discard, r) // the encrypted layer checks its end
				return err
			default:
				return fmt.Errorf("%w: no local file header at a member boundary", errZipStream)
			}
			if err := streamMember(r, fn); err != nil {
				return err
			}
		}
	}
}

// streamMember reads one local header, its data and its data descriptor.
func streamMember(r *bufio.Reader, fn func(*member) error) error {
	var h [30]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return fmt.Errorf("%w: local header: %v", errZipStream, err)
	}
	flags := binary.LittleEndian.Uint16(h[6:])
	method := binary.LittleEndian.Uint16(h[8:])
	crc := binary.LittleEndian.Uint32(h[14:])
	csize := int64(binary.LittleEndian.Uint32(h[18:]))
	nameLen, extraLen := int(binary.LittleEndian.Uint16(h[26:])), int(binary.LittleEndian.Uint16(h[28:]))
	ne := make([]byte, nameLen+extraLen)
	if _, err := io.ReadFull(r, ne); err != nil {
		return fmt.Errorf("%w: local header: %v", errZipStream, err)
	}
	name := string(ne[:nameLen])
	descriptor := flags&0x8 != 0
	if flags&0x1 != 0 {
		return fmt.Errorf("member %q: zip encryption is not supported", name)
	}
	var data io.Reader
	switch method {
	case 8: // deflate
		fr := flate.NewReader(r)
		defer fr.Close()
		data = fr
	case 0: // stored
		if descriptor || csize == 0xFFFFFFFF {
			return fmt.Errorf("member %q: stored member of unknown size cannot be streamed", name)
		}
		data = io.LimitReader(r, csize)
	default:
		return fmt.Errorf("member %q: unsupported zip compression method %d", name, method)
	}
	sum := crc32.NewIEEE()
	m := &member{name: name, r: io.TeeReader(data, sum)}
	if len(name) > 0 && name[len(name)-1] == '/' {
		m.mode = fs.ModeDir
	}
	if err := fn(m); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, m.r); err != nil { // a directory's (empty) data
		return fmt.Errorf("member %q: %w", name, err)
	}
	if descriptor {
		var err error
		if crc, err = readDescriptor(r); err != nil {
			return fmt.Errorf("member %q: %w", name, err)
		}
	}
	if sum.Sum32() != crc {
		return fmt.Errorf("member %q: CRC-32 mismatch (the zip is corrupt)", name)
	}
	return nil
}

// readDescriptor reads a data descriptor (optional signature, CRC-32, then
// 4- or 8-byte sizes, told apart by the signature that follows) and returns
// its CRC-32.
func readDescriptor(r *bufio.Reader) (uint32, error) {
	b, err := r.Peek(4)
	if err != nil {
		return 0, fmt.Errorf("%w: data descriptor: %v", errZipStream, err)
	}
	if bytes.Equal(b, sigDescriptor) {
		r.Discard(4)
	}
	var c [4]byte
	if _, err := io.ReadFull(r, c[:]); err != nil {
		return 0, fmt.Errorf("%w: data descriptor: %v", errZipStream, err)
	}
	for _, n := range []int{8, 16} { // 32-bit sizes, then zip64 sizes
		next, _ := r.Peek(n + 4)
		if len(next) == n+4 && isSig(next[n:]) {
			r.Discard(n)
			return binary.LittleEndian.Uint32(c[:]), nil
		}
	}
	return 0, fmt.Errorf("%w: data descriptor not followed by a zip header", errZipStream)
}

func isSig(b []byte) bool {
	return bytes.Equal(b, sigLocal) || bytes.Equal(b, sigCentral) || bytes.Equal(b, sigEnd) || bytes.Equal(b, sigEnd64)
}
