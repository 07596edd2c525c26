# 80-sync: `xr-snapshot sync` of the whole corpus, end to end (import:
# pack cat --verify | canon | redact | hash --missing-only | diff > latest,
# diff > plan, sqlload; then
# export: sqldump | diff --against the pack | pack write), into SQLite and
# PostgreSQL, beside the floors of its front half measured in the same run.
# Records/s, MB/s (of the corpus) and the peak RSS of every stage (through
# xr-snapshot's XR_SNAPSHOT_RSS hook). Sourced by scripts/bench.
SYW=$WORK/sync
mkdir -p "$SYW/snaps"
export PATH="$PATH:$ROOT/bin" # xr-snapshot (the built binaries in $BIN come first)

# the corpus as a pack; its manifest's empty source_system and entity_type
# make the dataset the whole table (the corpus has four sources)
xr-pack init -q --name corpus --source x --entity x --out "$SYW/snaps" > /dev/null
sed -i 's/"source_system": "x"/"source_system": ""/; s/"entity_type": "x"/"entity_type": ""/' "$SYW/snaps/corpus/manifest.json"
measure "xr-pack write (the corpus into a pack)" "$CORPUS_BYTES" \
	"rss pack-write xr-pack write -q $SYW/snaps/corpus < $CORPUS"
M=$SYW/snaps/corpus/manifest.json
PACK_RECORDS=$(wc -l < "$SYW/snaps/corpus/index.jsonl")
cp -R "$SYW/snaps/corpus" "$SYW/pristine"
echo "  pack: $PACK_RECORDS records (of $CORPUS_RECORDS lines: duplicates skipped)"

# floors: the bytes alone, then the import's front half stage by stage
measure "cat (floor)" "$CORPUS_BYTES" "rss cat cat $CORPUS > /dev/null"
measure "xr-pack cat" "$CORPUS_BYTES" "rss pack-cat xr-pack cat -q $SYW/snaps/corpus > /dev/null"
# the import's: cat --verify checks every hash, xr-hash computes only those
# xr-redact removed
FRONT="rss pack-cat xr-pack cat -q --verify $SYW/snaps/corpus | rss canon xr-canon -q | rss redact xr-redact -q -m $M | rss hash xr-hash -q --missing-only"
measure "cat --verify|canon|redact|hash --missing-only" "$CORPUS_BYTES" "$FRONT > /dev/null"
front=$LAST_MBS
measure "  ... | xr-diff (newest per key) > plan" "$CORPUS_BYTES" \
	"$FRONT | rss diff xr-diff -q --against /dev/null > $SYW/plan.ndjson"
PLAN_BYTES=$(stat -c %s "$SYW/plan.ndjson")
measure "xr-sqlload sqlite < plan (floor of the load)" "$PLAN_BYTES" \
	"rss sqlload xr-sqlload -q -m $M --db sqlite:$SYW/floor.db < $SYW/plan.ndjson"
rm -f "$SYW"/floor.db* "$SYW/plan.ndjson"

# sync_run LABEL DSN: a first sync (everything to load, the redacted
# versions exported back), then a second one (nothing to do)
sync_run() {
	local label=$1 dsn=$2 secs mbs
	export XR_SNAPSHOT_RSS=$WORK
	measure "xr-snapshot sync → $label (first)" "$CORPUS_BYTES" \
		"xr-snapshot sync --manifest $M --db '$dsn' --json > $SYW/report.json"
	awk -v n="$PACK_RECORDS" -v s="$LAST_SECS" 'BEGIN { printf "  => %.0f records/s\n", n / s }'
	ratio "sync $label vs canon|redact|hash front half" "$LAST_MBS" "$front"
	sed 's/,"conflict_list".*//' "$SYW/report.json" | sed 's/^/  /'
	measure "xr-snapshot sync → $label (again: nothing to do)" "$CORPUS_BYTES" \
		"xr-snapshot sync --manifest $M --db '$dsn' --json > $SYW/report.json"
	sed 's/,"conflict_list".*//' "$SYW/report.json" | sed 's/^/  /'
	unset XR_SNAPSHOT_RSS
	rm -rf "$SYW/snaps/corpus"
	cp -R "$SYW/pristine" "$SYW/snaps/corpus"
}

sync_run sqlite "sqlite:$SYW/lake.db"
rm -f "$SYW"/lake.db*

# PostgreSQL: the server of 60-sql.sh when it ran, else a throwaway one
if [ -z "${PG:-}" ]; then
	if PGBIN=$("$ROOT/scripts/ensure-postgres" 2>/dev/null | tail -n1) && [ -n "$PGBIN" ]; then
		PGDIR=$(mktemp -d /tmp/xr-bench-pg.XXXXXX)
		asPG=""
		if [ "$(id -u)" = 0 ]; then chown postgres "$PGDIR"; asPG="runuser -u postgres --"; fi
		PGPORT=$((40000 + RANDOM % 20000))
		$asPG "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C > /dev/null
		$asPG "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
			-o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_wal_size=4GB" start > /dev/null
		BENCH_CLEANUP="${BENCH_CLEANUP:+$BENCH_CLEANUP; }$asPG $PGBIN/pg_ctl -D $PGDIR/data -m fast -w stop >/dev/null; rm -rf $PGDIR"
		PG=postgres://postgres@127.0.0.1:$PGPORT
	fi
fi
if [ -n "${PG:-}" ]; then
	psql -q "$PG/postgres" -c "CREATE DATABASE xr_sync"
	sync_run postgres "$PG/xr_sync?sslmode=disable"
else
	echo "  postgres: SKIPPED, no server binaries (scripts/ensure-postgres failed)"
fi
rm -rf "$SYW"
