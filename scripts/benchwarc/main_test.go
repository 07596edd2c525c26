package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/warc"
)

// TestBodies: every line becomes one response body, byte for byte, the
// last one too when no newline ends it.
func TestBodies(t *testing.T) {
	var out bytes.Buffer
	if err := run(strings.NewReader("{\"a\":1}\n\n7\n{\"b\":2}"), &out); err != nil {
		t.Fatal(err)
	}
	r := warc.NewReader(&out)
	var bodies []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		block, err := io.ReadAll(rec.Block)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type() == "response" {
			_, body, _ := bytes.Cut(block, []byte("\r\n\r\n"))
			bodies = append(bodies, string(body))
		}
	}
	if got := strings.Join(bodies, "|"); got != `{"a":1}|7|{"b":2}` {
		t.Errorf("bodies %s", got)
	}
}
