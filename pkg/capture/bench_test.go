package capture

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/xr"
)

// benchHAR is a HAR of n entries with JSON bodies of 2–32 KB of
// non-ASCII text, as a browser records an API.
func benchHAR(n int) []byte {
	words := strings.Fields("café Jedi été 東京 Москва data lake record 😀 über señor archive response page work token")
	var b bytes.Buffer
	b.WriteString(`{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"pages":[],"entries":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		var body strings.Builder
		fmt.Fprintf(&body, `{\"id\":%d,\"text\":\"`, i)
		for k := 0; body.Len() < 2000+(i*7919)%30000; k++ {
			body.WriteString(words[(i+k*31)%len(words)] + " ")
		}
		body.WriteString(`\"}`)
		fmt.Fprintf(&b, `{"startedDateTime":"2026-01-01T00:00:00Z","time":12.5,"request":{"method":"GET","url":"https://big.example/items/%d?page=%d","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/json"}],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"size":1,"mimeType":"application/json","text":"%s"},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0.5,"wait":10,"receive":2}}`, i, i%13, body.String())
	}
	b.WriteString("]}}\n")
	return b.Bytes()
}

// BenchmarkHAR is xr-canon --from har without the output's I/O.
func BenchmarkHAR(b *testing.B) { benchFormat(b, "har", benchHAR(1000)) }

// BenchmarkBatch is xr-canon --from llm-batch without --requests and the
// output's I/O: OpenAI and Anthropic result lines of 8 KB in turn.
func BenchmarkBatch(b *testing.B) {
	text := strings.Repeat("Hello there, café 東京 data lake record. ", 200)
	var in bytes.Buffer
	for i := range 2000 {
		if i%2 == 0 {
			fmt.Fprintf(&in, `{"id":"batch_req_%d","custom_id":"r%d","response":{"status_code":200,"request_id":"q","body":{"id":"c1","object":"chat.completion","created":1711652795,"choices":[{"index":0,"message":{"role":"assistant","content":%q}}]}},"error":null}`+"\n", i, i, text)
		} else {
			fmt.Fprintf(&in, `{"custom_id":"a%d","result":{"type":"succeeded","message":{"id":"msg_1","type":"message","content":[{"type":"text","text":%q}]}}}`+"\n", i, text)
		}
	}
	benchFormat(b, "llm-batch", in.Bytes())
}

// benchFormat times format name over in, envelopes written to memory.
func benchFormat(b *testing.B, name string, in []byte) {
	f, _ := Lookup(name)
	bl, err := NewBuilder(Options{})
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		w := envelope.NewWriter(&out, false)
		if err := Each(context.Background(), f, []string{"-"}, bytes.NewReader(in), bl, xr.NewStats(), nil, w.Write); err != nil {
			b.Fatal(err)
		}
		w.Flush()
	}
}
