package archive

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"
)

// refSeal writes the reference layout with the standard library's GCM
// (whole message in memory, as pack.py does): the yardstick for the
// streaming reader and writer.
func refSeal(t testing.TB, plain, pass []byte) []byte {
	t.Helper()
	hdr := make([]byte, refHeader)
	rand.Read(hdr)
	key, err := refKey(pass, hdr[:refSaltSize])
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	return aead.Seal(hdr, hdr[refSaltSize:], plain, nil)
}

// TestRefStreamMatchesGCM: the streaming GCM opens what crypto/cipher
// sealed and seals what it opens, at sizes around block and buffer edges.
func TestRefStreamMatchesGCM(t *testing.T) {
	pass := []byte("pw")
	for _, n := range []int{0, 1, 15, 16, 17, 4095, 256<<10 - 1, 256 << 10, 256<<10 + 17, 700_001} {
		plain := make([]byte, n)
		rand.Read(plain)
		ct := refSeal(t, plain, pass)
		var got bytes.Buffer
		m, err := decryptRefTo(&got, bytes.NewReader(ct), int64(len(ct)), pass)
		if err != nil || m != int64(n) || !bytes.Equal(got.Bytes(), plain) {
			t.Fatalf("n=%d: read: err=%v size=%d equal=%v", n, err, m, bytes.Equal(got.Bytes(), plain))
		}
		var out bytes.Buffer
		w, err := NewRefWriter(&out, pass)
		if err != nil {
			t.Fatal(err)
		}
		for p := plain; len(p) > 0; { // odd write sizes
			k := min(len(p), 7777)
			w.Write(p[:k])
			p = p[k:]
		}
		w.Close()
		b := out.Bytes()
		key, _ := refKey(pass, b[:refSaltSize])
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		if opened, err := aead.Open(nil, b[refSaltSize:refHeader], b[refHeader:], nil); err != nil || !bytes.Equal(opened, plain) {
			t.Fatalf("n=%d: crypto/cipher does not open what the writer wrote: %v", n, err)
		}
		// any flipped bit is caught by the tag
		if n > 0 {
			bad := bytes.Clone(ct)
			bad[refHeader+n/2] ^= 0x20
			if _, err := decryptRefTo(&bytes.Buffer{}, bytes.NewReader(bad), int64(len(bad)), pass); !errors.Is(err, ErrRefOpen) {
				t.Fatalf("n=%d: flipped byte: err = %v", n, err)
			}
		}
		if _, err := decryptRefTo(&bytes.Buffer{}, bytes.NewReader(ct), int64(len(ct)), []byte("wrong")); !errors.Is(err, ErrRefOpen) {
			t.Fatalf("n=%d: wrong key: err = %v", n, err)
		}
	}
}
