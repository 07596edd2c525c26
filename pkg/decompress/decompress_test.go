package decompress

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/xr-lake/xr/internal/capturetest"
)

func gz(s string) []byte  { return capturetest.Gzip([]byte(s)) }
func zst(s string) []byte { return capturetest.Zstd([]byte(s)) }

func TestNewReader(t *testing.T) {
	for _, c := range []struct {
		name, format string
		in           []byte
		want         string
	}{
		{"plain", "", []byte("{\"a\":1}\n"), "{\"a\":1}\n"},
		{"empty", "", nil, ""},
		{"starts like gzip", "", []byte("\x1fxyz"), "\x1fxyz"},
		{"starts like zstd", "", []byte("(b"), "(b"},
		{"gzip", "gzip", gz("one\n"), "one\n"},
		{"gzip members in a row", "gzip", append(gz("one\n"), gz("two\n")...), "one\ntwo\n"},
		{"zstd", "zstd", zst("one\n"), "one\n"},
		{"zstd frames in a row", "zstd", append(zst("one\n"), zst("two\n")...), "one\ntwo\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(c.in))
			defer r.Close()
			got, err := io.ReadAll(r)
			if err != nil || string(got) != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
			if f, _ := r.Format(); f != c.format {
				t.Fatalf("format %q, want %q", f, c.format)
			}
		})
	}
}

// TestTruncated: a compressed stream cut short is an *Error naming the
// format and an offset within the compressed input, never a silent end.
func TestTruncated(t *testing.T) {
	text := strings.Repeat("a line of text that compresses\n", 2000)
	for name, full := range map[string][]byte{"gzip": gz(text), "zstd": zst(text)} {
		for _, cut := range []int{4, 10, len(full) / 2, len(full) - 1} { // 3 bytes of zstd magic are not zstd yet
			r := NewReader(bytes.NewReader(full[:cut]))
			_, err := io.ReadAll(r)
			var de *Error
			if !errors.As(err, &de) || de.Format != name || de.Offset < 0 || de.Offset > int64(cut) {
				t.Errorf("%s cut at %d: err = %v", name, cut, err)
			}
			r.Close()
		}
	}
	_, err := io.ReadAll(NewReader(bytes.NewReader(gz(text)[:40])))
	if err == nil || !strings.HasPrefix(err.Error(), "gzip input, byte ") || !strings.HasSuffix(err.Error(), ": truncated (unexpected end of the compressed data)") {
		t.Fatalf("message: %v", err)
	}
}
