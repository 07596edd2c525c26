package warc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xr-lake/xr/internal/capturetest"
)

// rec makes one WARC record's bytes.
func rec(typ, id string, block string) []byte {
	return []byte(fmt.Sprintf("WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:%s>\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n", typ, id, len(block), block))
}

var gz, zst = capturetest.Gzip, capturetest.Zstd

type got struct {
	pos   string
	typ   string
	block string
}

func readAll(t *testing.T, b []byte) ([]got, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	var out []got
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		blk, err := io.ReadAll(rec.Block)
		if err != nil {
			return out, err
		}
		out = append(out, got{rec.Pos.String(), rec.Type(), string(blk)})
	}
}

var records = [][]byte{
	rec("warcinfo", "1", "software: test\r\n"),
	rec("request", "2", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
	rec("response", "3", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
}

func TestLayouts(t *testing.T) {
	plain := bytes.Join(records, nil)
	var perRecord []byte
	var offsets []int64
	for _, r := range records {
		offsets = append(offsets, int64(len(perRecord)))
		perRecord = append(perRecord, gz(r)...)
	}
	// members that cut records anywhere: the first 10 bytes, then the rest
	split := append(gz(plain[:10]), gz(plain[10:])...)
	plainAt := []int64{0, int64(len(records[0])), int64(len(records[0]) + len(records[1]))}
	member2 := int64(len(gz(plain[:10])))
	for _, tc := range []struct {
		name string
		in   []byte
		pos  []string
	}{
		{"plain", plain, []string{fmt.Sprint(plainAt[0]), fmt.Sprint(plainAt[1]), fmt.Sprint(plainAt[2])}},
		{"per-record gzip", perRecord, []string{fmt.Sprint(offsets[0]), fmt.Sprint(offsets[1]), fmt.Sprint(offsets[2])}},
		{"whole-file gzip", gz(plain), []string{"0", fmt.Sprintf("0+%d", plainAt[1]), fmt.Sprintf("0+%d", plainAt[2])}},
		{"members across records", split, []string{"0", fmt.Sprintf("%d+%d", member2, plainAt[1]-10), fmt.Sprintf("%d+%d", member2, plainAt[2]-10)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := readAll(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 3 {
				t.Fatalf("%d records, want 3", len(out))
			}
			for i, g := range out {
				want := string(records[i])
				if !strings.Contains(want, "\r\n\r\n"+g.block+"\r\n\r\n") {
					t.Errorf("record %d: block %q", i, g.block)
				}
				if g.pos != tc.pos[i] {
					t.Errorf("record %d: position %s, want %s", i, g.pos, tc.pos[i])
				}
			}
			if out[2].typ != "response" || out[2].block != "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" {
				t.Errorf("last record: %+v", out[2])
			}
		})
	}
}

// TestUnreadBlockSkipped: a caller that reads nothing of a block still
// gets the next record.
func TestUnreadBlockSkipped(t *testing.T) {
	r := NewReader(bytes.NewReader(gz(bytes.Join(records, nil))))
	var types []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, rec.Type())
	}
	if strings.Join(types, ",") != "warcinfo,request,response" {
		t.Fatalf("types %v", types)
	}
}

// TestZstd: a .warc.zst reads as the plain WARC, offsets counting the
// decompressed stream; one cut short is one positioned error.
func TestZstd(t *testing.T) {
	plain := bytes.Join(records, nil)
	z := zst(plain)
	out, err := readAll(t, z)
	if err != nil || len(out) != 3 {
		t.Fatalf("%v %v", out, err)
	}
	if want := fmt.Sprint(len(records[0]) + len(records[1])); out[2].pos != want {
		t.Errorf("position %s, want %s", out[2].pos, want)
	}
	_, err = readAll(t, z[:len(z)-5])
	if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrZstd) {
		t.Fatalf("cut zstd: %v", err)
	}
	var we *Error
	if !errors.As(err, &we) || !strings.HasPrefix(err.Error(), "offset ") {
		t.Fatalf("cut zstd: %v is not a positioned *warc.Error", err)
	}
}

func TestEmpty(t *testing.T) {
	out, err := readAll(t, nil)
	if err != nil || len(out) != 0 {
		t.Fatalf("%v %v", out, err)
	}
}

func TestMalformed(t *testing.T) {
	good := records[1]
	first := int64(len(good))
	wholeGz := gz(bytes.Join(records, nil))
	perRecord := append(gz(records[0]), gz(records[1])...)
	for _, tc := range []struct {
		name string
		in   []byte
		is   error
		msg  string
	}{
		{"not WARC", []byte("HTTP/1.1 200 OK\r\n\r\n"), ErrHeader, "offset 0: bad WARC header: expected a version line"},
		{"bad second header", append(append([]byte{}, good...), "WARX/1.0\r\n"...), ErrHeader, fmt.Sprintf("offset %d: bad WARC header", first)},
		{"field without colon", []byte("WARC/1.0\r\nWARC-Type response\r\n\r\n"), ErrHeader, "not a named field"},
		{"no content-length", []byte("WARC/1.0\r\nWARC-Type: response\r\n\r\n"), ErrLength, `bad Content-Length: ""`},
		{"content-length not a number", []byte("WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 12x\r\n\r\n"), ErrLength, `"12x"`},
		{"content-length too short", bytes.Replace(good, []byte("Content-Length: 27"), []byte("Content-Length: 20"), 1), ErrLength, "offset 0: bad Content-Length: 20 does not end the block"},
		{"content-length too long", bytes.Replace(good, []byte("Content-Length: 27"), []byte("Content-Length: 99"), 1), ErrTruncated, "offset 0: truncated: the file ends in the record's block"},
		{"header cut", good[:20], ErrTruncated, "offset 0: truncated"},
		{"truncated whole-file gzip", wholeGz[:len(wholeGz)-12], ErrTruncated, "gzip member at offset 0 ends early"},
		{"truncated per-record member", perRecord[:len(perRecord)-5], ErrTruncated, fmt.Sprintf("truncated: gzip member at offset %d ends early", len(gz(records[0])))},
		{"garbage after members", append(append([]byte{}, perRecord...), "junk"...), ErrGzip, fmt.Sprintf("offset %d: bad gzip member: data after the last gzip member is not gzip", len(perRecord))},
		{"corrupt member", corrupt(gz(records[0])), ErrGzip, "offset 0: bad gzip member at offset 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(t, tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			var we *Error
			if !errors.As(err, &we) {
				t.Errorf("error %q is not a *warc.Error", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func corrupt(b []byte) []byte {
	b = append([]byte{}, b...)
	for i := 12; i < len(b)-8; i++ {
		b[i] ^= 0x55
	}
	return b
}

func TestContinuationAndOrder(t *testing.T) {
	in := "WARC/1.0\r\nWARC-Type: response\r\nX-Long: a\r\n  b\r\nwarc-target-uri: http://x/\r\nContent-Length: 0\r\n\r\n\r\n\r\n"
	r := NewReader(strings.NewReader(in))
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Header.Get("X-Long"); got != "a b" {
		t.Errorf("folded value %q", got)
	}
	if got := rec.Header.Get("WARC-Target-URI"); got != "http://x/" {
		t.Errorf("case-insensitive get %q", got)
	}
	if rec.Header[2].Name != "warc-target-uri" {
		t.Errorf("name case not kept: %q", rec.Header[2].Name)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("want EOF, got %v", err)
	}
}
