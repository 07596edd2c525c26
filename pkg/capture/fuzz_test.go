package capture

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"

	"github.com/xr-lake/xr/internal/capturetest"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// positioned is what every error about a capture names: a line, a byte
// offset, an entry, or that the file is empty.
var positioned = regexp.MustCompile(`line \d+|byte \d+|offset \d+|entries/\d+|empty file`)

var gz, zst = capturetest.Gzip, capturetest.Zstd

// FuzzCapture feeds every format (warc too, once registered) any bytes, as
// they are and cut short inside a gzip member: each bad item and each
// error that ends a file is one error with its position, never a panic.
func FuzzCapture(f *testing.F) {
	har := []byte(`{"log":{"entries":[` + harOne + `,` + harOne + `]}}`)
	for _, seed := range append([][]byte{
		har,
		[]byte(`{"log":{"version":"1.2","pages":[]}}`), // HAR with no entries
		[]byte(`{"log":{"entries":[{"request":{"method":"GET"}},7,{]}}`),
		[]byte(openaiOut + "\n" + anthOut + "\n"),
		[]byte(`{"id":"batch_req_1","response":{"status_code":200,"body":{}}}` + "\n"), // a batch result without custom_id
		[]byte(`{"custom_id":"x","response":{"body":{"created":1e400}}}`),
		[]byte("{\"id\":1}\n{\"id\":\n"),
		gz(har)[:40], // a truncated gzip member
		append(gz(har), 0x1f, 0x8b, 0),
		zst([]byte(openaiOut))[:20],
		[]byte("WARC/1.1\r\nWARC-Type: response\r\nContent-Length: x\r\n\r\n"), // a bad WARC header
		[]byte("WARC/1.0\r\nWARC-Type: request\r\nWARC-Target-URI: http://h/\r\nContent-Length: 18\r\n\r\nGET / HTTP/1.1\r\n\r\n\r\n\r\n"),
	}, warcSeeds()...) {
		f.Add(seed, uint8(0))
		f.Add(seed, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		if mode%2 == 1 {
			z := gz(data)
			data = z[:len(z)*int(mode)/256]
		}
		for _, name := range Names() {
			format, _ := Lookup(name)
			b, err := NewBuilder(Options{ExchangeType: "t", SourceSystem: "s", EntityType: "e", MaxLine: 1 << 16})
			if err != nil {
				t.Fatal(err)
			}
			reject := func(line int, raw []byte, err error) error {
				if !positioned.MatchString(err.Error()) {
					t.Errorf("%s: bad item without a position: %v", name, err)
				}
				return nil
			}
			err = Each(context.Background(), format, []string{"-"}, bytes.NewReader(data), b, xr.NewStats(), reject,
				func(rec *envelope.Record) error { return encodeCheck(rec) })
			if err != nil && !positioned.MatchString(err.Error()) {
				t.Errorf("%s: error without a position: %v", name, err)
			}
		}
	})
}

// encodeCheck writes rec and parses it back: what a format builds is
// always a valid envelope.
func encodeCheck(rec *envelope.Record) error {
	var buf bytes.Buffer
	w := envelope.NewWriter(&buf, false)
	if err := w.Write(rec); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err := envelope.NewReader(&buf, 0).Read()
	if err != nil && err != io.EOF {
		panic("built an invalid envelope: " + err.Error() + ": " + buf.String())
	}
	return nil
}
