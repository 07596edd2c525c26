package secretcorpus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xr-lake/xr/internal/secretcorpus"
	"github.com/xr-lake/xr/pkg/redact"
)

// TestCorpus redacts the planted-secret corpus and asserts 0 secrets
// leaked, 0 look-alikes altered and 0 invalid output lines, and that each
// kind's own rule fired where only it could find the secret. It prints
// the per-rule counts. XR_SECRETCORPUS_SEED picks another seed; under
// XR_TEST_LONG=1 ten seeds run.
func TestCorpus(t *testing.T) {
	seeds := []uint64{1}
	if s := os.Getenv("XR_SECRETCORPUS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seeds = []uint64{n}
	} else if os.Getenv("XR_TEST_LONG") == "1" {
		seeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { checkCorpus(t, seed) })
	}
}

func checkCorpus(t *testing.T, seed uint64) {
	recs := secretcorpus.Generate(seed)
	var in bytes.Buffer
	kinds, positions := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		in.WriteString(r.Line + "\n")
		if r.Kind != "" {
			kinds[r.Kind] = true
			positions[r.Position] = true
		}
	}
	if len(kinds) < 100 || len(positions) < 20 {
		t.Fatalf("corpus has %d kinds in %d positions, want at least 100 in 20", len(kinds), len(positions))
	}
	var out bytes.Buffer
	if _, err := redact.Run(context.Background(), &in, &out, redact.Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("%d lines out for %d in", len(lines), len(recs))
	}
	perRule := map[string]int{}
	var leaks, altered, invalid, missed, secrets, looks int
	for i, r := range recs {
		line := []byte(lines[i])
		strs, err := secretcorpus.Strings(line)
		if err != nil {
			invalid++
			t.Errorf("record %d (%s in %s): invalid output line: %v\n%s", i+1, r.Kind, r.Position, err, line)
			continue
		}
		var env struct {
			Applied []string `json:"redactions_applied"`
		}
		json.Unmarshal(line, &env)
		for _, id := range env.Applied {
			perRule[id]++
		}
		if r.Lookalike != "" {
			looks++
			if lines[i] != r.Line {
				altered++
				t.Errorf("look-alike %s in %s altered (%v):\n in  %s\n out %s", r.Lookalike, r.Position, env.Applied, r.Line, lines[i])
			}
			continue
		}
		secrets++
		for _, s := range r.Secrets {
			if strings.Contains(strs, s) {
				leaks++
				t.Errorf("LEAK: %s in %s (fired %v):\n in  %s\n out %s", r.Kind, r.Position, env.Applied, r.Line, lines[i])
				break
			}
		}
		if r.Rule != "" && !slices.Contains(env.Applied, r.Rule) {
			missed++
			t.Errorf("%s in %s: rule %s did not fire (fired %v)\n in  %s\n out %s", r.Kind, r.Position, r.Rule, env.Applied, r.Line, lines[i])
		}
	}
	ids := make([]string, 0, len(perRule))
	for id := range perRule {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var sb strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&sb, "  %-40s %5d\n", id, perRule[id])
	}
	t.Logf("seed %d: %d kinds x %d positions: %d secret records, %d look-alike records; %d leaked, %d look-alikes altered, %d invalid lines, %d expected rules missing\nrecords per rule id:\n%s",
		seed, len(kinds), len(positions), secrets, looks, leaks, altered, invalid, missed, sb.String())
}
