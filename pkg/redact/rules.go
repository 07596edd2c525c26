package redact

// tokenRules find credentials by a distinctive literal piece (a vendor
// prefix, or a fixed middle piece) and their shape. They are grouped by
// family as docs/redact.md lists them; within a family, longer prefixes
// come first where two share a start. The formats were learned from the
// vendors' documentation and from gitleaks' public rule list; the rules
// are xr's own. Every id here has a firing example and a look-alike in
// rules_test.go.
var tokenRules = []*tokenRule{
	// JSON Web Tokens
	{id: "grafana-token", prefix: "eyJrIjoi", set: alnum, min: 70, max: 400}, // a Grafana API key is base64 JSON too, without dots
	{id: "jwt", prefix: "eyJ", fn: matchJWT},
	{id: "jwt-base64", prefix: "ZXlKaGJHY2lPaU", set: b64, min: 40},
	{id: "jwt-base64", prefix: "ZXlKMGVYQWlPaU", set: b64, min: 40},
	{id: "jwt-base64", prefix: "ZXlKcmFXUWlP", set: b64, min: 40},

	// cloud providers
	{id: "aws-access-key-id", prefix: "AKIA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "aws-access-key-id", prefix: "ASIA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "aws-access-key-id", prefix: "ABIA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "aws-access-key-id", prefix: "ACCA", set: upperNum, min: 16, max: 16, exact: true},
	{id: "aws-access-key-id", prefix: "A3T", set: upperNum, min: 17, max: 17, exact: true},
	{id: "google-api-key", prefix: "AIza", set: urlsafe, min: 35, max: 35, exact: true},
	{id: "azure-ad-client-secret", prefix: "Q~", back: 4, re: `[a-zA-Z0-9_~.]{3}[0-9]Q~[a-zA-Z0-9_~.-]{31,34}`},
	{id: "alibaba-access-key-id", prefix: "LTAI", set: alnum, min: 20, max: 20, exact: true},
	{id: "digitalocean-token", prefix: "dop_v1_", set: hexLower, min: 64, max: 64, exact: true},
	{id: "digitalocean-token", prefix: "doo_v1_", set: hexLower, min: 64, max: 64, exact: true},
	{id: "digitalocean-token", prefix: "dor_v1_", set: hexLower, min: 64, max: 64, exact: true},
	{id: "cloudflare-origin-ca-key", prefix: "v1.0-", re: `v1\.0-[a-f0-9]{24}-[a-f0-9]{146}`, exact: true},
	{id: "heroku-api-key", prefix: "HRKU-AA", set: urlsafe, min: 58},
	{id: "flyio-access-token", prefix: "fo1_", set: urlsafe, min: 43, max: 43, exact: true},
	{id: "flyio-access-token", prefix: "fm1a_", set: b64pad, min: 100},
	{id: "flyio-access-token", prefix: "fm1r_", set: b64pad, min: 100},
	{id: "flyio-access-token", prefix: "fm2_", set: b64pad, min: 100},
	{id: "openshift-user-token", prefix: "sha256~", set: urlsafe, min: 43, max: 43},
	{id: "scalingo-api-token", prefix: "tk-us-", set: urlsafe, min: 48, max: 48},
	{id: "vault-token", prefix: "hvs.", set: urlsafe, min: 90, max: 120},
	{id: "vault-token", prefix: "hvb.", set: urlsafe, min: 138, max: 300},
	{id: "vault-token", prefix: "s.", set: alnum, min: 24, max: 24, exact: true, check: mixedCase},
	{id: "hashicorp-tf-api-token", prefix: ".atlasv1.", back: 14, re: `[a-zA-Z0-9]{14}\.atlasv1\.[a-zA-Z0-9_=-]{60,70}`},
	{id: "pulumi-token", prefix: "pul-", set: hexLower, min: 40, max: 40, exact: true},
	{id: "databricks-api-token", prefix: "dapi", start: true, re: `dapi[a-f0-9]{32}(?:-[0-9])?`, exact: true},
	{id: "dynatrace-api-token", prefix: "dt0c01.", re: `dt0c01\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{64}`, exact: true},
	{id: "doppler-api-token", prefix: "dp.pt.", set: alnum, min: 43, max: 43, exact: true},
	{id: "planetscale-token", prefix: "pscale_tkn_", set: wordDot, min: 32, max: 64},
	{id: "planetscale-token", prefix: "pscale_oauth_", set: wordDot, min: 32, max: 64},
	{id: "planetscale-token", prefix: "pscale_pw_", set: wordDot, min: 32, max: 64},
	{id: "supabase-token", prefix: "sbp_", set: hexLower, min: 40, max: 40, exact: true},
	{id: "age-secret-key", prefix: "AGE-SECRET-KEY-1", set: bech32, min: 58, max: 58, exact: true},
	{id: "onepassword-secret-key", prefix: "A3-", re: `A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}`, exact: true},
	{id: "onepassword-service-token", prefix: "ops_eyJ", set: b64pad, min: 250},

	// source hosting and CI
	{id: "github-fine-grained-pat", prefix: "github_pat_", set: word, min: 22},
	{id: "github-token", prefix: "ghp_", set: alnum, min: 36},
	{id: "github-token", prefix: "gho_", set: alnum, min: 36},
	{id: "github-token", prefix: "ghu_", set: alnum, min: 36},
	{id: "github-token", prefix: "ghs_", set: alnum, min: 36},
	{id: "github-token", prefix: "ghr_", set: alnum, min: 36},
	{id: "gitlab-token", prefix: "glpat-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "glptt-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "glrt-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "gldt-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "glcbt-", re: `glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}`},
	{id: "gitlab-token", prefix: "glffct-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "glft-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "glimt-", set: urlsafe, min: 25},
	{id: "gitlab-token", prefix: "glagent-", set: urlsafe, min: 50},
	{id: "gitlab-token", prefix: "gloas-", set: urlsafe, min: 64},
	{id: "gitlab-token", prefix: "glsoat-", set: urlsafe, min: 20},
	{id: "gitlab-token", prefix: "GR1348941", at: 5, set: urlsafe, min: 20},
	{id: "gitlab-session-cookie", prefix: "_gitlab_session=", keep: len("_gitlab_session="), set: lowerNum, min: 32, max: 32, exact: true},
	{id: "sourcegraph-token", prefix: "sgp_", re: `sgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}`, exact: true},
	{id: "clojars-api-token", prefix: "CLOJARS_", set: alnum, min: 60, max: 60, exact: true},
	{id: "rubygems-api-key", prefix: "rubygems_", set: hexLower, min: 48, max: 48, exact: true},
	{id: "npm-token", prefix: "npm_", set: alnum, min: 36, max: 36, exact: true},
	{id: "pypi-token", prefix: "pypi-AgEIcHlwaS5vcmc", set: urlsafe, min: 50},
	{id: "docker-hub-token", prefix: "dckr_pat_", set: urlsafe, min: 27},
	{id: "artifactory-api-key", prefix: "AKCp", set: alnum, min: 69, max: 69, exact: true},
	{id: "artifactory-reference-token", prefix: "cmVmd", set: alnum, min: 59, max: 59, exact: true},
	{id: "octopus-deploy-api-key", prefix: "API-", set: upperNum, min: 26, max: 26, exact: true},
	{id: "prefect-api-token", prefix: "pnu_", set: alnum, min: 36, max: 36, exact: true},
	{id: "readme-api-token", prefix: "rdme_", set: lowerNum, min: 70, max: 70, exact: true},
	{id: "harness-api-key", prefix: "pat.", re: `pat\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}`, exact: true},
	{id: "harness-api-key", prefix: "sat.", re: `sat\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}`, exact: true},
	{id: "infracost-api-token", prefix: "ico-", set: alnum, min: 32, max: 32, exact: true},
	{id: "settlemint-token", prefix: "sm_pat_", set: alnum, min: 16, max: 16, exact: true},
	{id: "settlemint-token", prefix: "sm_aat_", set: alnum, min: 16, max: 16, exact: true},
	{id: "settlemint-token", prefix: "sm_sat_", set: alnum, min: 16, max: 16, exact: true},
	{id: "clickhouse-cloud-api-secret-key", prefix: "4b1d", at: 1, set: alnum, min: 38, max: 38, exact: true},

	// chat, mail, collaboration
	{id: "slack-token", prefix: "xoxe.xoxb-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxe.xoxp-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxb-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxp-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxa-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxr-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxs-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxo-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xoxe-", set: urlsafe, min: 10},
	{id: "slack-token", prefix: "xapp-", set: urlsafe, min: 10},
	{id: "microsoft-teams-webhook", prefix: ".webhook.office.com/webhookb2/", keep: len(".webhook.office.com/webhookb2/"),
		set: newSet("a-z", "A-Z", "0-9", "-@/"), min: 100},
	{id: "sendgrid-api-key", prefix: "SG.", fn: matchSendGrid},
	{id: "sendinblue-api-token", prefix: "xkeysib-", re: `xkeysib-[a-f0-9]{64}-[a-zA-Z0-9]{16}`, exact: true},
	{id: "twilio-api-key", prefix: "SK", set: hexAny, min: 32, max: 32, exact: true},
	{id: "linear-api-key", prefix: "lin_api_", set: alnum, min: 40, max: 40, exact: true},
	{id: "atlassian-api-token", prefix: "ATATT3", set: b64url, min: 180},
	{id: "figma-token", prefix: "figd_", set: urlsafe, min: 40},
	{id: "notion-api-token", prefix: "ntn_", set: alnum, min: 46, max: 46, exact: true},
	{id: "frameio-api-token", prefix: "fio-u-", set: b64url, min: 64, max: 64},
	{id: "typeform-api-token", prefix: "tfp_", set: wordDot, min: 59, max: 59},
	{id: "adobe-client-secret", prefix: "p8e-", set: alnum, min: 32, max: 32, exact: true},
	{id: "postman-api-key", prefix: "PMAK-", set: hexDash, min: 59, max: 59, exact: true},

	// payments and commerce
	{id: "stripe-secret-key", prefix: "sk_live_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "sk_test_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "sk_prod_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "rk_live_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "rk_test_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "rk_prod_", set: alnum, min: 10},
	{id: "stripe-secret-key", prefix: "whsec_", set: alnum, min: 24},
	{id: "square-token", prefix: "sq0atp-", set: urlsafe, min: 22},
	{id: "square-token", prefix: "sq0csp-", set: urlsafe, min: 43},
	{id: "square-token", prefix: "EAAA", set: urlsafe, min: 22, max: 60, check: hasDigit},
	{id: "facebook-page-access-token", prefix: "EAAM", set: alnum, min: 100},
	{id: "facebook-page-access-token", prefix: "EAAC", set: alnum, min: 100},
	{id: "shopify-token", prefix: "shpat_", set: hexAny, min: 32, max: 32, exact: true},
	{id: "shopify-token", prefix: "shpss_", set: hexAny, min: 32, max: 32, exact: true},
	{id: "shopify-token", prefix: "shpca_", set: hexAny, min: 32, max: 32, exact: true},
	{id: "shopify-token", prefix: "shppa_", set: hexAny, min: 32, max: 32, exact: true},
	{id: "shippo-api-token", prefix: "shippo_live_", set: hexAny, min: 40, max: 40, exact: true},
	{id: "shippo-api-token", prefix: "shippo_test_", set: hexAny, min: 40, max: 40, exact: true},
	{id: "flutterwave-key", prefix: "FLWSECK_TEST-", re: `FLWSECK_TEST-[a-hA-H0-9]{32}-X|FLWSECK_TEST[a-hA-H0-9]{12}`},
	{id: "flutterwave-key", prefix: "FLWPUBK_TEST-", re: `FLWPUBK_TEST-[a-hA-H0-9]{32}-X`},
	{id: "duffel-api-token", prefix: "duffel_test_", set: b64url, min: 43, max: 43},
	{id: "duffel-api-token", prefix: "duffel_live_", set: b64url, min: 43, max: 43},
	{id: "easypost-api-token", prefix: "EZAK", set: alnum, min: 54, max: 54, exact: true},
	{id: "easypost-api-token", prefix: "EZTK", set: alnum, min: 54, max: 54, exact: true},

	// AI and data services
	{id: "anthropic-api-key", prefix: "sk-ant-", set: urlsafe, min: 32},
	{id: "openai-api-key", prefix: "sk-", set: urlsafe, min: 20, check: isOpenAI},
	{id: "huggingface-token", prefix: "hf_", set: alnum, min: 30, max: 40, exact: true},
	{id: "huggingface-token", prefix: "api_org_", set: alnum, min: 34, max: 34, exact: true},
	{id: "perplexity-api-key", prefix: "pplx-", set: alnum, min: 48, max: 48, exact: true},
	{id: "maxmind-license-key", prefix: "_mmk", back: 36, re: `[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk`, exact: true},

	// monitoring and operations
	{id: "grafana-token", prefix: "glc_", set: b64url, min: 32},
	{id: "grafana-token", prefix: "glsa_", set: word, min: 41},
	{id: "newrelic-api-key", prefix: "NRAK-", set: upperNum, min: 27, max: 27, exact: true},
	{id: "newrelic-api-key", prefix: "NRJS-", set: hexLower, min: 19, max: 19, exact: true},
	{id: "newrelic-api-key", prefix: "NRII-", set: newSet("a-z", "A-Z", "0-9", "-"), min: 32, max: 32},
	{id: "sentry-token", prefix: "sntrys_", set: b64url, min: 50},
	{id: "sentry-token", prefix: "sntryu_", set: hexLower, min: 64, max: 64, exact: true},
	{id: "intra42-client-secret", prefix: "s-s4t2ud-", set: hexAny, min: 64, max: 64, exact: true},
	{id: "intra42-client-secret", prefix: "s-s4t2af-", set: hexAny, min: 64, max: 64, exact: true},
	{id: "defined-networking-api-token", prefix: "dnkey-", re: `dnkey-[a-zA-Z0-9=_-]{26}-[a-zA-Z0-9=_-]{52}`},
	{id: "authress-access-key", prefix: "sc_", re: `sc_` + authressRest},
	{id: "authress-access-key", prefix: "ext_", re: `ext_` + authressRest},
	{id: "authress-access-key", prefix: "scauth_", re: `scauth_` + authressRest},
	{id: "authress-access-key", prefix: "authress_", re: `authress_` + authressRest},
}

// authressRest is an Authress service client key after its prefix.
const authressRest = `[a-zA-Z0-9]{5,30}\.[a-zA-Z0-9]{4,6}\.acc[_-][a-zA-Z0-9-]{10,32}\.[a-zA-Z0-9+/_=-]{30,120}`

// mixedCase: upper and lower case letters and a digit, as in a random
// token (and unlike a word or a hex digest).
func mixedCase(tok []byte) bool {
	var u, l, d bool
	for _, c := range tok {
		switch {
		case c >= 'A' && c <= 'Z':
			u = true
		case c >= 'a' && c <= 'z':
			l = true
		case c >= '0' && c <= '9':
			d = true
		}
	}
	return u && l && d
}

func hasDigit(tok []byte) bool {
	for _, c := range tok {
		if c >= '0' && c <= '9' {
			return true
		}
	}
	return false
}
