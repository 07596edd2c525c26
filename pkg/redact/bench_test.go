package redact

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/envelope"
)

// benchInput is XR_REDACT_BENCH (an NDJSON file, e.g. the scripts/bench
// corpus) or a built-in mix of clean and secret-bearing records.
func benchInput(b *testing.B) []byte {
	if p := os.Getenv("XR_REDACT_BENCH"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	var sb strings.Builder
	text := strings.Repeat("été naïve café 東京 Москва the lake record response page work \\n ", 60)
	for i := 0; i < 400; i++ {
		sb.WriteString(`{"exchange_type":"http","source_system":"example-api","entity_type":"page","natural_key":"key-1",`)
		sb.WriteString(`"request":{"url":"https://api.example.org/v1/items/1?lang=fr&page=3","method":"GET","headers":{"Accept":"application/json","User-Agent":"xr-bench/1.0"`)
		if i%50 == 0 {
			sb.WriteString(`,"Authorization":"Bearer tok_0123456789abcdef"`)
		}
		sb.WriteString(`}},"response":{"id":1,"score":0.123456,"meta":{"authors":[{"name":"Þórr über","orcid":"0000-0002-1825-0097","h_index":12,"weight":0.5}]},"text":"`)
		sb.WriteString(text)
		sb.WriteString(`"},"observed_at_utc":"2026-01-02T03:04:05Z","tags":["bench"]}` + "\n")
	}
	return []byte(sb.String())
}

func BenchmarkRun(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(context.Background(), bytes.NewReader(data), io.Discard, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWalk measures the redaction walk alone, without the envelope
// reader: request and response values of the input, parsed beforehand.
func BenchmarkWalk(b *testing.B) {
	data := benchInput(b)
	var vals [][]byte
	rd := envelope.NewReader(bytes.NewReader(data), 0)
	for {
		rec, err := rd.Read()
		if err != nil {
			break
		}
		vals = append(vals, bytes.Clone(rec.Raw(envelope.Request)), bytes.Clone(rec.Raw(envelope.Response)))
	}
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	w := newWalker(r)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		for _, v := range vals {
			w.reset()
			buf, _ = w.walk(buf[:0], v, "/response")
		}
	}
}

func BenchmarkValue(b *testing.B) {
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	v := []byte(`{"headers":{"Authorization":"Bearer x-123456789","Accept":"*/*"},"url":"https://h/p?api_key=k1&page=2","text":"` +
		strings.Repeat("plain prose with a colon: here and some-hyphens_and under_scores ", 40) + `"}`)
	w := newWalker(r)
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		w.walk(nil, v, "/response")
	}
}
