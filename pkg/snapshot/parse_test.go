package snapshot

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

// recordLines are envelope lines with and without a correct hash: every
// golden hash vector (JSON parser suite cases spliced into response
// included), the reference pack's records, generated ones, odd shapes.
func recordLines(t testing.TB) [][]byte {
	f, err := os.Open("../../testdata/hash-vectors.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v struct {
			Env  string  `json:"envelope_json"`
			Hash *string `json:"content_sha256"`
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, []byte(v.Env))
		if v.Hash != nil {
			// the same line carrying its hash
			var rec envelope.Record
			if envelope.Parse(&rec, []byte(v.Env), false) == nil {
				rec.SetString(envelope.ContentSHA256, *v.Hash)
				lines = append(lines, envelope.Append(nil, &rec))
			}
		}
	}
	ref, _ := os.ReadFile("../../testdata/reference-pack/records/2026/2026-01-15/chunk-0002.ndjson")
	lines = append(lines, bytes.Split(bytes.TrimSpace(ref), []byte("\n"))...)
	gen := snapshottest.Spec{Seed: "parserecord"}.Line(3)
	lines = append(lines, gen,
		bytes.Replace(gen, []byte(`"request":`), []byte(` "request" :  `), 1),
		bytes.Replace(gen, []byte(`"response":{`), []byte(`"response":[{`), 1),
		bytes.Replace(gen, []byte(`"response":{`), []byte(`"response":{{`), 1),
		bytes.Replace(gen, []byte(`"request":{`), []byte(`"request":"{\"x\\\\\":`), 1),
		[]byte(`{"request":{"a":"\"}"},"response":"x\\\\","exchange_type":"t","source_system":"s","entity_type":"e"}`),
		[]byte(`{"request":1,"request":{"a":2},"exchange_type":"t","source_system":"s","entity_type":"e"}`),
		[]byte(`{"response":}`), []byte(`{"response"`), []byte(`{"response":[`), []byte(`{"response":"`), []byte(`{`), []byte(`[]`), []byte(``),
	)
	return lines
}

// outcome is what parsing then verifying a line gives: the re-encoded
// record, or the failure.
func outcome(rec *envelope.Record, perr error) string {
	if perr != nil {
		return "parse error"
	}
	if err := contenthash.Verify(rec); err != nil {
		return "verify error"
	}
	return string(envelope.Append(nil, rec))
}

// parseRecord followed by hash verification accepts exactly what
// envelope.Parse followed by it accepts, with the same fields.
func TestParseRecordAgreesWithParse(t *testing.T) {
	for _, line := range recordLines(t) {
		checkParseRecord(t, line)
	}
}

func checkParseRecord(t *testing.T, line []byte) {
	var full, fast envelope.Record
	want := outcome(&full, envelope.Parse(&full, line, false))
	err := parseRecord(&fast, line)
	got := outcome(&fast, err)
	failed := func(s string) bool { return s == "parse error" || s == "verify error" }
	switch {
	case !failed(want) && got != want:
		t.Fatalf("line %.300s\nparse+verify: %.300s\nparseRecord+verify: %.300s", line, want, got)
	case failed(want) && !failed(got):
		t.Fatalf("parseRecord accepted a line the parser rejects: %.300s", line)
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, l := range recordLines(f) {
		f.Add(l)
	}
	f.Fuzz(checkParseRecord)
}

func BenchmarkParseRecord(b *testing.B) {
	line := snapshottest.Spec{Seed: "b", Pad: 8000}.Line(1)
	var rec envelope.Record
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		parseRecord(&rec, line)
	}
}
