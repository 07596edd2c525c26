package warc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader: any input reads as records or ends in one positioned
// *Error, never a panic or an endless loop.
func FuzzReader(f *testing.F) {
	plain := bytes.Join(records, nil)
	f.Add(plain)
	f.Add(gz(plain))
	f.Add(append(gz(records[0]), gz(records[1])...))
	f.Add(plain[:40])
	f.Add(gz(plain)[:30])
	f.Add(zst(plain))
	f.Add(zst(plain)[:40])
	f.Add([]byte("WARC/1.0\r\nWARC-Type: response\r\nContent-Length: -1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		for i := 0; ; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var we *Error
				if !errors.As(err, &we) {
					t.Fatalf("error %v (%T) is not a *warc.Error", err, err)
				}
				return
			}
			if i > len(in) {
				t.Fatal("more records than input bytes")
			}
			if _, err := io.ReadAll(rec.Block); err != nil {
				var we *Error
				if !errors.As(err, &we) {
					t.Fatalf("block error %v (%T) is not a *warc.Error", err, err)
				}
				return
			}
		}
	})
}
