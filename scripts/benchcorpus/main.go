// Command benchcorpus writes a realistic, deterministic corpus of raw
// envelopes for scripts/bench: mixed sizes (0.5–40 KB), non-ASCII text,
// nested objects, floats, several versions per natural key, offsets in
// timestamps, and a few secrets in headers. Records carry no hash: the
// benchmark runs them through xr-canon | xr-hash first.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

var words = []string{"the", "Jedi", "été", "Révision", "東京", "Москва", "Þórr", "naïve", "café",
	"data", "lake", "record", "😀", "über", "señor", "ångström", "archive", "response", "page", "work",
	"citation", "completion", "token", "résumé", "Ελληνικά", "עברית", "한국어", "prompt", "model"}

func main() {
	mb := flag.Int("mb", 100, "approximate corpus size in MB")
	n := flag.Int("n", 0, "number of records (overrides -mb)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	rng := rand.New(rand.NewPCG(*seed, 42))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	limit := int64(*mb) << 20
	var written int64
	types := []string{"http", "mediawiki", "openalex", "llm"}
	sources := []string{"wookieepedia", "openalex", "local_llm", "example-api"}
	for i := 0; ; i++ {
		if *n > 0 && i >= *n || *n == 0 && written >= limit {
			break
		}
		s := rng.IntN(len(sources))
		key := fmt.Sprintf("key-%d", rng.IntN(i/3+1)) // several versions per key
		day := 1 + rng.IntN(28)
		var b strings.Builder
		fmt.Fprintf(&b, `{"exchange_type":%q,"source_system":%q,"entity_type":"page","natural_key":%q,`, types[s], sources[s], key)
		fmt.Fprintf(&b, `"request":{"url":"https://api.example.org/v1/items/%d?lang=fr&page=%d","method":"GET","headers":{"Accept":"application/json","User-Agent":"xr-bench/1.0"`, i, rng.IntN(100))
		if rng.IntN(50) == 0 {
			fmt.Fprintf(&b, `,"Authorization":"Bearer tok_%016x%016x"`, rng.Uint64(), rng.Uint64())
		}
		b.WriteString(`}},"response":{`)
		size := 500 + int(rng.ExpFloat64()*6000)
		if size > 40000 {
			size = 40000
		}
		fmt.Fprintf(&b, `"id":%d,"score":%v,"ratio":%.3f,"big":12345678901234567890,"flags":[true,false,null],`, i, rng.Float64(), rng.Float64()*100)
		b.WriteString(`"meta":{"authors":[`)
		for a := 0; a < 1+rng.IntN(4); a++ {
			if a > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"name":"%s %s","orcid":"0000-000%d-%04d-%04d","h_index":%d,"weight":%.6f}`,
				words[rng.IntN(len(words))], words[rng.IntN(len(words))], rng.IntN(10), rng.IntN(10000), rng.IntN(10000), rng.IntN(80), rng.Float64())
		}
		b.WriteString(`]},"text":"`)
		start := b.Len()
		for b.Len()-start < size {
			b.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(12) == 0 {
				b.WriteString(`\n`)
			} else {
				b.WriteByte(' ')
			}
		}
		fmt.Fprintf(&b, `"},"observed_at_utc":"2026-01-%02dT%02d:%02d:%02d.%06d+02:00","tags":["bench"]}`, day, rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1000000))
		b.WriteByte('\n')
		written += int64(b.Len())
		w.WriteString(b.String())
	}
}
