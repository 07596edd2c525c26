package main

const help = `usage: xr-sqlload [-m manifest.json] [--db DSN | --db-file FILE] [--conflict S] [--conflict-log FILE] [--batch N] [--lock-timeout DUR] [--dry-run] < plan.ndjson

Upserts hashed envelopes (stdin: plain, gzip or zstd) into the manifest's sql_target table (default
lake.RawExchangeRecord; created if missing): same hash stored = unchanged,
natural key not stored = inserted; natural key stored with another hash =
a conflict, which the write itself resolves by --conflict (a
compare-and-set in the UPDATE, so a stale plan never replaces newer data):
  prefer_newest    (default) replace the stored row only if its
                   observed_at_utc is not later than the record's (a tie
                   goes to the record, as in the reference tool)
  prefer_json, prefer_incoming   always replace
  prefer_sql, prefer_existing    never replace
  fail             exit 3 at such a row; its batch is not committed
                   (earlier batches are)
A row the strategy kept is counted as kept_newer and, with --conflict-log
FILE, logged as xr-diff logs conflicts ("existing_from":"table").
--conflict defaults to the manifest's sync_policy.conflict_strategy.
One transaction per batch; a rerun after any failure converges. Records
without a valid content_sha256 are refused (run xr-hash). The counters
count committed batches (PostgreSQL: once a synchronous commit made them
durable, every 5 s and at the end); after a failure the rest of what was
read is counted as "not committed".

Database: --db or --db-file, else $XR_DB, else $INGEST_SQLSERVER_CONN_STR,
else $INGEST_SQLSERVER_HOST/PORT/DATABASE/USER/PASSWORD, else sqlite:lake.db.
DSN forms: sqlite:PATH, postgres://user@host:5432/db, libpq keywords
("host=h port=5432 dbname=lake user=u"), sqlserver://..., ADO or ODBC SQL
Server strings. A password on the command line shows in ps: put such a DSN
in $XR_DB or a file (--db-file; a warning says so). --ddl prints the CREATE
script and exits; --create runs it if the table is missing and exits,
reading no input (xr-snapshot's first step: a wrong database fails before
anything is read).

Locks: a batch that waits more than a second for a lock held by another
session says so on stderr (naming the holder when the engine can tell);
after --lock-timeout (default 1m0s) the load fails naming the batch and its
input lines. Batches committed before stay.

Example:
  xr-pack cat pages | xr-canon | xr-hash \
    | xr-diff --against <(xr-sqldump -m pages/manifest.json --index) > plan.ndjson
  xr-sqlload -m pages/manifest.json --db sqlite:lake.db < plan.ndjson`
