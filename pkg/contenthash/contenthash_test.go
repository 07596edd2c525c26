package contenthash

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/xr-lake/xr/pkg/envelope"
)

type vector struct {
	Name          string  `json:"name"`
	EnvelopeJSON  string  `json:"envelope_json"`
	HashInput     *string `json:"hash_input_canonical"`
	ContentSHA256 *string `json:"content_sha256"`
	Error         *string `json:"error"`
}

func loadVectors(t testing.TB) []vector {
	f, err := os.Open("../../testdata/hash-vectors.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 400 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

// TestGoldenVectors reproduces every vector of the reference tool: the same
// hash input and digest, or an error where the reference failed.
func TestGoldenVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			var rec envelope.Record
			if err := envelope.Parse(&rec, []byte(v.EnvelopeJSON), false); err != nil {
				t.Fatalf("parse: %v", err)
			}
			input, err := Canonical(nil, &rec)
			if v.Error != nil {
				if err == nil {
					t.Fatalf("want an error like the reference's %q, got hash input %s", *v.Error, input)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if string(input) != *v.HashInput {
				t.Fatalf("hash input differs\n got: %s\nwant: %s", input, *v.HashInput)
			}
			sum, err := Sum(&rec)
			if err != nil || sum != *v.ContentSHA256 {
				t.Fatalf("Sum = %s, %v; want %s", sum, err, *v.ContentSHA256)
			}
		})
	}
}
