package main

// The help texts of the subcommands (the text -h prints before the flags).

const initUsage = `usage: xr-pack init --name N --source S --entity E [--type T] [--description D] [--owner O] --out DIR

Creates the pack DIR/N: DIR/N/manifest.json (every field of the spec, with
its defaults), an empty DIR/N/index.jsonl and DIR/N/records/. Prints DIR/N.
Never replaces an existing manifest. --source and --entity are required but
may be empty: an empty one selects every source (entity) when the dataset
is exported, so --source '' --entity '' makes a dataset of the whole table.

Example:
  xr-pack init --name wookieepedia-pages --source wookieepedia --entity page \
    --type mediawiki --out data/snapshots
`

const writeUsage = `usage: xr-pack write [flags] DIR

Appends the envelopes on stdin (plain, gzip or zstd) to the pack DIR. Records go into
records/YYYY/YYYY-MM-DD/chunk-NNNN.ndjson by the UTC day of observed_at_utc;
chunk numbers continue after the highest in the pack; a record whose
content_sha256 is already in the pack is skipped. Every record needs a
content_sha256 that verifies (run xr-hash first) and an observed_at_utc.
When the manifest's redaction_policy is enabled, each record is stored as
'xr-redact -m DIR/manifest.json | xr-hash' would make it (counted as
redacted). A record whose exchange_id the pack holds with other content is
refused (line N: exchange_id …), or goes to --rejects.
Crash-safe: after a crash the pack holds its old records plus whole new chunks.
Commits at least every --commit-every (5s) and whenever the open chunks hold
--commit-bytes (512 MiB), whatever the order of days, so a killed write keeps
what it had. Counters count what is committed: "written" is what the pack
gained; after a failure (disk full) the rest is "not committed".

Example:
  xr-canon < records.ndjson | xr-redact -m pages/manifest.json | xr-hash | xr-pack write pages
  xr-sqldump -m pages/manifest.json \
    | xr-diff -m pages/manifest.json --against pages --pack pages --incoming sql \
    | xr-pack write pages
`

const catUsage = `usage: xr-pack cat [--verify [--rejects FILE]] [--since T] [--until T] [--key K [--source S] [--entity E]] DIR

Streams every record of the pack DIR to stdout, chunk by chunk in path order
(folder, then chunk number), lines in file order, as the chunks hold them.
--since keeps records observed at or after T, --until those before T (T is
ISO 8601, e.g. 2026-01-15 or 2026-01-15T10:00:00Z); --key keeps the records
whose natural_key is K and whose source_system and entity_type are the
manifest's (or --source, --entity), as xr-sqldump --key does (the index
names the chunks to read).

A pack holding records with secrets that its manifest's redaction_policy
removes is told in one line on stderr, with the count and the command that
scrubs them (xr-pack redact DIR). The count comes from the pack's ledger
(.xr-pack.secrets); a chunk it does not vouch for is scanned once (with
--verify, in the same pass).

--verify checks each record before it goes out, as xr-pack verify does: a
line that is not a valid envelope, or whose content_sha256 is missing or does
not match its content (the chunk was changed after it was written), stops
the command naming the chunk file and line, e.g.
  xr-pack: records/2024/2024-01-16/chunk-0002.ndjson:17: content_sha256 does not match its content (…)
with exit status 4 (1 for a line that is not an envelope); with --rejects
FILE such records go there instead and the rest goes on. It parses and hashes
every record (on every core): use it where the records are taken in, as
xr-snapshot import does.

Example:
  xr-pack cat --verify pages | xr-canon | xr-redact -m pages/manifest.json | xr-hash \
    | xr-sqlload -m pages/manifest.json
  xr-pack cat --key Luke_Skywalker pages | jq -r .observed_at_utc
`

const indexUsage = `usage: xr-pack index [--rebuild] DIR

Prints the index lines of the pack DIR ({"h", "k", "id", "t", "f"}, one per
record; a k with more than two '|' is followed by "kp", the key's parts
[source, entity, natural_key], which the text cannot tell apart). With
--rebuild, regenerates DIR/index.jsonl from the chunks (atomically, under the
pack's lock, with every kp) and prints nothing.

Example:
  xr-pack index pages | jq -r .k | sort | uniq -c | sort -rn | head -n 3
  xr-pack index --rebuild pages
`

const verifyUsage = `usage: xr-pack verify DIR | FILE

Checks the pack DIR: every chunk line is a valid envelope whose
content_sha256 verifies, and index.jsonl and the chunks agree exactly (no
missing, extra or duplicate lines; "f" names the chunk holding the record),
and one exchange_id names one record. Each problem is printed on stderr
(with --json, as one NDJSON line on stdout instead: {"file", "line",
"exchange_id", "kind", "problem"}, file relative to DIR, line 0 or absent
for a whole file, kind the counter it counts in); exit status 4 when there
is any. Records holding secrets that the
manifest's redaction_policy removes are counted (secrets) and told in one
line naming 'xr-pack redact DIR'; that alone is not a problem.

Given an archive FILE instead, checks it end to end without extracting it:
decryption and authentication (--identity KEYFILE for an archive encrypted
to public keys, else the passphrase as for extract), every member's path,
type and SHA-256 against the metadata, every record's content hash, and
record and index counts (exit 4 on a mismatch). The passphrase, --identity,
--max-* and --max-line flags apply to an archive only.

Example:
  xr-pack verify pages || xr-pack index --rebuild pages
  xr-pack verify --json pages | jq -r 'select(.kind == "bad_hashes") | .file'
  xr-pack archive pages --out pages.zip && xr-pack verify pages.zip
`

const redactUsage = `usage: xr-pack redact [--stats FILE] DIR

Scrubs the pack DIR in place with its manifest's redaction_policy (the rules
and rule ids of 'xr-redact -m DIR/manifest.json'): every stored record where
a rule fires is replaced by what 'xr-redact -m | xr-hash' makes of it, keeping
its exchange_id, observed_at_utc, chunk and place; then index.jsonl is made
anew from the chunks. The one command that rewrites stored records: use it
when a pack holds secrets (written before the policy was on, or by another
tool), which every reader of the pack reports.

Prints one line per chunk rewritten (how many records, which rule ids; never
a secret) and counts records per rule id (rule:ID in --stats). Crash-safe:
each chunk is rewritten to a temporary file, fsynced and renamed over the old
one; after a kill the pack holds old or new chunks, never a mix within one,
and running xr-pack redact again finishes the job. Runs under the pack's
write lock. A record whose content_sha256 does not verify stops it (run
xr-pack verify).

Example:
  xr-pack redact pages && xr-pack cat pages | xr-redact -m pages/manifest.json --check
`

const secretsUsage = `usage: xr-pack secrets DIR

Prints how many records of the pack DIR hold secrets that its manifest's
redaction_policy removes (0 when the policy is off), with the one-line
notice on stderr when there are any. Chunks the pack's ledger
(DIR/.xr-pack.secrets, kept by verify, redact, cat, archive and this
command) vouches for are not read again, so it is cheap after the first
run. xr-pack redact DIR removes the secrets.

Example:
  test "$(xr-pack secrets -q pages)" -eq 0 || xr-pack redact pages
`

const archiveUsage = `usage: xr-pack archive DIR --out FILE [--format zip|tar.zst] [--encrypt | --recipient KEY...]
       xr-pack archive -m DIR/manifest.json --out FILE [--encrypt]

Write the pack in DIR to one archive file: a zip (Deflate, the default, any
unzip reads it) or a tar.zst (faster, smaller). The archive holds DIR under
its dataset name and _pack_meta.json (dataset, time, tool version, record
count, the SHA-256 of every member); the same pack gives the same bytes.
FILE is named exactly, and the folder it goes into is created if missing
(as extract creates its --out); an existing FILE is refused unless --force.

--encrypt (or the manifest's encryption_policy.enabled) makes it an age
file (age-encryption.org/v1), which FILE's name must end in: .zip.age or
.tar.zst.age. With --recipient / --recipients-file (or the manifest's
encryption_policy recipients) it is encrypted to those public keys (age1...
from age-keygen, or "ssh-ed25519 ..."/"ssh-rsa ..."), and no secret is
needed to write it; otherwise to a passphrase from --passphrase-file,
SNAPSHOT_ENCRYPTION_KEY (or the manifest's key_env_var), its key_file_path,
or a prompt on the terminal; never from a flag value. Stock tools restore
it: age -d -i key.txt FILE.tar.zst.age | tar --zstd -x

--reference-format writes the reference tool's .zip.enc instead (a zip,
passphrase only), for handing an archive to that tool. Its weaknesses: the
reference tool reads the whole file into memory, one AES-GCM message has no
chunking (nothing can be checked before its end), and PBKDF2 at 480,000
iterations is far cheaper to attack than age's scrypt. See docs/archive.md.

A pack holding records with secrets that its redaction_policy removes is
refused (run xr-pack redact DIR first) unless --allow-secrets is given.

Example:
  xr-pack archive pages --out pages.tar.zst
  age-keygen -o backup-key.txt 2>/dev/null
  xr-pack archive pages --recipient "$(age-keygen -y backup-key.txt)" --out pages-$(date +%Y%m%d).tar.zst.age
`

const extractUsage = `usage: xr-pack extract FILE --out DIR [--force] [--verify] [--name NAME] [--identity KEYFILE]

Unpack an archive (zip, tar.zst, age-encrypted, xr-enc v1 of earlier
builds, or the reference tool's zip and .zip.enc, told apart by content)
into DIR/<dataset name>. An age archive encrypted to public keys opens with
--identity KEYFILE (as age -i); one encrypted to a passphrase (as xr-enc and
.zip.enc files are) takes it from --passphrase-file, SNAPSHOT_ENCRYPTION_KEY
or the terminal.

In one streaming pass it checks what proves the restored bytes are the
archived ones: the encryption authenticates every chunk to the end, every
member's size and SHA-256 match the archive's metadata, the record count
matches it, index.jsonl has one line per record, and the manifest parses.
The records themselves are not checked again (as restic restore checks
each blob's hash and re-reads only with --verify): --verify also runs
xr-pack verify on the extracted pack (every record's content hash, the
index against the chunks, secrets), two to three times as long. Archives without
member hashes (the reference tool's zip and .zip.enc) are always verified
so, since nothing else vouches for them.

All of that happens in a staging folder before the pack is moved into
place (with --force: swapped with the old pack in one step), so a failed
extract leaves nothing behind; decrypted data stays in unnamed files until
then (Linux), files and folders are fsynced, and the next extract into DIR
removes what a killed one left. Refuses path escapes, links, device files,
and archives that expand beyond --max-size or --max-ratio.

Example:
  age-keygen -o key.txt 2>/dev/null && xr-pack archive -q pages --recipient "$(age-keygen -y key.txt)" --out p.tar.zst.age
  xr-pack extract --identity key.txt p.tar.zst.age --out restored/ && xr-pack cat restored/pages | wc -l
`

const locateUsage = `usage: xr-pack locate --id ID DIR

Prints where the pack DIR stores the record whose exchange_id is ID, as
DIR/records/…/chunk-NNNN.ndjson:LINE (the form editors and grep take), for
a message that names a record by its exchange_id: the index names the chunk
file, the chunk the line (a lagging index costs a scan of the chunks). A
pack without such a record is an error (exit 1). UUIDs compare without
regard to case.

Example:
  xr-pack locate --id 0e40b65a-84a6-42da-9ae0-5c11f37b1905 pages
`
