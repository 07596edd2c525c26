package redact

import (
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xr-lake/xr/internal/secretcorpus"
	"github.com/xr-lake/xr/pkg/jsonscan"
)

// ruleCase is one rule's firing example and look-alike: JSON values
// (walked as /response) where the rule must fire, and must not.
type ruleCase struct{ fire, lookalike string }

func quoteJSON(s string) string { return string(jsonscan.AppendQuoteString(nil, s)) }

// fixedCases are the examples of the rules that are not token shapes,
// vendor contexts or name forms.
var fixedCases = map[string]ruleCase{
	"url:userinfo":          {`{"dsn":"postgres://app:Tr0ub4dor-3x@db:5432/lake"}`, `{"mail":"mailto:ops@example.com","u":"https://user@example.com/p"}`},
	"slack-webhook-url":     {`{"u":"https://hooks.slack.com/services/T0000ABCD/B0000EFGH/XXXXaaaaBBBBccccDDDDeeee"}`, `{"u":"https://hooks.slack.com/services/"}`},
	"pem-private-key":       {`{"k":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oK3Fj1Aq\n-----END EC PRIVATE KEY-----\n"}`, `{"k":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"}`},
	"bearer-token":          {`{"log":"sent Bearer 4f9c2a0e77aa4b1e9d3c"}`, `{"log":"the bearer of bad news arrived"}`},
	"basic-auth":            {`{"log":"sent Basic dXNlcjpodW50ZXIy ok"}`, `{"log":"basic training starts Monday"}`},
	"aws-secret-access-key": {`{"csv":"AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, `{"csv":"AKIAIOSFODNN7EXAMPLE,` + strings.Repeat("ab", 30) + `"}`},
	GenericID:               {`{"bot_token":"Zq8xK2mP9vL4nR7tW3yB6cD1"}`, `{"bot_token":"please-rotate-me","cache_key":"Zq8xK2mP9vL4nR7tW3yB6cD1"}`},
}

// lookalikes replace the cut-in-half look-alike where half a secret is
// still one (rules with a minimum length and no maximum, schemes, URLs).
var ruleLookalikes = map[string]string{
	"github-fine-grained-pat": `{"note":"github_pat_short and github_pat_"}`,
	"slack-token":             `{"note":"xoxb-1234 xoxp- xapp-"}`,
	"anthropic-api-key":       `{"note":"sk-ant-short and sk-ant-"}`,
	"openai-api-key":          `{"note":"sk-proj-short, sk-5d41402abc4b2a76b9719d911017c592abcdef, task-force"}`,
	"url:userinfo":            `{"mail":"mailto:ops@example.com","u":"https://user@example.com/p","v":"http://example.com/a:b@c"}`,
	"slack-webhook-url":       `{"u":"https://hooks.slack.com/services/"}`,
	"pem-private-key":         `{"k":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"}`,
	"bearer-token":            `{"log":"the bearer of bad news arrived"}`,
	"basic-auth":              `{"log":"basic training starts Monday"}`,
}

// nameCase builds the firing example and look-alike of a name form: the
// form with a credential-like value, and with a placeholder.
func nameCase(form, name string) ruleCase {
	mk := func(v string) string {
		switch form {
		case "key:":
			return `{"` + name + `":` + quoteJSON(v) + `}`
		case "assign:":
			return `{"t":` + quoteJSON("started with "+name+"="+v+" ok") + `}`
		case "url:query:":
			return `{"u":` + quoteJSON("https://api.example.com/p?"+name+"="+v+"&page=2") + `}`
		case "form:":
			return `{"b":` + quoteJSON("grant_type=x&"+name+"="+v+"&scope=read") + `}`
		case "connstr:":
			return `{"c":` + quoteJSON("Server=db;Database=lake;"+name+"="+v+";Encrypt=true") + `}`
		case "xml:":
			return `{"x":` + quoteJSON("<config><"+name+">"+v+"</"+name+"></config>") + `}`
		case "attr:":
			return `{"h":` + quoteJSON(`<input type="hidden" name="`+name+`" value="`+v+`">`) + `}`
		}
		panic(form)
	}
	return ruleCase{mk("Zq8xK2mP9vL4nR7tW3yB6cD1"), mk("${SECRET_FROM_ENV}")}
}

// ruleCases returns the examples of every id RuleIDs lists: the token
// and vendor rules from the planted-secret corpus's kinds (the kind
// whose Rule it is, planted bare or under its vendor name; its look-alike
// is the secret cut in half, or the value under a neutral name), the name
// forms and headers generated, the rest from fixedCases. An id without
// an example is missing from the map: the test fails.
func ruleCases() map[string]ruleCase {
	cases := map[string]ruleCase{}
	r := rand.New(rand.NewPCG(7, 7))
	for _, k := range secretcorpus.Kinds {
		if k.Rule == "" || k.Named || cases[k.Rule] != (ruleCase{}) {
			continue
		}
		s := k.Gen(r)
		wrap := func(s string) string {
			if k.Wrap != nil {
				return k.Wrap(s)
			}
			return s
		}
		if k.Context != "" {
			cases[k.Rule] = ruleCase{`{` + quoteJSON(k.Context) + `:` + quoteJSON(s) + `}`, `{"value":` + quoteJSON(s) + `}`}
			continue
		}
		c := ruleCase{`{"note":` + quoteJSON("see "+wrap(s)+" here") + `}`, `{"note":` + quoteJSON("see "+wrap(s[:len(s)/2])+" here") + `}`}
		if startRule(k.Rule) { // found where a value starts, not inside prose
			c = ruleCase{`{"note":` + quoteJSON(wrap(s)) + `}`, `{"note":` + quoteJSON(wrap(s[:len(s)/2])) + `}`}
		}
		if l, ok := ruleLookalikes[k.Rule]; ok {
			c.lookalike = l
		}
		cases[k.Rule] = c
	}
	for _, n := range secretNames {
		for _, f := range nameForms {
			cases[f+n.canon] = nameCase(f, n.canon)
		}
	}
	for _, h := range DefaultHeaders {
		cases["header:"+h] = ruleCase{`{"headers":{` + quoteJSON(h) + `:"v-1"}}`, `{"headers":{` + quoteJSON(h) + `:""},"meta":{"note":` + quoteJSON(h) + `}}`}
	}
	for id, c := range fixedCases {
		if cases[id] == (ruleCase{}) {
			cases[id] = c
		}
	}
	return cases
}

func startRule(id string) bool {
	for _, r := range startRules {
		if r.id == id {
			return true
		}
	}
	return false
}

// TestEveryRuleFires: every rule id has an example that fires it and a
// look-alike that does not.
func TestEveryRuleFires(t *testing.T) {
	rd, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := ruleCases()
	fired := func(in string) []string {
		out, finds, err := rd.Value([]byte(in), "/response")
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if err := jsonscan.Valid(out); err != nil {
			t.Fatalf("%s: invalid output %s", in, out)
		}
		var ids []string
		for _, f := range finds {
			ids = append(ids, f.Rule)
		}
		return ids
	}
	for _, id := range RuleIDs() {
		c, ok := cases[id]
		if !ok {
			t.Errorf("rule %s has no example: add a kind to internal/secretcorpus or a case to fixedCases", id)
			continue
		}
		if ids := fired(c.fire); !slices.Contains(ids, id) {
			t.Errorf("rule %s did not fire on %s (fired %v)", id, c.fire, ids)
		}
		if ids := fired(c.lookalike); slices.Contains(ids, id) {
			t.Errorf("rule %s fired on its look-alike %s", id, c.lookalike)
		}
	}
}

// TestRuleIDsDocumented: every rule id is in docs/redact.md (a name form
// as its family and its name in the name table), and every id the doc
// lists in backquotes in its rule tables exists.
func TestRuleIDsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/redact.md")
	if err != nil {
		t.Fatal("docs/redact.md, which must document every rule id:", err)
	}
	doc := string(b)
	inDoc := func(s string) bool { return strings.Contains(doc, "`"+s+"`") }
	for _, id := range RuleIDs() {
		switch {
		case strings.HasPrefix(id, "key:") || strings.HasPrefix(id, "assign:") || strings.HasPrefix(id, "url:query:") ||
			strings.HasPrefix(id, "form:") || strings.HasPrefix(id, "connstr:") || strings.HasPrefix(id, "xml:") || strings.HasPrefix(id, "attr:"):
			name := id[strings.LastIndexByte(id, ':')+1:]
			if !inDoc(name) {
				t.Errorf("secret name %s is not in docs/redact.md's name table", name)
			}
		case !inDoc(id):
			t.Errorf("rule id %s is not in docs/redact.md", id)
		}
	}
	for _, f := range nameForms {
		if !inDoc(f + "NAME") {
			t.Errorf("name form %sNAME is not in docs/redact.md", f)
		}
	}
	// the other way: ids in the doc's "| `id` |" table rows exist
	known := map[string]bool{}
	for _, id := range RuleIDs() {
		known[id] = true
	}
	// the name table: one row per secret name, with its suffix flag and
	// value test, and no other
	tests := map[valueTest]string{anyValue: "any", credentialValue: "credential ¹", entropyValue: "entropy ²"}
	rows := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (yes)? ?\\| (any|credential ¹|entropy ²) \\|$").FindAllStringSubmatch(doc, -1)
	names := map[string]bool{}
	for _, m := range rows {
		names[m[1]] = true
		i := slices.IndexFunc(secretNames, func(n nameRule) bool { return n.canon == m[1] })
		switch {
		case i < 0:
			t.Errorf("docs/redact.md's name table lists %s, which is not a secret name", m[1])
		case secretNames[i].suffix != (m[2] == "yes") || tests[secretNames[i].test] != m[3]:
			t.Errorf("docs/redact.md's name table row of %s says suffix %q, test %q; the code says %v, %q", m[1], m[2], m[3], secretNames[i].suffix, tests[secretNames[i].test])
		}
	}
	for _, n := range secretNames {
		if !names[n.canon] {
			t.Errorf("secret name %s has no row in docs/redact.md's name table", n.canon)
		}
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9][a-z0-9:_.-]*)` \\|").FindAllStringSubmatch(doc, -1) {
		if !known[m[1]] && !names[m[1]] && !strings.HasPrefix(m[1], "custom:") && !strings.HasSuffix(m[1], ":NAME") {
			t.Errorf("docs/redact.md lists %s, which no rule fires", m[1])
		}
	}
}

// TestContextUnderBareVendorName: a vendor's shape under a name that only
// mentions the vendor (no secret-ish suffix: "heroku") fires its context
// rule in every text form, not only as a JSON key: the name gate of the
// text scanners lets vendor names through.
func TestContextUnderBareVendorName(t *testing.T) {
	rd, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const uuid = "5c1b3e9a-8f2d-4a6b-9c0e-7d4f2a1b3c5d"
	for _, text := range []string{
		"export HEROKU=" + uuid,
		"<config><heroku>" + uuid + "</heroku></config>",
		"Server=db;Heroku=" + uuid + ";Encrypt=true",
	} {
		_, finds, err := rd.Value([]byte(`{"t":`+quoteJSON(text)+`}`), "/response")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(finds, func(f Finding) bool { return f.Rule == "heroku-api-key" }) {
			t.Errorf("%q: heroku-api-key did not fire (fired %v)", text, finds)
		}
	}
}

// TestEveryPrefixFires: every prefix of a plain token rule (a charset run,
// no matcher of its own) fires its rule on a token of the rule's shortest
// length, found through the anchor tables: TestEveryRuleFires tries one
// prefix per id, so a prefix sharing an id (gho_ beside ghp_) is tried
// here.
func TestEveryPrefixFires(t *testing.T) {
	rd, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tokenRules {
		if r.fn != nil || r.re != "" || r.check != nil || r.start {
			continue
		}
		var cs []byte
		for c := 0; c < 256; c++ {
			if r.set[c] {
				cs = append(cs, byte(c))
			}
		}
		tok := []byte(r.prefix)
		for i := 0; i < r.min; i++ {
			tok = append(tok, cs[(i*7+3)%len(cs)])
		}
		in := `{"note":` + quoteJSON("see "+string(tok)+" here") + `}`
		_, finds, err := rd.Value([]byte(in), "/response")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(finds, func(f Finding) bool { return f.Rule == r.id }) {
			t.Errorf("%s (prefix %s) did not fire on %s (fired %v)", r.id, r.prefix, tok, finds)
		}
	}
}
