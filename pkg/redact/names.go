package redact

// Names that mark a secret: JSON object keys, URL query and form
// parameters, connection-string keywords and name=value assignments in
// text. A name is normalized before lookup: ASCII lower case, with '-',
// '_', '.' and ' ' dropped, so "clientSecret", "client-secret" and
// "CLIENT_SECRET" are one name. Rule ids use the canonical spelling
// (key:client_secret, url:query:client_secret, …).

// where a name counts as naming a secret
const (
	inKey     = 1 << iota // a JSON object key (key:NAME)
	inAssign              // name=value / name: value in text (assign:NAME)
	inURL                 // URL query or form parameter (url:query:NAME, form:NAME)
	inConnStr             // Key=Value; connection strings (connstr:NAME)

	inText = inKey | inAssign | inURL
	inAll  = inText | inConnStr
)

type nameRule struct {
	canon string // canonical name, used in rule ids
	where int
	// weak: the name is also common for non-secrets ("token" in LLM
	// log-probabilities, "authorization": "approved" in payments), so as a
	// JSON key it only redacts a string that looks like a credential (see
	// looksCredential)
	weak bool

	// the rule ids, one per context, made once by newNameTable
	key, assign, query, form, conn string
}

func (n *nameRule) setIDs() {
	n.key, n.assign = "key:"+n.canon, "assign:"+n.canon
	n.query, n.form, n.conn = "url:query:"+n.canon, "form:"+n.canon, "connstr:"+n.canon
}

// exactNames are matched on the whole normalized name (before suffixNames).
var exactNames = []nameRule{
	{canon: "pwd", where: inURL | inConnStr},
	{canon: "pass", where: inURL},
	{canon: "client_secret", where: inAll},
	{canon: "key", where: inURL},
	{canon: "token", where: inText, weak: true},
	{canon: "id_token", where: inText},
	{canon: "csrf_token", where: inKey | inURL},
	{canon: "xsrf_token", where: inKey | inURL},
	{canon: "auth", where: inKey | inURL, weak: true},
	{canon: "authorization", where: inKey | inURL, weak: true},
	{canon: "credentials", where: inKey},
	{canon: "cookie", where: inKey},
	{canon: "set_cookie", where: inKey},
	{canon: "sig", where: inURL},
	{canon: "account_key", where: inKey | inConnStr},
	{canon: "shared_access_key", where: inKey | inConnStr},
	{canon: "aws_secret_access_key", where: inAll},
}

// suffixNames are matched on the whole normalized name or its end: "db_password",
// "smtpPassword", "X-Amz-Security-Token", "oauth_token_secret".
var suffixNames = []nameRule{
	{canon: "password", where: inAll},
	{canon: "passwd", where: inAll},
	{canon: "passphrase", where: inAll},
	{canon: "secret", where: inText},
	{canon: "api_key", where: inAll},
	{canon: "access_token", where: inText},
	{canon: "refresh_token", where: inText},
	{canon: "auth_token", where: inText},
	{canon: "session_token", where: inText},
	{canon: "security_token", where: inText},
	{canon: "bearer_token", where: inText},
	{canon: "api_token", where: inText},
	{canon: "private_token", where: inText},
	{canon: "private_key", where: inText},
	{canon: "secret_key", where: inText},
	{canon: "signing_key", where: inText},
	{canon: "encryption_key", where: inText},
	{canon: "master_key", where: inText},
	{canon: "secret_access_key", where: inAll},
	{canon: "signature", where: inURL},
}

// DefaultHeaders are the request and response headers whose values are
// always redacted (matched case-insensitively), unless --no-defaults.
var DefaultHeaders = []string{
	"authorization", "proxy-authorization", "cookie", "set-cookie",
	"x-api-key", "api-key", "x-auth-token", "x-access-token", "x-secret",
	"x-csrf-token",
}

type suffixRule struct {
	norm string
	rule *nameRule
}

type nameTable struct {
	exact  map[string]*nameRule
	suffix []suffixRule
}

func newNameTable() *nameTable {
	t := &nameTable{exact: map[string]*nameRule{}}
	for _, n := range exactNames {
		n.setIDs()
		t.exact[normalize(nil, []byte(n.canon))] = &n
	}
	for _, n := range suffixNames {
		n.setIDs()
		t.suffix = append(t.suffix, suffixRule{normalize(nil, []byte(n.canon)), &n})
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

// lookup classifies the (raw, unnormalized) name for context where; buf is
// scratch space of at least maxName bytes.
func (t *nameTable) lookup(buf []byte, name []byte, where int) (*nameRule, bool) {
	if len(name) == 0 || len(name) > maxName {
		return nil, false
	}
	n := appendNorm(buf[:0], name)
	if len(n) < 3 {
		return nil, false
	}
	if r, ok := t.exact[string(n)]; ok {
		return r, r.where&where != 0
	}
	for _, s := range t.suffix {
		if len(n) >= len(s.norm) && string(n[len(n)-len(s.norm):]) == s.norm {
			if s.rule.where&where != 0 {
				return s.rule, true
			}
		}
	}
	return nil, false
}
