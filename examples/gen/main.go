// Command gen writes the raw captures behind the example packs in
// examples/snapshots: envelopes as a capturing connector would have saved
// them (no content_sha256 yet, secrets still in some headers and URLs),
// deterministic for a given dataset name, so the packs can be rebuilt
// byte for byte with examples/build.sh.
//
//	go run ./examples/gen wookieepedia-pages | xr-canon | xr-hash | xr-pack write DIR
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// record is one raw capture; field order is the envelope's.
type record struct {
	ExchangeID   string         `json:"exchange_id"`
	ExchangeType string         `json:"exchange_type"`
	SourceSystem string         `json:"source_system"`
	EntityType   string         `json:"entity_type"`
	NaturalKey   *string        `json:"natural_key"`
	Request      map[string]any `json:"request"`
	Response     any            `json:"response"`
	ObservedAt   string         `json:"observed_at_utc"`
	Provenance   map[string]any `json:"provenance"`
	Tags         []string       `json:"tags"`
}

// Fake secrets, shaped like real ones so that xr-redact's rules fire.
var (
	bearer = "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJleGFtcGxlLXVzZXIiLCJpYXQiOjE3MDUzMTIwMDB9.c2lnbmF0dXJlLW5vdC1yZWFsLWV4YW1wbGUtb25seQ"
	apiKey = "xk-demo-4f1c2a9b7e3d5c8a0b6e"
	cookie = "session=7d2c9f0a1b3e4d5c6f7a8b9c0d1e2f3a; theme=dark"
)

var days = []string{"2024-01-15", "2024-01-16", "2024-01-17", "2024-01-18", "2024-01-19"}

var characters = []string{
	"Luke_Skywalker", "Leia_Organa", "Han_Solo", "Chewbacca", "Darth_Vader", "Obi-Wan_Kenobi",
	"Yoda", "R2-D2", "C-3PO", "Lando_Calrissian", "Boba_Fett", "Jabba_Desilijic_Tiure",
	"Padmé_Amidala", "Anakin_Skywalker", "Mace_Windu", "Qui-Gon_Jinn", "Count_Dooku",
	"General_Grievous", "Ahsoka_Tano", "Rey", "Finn", "Poe_Dameron", "Kylo_Ren", "BB-8",
	"Grand_Moff_Tarkin", "Wedge_Antilles", "Mon_Mothma", "Jyn_Erso", "Cassian_Andor",
	"K-2SO", "Din_Djarin", "Grogu", "Bo-Katan_Kryze", "Cad_Bane", "Hera_Syndulla",
	"Kanan_Jarrus", "Ezra_Bridger", "Sabine_Wren", "Thrawn", "Ciena_Ree",
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen wookieepedia-pages|openalex-works|local-llm-completions")
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var recs []record
	switch os.Args[1] {
	case "wookieepedia-pages":
		recs = wookieepedia()
	case "openalex-works":
		recs = openalex()
	case "local-llm-completions":
		recs = llm()
	default:
		fmt.Fprintf(os.Stderr, "gen: unknown dataset %q\n", os.Args[1])
		os.Exit(2)
	}
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// gen holds the seeded randomness of one dataset.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// at returns a time on day d (index into days) at a random second.
func (g *gen) at(d int) string {
	t, _ := time.Parse("2006-01-02", days[d])
	t = t.Add(time.Duration(g.r.IntN(86400)) * time.Second).Add(time.Duration(g.r.IntN(1000000)) * time.Microsecond)
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func prov(runner string) map[string]any {
	return map[string]any{"runner_name": runner, "host": "capture-01", "git_sha": "5f3c2e1", "connector_version": "1.4.2"}
}

// wookieepedia: 40 pages, each fetched 1–9 times over five days; a page's
// content changes on some fetches (new revision), repeats on others; some
// requests carry an Authorization header or a cookie.
func wookieepedia() []record {
	g := newGen(1)
	var out []record
	for d := range days {
		for i, name := range characters {
			fetches := g.r.IntN(3) // 0..2 fetches of this page today
			if i < 8 {
				fetches++ // the popular pages are fetched every day
			}
			for range fetches {
				rev := 1000 + i*37 + d*(1+g.r.IntN(2))
				headers := map[string]any{"Accept": "application/json", "User-Agent": "holocron-ingest/1.4"}
				switch g.r.IntN(4) {
				case 0:
					headers["Authorization"] = bearer
				case 1:
					headers["Cookie"] = cookie
				}
				key := name
				out = append(out, record{
					ExchangeID: g.uuid(), ExchangeType: "mediawiki", SourceSystem: "wookieepedia", EntityType: "page",
					NaturalKey: &key,
					Request: map[string]any{
						"method":  "GET",
						"url":     "https://starwars.fandom.com/api.php?action=query&prop=revisions&titles=" + name + "&format=json",
						"headers": headers,
					},
					Response: map[string]any{
						"status":  200,
						"headers": map[string]any{"Content-Type": "application/json; charset=utf-8", "Set-Cookie": "wikia_beacon_id=Zx81a; Path=/"},
						"body": map[string]any{
							"pageid":   100000 + i,
							"title":    name,
							"revid":    rev,
							"length":   2000 + (rev*13)%5000,
							"extract":  fmt.Sprintf("%s — révision %d. A figure of the galaxy far, far away.", name, rev),
							"views_7d": 1000 + (rev*7)%900,
						},
					},
					ObservedAt: g.at(d), Provenance: prov("wookieepedia-crawler"), Tags: []string{"crawl", days[d]},
				})
			}
		}
	}
	return out
}

// openalex: 60 works by DOI, most fetched once, some refreshed with a
// new citation count; the API key travels in the query string and in an
// x-api-key header.
func openalex() []record {
	g := newGen(2)
	var out []record
	for d := range days {
		for i := range 60 {
			if g.r.IntN(5) != 0 && d > 0 || d == 0 && i%2 == 1 {
				continue
			}
			doi := fmt.Sprintf("10.5555/holocron.%04d", 100+i)
			cites := 10 + i*3 + d*2
			headers := map[string]any{"Accept": "application/json"}
			url := "https://api.openalex.org/works/doi:" + doi
			if g.r.IntN(2) == 0 {
				url += "?api_key=" + apiKey
			} else {
				headers["x-api-key"] = apiKey
			}
			out = append(out, record{
				ExchangeID: g.uuid(), ExchangeType: "openalex", SourceSystem: "openalex", EntityType: "work",
				NaturalKey: &doi,
				Request:    map[string]any{"method": "GET", "url": url, "headers": headers},
				Response: map[string]any{
					"id":                 fmt.Sprintf("https://openalex.org/W%d", 4000000000+i),
					"doi":                "https://doi.org/" + doi,
					"title":              fmt.Sprintf("On hyperspace routes, part %d", i+1),
					"publication_year":   1990 + i%30,
					"cited_by_count":     cites,
					"relevance_score":    0.5 + float64(i%10)/20,
					"is_oa":              i%3 == 0,
					"authorships":        []any{map[string]any{"author": map[string]any{"display_name": fmt.Sprintf("Author %c. Solo", 'A'+rune(i%26))}}},
					"counts_by_year_len": d + 1,
				},
				ObservedAt: g.at(d), Provenance: prov("openalex-sync"), Tags: []string{"openalex"},
			})
		}
	}
	return out
}

// llm: completions without a natural key (keyed by content hash alone); a
// few prompts were asked twice and answered the same way.
func llm() []record {
	g := newGen(3)
	prompts := []string{"Summarize the Battle of Yavin.", "Who trained Obi-Wan Kenobi?", "List three Hutt clans.",
		"What is a kyber crystal?", "Describe the Kessel Run.", "Who built C-3PO?",
		"Where is Dagobah?", "Name two Mandalorian clans."}
	var out []record
	for d := range days {
		for i := range 12 {
			p := prompts[(i+d)%len(prompts)]
			seed := g.r.IntN(4) // the same prompt and seed repeat an answer seen before
			model := "holo-7b"
			if d >= 3 {
				model = "holo-7b-v2" // upgraded mid-week
			}
			out = append(out, record{
				ExchangeID: g.uuid(), ExchangeType: "llm", SourceSystem: "local_llm", EntityType: "completion",
				Request: map[string]any{
					"url":     "http://127.0.0.1:11434/api/generate",
					"headers": map[string]any{"Content-Type": "application/json"},
					"body":    map[string]any{"model": model, "prompt": p, "temperature": 0.2, "seed": seed},
				},
				Response: map[string]any{
					"model":             model,
					"response":          fmt.Sprintf("Answer (seed %d): %s — according to the archives.", seed, p),
					"eval_count":        40 + seed*7,
					"total_duration_ms": 812.5 + float64(seed)*10.25,
				},
				ObservedAt: g.at(d), Provenance: prov("llm-runner"), Tags: []string{"llm"},
			})
		}
	}
	return out
}
