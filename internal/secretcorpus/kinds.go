// Package secretcorpus generates xr-redact's own measure: envelopes with
// planted secrets of many credential kinds in many positions (headers,
// URLs in text and in HTML, form bodies, nested JSON, JSON inside strings,
// logs, YAML, XML, wiki code blocks, Markdown in an LLM answer,
// connection strings, PEM blocks, …), and envelopes of look-alikes that
// must come out unchanged (hashes, UUIDs, base64 images, commit SHAs,
// public keys, prose about passwords, placeholders). It is deterministic
// by seed: the same seed gives the same corpus, byte for byte.
//
// Every secret is made up here, from the kind's published shape; none is
// a real credential.
package secretcorpus

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
)

// A Kind is one credential format.
type Kind struct {
	Name string // a short label, unique
	// Rule is the id xr-redact must fire when the secret is planted
	// under a neutral name ("" when several may: a name rule and a shape
	// rule find the same bytes).
	Rule string
	// Context is a name the secret must sit under to be recognised
	// (vendor formats without a prefix: DATADOG_APP_KEY); "" when the
	// secret is recognised by its shape anywhere.
	Context string
	// Named: the value is only a secret under a secret-naming name
	// (a pass phrase): planted under Context, which names a secret.
	Named bool
	// Multiline: the secret spans lines (PEM blocks): only positions
	// that carry text blocks take it.
	Multiline bool
	// Gen makes one secret; Wrap (optional) puts it in the text that is
	// planted ("Bearer " + secret), so that only Gen's part must vanish.
	Gen  func(r *rand.Rand) string
	Wrap func(secret string) string
}

const (
	csAlnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	csUpperNum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	csLowerNum = "abcdefghijklmnopqrstuvwxyz0123456789"
	csHex      = "0123456789abcdef"
	csURLSafe  = csAlnum + "_-"
	csB64      = csAlnum + "+/"
	csBech32   = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
	csDigits   = "0123456789"
)

// rs returns n random bytes of charset cs, with at least one digit and one
// letter when cs has both (random tokens of real length almost always do).
func rs(r *rand.Rand, cs string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = cs[r.IntN(len(cs))]
	}
	var digits, letters []byte
	for i := 0; i < len(cs); i++ {
		switch c := cs[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters = append(letters, c)
		}
	}
	if n >= 4 && len(digits) > 0 && len(letters) > 0 {
		b[r.IntN(n/2)] = digits[r.IntN(len(digits))]
		b[n/2+r.IntN(n-n/2)] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

// g makes a generator of prefix + n bytes of cs + suffix.
func g(prefix, cs string, n int, suffix ...string) func(r *rand.Rand) string {
	return func(r *rand.Rand) string { return prefix + rs(r, cs, n) + strings.Join(suffix, "") }
}

func uuid(r *rand.Rand) string {
	return rs(r, csHex, 8) + "-" + rs(r, csHex, 4) + "-4" + rs(r, csHex, 3) + "-a" + rs(r, csHex, 3) + "-" + rs(r, csHex, 12)
}

func pem(label string) func(r *rand.Rand) string {
	return func(r *rand.Rand) string {
		var b strings.Builder
		for range 6 {
			b.WriteString(rs(r, csB64, 64) + "\n")
		}
		b.WriteString(rs(r, csB64, 20) + "==")
		return b.String()
	}
}

func pemWrap(label string) func(string) string {
	return func(s string) string {
		return "-----BEGIN " + label + "-----\n" + s + "\n-----END " + label + "-----\n"
	}
}

// Kinds are the credential formats planted: every token family of
// docs/redact.md, every vendor format found by context, and values that
// are secrets only by their name.
var Kinds = []Kind{
	// JSON Web Tokens
	{Name: "jwt", Rule: "jwt", Gen: func(r *rand.Rand) string {
		return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + rs(r, csURLSafe, 40) + "." + rs(r, csURLSafe, 43)
	}},
	{Name: "jwt-base64", Rule: "jwt-base64", Gen: g("ZXlKaGJHY2lPaU", csB64, 80)},
	{Name: "grafana-api-key", Rule: "grafana-token", Gen: g("eyJrIjoi", csAlnum, 80)},

	// cloud providers
	{Name: "aws-access-key-id", Rule: "aws-access-key-id", Gen: g("AKIA", csUpperNum, 16)},
	{Name: "aws-sts-key-id", Rule: "aws-access-key-id", Gen: g("ASIA", csUpperNum, 16)},
	{Name: "aws-a3t-key-id", Rule: "aws-access-key-id", Gen: g("A3TX", csUpperNum, 16)},
	{Name: "aws-secret-in-csv", Rule: "aws-secret-access-key", Gen: g("", csB64, 40), Wrap: func(s string) string { return "AKIAQYLPMN5HHHFPZAM2," + s }},
	{Name: "google-api-key", Rule: "google-api-key", Gen: g("AIza", csURLSafe, 35)},
	{Name: "azure-ad-client-secret", Rule: "azure-ad-client-secret", Gen: func(r *rand.Rand) string { return rs(r, csAlnum, 3) + "8Q~" + rs(r, csAlnum, 34) }},
	{Name: "alibaba-access-key-id", Rule: "alibaba-access-key-id", Gen: g("LTAI", csAlnum, 20)},
	{Name: "digitalocean-pat", Rule: "digitalocean-token", Gen: g("dop_v1_", csHex, 64)},
	{Name: "digitalocean-oauth", Rule: "digitalocean-token", Gen: g("doo_v1_", csHex, 64)},
	{Name: "digitalocean-refresh", Rule: "digitalocean-token", Gen: g("dor_v1_", csHex, 64)},
	{Name: "cloudflare-origin-ca-key", Rule: "cloudflare-origin-ca-key", Gen: func(r *rand.Rand) string { return "v1.0-" + rs(r, csHex, 24) + "-" + rs(r, csHex, 146) }},
	{Name: "heroku-api-key-v2", Rule: "heroku-api-key", Gen: g("HRKU-AA", csURLSafe, 58)},
	{Name: "flyio-token", Rule: "flyio-access-token", Gen: g("fo1_", csAlnum, 43)},
	{Name: "flyio-macaroon", Rule: "flyio-access-token", Gen: g("fm2_", csB64, 140)},
	{Name: "openshift-user-token", Rule: "openshift-user-token", Gen: g("sha256~", csURLSafe, 43)},
	{Name: "scalingo-api-token", Rule: "scalingo-api-token", Gen: g("tk-us-", csURLSafe, 48)},
	{Name: "vault-service-token", Rule: "vault-token", Gen: g("hvs.", csURLSafe, 95)},
	{Name: "vault-batch-token", Rule: "vault-token", Gen: g("hvb.", csURLSafe, 140)},
	{Name: "vault-legacy-token", Rule: "vault-token", Gen: func(r *rand.Rand) string { return "s.Ab9" + rs(r, csAlnum, 21) }},
	{Name: "terraform-cloud-token", Rule: "hashicorp-tf-api-token", Gen: func(r *rand.Rand) string { return rs(r, csAlnum, 14) + ".atlasv1." + rs(r, csURLSafe, 66) }},
	{Name: "pulumi-token", Rule: "pulumi-token", Gen: g("pul-", csHex, 40)},
	{Name: "databricks-token", Rule: "databricks-api-token", Gen: g("dapi", csHex, 32)},
	{Name: "dynatrace-token", Rule: "dynatrace-api-token", Gen: func(r *rand.Rand) string { return "dt0c01." + rs(r, csUpperNum, 24) + "." + rs(r, csUpperNum, 64) }},
	{Name: "doppler-token", Rule: "doppler-api-token", Gen: g("dp.pt.", csAlnum, 43)},
	{Name: "planetscale-token", Rule: "planetscale-token", Gen: g("pscale_tkn_", csAlnum, 43)},
	{Name: "planetscale-password", Rule: "planetscale-token", Gen: g("pscale_pw_", csAlnum, 43)},
	{Name: "supabase-token", Rule: "supabase-token", Gen: g("sbp_", csHex, 40)},
	{Name: "age-secret-key", Rule: "age-secret-key", Gen: g("AGE-SECRET-KEY-1", csBech32, 58)},
	{Name: "1password-secret-key", Rule: "onepassword-secret-key", Gen: func(r *rand.Rand) string {
		return "A3-" + rs(r, csUpperNum, 6) + "-" + rs(r, csUpperNum, 11) + "-" + rs(r, csUpperNum, 5) + "-" + rs(r, csUpperNum, 5) + "-" + rs(r, csUpperNum, 5)
	}},
	{Name: "1password-service-token", Rule: "onepassword-service-token", Gen: g("ops_eyJ", csB64, 260)},

	// source hosting, registries, CI
	{Name: "github-fine-grained-pat", Rule: "github-fine-grained-pat", Gen: g("github_pat_", csAlnum+"_", 82)},
	{Name: "github-pat", Rule: "github-token", Gen: g("ghp_", csAlnum, 36)},
	{Name: "github-oauth", Rule: "github-token", Gen: g("gho_", csAlnum, 36)},
	{Name: "github-app", Rule: "github-token", Gen: g("ghs_", csAlnum, 36)},
	{Name: "github-refresh", Rule: "github-token", Gen: g("ghr_", csAlnum, 36)},
	{Name: "gitlab-pat", Rule: "gitlab-token", Gen: g("glpat-", csURLSafe, 20)},
	{Name: "gitlab-pipeline-trigger", Rule: "gitlab-token", Gen: g("glptt-", csHex, 40)},
	{Name: "gitlab-runner", Rule: "gitlab-token", Gen: g("glrt-", csURLSafe, 20)},
	{Name: "gitlab-deploy", Rule: "gitlab-token", Gen: g("gldt-", csURLSafe, 20)},
	{Name: "gitlab-ci-job", Rule: "gitlab-token", Gen: func(r *rand.Rand) string { return "glcbt-" + rs(r, csAlnum, 3) + "_" + rs(r, csURLSafe, 20) }},
	{Name: "gitlab-incoming-mail", Rule: "gitlab-token", Gen: g("glimt-", csURLSafe, 25)},
	{Name: "gitlab-agent", Rule: "gitlab-token", Gen: g("glagent-", csURLSafe, 50)},
	{Name: "gitlab-oauth-secret", Rule: "gitlab-token", Gen: g("gloas-", csURLSafe, 64)},
	{Name: "gitlab-runner-registration", Rule: "gitlab-token", Gen: g("GR1348941", csURLSafe, 20)},
	{Name: "gitlab-session-cookie", Rule: "gitlab-session-cookie", Gen: g("", csLowerNum, 32), Wrap: func(s string) string { return "_gitlab_session=" + s }},
	{Name: "sourcegraph-token", Rule: "sourcegraph-token", Gen: g("sgp_", csHex, 40)},
	{Name: "clojars-token", Rule: "clojars-api-token", Gen: g("CLOJARS_", csAlnum, 60)},
	{Name: "rubygems-key", Rule: "rubygems-api-key", Gen: g("rubygems_", csHex, 48)},
	{Name: "npm-token", Rule: "npm-token", Gen: g("npm_", csAlnum, 36)},
	{Name: "pypi-token", Rule: "pypi-token", Gen: g("pypi-AgEIcHlwaS5vcmc", csURLSafe, 70)},
	{Name: "docker-hub-pat", Rule: "docker-hub-token", Gen: g("dckr_pat_", csURLSafe, 27)},
	{Name: "artifactory-api-key", Rule: "artifactory-api-key", Gen: g("AKCp", csAlnum, 69)},
	{Name: "artifactory-reference-token", Rule: "artifactory-reference-token", Gen: g("cmVmd", csAlnum, 59)},
	{Name: "octopus-deploy-key", Rule: "octopus-deploy-api-key", Gen: g("API-", csUpperNum, 26)},
	{Name: "prefect-token", Rule: "prefect-api-token", Gen: g("pnu_", csAlnum, 36)},
	{Name: "readme-token", Rule: "readme-api-token", Gen: g("rdme_", csLowerNum, 70)},
	{Name: "harness-pat", Rule: "harness-api-key", Gen: func(r *rand.Rand) string {
		return "pat." + rs(r, csURLSafe, 22) + "." + rs(r, csAlnum, 24) + "." + rs(r, csAlnum, 20)
	}},
	{Name: "infracost-token", Rule: "infracost-api-token", Gen: g("ico-", csAlnum, 32)},
	{Name: "settlemint-pat", Rule: "settlemint-token", Gen: g("sm_pat_", csAlnum, 16)},
	{Name: "clickhouse-secret", Rule: "clickhouse-cloud-api-secret-key", Gen: g("4b1d", csAlnum, 38)},

	// chat, mail, collaboration
	{Name: "slack-bot-token", Rule: "slack-token", Gen: func(r *rand.Rand) string {
		return "xoxb-" + rs(r, csDigits, 12) + "-" + rs(r, csDigits, 13) + "-" + rs(r, csAlnum, 24)
	}},
	{Name: "slack-user-token", Rule: "slack-token", Gen: func(r *rand.Rand) string {
		return "xoxp-" + rs(r, csDigits, 12) + "-" + rs(r, csDigits, 12) + "-" + rs(r, csDigits, 13) + "-" + rs(r, csHex, 32)
	}},
	{Name: "slack-app-token", Rule: "slack-token", Gen: func(r *rand.Rand) string {
		return "xapp-1-" + rs(r, csUpperNum, 11) + "-" + rs(r, csDigits, 13) + "-" + rs(r, csHex, 64)
	}},
	{Name: "slack-config-token", Rule: "slack-token", Gen: g("xoxe.xoxp-1-", csUpperNum, 165)},
	{Name: "slack-webhook", Rule: "slack-webhook-url", Gen: func(r *rand.Rand) string {
		return "T" + rs(r, csUpperNum, 8) + "/B" + rs(r, csUpperNum, 10) + "/" + rs(r, csAlnum, 24)
	}, Wrap: func(s string) string { return "https://hooks.slack.com/services/" + s }},
	{Name: "teams-webhook", Rule: "microsoft-teams-webhook", Gen: func(r *rand.Rand) string {
		return uuid(r) + "@" + uuid(r) + "/IncomingWebhook/" + rs(r, csHex, 32) + "/" + uuid(r)
	}, Wrap: func(s string) string { return "https://contoso.webhook.office.com/webhookb2/" + s }},
	{Name: "sendgrid-key", Rule: "sendgrid-api-key", Gen: func(r *rand.Rand) string { return "SG." + rs(r, csURLSafe, 22) + "." + rs(r, csURLSafe, 43) }},
	{Name: "sendinblue-key", Rule: "sendinblue-api-token", Gen: func(r *rand.Rand) string { return "xkeysib-" + rs(r, csHex, 64) + "-" + rs(r, csAlnum, 16) }},
	{Name: "twilio-api-key", Rule: "twilio-api-key", Gen: g("SK", csHex, 32)},
	{Name: "linear-api-key", Rule: "linear-api-key", Gen: g("lin_api_", csAlnum, 40)},
	{Name: "atlassian-api-token", Rule: "atlassian-api-token", Gen: g("ATATT3", csURLSafe, 186)},
	{Name: "figma-token", Rule: "figma-token", Gen: g("figd_", csURLSafe, 40)},
	{Name: "notion-token", Rule: "notion-api-token", Gen: g("ntn_", csAlnum, 46)},
	{Name: "frameio-token", Rule: "frameio-api-token", Gen: g("fio-u-", csURLSafe, 64)},
	{Name: "typeform-token", Rule: "typeform-api-token", Gen: g("tfp_", csAlnum, 59)},
	{Name: "adobe-client-secret", Rule: "adobe-client-secret", Gen: g("p8e-", csAlnum, 32)},
	{Name: "postman-key", Rule: "postman-api-key", Gen: func(r *rand.Rand) string { return "PMAK-" + rs(r, csHex, 24) + "-" + rs(r, csHex, 34) }},

	// payments and commerce
	{Name: "stripe-live-secret", Rule: "stripe-secret-key", Gen: g("sk_live_", csAlnum, 24)},
	{Name: "stripe-restricted", Rule: "stripe-secret-key", Gen: g("rk_test_", csAlnum, 24)},
	{Name: "stripe-webhook-secret", Rule: "stripe-secret-key", Gen: g("whsec_", csAlnum, 32)},
	{Name: "square-access-token", Rule: "square-token", Gen: g("sq0atp-", csURLSafe, 22)},
	{Name: "square-oauth-secret", Rule: "square-token", Gen: g("sq0csp-", csURLSafe, 43)},
	{Name: "square-eaaa-token", Rule: "square-token", Gen: g("EAAA", csURLSafe, 60)},
	{Name: "facebook-page-token", Rule: "facebook-page-access-token", Gen: g("EAAM", csAlnum, 120)},
	{Name: "shopify-access-token", Rule: "shopify-token", Gen: g("shpat_", csHex, 32)},
	{Name: "shopify-shared-secret", Rule: "shopify-token", Gen: g("shpss_", csHex, 32)},
	{Name: "shippo-token", Rule: "shippo-api-token", Gen: g("shippo_live_", csHex, 40)},
	{Name: "flutterwave-secret", Rule: "flutterwave-key", Gen: g("FLWSECK_TEST-", "abcdefgh0123456789", 32, "-X")},
	{Name: "duffel-token", Rule: "duffel-api-token", Gen: g("duffel_live_", csURLSafe, 43)},
	{Name: "easypost-key", Rule: "easypost-api-token", Gen: g("EZAK", csAlnum, 54)},

	// AI and data services
	{Name: "anthropic-key", Rule: "anthropic-api-key", Gen: g("sk-ant-api03-", csURLSafe, 93, "AA")},
	{Name: "openai-project-key", Rule: "openai-api-key", Gen: func(r *rand.Rand) string {
		return "sk-proj-" + rs(r, csURLSafe, 74) + "T3BlbkFJ" + rs(r, csURLSafe, 74)
	}},
	{Name: "openai-legacy-key", Rule: "openai-api-key", Gen: func(r *rand.Rand) string { return "sk-" + rs(r, csAlnum, 20) + "T3BlbkFJ" + rs(r, csAlnum, 20) }},
	{Name: "huggingface-token", Rule: "huggingface-token", Gen: g("hf_", csAlnum, 34)},
	{Name: "huggingface-org-token", Rule: "huggingface-token", Gen: g("api_org_", csAlnum, 34)},
	{Name: "perplexity-key", Rule: "perplexity-api-key", Gen: g("pplx-", csAlnum, 48)},
	{Name: "maxmind-license", Rule: "maxmind-license-key", Gen: func(r *rand.Rand) string { return rs(r, csAlnum, 6) + "_" + rs(r, csAlnum, 29) + "_mmk" }},

	// monitoring and operations
	{Name: "grafana-cloud-token", Rule: "grafana-token", Gen: g("glc_", csAlnum, 40)},
	{Name: "grafana-service-account", Rule: "grafana-token", Gen: func(r *rand.Rand) string { return "glsa_" + rs(r, csAlnum, 32) + "_" + rs(r, csHex, 8) }},
	{Name: "newrelic-user-key", Rule: "newrelic-api-key", Gen: g("NRAK-", csUpperNum, 27)},
	{Name: "newrelic-browser-key", Rule: "newrelic-api-key", Gen: g("NRJS-", csHex, 19)},
	{Name: "newrelic-insert-key", Rule: "newrelic-api-key", Gen: g("NRII-", csAlnum, 32)},
	{Name: "sentry-org-token", Rule: "sentry-token", Gen: g("sntrys_", csURLSafe, 80)},
	{Name: "sentry-user-token", Rule: "sentry-token", Gen: g("sntryu_", csHex, 64)},
	{Name: "intra42-secret", Rule: "intra42-client-secret", Gen: g("s-s4t2ud-", csHex, 64)},
	{Name: "defined-networking-token", Rule: "defined-networking-api-token", Gen: func(r *rand.Rand) string {
		return "dnkey-" + rs(r, csURLSafe, 26) + "-" + rs(r, csURLSafe, 52)
	}},
	{Name: "authress-key", Rule: "authress-access-key", Gen: func(r *rand.Rand) string {
		return "sc_" + rs(r, csAlnum, 10) + "." + rs(r, csAlnum, 5) + ".acc_" + rs(r, csAlnum, 20) + "." + rs(r, csURLSafe, 40)
	}},

	// keys, schemes, URLs
	{Name: "pem-rsa", Rule: "pem-private-key", Multiline: true, Gen: pem("RSA PRIVATE KEY"), Wrap: pemWrap("RSA PRIVATE KEY")},
	{Name: "pem-ec", Rule: "pem-private-key", Multiline: true, Gen: pem("EC PRIVATE KEY"), Wrap: pemWrap("EC PRIVATE KEY")},
	{Name: "pem-openssh", Rule: "pem-private-key", Multiline: true, Gen: pem("OPENSSH PRIVATE KEY"), Wrap: pemWrap("OPENSSH PRIVATE KEY")},
	{Name: "pem-pgp", Rule: "pem-private-key", Multiline: true, Gen: pem("PGP PRIVATE KEY BLOCK"), Wrap: pemWrap("PGP PRIVATE KEY BLOCK")},
	{Name: "bearer-credential", Rule: "bearer-token", Gen: g("", csURLSafe, 40), Wrap: func(s string) string { return "Bearer " + s }},
	{Name: "basic-credential", Rule: "basic-auth", Gen: func(r *rand.Rand) string {
		return base64.StdEncoding.EncodeToString([]byte("svc-" + rs(r, csLowerNum, 6) + ":" + rs(r, csAlnum, 14)))
	}, Wrap: func(s string) string { return "Basic " + s }},
	{Name: "url-password", Rule: "url:userinfo", Gen: g("", csAlnum, 18), Wrap: func(s string) string { return "postgres://app:" + s + "@db.internal:5432/lake" }},

	// vendor formats recognised by the name they sit under
	{Name: "adafruit-key", Rule: "adafruit-api-key", Context: "ADAFRUIT_IO_KEY", Gen: g("", csAlnum, 32)},
	{Name: "adobe-client-id", Rule: "adobe-client-id", Context: "ADOBE_CLIENT_ID", Gen: g("", csHex, 32)},
	{Name: "airtable-key", Rule: "airtable-api-key", Context: "AIRTABLE_API_KEY", Gen: g("key", csAlnum, 14)},
	{Name: "algolia-key", Rule: "algolia-api-key", Context: "ALGOLIA_ADMIN_KEY", Gen: g("", csAlnum, 32)},
	{Name: "alibaba-secret", Rule: "alibaba-secret-key", Context: "ALIBABA_CLOUD_ACCESS_KEY_SECRET", Gen: g("", csAlnum, 30)},
	{Name: "asana-secret", Rule: "asana-token", Context: "ASANA_CLIENT_SECRET", Gen: g("", csAlnum, 32)},
	{Name: "jira-token", Rule: "atlassian-api-token", Context: "JIRA_API_TOKEN", Gen: func(r *rand.Rand) string { return rs(r, csAlnum, 20) + rs(r, csHex, 4) }},
	{Name: "beamer-token", Rule: "beamer-api-token", Context: "BEAMER_API_TOKEN", Gen: g("b_", csURLSafe, 44)},
	{Name: "bitbucket-secret", Rule: "bitbucket-token", Context: "BITBUCKET_CLIENT_SECRET", Gen: g("", csURLSafe, 64)},
	{Name: "bittrex-secret", Rule: "bittrex-key", Context: "BITTREX_API_SECRET", Gen: g("", csAlnum, 32)},
	{Name: "meraki-key", Rule: "cisco-meraki-api-key", Context: "MERAKI_DASHBOARD_API_KEY", Gen: g("", csHex, 40)},
	{Name: "cloudflare-token", Rule: "cloudflare-api-key", Context: "CLOUDFLARE_API_TOKEN", Gen: g("", csURLSafe, 40)},
	{Name: "cloudflare-global-key", Rule: "cloudflare-api-key", Context: "CLOUDFLARE_GLOBAL_KEY", Gen: g("", csHex, 37)},
	{Name: "codecov-token", Rule: "codecov-access-token", Context: "CODECOV_TOKEN", Gen: uuid},
	{Name: "cohere-key", Rule: "cohere-api-token", Context: "COHERE_API_KEY", Gen: g("", csAlnum, 40)},
	{Name: "coinbase-token", Rule: "coinbase-access-token", Context: "COINBASE_ACCESS_TOKEN", Gen: g("", csURLSafe, 64)},
	{Name: "confluent-secret", Rule: "confluent-key", Context: "CONFLUENT_CLOUD_API_SECRET", Gen: g("", csB64, 64)},
	{Name: "contentful-token", Rule: "contentful-delivery-api-token", Context: "CONTENTFUL_DELIVERY_TOKEN", Gen: g("", csURLSafe, 43)},
	{Name: "datadog-app-key", Rule: "datadog-access-token", Context: "DD_APP_KEY", Gen: g("", csHex, 40)},
	{Name: "discord-bot-token", Rule: "discord-token", Context: "DISCORD_BOT_TOKEN", Gen: func(r *rand.Rand) string {
		return "MT" + rs(r, csAlnum, 22) + "." + rs(r, csAlnum, 6) + "." + rs(r, csURLSafe, 38)
	}},
	{Name: "drone-token", Rule: "droneci-access-token", Context: "DRONE_TOKEN", Gen: g("", csAlnum, 32)},
	{Name: "dropbox-short-lived", Rule: "dropbox-api-token", Context: "DROPBOX_ACCESS_TOKEN", Gen: g("sl.", csURLSafe, 140)},
	{Name: "etsy-key", Rule: "etsy-access-token", Context: "ETSY_KEYSTRING", Gen: g("", csAlnum, 24)},
	{Name: "facebook-app-secret", Rule: "facebook-secret", Context: "FACEBOOK_APP_SECRET", Gen: g("", csHex, 32)},
	{Name: "fastly-token", Rule: "fastly-api-token", Context: "FASTLY_API_TOKEN", Gen: g("", csURLSafe, 32)},
	{Name: "finicity-key", Rule: "finicity-token", Context: "FINICITY_APP_KEY", Gen: g("", csHex, 32)},
	{Name: "finnhub-token", Rule: "finnhub-access-token", Context: "FINNHUB_TOKEN", Gen: g("", csAlnum, 20)},
	{Name: "flickr-secret", Rule: "flickr-access-token", Context: "FLICKR_API_SECRET", Gen: g("", csAlnum, 32)},
	{Name: "freshbooks-token", Rule: "freshbooks-access-token", Context: "FRESHBOOKS_TOKEN", Gen: g("", csAlnum, 64)},
	{Name: "gitter-token", Rule: "gitter-access-token", Context: "GITTER_TOKEN", Gen: g("", csAlnum, 40)},
	{Name: "gocardless-token", Rule: "gocardless-api-token", Context: "GOCARDLESS_ACCESS_TOKEN", Gen: g("live_", csURLSafe, 40)},
	{Name: "heroku-key", Rule: "heroku-api-key", Context: "HEROKU_API_KEY", Gen: uuid},
	{Name: "hubspot-key", Rule: "hubspot-api-key", Context: "HUBSPOT_API_KEY", Gen: uuid},
	{Name: "intercom-token", Rule: "intercom-api-key", Context: "INTERCOM_ACCESS_TOKEN", Gen: g("", csURLSafe, 60)},
	{Name: "jfrog-identity", Rule: "jfrog-api-key", Context: "ARTIFACTORY_IDENTITY_TOKEN", Gen: g("", csAlnum, 64)},
	{Name: "kraken-secret", Rule: "kraken-access-token", Context: "KRAKEN_PRIVATE_KEY", Gen: g("", csB64, 86, "==")},
	{Name: "kucoin-secret", Rule: "kucoin-key", Context: "KUCOIN_API_SECRET", Gen: uuid},
	{Name: "launchdarkly-sdk-key", Rule: "launchdarkly-access-token", Context: "LAUNCHDARKLY_SDK_KEY", Gen: func(r *rand.Rand) string { return "sdk-" + uuid(r) }},
	{Name: "linear-client-secret", Rule: "linear-client-secret", Context: "LINEAR_CLIENT_SECRET", Gen: g("", csHex, 32)},
	{Name: "linkedin-secret", Rule: "linkedin-client-secret", Context: "LINKEDIN_CLIENT_SECRET", Gen: g("", csAlnum, 16)},
	{Name: "lob-key", Rule: "lob-api-key", Context: "LOB_API_KEY", Gen: g("live_", csHex, 35)},
	{Name: "mailchimp-key", Rule: "mailchimp-api-key", Context: "MAILCHIMP_API_KEY", Gen: g("", csHex, 32, "-us12")},
	{Name: "mailgun-key", Rule: "mailgun-key", Context: "MAILGUN_API_KEY", Gen: g("key-", csHex, 32)},
	{Name: "mapbox-token", Rule: "mapbox-api-token", Context: "MAPBOX_ACCESS_TOKEN", Gen: func(r *rand.Rand) string { return "pk." + rs(r, csAlnum, 60) + "." + rs(r, csAlnum, 22) }},
	{Name: "mattermost-token", Rule: "mattermost-access-token", Context: "MATTERMOST_TOKEN", Gen: g("", csLowerNum, 26)},
	{Name: "messagebird-key", Rule: "messagebird-api-token", Context: "MESSAGEBIRD_ACCESS_KEY", Gen: g("", csAlnum, 25)},
	{Name: "netlify-token", Rule: "netlify-access-token", Context: "NETLIFY_AUTH_TOKEN", Gen: g("", csURLSafe, 43)},
	{Name: "newrelic-user-id", Rule: "newrelic-api-key", Context: "NEW_RELIC_LICENSE_KEY", Gen: g("", csAlnum, 64)},
	{Name: "nytimes-key", Rule: "nytimes-access-token", Context: "NYTIMES_API_KEY", Gen: g("", csAlnum, 32)},
	{Name: "okta-token", Rule: "okta-access-token", Context: "OKTA_API_TOKEN", Gen: g("00", csURLSafe, 40)},
	{Name: "plaid-secret", Rule: "plaid-token", Context: "PLAID_SECRET", Gen: g("", csAlnum, 30)},
	{Name: "privateai-key", Rule: "privateai-api-token", Context: "PRIVATE_AI_KEY", Gen: g("", csAlnum, 32)},
	{Name: "rapidapi-key", Rule: "rapidapi-access-token", Context: "X_RAPIDAPI_KEY", Gen: g("", csURLSafe, 50)},
	{Name: "sendbird-token", Rule: "sendbird-token", Context: "SENDBIRD_API_TOKEN", Gen: g("", csHex, 40)},
	{Name: "sentry-auth-token", Rule: "sentry-token", Context: "SENTRY_AUTH_TOKEN", Gen: g("", csHex, 64)},
	{Name: "sidekiq-secret", Rule: "sidekiq-secret", Context: "BUNDLE_ENTERPRISE__CONTRIBSYS__COM", Gen: func(r *rand.Rand) string { return rs(r, csHex, 8) + ":" + rs(r, csHex, 8) }},
	{Name: "snyk-token", Rule: "snyk-api-token", Context: "SNYK_TOKEN", Gen: uuid},
	{Name: "sonar-token", Rule: "sonar-api-token", Context: "SONAR_TOKEN", Gen: g("squ_", csHex, 40)},
	{Name: "squarespace-key", Rule: "squarespace-access-token", Context: "SQUARESPACE_API_KEY", Gen: uuid},
	{Name: "sumologic-key", Rule: "sumologic-token", Context: "SUMO_ACCESS_KEY", Gen: g("", csAlnum, 64)},
	{Name: "telegram-bot-token", Rule: "telegram-bot-api-token", Context: "TELEGRAM_BOT_TOKEN", Gen: func(r *rand.Rand) string { return rs(r, csDigits, 10) + ":A" + rs(r, csURLSafe, 34) }},
	{Name: "travis-token", Rule: "travisci-access-token", Context: "TRAVIS_API_TOKEN", Gen: g("", csAlnum, 22)},
	{Name: "twitch-secret", Rule: "twitch-api-token", Context: "TWITCH_CLIENT_SECRET", Gen: g("", csLowerNum, 30)},
	{Name: "twitter-bearer", Rule: "twitter-token", Context: "TWITTER_BEARER_TOKEN", Gen: g("AAAAAAAAAAAAAAAAAAAAAA", csAlnum, 91)},
	{Name: "twitter-api-secret", Rule: "twitter-token", Context: "TWITTER_API_SECRET", Gen: g("", csAlnum, 50)},
	{Name: "yandex-api-key", Rule: "yandex-token", Context: "YANDEX_API_KEY", Gen: g("AQVN", csURLSafe, 36)},
	{Name: "zendesk-token", Rule: "zendesk-secret-key", Context: "ZENDESK_API_TOKEN", Gen: g("", csAlnum, 40)},

	// values that are secrets because of their name
	{Name: "pass-phrase", Context: "password", Named: true, Gen: func(r *rand.Rand) string {
		w := []string{"correct", "horse", "battery", "staple", "violet", "lantern", "quiet", "harbor", "maple", "orbit"}
		return w[r.IntN(10)] + " " + w[r.IntN(10)] + " " + w[r.IntN(10)] + " " + w[r.IntN(10)] + " " + rs(r, csDigits, 2)
	}},
	{Name: "word-password", Context: "db_password", Named: true, Gen: func(r *rand.Rand) string {
		return []string{"letmein", "sunshine", "dragonfly", "trustno", "monkeybars"}[r.IntN(5)] + rs(r, csDigits, 3) + "!"
	}},
	{Name: "client-secret", Context: "client_secret", Named: true, Gen: g("", csURLSafe, 34)},
	{Name: "passphrase", Context: "gpg_passphrase", Named: true, Gen: func(r *rand.Rand) string { return "my dog " + rs(r, csLowerNum, 5) + " likes rain" }},
	{Name: "session-token", Context: "session_token", Named: true, Gen: g("", csAlnum, 48)},
	{Name: "weak-name-bot-token", Rule: "generic-secret", Context: "bot_token", Named: true, Gen: g("", csAlnum, 40)},
	{Name: "weak-name-license-key", Rule: "generic-secret", Context: "license_key", Named: true, Gen: g("", csAlnum, 32)},
	{Name: "weak-name-smtp-pass", Rule: "generic-secret", Context: "smtp_pass", Named: true, Gen: g("", csAlnum+"_-", 20)},
}

// Lookalike is a value that must come out unchanged, with the name it is
// planted under.
type Lookalike struct {
	Name  string // what it is
	Key   string // the name it sits under
	Value string
	// Multiline: only positions that carry text blocks take it.
	Multiline bool
}

// Lookalikes are planted in every position that fits them.
func Lookalikes(r *rand.Rand) []Lookalike {
	return []Lookalike{
		{Name: "uuid", Key: "request_id", Value: uuid(r)},
		{Name: "sha256", Key: "checksum", Value: rs(r, csHex, 64)},
		{Name: "commit-sha", Key: "commit", Value: rs(r, csHex, 40)},
		{Name: "md5-etag", Key: "etag", Value: rs(r, csHex, 32)},
		{Name: "hex-digest-under-key-name", Key: "cache_key", Value: rs(r, csHex, 64)},
		{Name: "uuid-under-key-name", Key: "idempotency_key", Value: uuid(r)},
		{Name: "object-key", Key: "object_key", Value: "uploads/2024/05/report-final-v2.pdf"},
		{Name: "sort-key", Key: "sort_key", Value: "2024-05-01#user#42"},
		{Name: "page-token", Key: "nextPageToken", Value: rs(r, csAlnum, 40)},
		{Name: "natural-key", Key: "key", Value: "Luke_Skywalker"},
		{Name: "orcid", Key: "orcid", Value: "0000-0002-1825-0097"},
		{Name: "timestamp", Key: "updated_at", Value: "2024-05-01T10:30:00.123Z"},
		{Name: "version", Key: "version", Value: "v1.0-rc.2"},
		{Name: "base64-image", Key: "thumbnail", Value: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="},
		{Name: "ssh-public-key", Key: "public_key", Value: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(r, csB64, 43) + " deploy@ci"},
		{Name: "pem-public-key", Key: "certificate", Multiline: true, Value: "-----BEGIN PUBLIC KEY-----\n" + rs(r, csB64, 64) + "\n" + rs(r, csB64, 24) + "==\n-----END PUBLIC KEY-----\n"},
		{Name: "pem-certificate", Key: "certificate", Multiline: true, Value: "-----BEGIN CERTIFICATE-----\n" + rs(r, csB64, 64) + "\n-----END CERTIFICATE-----\n"},
		{Name: "prose-password", Key: "message", Value: "Forgot your password? Reset it from the login page; a password must be long. The secret to a good token is luck."},
		{Name: "prose-bearer", Key: "note", Value: "He was the bearer of bad news; basic training starts Monday; the key to success is work."},
		{Name: "placeholder-angle", Key: "password", Value: "<password>"},
		{Name: "placeholder-env", Key: "api_key", Value: "${API_KEY}"},
		{Name: "placeholder-template", Key: "client_secret", Value: "{{ client_secret }}"},
		{Name: "placeholder-stars", Key: "secret", Value: "********"},
		{Name: "placeholder-redacted", Key: "access_token", Value: "[REDACTED]"},
		{Name: "tokenizer-token", Key: "token", Value: " Hello"},
		{Name: "payment-authorization", Key: "authorization", Value: "approved"},
		{Name: "shell-pwd", Key: "pwd", Value: "/home/bob/src"},
		{Name: "short-words", Key: "words", Value: "task-force AKIA sk-short ghp_short xoxb- glpat-x eyJ alone SG.x"},
		{Name: "isbn", Key: "isbn", Value: "978-3-16-148410-0"},
		{Name: "mac-address", Key: "mac", Value: "3c:22:fb:1a:9e:07"},
		{Name: "ipv6", Key: "addr", Value: "2001:db8:85a3::8a2e:370:7334"},
	}
}
