package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestScopesOf(t *testing.T) {
	in := `{"exchange_type":"h","source_system":"s","entity_type":"e"}
{"exchange_type":"h","source_system":"t","entity_type":"e"}
{"exchange_type":"h","source_system":"s","entity_type":"e","natural_key":"x"}
`
	got, all, err := ScopesOf(context.Background(), strings.NewReader(in), "in", 0)
	if err != nil || all || !slices.Equal(got, []Scope{{"s", "e"}, {"t", "e"}}) {
		t.Fatalf("ScopesOf = %v, %v, %v", got, all, err)
	}
	// beyond maxScopes pairs: the whole table
	var b strings.Builder
	for i := range maxScopes + 1 {
		fmt.Fprintf(&b, `{"exchange_type":"h","source_system":"s%d","entity_type":"e"}`+"\n", i)
	}
	if got, all, err := ScopesOf(context.Background(), strings.NewReader(b.String()), "in", 0); err != nil || !all || got != nil {
		t.Fatalf("%d pairs: %d scopes, all %v, %v", maxScopes+1, len(got), all, err)
	}
	if _, _, err := ScopesOf(context.Background(), strings.NewReader(in+"{\n"), "in", 0); err == nil || !strings.HasPrefix(err.Error(), "in: line 4: ") {
		t.Fatalf("bad line: %v", err)
	}
}
