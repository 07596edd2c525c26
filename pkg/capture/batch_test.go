package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

const (
	openaiReq = `{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.70}}`
	openaiOut = `{"id":"batch_req_1","custom_id":"r1","response":{"status_code":200,"request_id":"q","body":{"id":"c1","object":"chat.completion","created":1711652795,"choices":[]}},"error":null}`
	anthReq   = `{"custom_id":"a1","params":{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}}`
	anthOut   = `{"custom_id":"a1","result":{"type":"succeeded","message":{"id":"msg_1","type":"message","content":[{"type":"text","text":"Hello"}]}}}`
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBatch(t *testing.T) {
	var z bytes.Buffer
	zw, _ := zstd.NewWriter(&z)
	zw.Write([]byte(openaiReq + "\n\n  " + anthReq + "\r\n"))
	zw.Close()
	reqs := writeFile(t, "in.jsonl.zst", z.String())
	recs, bad, err := readAll(t, "llm-batch", anthOut+"\n"+openaiOut+"\n", Options{Requests: reqs})
	if err != nil || len(bad) > 0 || len(recs) != 2 {
		t.Fatalf("err %v, bad %q, %d records", err, bad, len(recs))
	}
	if want := `"exchange_type":"llm","source_system":"anthropic","entity_type":"completion","natural_key":"a1","request":` + anthReq + `,"response":` + anthOut + `,"observed_at_utc":"2026-01-02T03:04:05Z"`; !strings.Contains(recs[0], want) || !strings.Contains(recs[0], `"capture":"llm-batch:-:1"`) {
		t.Errorf("anthropic: %s\nlacks %s", recs[0], want)
	}
	if want := `"source_system":"openai","entity_type":"completion","natural_key":"r1","request":` + openaiReq + `,"response":` + openaiOut + `,"observed_at_utc":"2024-03-28T19:06:35Z"`; !strings.Contains(recs[1], want) {
		t.Errorf("openai: %s\nlacks %s", recs[1], want)
	}
	// without --requests: request null; flags override the defaults
	recs, _, err = readAll(t, "llm-batch", openaiOut, Options{SourceSystem: "local", EntityType: "chat", ExchangeType: "x"})
	if err != nil || len(recs) != 1 || !strings.Contains(recs[0], `"exchange_type":"x","source_system":"local","entity_type":"chat","natural_key":"r1","request":null,`) {
		t.Fatalf("err %v: %q", err, recs)
	}
}

func TestBatchErrors(t *testing.T) {
	reqs := writeFile(t, "in.jsonl", openaiReq+"\n")
	for _, c := range []struct{ name, in, bad string }{
		{"no custom_id", `{"id":"x","response":null,"error":{"code":"e"}}`, "line 1: custom_id: missing"},
		{"custom_id not a string", `{"custom_id":7,"response":{}}`, "line 1: custom_id: want a string, found a number"},
		{"empty custom_id", `{"custom_id":"","response":{}}`, "line 1: custom_id: empty"},
		{"not an object", `[1]`, "line 1: want a batch result object, found an array"},
		{"invalid JSON", `{"custom_id":`, "line 1: invalid JSON at byte 13: unexpected end of input, want a value"},
		{"neither shape", `{"custom_id":"r1","answer":{}}`, "line 1: not a batch result: no response, result or error member"},
		{"not requested", `{"custom_id":"zz","response":{}}`, `line 1: custom_id "zz": no such request in ` + reqs},
		{"bad created", `{"custom_id":"r1","response":{"body":{"created":"yesterday"}}}`, "line 1: response/body/created: want Unix seconds, found \"yesterday\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, bad, err := readAll(t, "llm-batch", c.in+"\n"+openaiOut+"\n", Options{Requests: reqs})
			if err != nil || len(recs) != 1 || len(bad) != 1 || bad[0] != c.bad {
				t.Fatalf("err %v, %d records, bad %q, want %q", err, len(recs), bad, c.bad)
			}
		})
	}
	for _, c := range []struct{ name, reqs, want string }{
		{"repeated custom_id", openaiReq + "\n" + openaiReq, `line 2: custom_id "r1" repeats line 1`},
		{"request without custom_id", `{"method":"POST"}`, "line 1: custom_id: missing"},
		{"bad request line", "\n\n{", "line 3: invalid JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "in.jsonl", c.reqs)
			_, _, err := readAll(t, "llm-batch", openaiOut, Options{Requests: p})
			if want := "--requests " + p + ": " + c.want; err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err = %v, want %s", err, want)
			}
		})
	}
	if _, _, err := readAll(t, "llm-batch", openaiOut, Options{Requests: "/nonexistent"}); err == nil || !strings.Contains(err.Error(), "--requests: open /nonexistent") {
		t.Fatalf("err = %v", err)
	}
}
