package redact

import (
	"slices"
	"strings"
	"testing"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// Realistic secrets (made up, with the real shapes).
const (
	jwtTok    = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	awsID     = "AKIAIOSFODNN7EXAMPLE"
	awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	ghpTok    = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
	ghPAT     = "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"
	glpat     = "glpat-Y40uvSwMFLZDe1f8rESQ"
	slackTok  = "xoxb-104974650752-9170342366712-CzJr4i0B3JrTAwR4y9ojfljo"
	stripeKey = "sk_live_QoaF1LlqsajAIxNKu8iS2G8N"
	googleKey = "AIzag6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po-"
	openaiKey = "sk-proj-799NksnRH9ucAUsdMlHUvTCQCyEZDz_TddJ8HyS5SUkCnD8z"
	openaiOld = "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"
	anthKey   = "sk-ant-api03-kuvqdt7s8Stqcbnr3yBdGBLEPH1qhT61qtc4xatws8phP9nhFyJfm5di4PzJ59FHz5r1pY4OjE2jBMptUsGr7CmY-uCu3AA"
	npmTok    = "npm_GzvAmwufUxbvJDCTbyvHNsG9eh6Yo4gfqrc5"
	sgKey     = "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"
	hfTok     = "hf_lm7tOtHWnsCGRlrwZbqcabUGJmGEp7CgQ0"
	slackPath = "T158Z6TNO/BVMIZWDIA/eOV4qBkdfQ1y3GQsMpSscDlk"
	pemBody   = `MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\nLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo`
	basicCred = "dXNlcjpodW50ZXIy" // user:hunter2
)

type corpusCase struct {
	name    string
	in      string   // a JSON value, walked as /response
	secrets []string // each must be gone from the output
	want    string   // the expected output, when exact bytes matter
	ids     []string // rule ids that must fire, in any order
	ptrs    []string // pointers that must be reported (optional)
}

var corpus = []corpusCase{
	// headers
	{name: "headers object", in: `{"headers":{"Authorization":"Bearer abc.def-123","Accept":"application/json","Cookie":"sid=8f1e2d; theme=dark"}}`,
		want: `{"headers":{"Authorization":"[REDACTED]","Accept":"application/json","Cookie":"[REDACTED]"}}`,
		ids:  []string{"header:authorization", "header:cookie"}, ptrs: []string{"/response/headers/Authorization", "/response/headers/Cookie"}},
	{name: "header case and spacing", in: `{ "HEADERS" : { "X-API-KEY" : "k-55501234" , "x-csrf-token":"c5f0e1" } }`,
		want: `{ "HEADERS" : { "X-API-KEY" : "[REDACTED]" , "x-csrf-token":"[REDACTED]" } }`,
		ids:  []string{"header:x-api-key", "header:x-csrf-token"}},
	{name: "multi-valued set-cookie", in: `{"headers":{"set-cookie":["a=1; HttpOnly","b=2"],"vary":["Accept"]}}`,
		want: `{"headers":{"set-cookie":["[REDACTED]","[REDACTED]"],"vary":["Accept"]}}`,
		ids:  []string{"header:set-cookie"}, ptrs: []string{"/response/headers/set-cookie/0", "/response/headers/set-cookie/1"}},
	{name: "HAR header list", in: `{"headers":[{"name":"Accept","value":"*/*"},{"value":"Basic ` + basicCred + `","name":"Proxy-Authorization"},{"name":"X-Auth-Token","value":"t0k3n-0001"}]}`,
		want: `{"headers":[{"name":"Accept","value":"*/*"},{"value":"[REDACTED]","name":"Proxy-Authorization"},{"name":"X-Auth-Token","value":"[REDACTED]"}]}`,
		ids:  []string{"header:proxy-authorization", "header:x-auth-token"}, ptrs: []string{"/response/headers/1/value", "/response/headers/2/value"}},
	{name: "header list entry named by key after a name that is not a string", in: `{"headers":[{"name":null,"key":"X-Auth-Token","value":"t0k3n-0001"}]}`,
		want: `{"headers":[{"name":null,"key":"X-Auth-Token","value":"[REDACTED]"}]}`,
		ids:  []string{"header:x-auth-token"}, ptrs: []string{"/response/headers/0/value"}},
	{name: "header pairs", in: `{"headers":[["Content-Type","text/html"],["X-Access-Token","zzz-998877"]]}`,
		want: `{"headers":[["Content-Type","text/html"],["X-Access-Token","[REDACTED]"]]}`,
		ids:  []string{"header:x-access-token"}},
	{name: "nested request headers", in: `{"req":{"http":{"headers":{"api-key":"0123456789abcdef"}}}}`,
		want: `{"req":{"http":{"headers":{"api-key":"[REDACTED]"}}}}`, ids: []string{"header:api-key"}},
	{name: "raw HTTP text", in: `{"raw":"GET /v1 HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Basic ` + basicCred + `\r\nAccept: */*\r\n\r\n"}`,
		want: `{"raw":"GET /v1 HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: [REDACTED]\r\nAccept: */*\r\n\r\n"}`,
		ids:  []string{"header:authorization"}},

	// URLs
	{name: "query api_key", in: `{"url":"https://api.example.com/v1/items?api_key=9f8e7d6c5b4a&page=2"}`,
		want: `{"url":"https://api.example.com/v1/items?api_key=[REDACTED]&page=2"}`, ids: []string{"url:query:api_key"}},
	{name: "query many", in: `{"next":"https://x.example.org/cb?code=ok&access_token=ya29.a0AfH6SMBx&apiKey=zz9&sig=Zm9vYmFy%3D&lang=en#top"}`,
		want: `{"next":"https://x.example.org/cb?code=ok&access_token=[REDACTED]&apiKey=[REDACTED]&sig=[REDACTED]&lang=en#top"}`,
		ids:  []string{"url:query:access_token", "url:query:api_key", "url:query:sig"}},
	{name: "presigned S3 URL", in: `{"u":"https://b.s3.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token=FwoGZXIvYXdzEJr&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"}`,
		want: `{"u":"https://b.s3.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token=[REDACTED]&X-Amz-Signature=[REDACTED]"}`,
		ids:  []string{"url:query:security_token", "url:query:signature"}},
	{name: "url in prose", in: `{"text":"see https://example.com/a?token=abc123xyz for details"}`,
		want: `{"text":"see https://example.com/a?token=[REDACTED] for details"}`, ids: []string{"url:query:token"}},
	{name: "userinfo", in: `{"repo":"https://deploy:s3cr3t-P4ss@git.example.com/r.git"}`,
		want: `{"repo":"https://deploy:[REDACTED]@git.example.com/r.git"}`, ids: []string{"url:userinfo"}},
	{name: "database URL", in: `{"dsn":"postgres://app:Tr0ub4dor&3@db.internal:5432/lake?sslmode=require"}`,
		want: `{"dsn":"postgres://app:[REDACTED]@db.internal:5432/lake?sslmode=require"}`, ids: []string{"url:userinfo"}},
	{name: "redis URL no user", in: `{"cache":"redis://:hunter2hunter2@cache:6379/0"}`,
		want: `{"cache":"redis://:[REDACTED]@cache:6379/0"}`, ids: []string{"url:userinfo"}},

	// payload secrets by shape
	{name: "jwt in value", in: `{"id_info":"` + jwtTok + `"}`,
		want: `{"id_info":"[REDACTED]"}`, ids: []string{"jwt"}},
	{name: "jwt in text", in: `{"log":"token was ` + jwtTok + `, expired"}`,
		want: `{"log":"token was [REDACTED], expired"}`, ids: []string{"jwt"}},
	{name: "bearer in text", in: `{"log":"curl -H 'Authorization: Bearer 4f9c2a0e-77aa-4b1e-9d3c-0a1b2c3d4e5f' https://x"}`,
		want: `{"log":"curl -H 'Authorization: Bearer [REDACTED]' https://x"}`, ids: []string{"bearer-token"}},
	{name: "basic in text", in: `{"note":"use basic ` + basicCred + ` to log in"}`,
		want: `{"note":"use basic [REDACTED] to log in"}`, ids: []string{"basic-auth"}},
	{name: "aws key id and secret", in: `{"csv":"Access key ID,Secret access key\n` + awsID + `,` + awsSecret + `\n"}`,
		want: `{"csv":"Access key ID,Secret access key\n[REDACTED],[REDACTED]\n"}`, ids: []string{"aws-access-key-id", "aws-secret-access-key"}},
	{name: "aws env", in: `{"env":"AWS_ACCESS_KEY_ID=` + awsID + `\nAWS_SECRET_ACCESS_KEY=` + awsSecret + `\n"}`,
		want: `{"env":"AWS_ACCESS_KEY_ID=[REDACTED]\nAWS_SECRET_ACCESS_KEY=[REDACTED]\n"}`, ids: []string{"aws-access-key-id", "assign:aws_secret_access_key"}},
	{name: "pem private key", in: `{"key":"-----BEGIN RSA PRIVATE KEY-----\n` + pemBody + `\n-----END RSA PRIVATE KEY-----\n"}`,
		want: `{"key":"-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\n"}`, ids: []string{"pem-private-key"}},
	{name: "openssh key in text", in: `{"t":"id_ed25519:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----"}`,
		want: `{"t":"id_ed25519:\n-----BEGIN OPENSSH PRIVATE KEY-----\n[REDACTED]\n-----END OPENSSH PRIVATE KEY-----"}`, ids: []string{"pem-private-key"}},
	{name: "github tokens", in: `["` + ghpTok + `","x ` + ghPAT + ` y"]`, want: `["[REDACTED]","x [REDACTED] y"]`,
		ids: []string{"github-token", "github-fine-grained-pat"}, ptrs: []string{"/response/0", "/response/1"}},
	{name: "gitlab", in: `{"ci":"GITLAB_TOKEN ` + glpat + `"}`, want: `{"ci":"GITLAB_TOKEN [REDACTED]"}`, ids: []string{"gitlab-token"}},
	{name: "slack", in: `{"cfg":"bot ` + slackTok + ` hook https://hooks.slack.com/services/` + slackPath + `"}`,
		want: `{"cfg":"bot [REDACTED] hook https://hooks.slack.com/services/[REDACTED]"}`, ids: []string{"slack-token", "slack-webhook-url"}},
	{name: "stripe", in: `{"k":"` + stripeKey + `"}`, want: `{"k":"[REDACTED]"}`, ids: []string{"stripe-secret-key"}},
	{name: "google", in: `{"maps":"https://maps.googleapis.com/maps/api/js?callback=init&libraries=places ` + googleKey + `"}`,
		want: `{"maps":"https://maps.googleapis.com/maps/api/js?callback=init&libraries=places [REDACTED]"}`, ids: []string{"google-api-key"}},
	{name: "openai and anthropic", in: `{"a":"OPENAI_API_KEY is ` + openaiKey + `","b":"` + openaiOld + `","c":"` + anthKey + `"}`,
		want: `{"a":"OPENAI_API_KEY is [REDACTED]","b":"[REDACTED]","c":"[REDACTED]"}`, ids: []string{"openai-api-key", "anthropic-api-key"}},
	{name: "npm sendgrid huggingface", in: `{"npmrc":"//registry.npmjs.org/:_authToken=` + npmTok + `","sg":"` + sgKey + `","hf":"` + hfTok + `"}`,
		want: `{"npmrc":"//registry.npmjs.org/:_authToken=[REDACTED]","sg":"[REDACTED]","hf":"[REDACTED]"}`,
		ids:  []string{"npm-token", "sendgrid-api-key", "huggingface-token"}},

	{name: "more providers", in: `["SKeee65f53e9421ce50211670eae679f02","sq0atp-b0prFmbh7-wy5yq1XoY1Ba",` +
		`"sq0csp-IMcAxYmfsB4HbQLXjjlAFbVV6q9rXxtNDFyuzX9k1gn","lin_api_gcG9qpVTzqA05MFsHl7UeioEJP2NNern66nVberA",` +
		`"PMAK-e71159b42b4ea410fb9102f2-9a422eb14ab2f2d0f0cc022238daceee20","glc_Er7n1AyOHFRuT11NCue1cr3McRTrKwtPYKbPizDm",` +
		`"glsa_bX1rpXjYdOhCgOIPOZx9eRmm0EqlTaWE_1578b5c7","AGE-SECRET-KEY-196CGUAVQC4A5DX8D0C9N5SPK9ZU463LPDYMZT4G7FUL9WUJ2SNCDNF3LV6",` +
		`"NRAK-8H6AYB8C7Z8H5FKE830ZRP45IV1","sntrys_8Ony1dHqceytDbKPTF_n_pGz3cW0uABBrDSxOOyBymrEqlHXm31qzZcmzTUo",` +
		`"figd_Ryj9nde9syxoAwuKmhr7jmPY72T3AVbfzx06UVZy","sbp_530a2c6a8835c4abd5c652a9f30b1789a6c52cf6",` +
		`"pul-3c03378ec16c03888ad3e21c5cf5f1dfd9c9b9f8","HRKU-AAKLdbFfu0XgOYgOjC29GFfm7sFog16pAgTtpU4r16H1UrLqE9oNTJIyJEyF",` +
		`"ATATT3xFfGF0` + strings.Repeat("zfhbIH2denCJjluEV99TARR_rjp5B42", 6) + `=A1B2C3D4","dckr_pat_BrXJhEb8V5F1u1uPsHqIgtwaAtq",` +
		`"rubygems_2b83fe2906d62e61df59a9c29e2b243ce3e0cf793e0649c9"]`,
		want: `[` + strings.Repeat(`"[REDACTED]",`, 16) + `"[REDACTED]"]`,
		ids: []string{"twilio-api-key", "square-token", "linear-api-key", "postman-api-key", "grafana-token",
			"age-secret-key", "newrelic-api-key", "sentry-token", "figma-token", "supabase-token", "pulumi-token", "heroku-api-key",
			"atlassian-api-token", "docker-hub-token", "rubygems-api-key"}},

	// assignments, form bodies, connection strings, embedded JSON
	{name: "password= in log", in: `{"log":"login user=bob password=hunter2 ok"}`,
		want: `{"log":"login user=bob password=[REDACTED] ok"}`, ids: []string{"assign:password"}},
	{name: "secret: in yaml", in: `{"yaml":"db:\n  user: app\n  secret: s3cr3tV4lue\n"}`,
		want: `{"yaml":"db:\n  user: app\n  secret: [REDACTED]\n"}`, ids: []string{"assign:secret"}},
	{name: "quoted assignment", in: `{"py":"client = Client(api_key='abc def 123', timeout=3)"}`,
		want: `{"py":"client = Client(api_key='[REDACTED]', timeout=3)"}`, ids: []string{"assign:api_key"}},
	{name: "form body", in: `{"body":"grant_type=password&username=bob&password=hunter2&client_secret=Zx9-Yw8"}`,
		want: `{"body":"grant_type=password&username=bob&password=[REDACTED]&client_secret=[REDACTED]"}`, ids: []string{"form:password", "form:client_secret"}},
	{name: "ado connection string", in: `{"cs":"Server=tcp:db,1433;Database=lake;User Id=sa;Password=P@ss;w0rd};Encrypt=true"}`,
		secrets: []string{"P@ss"}, ids: []string{"connstr:password"}},
	{name: "odbc braced", in: `{"cs":"Driver={ODBC Driver 18};Server=db;UID=sa;PWD={p;a}ss};"}`,
		want: `{"cs":"Driver={ODBC Driver 18};Server=db;UID=sa;PWD={[REDACTED]}ss};"}`, ids: []string{"connstr:pwd"}},
	{name: "azure storage", in: `{"cs":"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net"}`,
		want: `{"cs":"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[REDACTED];EndpointSuffix=core.windows.net"}`, ids: []string{"connstr:account_key"}},
	{name: "embedded JSON", in: `{"body":"{\"user\":\"bob\",\"password\":\"hunter2\",\"n\":1}"}`,
		want: `{"body":"{\"user\":\"bob\",\"password\":\"[REDACTED]\",\"n\":1}"}`, ids: []string{"assign:password"}},
	{name: "embedded JSON with escaped quote", in: `{"body":"{\"password\":\"a\\\"b c\",\"n\":1}"}`,
		want: `{"body":"{\"password\":\"[REDACTED]\",\"n\":1}"}`, ids: []string{"assign:password"}},
	{name: "embedded JSON unicode kept", in: `{"body":"{\"name\":\"Zoë\",\"access_token\":\"a1b2c3\"}\u2028"}`,
		want: "{\"body\":\"{\\\"name\\\":\\\"Zoë\\\",\\\"access_token\\\":\\\"[REDACTED]\\\"}\u2028\"}", ids: []string{"assign:access_token"}},

	// secret-naming keys
	{name: "keys", in: `{"user":{"login":"bob","password":"hunter2","clientSecret":"abc","api-key":12345,"token":null,"db_password":"x1","password_hint":"pet name"}}`,
		want: `{"user":{"login":"bob","password":"[REDACTED]","clientSecret":"[REDACTED]","api-key":"[REDACTED]","token":null,"db_password":"[REDACTED]","password_hint":"pet name"}}`,
		ids:  []string{"key:password", "key:client_secret", "key:api_key"}, ptrs: []string{"/response/user/password", "/response/user/db_password"}},
	{name: "auth keys: credentials only", in: `{"payment":{"authorization":"approved","auth":"none"},"client":{"auth":"Basic ` + basicCred + `","authorization":"AUTH-4471-XZ"}}`,
		want: `{"payment":{"authorization":"approved","auth":"none"},"client":{"auth":"[REDACTED]","authorization":"[REDACTED]"}}`, ids: []string{"key:auth", "key:authorization"}},
	{name: "token key: credentials only", in: `{"token":"tok_9f8e7d6c5b4a","logprobs":[{"token":" Hello","logprob":-0.31},{"token":"world","logprob":-1.2}],"t2":{"token":"the quick brown fox"}}`,
		want: `{"token":"[REDACTED]","logprobs":[{"token":" Hello","logprob":-0.31},{"token":"world","logprob":-1.2}],"t2":{"token":"the quick brown fox"}}`, ids: []string{"key:token"}},
	{name: "headers under other names", in: `{"responseHeaders":{"Set-Cookie":"id=1"},"header":{"X-Secret":"s-1"}}`,
		want: `{"responseHeaders":{"Set-Cookie":"[REDACTED]"},"header":{"X-Secret":"[REDACTED]"}}`, ids: []string{"header:set-cookie", "header:x-secret"}},
	{name: "array under a secret key", in: `{"client_secrets":[],"secret":["s-1",2,{"note":"n","password":"p"},null]}`,
		want: `{"client_secrets":[],"secret":["[REDACTED]","[REDACTED]",{"note":"n","password":"[REDACTED]"},null]}`, ids: []string{"key:secret", "key:password"}},
	{name: "key with object value walks on", in: `{"credentials":{"username":"bob","secret":"s"},"auth":"Basic ` + basicCred + `"}`,
		want: `{"credentials":{"username":"bob","secret":"[REDACTED]"},"auth":"[REDACTED]"}`, ids: []string{"key:secret", "key:auth"}},
	{name: "pointer escaping", in: `{"a/b":{"m~n":{"refresh_token":"r-1"}}}`, want: `{"a/b":{"m~n":{"refresh_token":"[REDACTED]"}}}`,
		ids: []string{"key:refresh_token"}, ptrs: []string{"/response/a~1b/m~0n/refresh_token"}},
	{name: "escapes around secrets", in: `{"log":"line1\nBearer abcdef0123456789\nline3","t":"a\t` + ghpTok + `\t","u":"\u0070assword=hunter2","pass\u0077ord":"x1","headers":{"Set-\u0043ookie":"c"}}`,
		want: `{"log":"line1\nBearer [REDACTED]\nline3","t":"a\t[REDACTED]\t","u":"password=[REDACTED]","pass\u0077ord":"[REDACTED]","headers":{"Set-\u0043ookie":"[REDACTED]"}}`,
		ids:  []string{"bearer-token", "github-token", "form:password", "key:password", "header:set-cookie"}, ptrs: []string{"/response/password", "/response/headers/Set-Cookie"}},
	{name: "escaped string re-encoded", in: `{"msg":"caf\u00e9 \/ password=hunter2\ttab"}`,
		want: `{"msg":"café / password=[REDACTED]\ttab"}`, ids: []string{"assign:password"}},
}

// Look-alikes: none of these may change.
var lookalikes = []string{
	`{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","request_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7"}`,
	`{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","etag":"\"33a64df551425fcc55e4d42a148795d9f25f89d4\""}`,
	`{"image":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==","thumb":"/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQUFBQoHBwcHBwcKDAoKCgoKCgwMDAwMDA0NDQ0NDQ8PDw8PDxEREREREREREREREREREREREREREREREREREREREQ=="}`,
	`{"text":"Forgot your password? Reset it from the login page. The password: must be long. A secret: nobody knows. Token: none."}`,
	`{"text":"He was the bearer of bad news; basic training starts Monday; the key=value store is fast; tokens are counted."}`,
	`{"text":"Le mot de passe oublié ? été, naïve café, 東京, Москва, 😀 — password reset link sent to jo@example.com"}`,
	`{"headers":{"Accept":"application/json","X-Request-Id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","Content-Length":"348"}}`,
	`{"url":"https://api.example.org/v1/items/42?lang=fr&page=3&sort=desc&key_field=name","mail":"mailto:ops@example.com"}`,
	`{"cert":"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----","pub":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"}`,
	`{"words":"task-force desk-lamp risk-free ask-me AKIA short eyJ alone sk-short ghp_short xoxb- glpat-x","n":[1.5e10,-0.0,12345678901234567890]}`,
	`{"time":"2024-01-15T10:30:00Z","ratio":0.333,"flags":[true,false,null],"nested":{"a":{"b":{"c":[1,2,{"d":"e"}]}}}}`,
	`{"password":"","secret":"[REDACTED]","token":true,"Authorization":null,"pwd":"/home/bob","key":"Luke_Skywalker","tokens":["the","cat"]}`,
	`{"log":"password=[REDACTED] url https://u:[REDACTED]@h/ Bearer [REDACTED]"}`,
	`{"git":"commit 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 sha1","orcid":"0000-0002-1825-0097","isbn":"978-3-16-148410-0"}`,
	`{"bad":"lone \ud800 surrogate and text"}`,
	`{"ids":["key-5d41402abc4b2a76b9719d911017c592","sk-5d41402abc4b2a76b9719d911017c592abcdef","SKU-5d41402abc4b2a76b9719d911017c592","ASK5d41402abc4b2a76b9719d911017c592"]}`,
	`{"s3":"s3://bucket/AKIAIOSFODNN7EXAMPLEX/objects","lib":"AIzaSyShort","note":"AGE-SECRET-KEY-1 is how age keys start"}`,
	"{\"b64url\":\"" + strings.Repeat("Zm9vYmFyYmF6_-Qx", 40) + "\"}",
}

func TestCorpus(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range corpus {
		t.Run(c.name, func(t *testing.T) {
			out, finds, err := r.Value([]byte(c.in), "/response")
			if err != nil {
				t.Fatal(err)
			}
			if err := jsonscan.Valid(out); err != nil {
				t.Fatalf("output is not valid JSON: %v\n%s", err, out)
			}
			if c.want != "" && string(out) != c.want {
				t.Errorf("got  %s\nwant %s", out, c.want)
			}
			for _, s := range c.secrets {
				if strings.Contains(string(out), s) {
					t.Errorf("secret %q left in %s", s, out)
				}
			}
			var ids, ptrs []string
			for _, f := range finds {
				if !slices.Contains(ids, f.Rule) {
					ids = append(ids, f.Rule)
				}
				ptrs = append(ptrs, f.Pointer)
			}
			slices.Sort(ids)
			want := slices.Clone(c.ids)
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("fired %q, want %q", ids, want)
			}
			for _, p := range c.ptrs {
				if !slices.Contains(ptrs, p) {
					t.Errorf("pointer %s not reported (got %q)", p, ptrs)
				}
			}
			// idempotent: redacting again changes nothing
			again, finds2, _ := r.Value(out, "/response")
			if string(again) != string(out) || len(finds2) > 0 {
				t.Errorf("second pass changed it: %s (%v)", again, finds2)
			}
		})
	}
}

func TestLookalikes(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range lookalikes {
		out, finds, err := r.Value([]byte(in), "/response")
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if string(out) != in || len(finds) > 0 {
			t.Errorf("look-alike changed:\n in  %s\n out %s\n %v", in, out, finds)
		}
	}
}
