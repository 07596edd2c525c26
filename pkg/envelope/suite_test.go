package envelope

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSuiteInEnvelopes splices every JSONTestSuite case into an envelope as
// its response: y_ cases read, n_ cases fail with a line-numbered error on
// the response field, and nothing panics.
func TestSuiteInEnvelopes(t *testing.T) {
	files, _ := filepath.Glob("../jsonscan/testdata/suite/*.json")
	if len(files) < 300 {
		t.Fatalf("suite missing (%d files)", len(files))
	}
	for _, f := range files {
		doc, _ := os.ReadFile(f)
		name := filepath.Base(f)
		if bytes.ContainsAny(doc, "\n\r") {
			if !strings.HasPrefix(name, "y_") {
				continue // a raw line end splits an NDJSON line; pkg/jsonscan covers these
			}
			doc = []byte(strings.NewReplacer("\n", " ", "\r", " ").Replace(string(doc)))
		}
		line := `{"exchange_type":"http","source_system":"s","entity_type":"e","response":` + string(doc) + "}\n"
		r := NewReader(strings.NewReader("\n"+line), 0) // the case is on line 2
		_, err := r.Read()
		switch {
		case strings.HasPrefix(name, "y_") && err != nil:
			t.Errorf("%s: valid JSON refused: %v", name, err)
		case strings.HasPrefix(name, "n_") && err == nil:
			t.Errorf("%s: invalid JSON accepted", name)
		case err != nil && !strings.HasPrefix(err.Error(), "line 2: "):
			t.Errorf("%s: error without its line number: %v", name, err)
		}
	}
}
