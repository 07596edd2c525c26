package redact

import "bytes"

// Names that mark a secret. There is one list, secretNames; every name in
// it is recognised in every form a name can take, each form with its own
// rule id made from the canonical spelling:
//
//	key:NAME        a JSON object key (any depth; also in JSON inside strings)
//	assign:NAME     name=value, name: value, "name": "value", name="value" in
//	                text (logs, YAML, .env, INI, code, XML/HTML attributes)
//	url:query:NAME  a URL query parameter
//	form:NAME       a form body parameter
//	connstr:NAME    a Keyword=Value; connection-string keyword
//	xml:NAME        an XML or HTML element <NAME>value</NAME>
//	attr:NAME       an HTML control naming it: <input name="NAME" value="…">
//	header:NAME     a header (in header objects, header lists, raw HTTP text):
//	                NAME is the header as written, in lower case
//
// A name is normalized before lookup: ASCII lower case, with '-', '_', '.'
// and ' ' dropped, so "clientSecret", "client-secret" and "CLIENT_SECRET"
// are one name.

// valueTest says which values under a name are secrets.
type valueTest uint8

const (
	// anyValue: every value but the documented non-secrets (isNonSecret).
	anyValue valueTest = iota
	// credentialValue: the name also names things that are not secrets
	// ("token" in LLM log-probabilities, "authorization": "approved" in
	// payments, "pwd": "/home/bob"), so in JSON keys, text assignments and
	// XML elements only a value that looks like a credential counts
	// (looksCredential). In URLs, forms, connection strings and headers
	// any value counts.
	credentialValue
	// entropyValue: as credentialValue, but the value must have the
	// length and entropy of a credential (highEntropy): "key" names sort
	// keys, map keys and natural keys as often as API keys.
	entropyValue
)

type nameRule struct {
	canon  string // canonical name, used in rule ids
	suffix bool   // also matches at the end of a longer name (db_password)
	test   valueTest

	// the rule ids, one per form, made once by newNameTable
	key, assign, query, form, conn, xml, attr string
}

// secretNames is the one list of secret-naming words. Add a name here and
// every form recognises it (TestNameForms checks each one).
var secretNames = []nameRule{
	{canon: "password", suffix: true},
	{canon: "passwd", suffix: true},
	{canon: "passphrase", suffix: true},
	{canon: "pwd", suffix: true, test: credentialValue},
	{canon: "pass", test: credentialValue},
	{canon: "secret", suffix: true},
	{canon: "client_secret", suffix: true},
	{canon: "api_key", suffix: true},
	{canon: "key", test: entropyValue},
	{canon: "token", test: credentialValue},
	{canon: "access_token", suffix: true},
	{canon: "refresh_token", suffix: true},
	{canon: "id_token", suffix: true},
	{canon: "auth_token", suffix: true},
	{canon: "session_token", suffix: true},
	{canon: "security_token", suffix: true},
	{canon: "bearer_token", suffix: true},
	{canon: "api_token", suffix: true},
	{canon: "private_token", suffix: true},
	{canon: "private_key", suffix: true},
	{canon: "secret_key", suffix: true},
	{canon: "signing_key", suffix: true},
	{canon: "encryption_key", suffix: true},
	{canon: "master_key", suffix: true},
	{canon: "secret_access_key", suffix: true},
	{canon: "aws_secret_access_key"},
	{canon: "account_key", suffix: true},
	{canon: "shared_access_key", suffix: true},
	{canon: "csrf_token", suffix: true},
	{canon: "xsrf_token", suffix: true},
	{canon: "auth", test: credentialValue},
	{canon: "authorization", test: credentialValue},
	{canon: "credentials", test: credentialValue},
	{canon: "cookie", test: credentialValue},
	{canon: "set_cookie", test: credentialValue},
	{canon: "signature", suffix: true, test: credentialValue},
	{canon: "sig", test: credentialValue},
}

// DefaultHeaders are the request and response headers whose values are
// always redacted (matched case-insensitively), unless --no-defaults. A
// header named by a secret name (X-Client-Secret, X-Api-Token) is redacted
// too, with the id header:NAME of its own name.
var DefaultHeaders = []string{
	"authorization", "proxy-authorization", "cookie", "set-cookie",
	"x-api-key", "api-key", "x-auth-token", "x-access-token", "x-secret",
	"x-csrf-token",
}

func (n *nameRule) setIDs() {
	n.key, n.assign = "key:"+n.canon, "assign:"+n.canon
	n.query, n.form, n.conn = "url:query:"+n.canon, "form:"+n.canon, "connstr:"+n.canon
	n.xml, n.attr = "xml:"+n.canon, "attr:"+n.canon
}

type suffixRule struct {
	norm string
	rule *nameRule
}

type nameTable struct {
	exact  map[string]*nameRule
	suffix [256][]suffixRule // by last byte, longer suffixes first
}

func newNameTable() *nameTable {
	t := &nameTable{exact: map[string]*nameRule{}}
	for i := range secretNames {
		n := secretNames[i]
		n.setIDs()
		norm := normalize(nil, []byte(n.canon))
		t.exact[norm] = &n
		if n.suffix {
			c := norm[len(norm)-1]
			t.suffix[c] = append(t.suffix[c], suffixRule{norm, &n})
		}
	}
	// longer suffixes first: "client_secret" before "secret"
	for _, l := range t.suffix {
		for i := 1; i < len(l); i++ {
			for j := i; j > 0 && len(l[j].norm) > len(l[j-1].norm); j-- {
				l[j], l[j-1] = l[j-1], l[j]
			}
		}
	}
	return t
}

// normalize returns name in lower case without '-', '_', '.' and ' '.
func normalize(dst []byte, name []byte) string {
	return string(appendNorm(dst, name))
}

func appendNorm(dst []byte, name []byte) []byte {
	for _, c := range name {
		switch {
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		case c == '-' || c == '_' || c == '.' || c == ' ':
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// maxName is the longest name looked up; longer ones never match.
const maxName = 64

// lookup returns the secret name that the (raw, unnormalized) name is, or
// ends with; buf is scratch space of at least maxName bytes.
func (t *nameTable) lookup(buf []byte, name []byte) *nameRule {
	n := t.norm(buf, name)
	if n == nil {
		return nil
	}
	return t.lookupNorm(n)
}

func (t *nameTable) norm(buf []byte, name []byte) []byte {
	if len(name) == 0 || len(name) > maxName {
		return nil
	}
	n := appendNorm(buf[:0], name)
	if len(n) < 3 {
		return nil
	}
	return n
}

// candidate normalizes name (into buf) and returns it with the secret
// name it is. norm is nil when the name can name no secret at all: not a
// secret name, not secret-ish (weakName, for the entropy fallback), not a
// vendor's (mayContext); then the value after it need not be read.
func (t *nameTable) candidate(buf, name []byte) (norm []byte, n *nameRule) {
	if norm = t.norm(buf, name); norm == nil {
		return nil, nil
	}
	if n = t.lookupNorm(norm); n == nil && !weakName(norm) && !mayContext(norm) {
		return nil, nil
	}
	return norm, n
}

func (t *nameTable) lookupNorm(n []byte) *nameRule {
	if r, ok := t.exact[string(n)]; ok {
		return r
	}
	for _, s := range t.suffix[n[len(n)-1]] {
		if len(n) > len(s.norm) && string(n[len(n)-len(s.norm):]) == s.norm {
			return s.rule
		}
	}
	return nil
}

// GenericID is the rule id of the high-entropy fallback: a value with the
// length and entropy of a credential under a name that is secret-ish
// (weakSuffixes) but not in the table.
const GenericID = "generic-secret"

// weakSuffixes end names that are secret-ish: "bot_token", "stripe_key",
// "smtp_pass", "db_pwd", "github_auth", "cloud_credential".
var weakSuffixes = []string{"token", "key", "pwd", "pass", "secret", "auth", "credential", "credentials", "passcode"}

// weakByLast: the weak suffixes by their last byte, so that most names
// are ruled out by one lookup.
var weakByLast = func() (t [256][]string) {
	for _, s := range weakSuffixes {
		t[s[len(s)-1]] = append(t[s[len(s)-1]], s)
	}
	return t
}()

// notSecretNames end names that end in a weak suffix but name keys that
// are not secrets (documented in docs/redact.md).
var notSecretNames = []string{"publickey", "pubkey", "sortkey", "partitionkey", "primarykey", "foreignkey",
	"cachekey", "objectkey", "idempotencykey", "routingkey", "hashkey", "rangekey", "naturalkey", "groupkey",
	"sshpublickey", "monkey", "donkey", "turkey", "hotkey", "bypass", "compass", "pagetoken", "nextpagetoken",
	"continuationtoken", "synctoken", "cursortoken"}

// weakName reports whether the normalized name n ends with a weak suffix
// and is not a known non-secret.
func weakName(n []byte) bool {
	if len(n) == 0 {
		return false
	}
	hit := false
	for _, s := range weakByLast[n[len(n)-1]] {
		if bytes.HasSuffix(n, []byte(s)) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	for _, s := range notSecretNames {
		if bytes.HasSuffix(n, []byte(s)) {
			return false
		}
	}
	return true
}
