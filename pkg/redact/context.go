package redact

import (
	"regexp"
	"sync"
)

// A contextRule finds a credential that has no distinctive prefix (a
// Datadog key is 40 hex digits, a Heroku key a UUID): the value must have
// the vendor's shape AND sit under a name that mentions the vendor
// (DATADOG_APP_KEY=…, "twitterApiSecret": "…", ?dropbox_token=…), as a
// JSON key, text assignment, URL or form parameter or XML element. A
// shape alone never fires, so UUIDs and hex digests elsewhere stay.
type contextRule struct {
	id       string
	keywords []string // normalized (lower case, no '-', '_', '.', ' ')
	re       string   // the whole value
	rx       *regexp.Regexp
	once     sync.Once
}

// regexp compiles the rule's expression on first use (most processes
// never need most of them).
func (r *contextRule) regexp() *regexp.Regexp {
	r.once.Do(func() { r.rx = regexp.MustCompile(`^(?:` + r.re + `)$`) })
	return r.rx
}

const uuidRE = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`

var contextRules = []*contextRule{
	{id: "adafruit-api-key", keywords: []string{"adafruit"}, re: `[a-zA-Z0-9_-]{32}`},
	{id: "adobe-client-id", keywords: []string{"adobe"}, re: `[a-fA-F0-9]{32}`},
	{id: "airtable-api-key", keywords: []string{"airtable"}, re: `[a-zA-Z0-9]{17}|pat[a-zA-Z0-9]{14}\.[a-f0-9]{64}`},
	{id: "algolia-api-key", keywords: []string{"algolia"}, re: `[a-zA-Z0-9]{32}`},
	{id: "alibaba-secret-key", keywords: []string{"alibaba", "aliyun"}, re: `[a-zA-Z0-9]{30}`},
	{id: "asana-token", keywords: []string{"asana"}, re: `[0-9]{16}|[a-zA-Z0-9]{32}|[0-9]/[0-9]{16}:[a-f0-9]{32}`},
	{id: "atlassian-api-token", keywords: []string{"atlassian", "confluence", "jira"}, re: `[a-zA-Z0-9]{20}[a-fA-F0-9]{4}`},
	{id: "beamer-api-token", keywords: []string{"beamer"}, re: `b_[a-zA-Z0-9=_-]{44}`},
	{id: "bitbucket-token", keywords: []string{"bitbucket"}, re: `[a-zA-Z0-9]{32}|[a-zA-Z0-9=_-]{64}`},
	{id: "bittrex-key", keywords: []string{"bittrex"}, re: `[a-zA-Z0-9]{32}`},
	{id: "cisco-meraki-api-key", keywords: []string{"meraki"}, re: `[0-9a-f]{40}`},
	{id: "cloudflare-api-key", keywords: []string{"cloudflare", "cfapi"}, re: `[a-zA-Z0-9_-]{40}|[a-f0-9]{37}`},
	{id: "codecov-access-token", keywords: []string{"codecov"}, re: `[a-zA-Z0-9]{32}|` + uuidRE},
	{id: "cohere-api-token", keywords: []string{"cohere", "coapikey"}, re: `[a-zA-Z0-9]{40}`},
	{id: "coinbase-access-token", keywords: []string{"coinbase"}, re: `[a-zA-Z0-9_-]{64}`},
	{id: "confluent-key", keywords: []string{"confluent"}, re: `[a-zA-Z0-9]{16}|[a-zA-Z0-9+/]{64}`},
	{id: "contentful-delivery-api-token", keywords: []string{"contentful"}, re: `[a-zA-Z0-9=_-]{43}`},
	{id: "datadog-access-token", keywords: []string{"datadog", "ddapikey", "ddappkey"}, re: `[a-zA-Z0-9]{32}|[a-zA-Z0-9]{40}`},
	{id: "discord-token", keywords: []string{"discord"}, re: `[a-f0-9]{64}|[0-9]{18}|[a-zA-Z0-9=_-]{32}|[MN][a-zA-Z0-9_-]{23}\.[a-zA-Z0-9_-]{6}\.[a-zA-Z0-9_-]{27,38}`},
	{id: "droneci-access-token", keywords: []string{"droneci", "drone"}, re: `[a-zA-Z0-9]{32}`},
	{id: "dropbox-api-token", keywords: []string{"dropbox"}, re: `[a-zA-Z0-9]{15}|[a-zA-Z0-9]{11}AAAAAAAAAA[a-zA-Z0-9_=-]{43}|sl\.[a-zA-Z0-9_=-]{130,150}`},
	{id: "etsy-access-token", keywords: []string{"etsy"}, re: `[a-zA-Z0-9]{24}`},
	{id: "facebook-secret", keywords: []string{"facebook", "fbapp", "fbsecret"}, re: `[a-f0-9]{32}|[0-9]{15,16}\|[a-zA-Z0-9_-]{27,40}`},
	{id: "fastly-api-token", keywords: []string{"fastly"}, re: `[a-zA-Z0-9=_-]{32}`},
	{id: "finicity-token", keywords: []string{"finicity"}, re: `[a-f0-9]{32}|[a-zA-Z0-9]{20}`},
	{id: "finnhub-access-token", keywords: []string{"finnhub"}, re: `[a-zA-Z0-9]{20}`},
	{id: "flickr-access-token", keywords: []string{"flickr"}, re: `[a-zA-Z0-9]{32}`},
	{id: "freshbooks-access-token", keywords: []string{"freshbooks"}, re: `[a-zA-Z0-9]{64}`},
	{id: "gitter-access-token", keywords: []string{"gitter"}, re: `[a-zA-Z0-9_-]{40}`},
	{id: "gocardless-api-token", keywords: []string{"gocardless"}, re: `live_[a-zA-Z0-9_=-]{40}`},
	{id: "heroku-api-key", keywords: []string{"heroku"}, re: uuidRE},
	{id: "hubspot-api-key", keywords: []string{"hubspot"}, re: uuidRE + `|pat-(?:na|eu)1-` + uuidRE},
	{id: "intercom-api-key", keywords: []string{"intercom"}, re: `[a-zA-Z0-9=_-]{60}`},
	{id: "jfrog-api-key", keywords: []string{"jfrog", "artifactory", "bintray", "xray"}, re: `[a-zA-Z0-9]{73}|[a-zA-Z0-9]{64}`},
	{id: "kraken-access-token", keywords: []string{"kraken"}, re: `[a-zA-Z0-9/=_+-]{80,90}`},
	{id: "kucoin-key", keywords: []string{"kucoin"}, re: `[a-f0-9]{24}|` + uuidRE},
	{id: "launchdarkly-access-token", keywords: []string{"launchdarkly"}, re: `[a-zA-Z0-9=_-]{40}|(?:api|sdk|mob)-` + uuidRE},
	{id: "linear-client-secret", keywords: []string{"linear"}, re: `[a-f0-9]{32}`},
	{id: "linkedin-client-secret", keywords: []string{"linkedin"}, re: `[a-zA-Z0-9]{14}|[a-zA-Z0-9]{16}`},
	{id: "lob-api-key", keywords: []string{"lob"}, re: `(?:live|test)_[a-f0-9]{35}|(?:live|test)_pub_[a-f0-9]{31}`},
	{id: "mailchimp-api-key", keywords: []string{"mailchimp"}, re: `[a-f0-9]{32}-us[0-9]{1,2}`},
	{id: "mailgun-key", keywords: []string{"mailgun"}, re: `key-[a-f0-9]{32}|pubkey-[a-f0-9]{32}|[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}`},
	{id: "mapbox-api-token", keywords: []string{"mapbox"}, re: `(?:pk|sk|tk)\.[a-zA-Z0-9]{60}\.[a-zA-Z0-9_-]{22}`},
	{id: "mattermost-access-token", keywords: []string{"mattermost"}, re: `[a-zA-Z0-9]{26}`},
	{id: "messagebird-api-token", keywords: []string{"messagebird"}, re: `[a-zA-Z0-9]{25}|` + uuidRE},
	{id: "netlify-access-token", keywords: []string{"netlify"}, re: `[a-zA-Z0-9=_-]{40,46}`},
	{id: "newrelic-api-key", keywords: []string{"newrelic"}, re: `[a-zA-Z0-9]{64}`},
	{id: "nytimes-access-token", keywords: []string{"nytimes", "newyorktimes"}, re: `[a-zA-Z0-9=_-]{32}`},
	{id: "okta-access-token", keywords: []string{"okta"}, re: `00[a-zA-Z0-9_=-]{40}`},
	{id: "plaid-token", keywords: []string{"plaid"}, re: `access-(?:sandbox|development|production)-` + uuidRE + `|[a-zA-Z0-9]{24}|[a-zA-Z0-9]{30}`},
	{id: "privateai-api-token", keywords: []string{"privateai"}, re: `[a-zA-Z0-9]{32}`},
	{id: "rapidapi-access-token", keywords: []string{"rapidapi"}, re: `[a-zA-Z0-9_-]{50}`},
	{id: "sendbird-token", keywords: []string{"sendbird"}, re: uuidRE + `|[a-f0-9]{40}`},
	{id: "sentry-token", keywords: []string{"sentry"}, re: `[a-f0-9]{64}`},
	{id: "sidekiq-secret", keywords: []string{"bundleenterprisecontribsyscom", "bundlegemscontribsyscom", "contribsys"}, re: `[a-f0-9]{8}:[a-f0-9]{8}`},
	{id: "snyk-api-token", keywords: []string{"snyk"}, re: uuidRE},
	{id: "sonar-api-token", keywords: []string{"sonar"}, re: `[a-zA-Z0-9=_-]{40}|sq[apu]_[a-f0-9]{40}`},
	{id: "squarespace-access-token", keywords: []string{"squarespace"}, re: uuidRE},
	{id: "sumologic-token", keywords: []string{"sumo"}, re: `su[a-zA-Z0-9]{12}|[a-zA-Z0-9]{64}`},
	{id: "telegram-bot-api-token", keywords: []string{"telegram", "telegr", "tgbot"}, re: `[0-9]{5,16}:A[a-zA-Z0-9_-]{34}`},
	{id: "travisci-access-token", keywords: []string{"travis"}, re: `[a-zA-Z0-9]{22}`},
	{id: "twitch-api-token", keywords: []string{"twitch"}, re: `[a-zA-Z0-9]{30}`},
	{id: "twitter-token", keywords: []string{"twitter"}, re: `[a-zA-Z0-9]{25}|[a-zA-Z0-9]{45}|[a-zA-Z0-9]{50}|[0-9]{15,25}-[a-zA-Z0-9]{20,40}|A{22}[a-zA-Z0-9%]{80,100}`},
	{id: "yandex-token", keywords: []string{"yandex"}, re: `t1\.[a-zA-Z0-9_-]+={0,2}\.[a-zA-Z0-9_-]{86}={0,2}|AQVN[a-zA-Z0-9_-]{35,38}|YC[a-zA-Z0-9_-]{38}`},
	{id: "zendesk-secret-key", keywords: []string{"zendesk"}, re: `[a-zA-Z0-9]{40}`},
}

// contextIndex finds the rules whose keyword occurs in a name: first2
// marks the two-byte starts of keywords, so most positions cost one
// table lookup.
var contextIndex = func() (ix struct {
	first2 [256][256]bool
	rules  map[string][]*contextRule // keyword → rules
}) {
	ix.rules = map[string][]*contextRule{}
	for _, r := range contextRules {
		for _, k := range r.keywords {
			ix.first2[k[0]][k[1]] = true
			ix.rules[k] = append(ix.rules[k], r)
		}
	}
	return ix
}()

// contextKeywordMax is the longest keyword.
var contextKeywordMax = func() int {
	n := 0
	for k := range contextIndex.rules {
		n = max(n, len(k))
	}
	return n
}()

// contextID returns the id of a context rule whose keyword occurs in the
// normalized name n and whose shape the whole value v has, or "".
func contextID(n, v []byte) string {
	if len(v) < 14 || len(v) > 400 {
		return ""
	}
	for i := 0; i+1 < len(n); i++ {
		if !contextIndex.first2[n[i]][n[i+1]] {
			continue
		}
		for l := 2; l <= contextKeywordMax && i+l <= len(n); l++ {
			for _, r := range contextIndex.rules[string(n[i:i+l])] {
				if r.regexp().Match(v) {
					return r.id
				}
			}
		}
	}
	return ""
}
