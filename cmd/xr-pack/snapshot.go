package main

import "strings"

// The help of bin/xr-snapshot, which the script prints by running its Go
// half under its name: `XR_PROG_NAME="xr-snapshot import" xr-pack report -h`
// (import, export and sync, whose options xr-pack report checks, and the
// script itself), `XR_PROG_NAME="xr-snapshot pack" xr-pack archive -h` (init,
// pack and unpack, which are xr-pack's init, archive and extract).

// snapshotAs is xr-pack report's help under the names of the script.
var snapshotAs = map[string]string{
	"xr-snapshot":        snapshotUsage,
	"xr-snapshot import": syncUsage("import", "Import the pack into SQL: only new and changed records are loaded."),
	"xr-snapshot export": syncUsage("export", "Export SQL into the pack: rows whose key the pack lacks, and conflicts SQL wins, are appended."),
	"xr-snapshot sync":   syncUsage("sync", "Reconcile the pack and SQL: import, then export (bidirectional)."),
}

const snapshotExits = `Exit codes: 0 ok, 1 error, 2 usage, 3 conflict (--conflict fail), 4
verification found mismatches, 130 interrupted; else the exit status of the
stage that failed, which the report names.`

const snapshotUsage = `usage: xr-snapshot COMMAND [flags]

The spec's snapshot command line over xr's pipelines. import, export and
sync run the stages as plain shell pipelines (-v prints each, ready to
copy) and print the reconciliation report; init, pack and unpack are
xr-pack init, archive and extract.

  import  pack → SQL:  xr-pack cat --verify | xr-canon | xr-redact | xr-hash --missing-only
                       | xr-diff (newest per key) → records; xr-diff --against SQL's
                       index of their scopes → plan; xr-sqlload < plan
  export  SQL → pack:  xr-sqldump | xr-diff --against the pack --incoming sql | xr-pack write

The database is --db or --db-file, else XR_DB, else INGEST_SQLSERVER_*,
else the embedded SQLite file lake.db. The stages get it through the
environment (XR_DB), never their command line.

Example:
  xr-snapshot import --manifest pages/manifest.json --dry-run
  xr-snapshot sync --manifest pages/manifest.json --json

Commands:
  init    create a dataset folder with the spec's default manifest
  import  load the pack's new and changed records into SQL
  export  append SQL's records the pack lacks to the pack
  sync    import, then export (or one of them: --direction)
  pack    archive the pack for cold storage or migration
  unpack  extract an archive, checking it against its metadata

Run 'xr-snapshot COMMAND -h' for a command's flags.

Flags:
      --version  print the version and exit
  -h, --help     print this help and exit

` + snapshotExits

// syncUsage is the help of xr-snapshot import, export or sync (cmd).
func syncUsage(cmd, what string) string {
	direction := ""
	if cmd == "sync" {
		direction = `      --direction bidirectional|json_to_sql|sql_to_json
                       what to run (default: the manifest's
                       sync_policy.direction_default)
`
	}
	return strings.NewReplacer("CMD", cmd, "WHAT\n", what+"\n", "DIRECTION\n", direction).Replace(`usage: xr-snapshot CMD --manifest FILE [flags]

WHAT
The report goes to stdout (--json: one JSON object, with the conflict
list); the stages' diagnostics go to stderr.

Example:
  xr-snapshot CMD --manifest pages/manifest.json --dry-run --json

Flags:
  -m, --manifest FILE  manifest.json of the dataset; the pack is its folder
      --db DSN         database (sqlite:PATH, postgres://…, host=… dbname=…,
                       sqlserver://…); default: XR_DB, then
                       INGEST_SQLSERVER_*, then sqlite:lake.db. A password
                       here shows in ps (a warning says so): use XR_DB or
                       --db-file instead
      --db-file FILE   read the DSN from FILE (chmod 600)
      --conflict prefer_newest|prefer_sql|prefer_json|fail
                       how a conflict is resolved (default: the manifest's
                       sync_policy.conflict_strategy); a prefer_newest tie
                       goes to the pack (JSON) side; fail exits 3 at the
                       first conflict and writes nothing
DIRECTION
      --dry-run        compute the plan and report it; change nothing anywhere
      --json           print the report as one JSON object
  -v, --verbose        print each pipeline as it runs (ready to copy; the
                       stages read the database from XR_DB) and the stages'
                       own summary lines
      --progress auto|json|none
                       auto: one line on stderr when it is a terminal (the
                       step, percent, records, bytes, rate, ETA where the
                       step knows its total); json: JSON status lines on
                       stderr; none (default: XR_PROGRESS, else auto)
  -h, --help           print this help and exit

` + snapshotExits)
}

// The helps of xr-snapshot init, pack and unpack: what -h prints before
// the flags of xr-pack init, archive and extract.
const (
	snapshotInitUsage = `usage: xr-snapshot init --name N --source S --entity E [--type T] [--description D] [--owner O] --out DIR

Creates DIR/N/manifest.json (the spec's defaults) and DIR/N/records/;
refuses to overwrite an existing manifest. It is xr-pack init (its flags:
xr-pack init -h).

Example:
  xr-snapshot init --name pages2 --source wookieepedia --entity page --type mediawiki --out data/snapshots`

	snapshotPackUsage = `usage: xr-snapshot pack --manifest FILE --out FILE [--encrypt] [--format zip|tar.zst] [--allow-secrets]

Archives the pack of the manifest into --out for cold storage or
migration, creating the folder it goes into. It is xr-pack archive (its
flags: xr-pack archive -h). --encrypt (or the manifest's
encryption_policy) makes it an age file, which the name must end in
(.zip.age, .tar.zst.age): to the public keys of --recipient /
--recipients-file (or the manifest's), else to a passphrase from
SNAPSHOT_ENCRYPTION_KEY, --passphrase-file or a terminal prompt. A
pack holding secrets that its redaction policy removes is refused
(xr-pack redact DIR scrubs it) unless --allow-secrets.

Example:
  xr-snapshot pack --manifest pages/manifest.json --out backups/pages.zip`

	snapshotUnpackUsage = `usage: xr-snapshot unpack --in FILE --out DIR [--force]

Extracts an archive made by pack (or by the reference tool) into
DIR/<dataset>/, checking every member's SHA-256 against the archive's
metadata (--verify: also xr-pack verify of the pack) before it is moved
into place; encrypted ones need --identity FILE (archives encrypted to
public keys) or the passphrase (SNAPSHOT_ENCRYPTION_KEY, --passphrase-file
or a terminal). It is xr-pack extract (its flags: xr-pack extract -h).

Example:
  xr-snapshot pack --manifest pages/manifest.json --out migration/pages.zip
  xr-snapshot unpack --in migration/pages.zip --out restored/`
)
