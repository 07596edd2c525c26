package secretcorpus

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// A Position is a place a secret can sit in a captured exchange: it puts
// the value v under the name k into a record's request and response.
type Position struct {
	Name string
	// Multiline: the position carries text blocks (a PEM key fits).
	Multiline bool
	// Carrier: the value sits in a slot that is secret whatever the name
	// (the Authorization or Cookie header): no look-alike goes there, and
	// the id that fires is the slot's, not the kind's.
	Carrier bool
	// JSON: the name is a JSON key (of the payload or of a JSON document
	// inside a string); look-alikes that are plain words under weak names
	// ("token": " Hello") go only here.
	JSON bool
	// URL: the value is a URL parameter (escaped when it is not URL-safe).
	URL bool
	// Plant returns the request and response objects.
	Plant func(k, v string, depth int) (req, resp map[string]any)
}

func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// urlSafe: the value needs no escaping in a URL.
func urlSafe(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

func qe(v string) string {
	if urlSafe(v) {
		return v
	}
	return url.QueryEscape(v)
}

// xe escapes a value for XML and HTML text and attributes.
func xe(v string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(v)
}

// quoteIfSpace double-quotes a value holding blanks (a log or .env line).
func quoteIfSpace(v string) string {
	if strings.ContainsAny(v, " \t") {
		return `"` + v + `"`
	}
	return v
}

// headerName turns a name into a header spelling: DD_APP_KEY → Dd-App-Key.
func headerName(k string) string {
	parts := strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
	}
	return strings.Join(parts, "-")
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// nest puts m at depth d (1: m itself) under generic keys.
func nest(d int, m map[string]any) map[string]any {
	for i := d; i > 1; i-- {
		m = obj(fmt.Sprintf("level%d", i-1), m, "n", i)
	}
	return m
}

var okResp = obj("status", 200)

// Positions are the places secrets are planted.
var Positions = []Position{
	{Name: "header", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("method", "GET", "headers", obj("Accept", "application/json", headerName(k), v)), okResp
	}},
	{Name: "authorization-header", Carrier: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("headers", obj("Authorization", "Bearer "+v)), okResp
	}},
	{Name: "cookie-header", Carrier: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("headers", obj("Cookie", "theme=dark; "+k+"="+v)), okResp
	}},
	{Name: "har-header-list", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("headers", []any{obj("name", "Accept", "value", "*/*"), obj("name", headerName(k), "value", v)}), okResp
	}},
	{Name: "raw-http", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("raw", "GET /v1/me HTTP/1.1\r\nHost: api.example.com\r\n"+headerName(k)+": "+v+"\r\nAccept: */*\r\n\r\n"), okResp
	}},
	{Name: "url-field", URL: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("url", "https://api.example.com/v1/items?"+k+"="+qe(v)+"&lang=fr"), okResp
	}},
	{Name: "url-in-log", URL: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("log", "10:00:01 GET https://api.example.com/v1/items?page=2&"+k+"="+qe(v)+" 200 OK 12ms")
	}},
	{Name: "url-in-html", URL: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("html", `<p>Continue to <a href="https://app.example.com/cb?lang=en&amp;`+k+`=`+qe(v)+`&amp;page=2">the app</a>.</p>`)
	}},
	{Name: "form-body", URL: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("method", "POST", "body", "grant_type=client_credentials&"+k+"="+qe(v)+"&scope=read"), okResp
	}},
	{Name: "nested-json", Multiline: true, JSON: true, Plant: func(k, v string, d int) (map[string]any, map[string]any) {
		return obj(), nest(d, obj("id", 7, k, v))
	}},
	{Name: "json-string-in-array", Multiline: true, JSON: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("items", []any{"plain text", mustJSON(obj("user", "bob", k, v, "n", 1))})
	}},
	{Name: "embedded-json-body", Multiline: true, JSON: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj("body", mustJSON(obj("user", "bob", k, v))), okResp
	}},
	{Name: "log-line", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("log", "2024-05-01T10:00:00Z INFO connect host=db "+k+"="+quoteIfSpace(v)+" retries=3")
	}},
	{Name: "yaml", Multiline: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		if strings.Contains(v, "\n") {
			v = "|\n    " + strings.ReplaceAll(strings.TrimRight(v, "\n"), "\n", "\n    ")
		}
		return obj(), obj("config", "service:\n  user: app\n  "+k+": "+v+"\n  port: 5432\n")
	}},
	{Name: "env-file", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("file", "APP_ENV=production\n"+k+"="+quoteIfSpace(v)+"\nDEBUG=false\n")
	}},
	{Name: "ini", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("file", "[database]\nhost = db.internal\n"+k+" = "+v+"\nport = 5432\n")
	}},
	{Name: "xml-element", Multiline: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("xml", `<?xml version="1.0"?><config><host>db</host><`+k+`>`+xe(v)+`</`+k+`></config>`)
	}},
	{Name: "xml-attribute", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("xml", `<credential host="db" `+k+`="`+xe(v)+`" port="5432"/>`)
	}},
	{Name: "html-input", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("html", `<form method="post"><input type="hidden" name="`+k+`" value="`+xe(v)+`"><button>Go</button></form>`)
	}},
	{Name: "html-meta", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("html", `<head><meta charset="utf-8"><meta name="`+k+`" content="`+xe(v)+`"></head>`)
	}},
	{Name: "wiki-code-block", Multiline: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		line := "export " + k + "='" + v + "'"
		if strings.Contains(v, "\n") {
			line = "cat > ~/.ssh/id_key <<'EOF'\n" + v + "EOF"
		}
		return obj(), obj("wikitext", "== Setup ==\nRun this first:\n<syntaxhighlight lang=\"bash\">\n"+line+"\n./deploy.sh\n</syntaxhighlight>\n")
	}},
	{Name: "markdown-llm-answer", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		content := "Sure! Configure the client like this:\n\n```python\nclient = Client(" + k + "=\"" + v + "\", timeout=30)\n```\n\nThen call `client.run()`."
		return obj("model", "gpt-x"), obj("choices", []any{obj("index", 0, "message", obj("role", "assistant", "content", content))})
	}},
	{Name: "connection-string", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("cs", "Server=tcp:db.internal,1433;Database=lake;User Id=sa;"+k+"="+v+";Encrypt=true")
	}},
	{Name: "curl-command", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("log", `$ curl -sS -H "`+headerName(k)+`: `+v+`" https://api.example.com/v1/me`)
	}},
	{Name: "python-repr", Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("log", "payload={'user': 'bob', '"+k+"': '"+v+"', 'n': 1}")
	}},
	{Name: "pem-file", Multiline: true, Plant: func(k, v string, _ int) (map[string]any, map[string]any) {
		return obj(), obj("files", obj("README", "keys below", k, v))
	}},
}
