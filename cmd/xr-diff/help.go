package main

const help = `usage: xr-diff --against INDEX [--conflict S] [--incoming json|sql] [--pack DIR] [--conflict-log FILE] [--by key|hash] [FILE] > plan.ndjson

Writes the envelopes of stdin (or FILE) that the other side needs, given
its index: INDEX is an index file ({"h","k","id","t"[,"f"]} lines, as
xr-pack index and xr-sqldump --index print them), a pack folder (its
index.jsonl), a process substitution, or - for stdin (the envelopes then
come from FILE). Every record needs content_sha256 (run xr-hash first).
Keys are compared by their parts, never by the text source|entity|key
(which (a|b, c, k) and (a, b|c, k) share): an index line whose k has more
than two '|' needs its "kp" parts (xr writes them; xr-pack index --rebuild
adds them to a reference-made pack) or, when INDEX is a pack folder, its
record in the chunk f names; else it is refused in key mode.

  unchanged  its hash is in the index (or earlier in the input): dropped
  new        its natural key (source|entity|natural_key) is not there, or,
             without a natural key, its hash is not: emitted
  changed    its key is there with another hash: a conflict, resolved by
             --conflict; incoming wins: emitted, existing wins: dropped

Conflict strategies:
  prefer_newest    the later observed_at_utc wins (compared in UTC, to the
                   nanosecond); a tie goes to the JSON side, as the
                   reference's json_time >= sql_time: the incoming record
                   when stdin is the pack (--incoming json, the import),
                   the existing one with --incoming sql (the export); a
                   missing timestamp is older than any (two missing tie)
  prefer_json      the pack's record wins (stdin is the pack unless
  prefer_sql       --incoming sql says it is the SQL side)
  prefer_incoming  the incoming record always wins
  prefer_existing  the existing record always stays
  fail             exit 3 at the first conflict, writing nothing

The input is read in full before anything is written. Several input
versions of one key are the input's history, not conflicts: the newest
(on a tie the later line) supersedes the others, whatever the strategy,
and only it is emitted; the others count as superseded. The same hash
twice is emitted once. --by hash ignores keys: only a hash the index
lacks is emitted. --conflict-log FILE gets one JSON object per conflict (k,
both hashes and times, strategy, resolution). --shard I/N
keeps one of N parts of index and input (by key, or by hash without one),
so N processes can split a sync.

--pack DIR names the pack on the JSON side: where the input comes from
(the import), or, with --incoming sql, the pack the index is (the export).
A conflict under fail then names the pack's record by chunk file and line
(records/2024/2024-01-16/chunk-0002.ndjson:17) and SQL's by its key; and
in the export, a SQL record whose exchange_id the pack holds with other
content is a conflict on that record: the pack's record staying drops it,
SQL's winning stops the run (a pack holds one record per exchange_id and
never rewrites one).

Example:
  xr-pack cat pages | xr-canon | xr-hash \
    | xr-diff --against <(xr-sqldump -m pages/manifest.json --index) --pack pages \
        --conflict-log conflicts.ndjson > plan.ndjson
  xr-sqldump -m pages/manifest.json \
    | xr-diff -m pages/manifest.json --against pages --pack pages --incoming sql \
    | xr-pack write pages`
