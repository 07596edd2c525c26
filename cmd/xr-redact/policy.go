package main

import (
	"github.com/xr-lake/xr/pkg/cli"
	"github.com/xr-lake/xr/pkg/manifest"
	"github.com/xr-lake/xr/pkg/redact"
)

// policy loads -m's manifest (nil without -m) and takes its
// redaction_policy, saying so when the policy is off.
func policy(x *cli.Env, o *redact.Options) (*manifest.Manifest, error) {
	m, err := x.LoadManifest()
	if err != nil || m == nil {
		return m, err
	}
	o.Policy = &m.RedactionPolicy
	if !m.RedactionPolicy.Enabled {
		x.Warn(x.Manifest + ": redaction_policy.enabled is false: records pass through unredacted")
	}
	return m, nil
}
