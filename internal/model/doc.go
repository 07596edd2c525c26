// Package model holds the model-based convergence test of the sync
// workflow (issue 11 item 5, issue 18): a seeded generator runs random
// sequences of operations — captures written to a pack, rows changed on
// the SQL side, import, export and sync with every strategy, xr-pack
// redact, archive and extract, kill -9 of a stage followed by a rerun, a
// concurrent writer between the index dump and the load, manifests whose
// scope does not match the records — against a real pack and a real table
// (SQLite and PostgreSQL), driving the real commands and
// bin/xr-snapshot, and after every step compares both sides with a
// small in-memory model of what the strategies say must happen.
//
//	go test ./internal/model                                  # CI: 200 sequences per engine
//	XR_MODEL_LONG=1 go test ./internal/model -timeout 0       # thousands, random seeds
//	XR_MODEL_SEED=123 XR_MODEL_ENGINE=sqlite go test ./internal/model -run TestModel -v
//
// The package has no non-test code; this file only documents it.
package model
