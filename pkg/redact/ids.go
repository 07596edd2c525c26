package redact

// fixedIDs are the rules that are neither token shapes, vendor contexts
// nor name forms.
var fixedIDs = []string{"url:userinfo", "slack-webhook-url", "pem-private-key", "bearer-token", "basic-auth", "aws-secret-access-key", GenericID}

// nameForms are the id prefixes of the forms every secret name takes.
var nameForms = []string{"key:", "assign:", "url:query:", "form:", "connstr:", "xml:", "attr:"}

// RuleIDs returns every rule id the built-in rules can fire, without the
// per-header ids of the manifest and --header (header:NAME) and the
// custom:N patterns: the token shapes, the vendor contexts, each secret
// name in each form, the default headers and the fixed rules. docs/redact.md
// lists them all (a test checks it), and each has a firing and a
// look-alike test.
func RuleIDs() []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, r := range tokenRules {
		add(r.id)
	}
	for _, r := range contextRules {
		add(r.id)
	}
	for _, n := range secretNames {
		for _, f := range nameForms {
			add(f + n.canon)
		}
	}
	for _, h := range DefaultHeaders {
		add("header:" + h)
	}
	for _, id := range fixedIDs {
		add(id)
	}
	return ids
}
