package main

const help = `usage: xr-sqldump [-m manifest.json] [--db DSN | --db-file FILE] [--lock-timeout DUR] [--source S] [--entity E | --scope-of FILE] [--since T] [--until T] [--key K] [--index]

Streams the records of the manifest's sql_target table to stdout, each line
exactly as xr-sqlload stored it, filtered by the manifest's source_system and
entity_type (or --source/--entity), observed_at_utc in [--since, --until),
and --key (natural key). --index prints {"h","k","id","t"} lines (the id as
the envelope holds it), for xr-diff --against. Database as for xr-sqlload
(a DSN with a password belongs in $XR_DB or --db-file, not on the command
line). A dump that waits more than a second for a lock says so on stderr
and fails after --lock-timeout (default 1m0s).

--scope-of FILE replaces that scope with every source_system/entity_type
pair the envelopes of FILE hold (the whole table beyond 256 pairs): the
index an import diffs against must cover every key its records can touch,
whatever the manifest's scope says (xr-snapshot import does this).

Example:
  xr-sqldump -m pages/manifest.json \
    | xr-diff -m pages/manifest.json --against pages --pack pages --incoming sql \
    | xr-pack write pages
  xr-sqldump -m pages/manifest.json --key Luke_Skywalker | jq -r .observed_at_utc
  xr-diff --against <(xr-sqldump -m pages/manifest.json --index --scope-of new.ndjson) \
    < new.ndjson > plan.ndjson`
