# 60-sql: xr-sqlload and xr-sqldump on SQLite and PostgreSQL, against the
# floors of issue 6: the sqlite3 shell importing the same rows in one
# transaction, and psql \copy of the same rows into the same table (same
# indexes) on the same server. Sourced by scripts/bench.
SQLW=$WORK/sql
mkdir -p "$SQLW"
# cpu NAME cmd…: like rss (peak RSS as stage NAME), and also records
# user+system CPU seconds (SQLite runs in the process, so CPU compares the
# two sides even on a busy machine)
cpu() {
	local n=$1 rc=0
	shift
	/usr/bin/time -f '%U %S %M' -o "$SQLW/cpu.$n" "$@" || rc=$?
	awk '{print $3}' "$SQLW/cpu.$n" > "$WORK/rss.$n"
	return $rc
}
cpusecs() { awk '{printf "%.2f", $1 + $2}' "$SQLW/cpu.$1"; }
export -f cpu
export SQLW

# The bench corpus holds several versions of many natural keys, so a load
# updates rows and the table ends with fewer rows than the corpus has lines.
# Loading the whole corpus is measured as is; the comparisons with the
# floors use the table's final rows (ROWS), loaded by both sides into an
# empty table: the same rows.
measure "xr-sqlload sqlite, whole corpus (with updates)" "$CORPUS_BYTES" \
	"rss xr-sqlload xr-sqlload -q --db sqlite:$SQLW/all.db < $CORPUS"
ROWS=$SQLW/rows.ndjson
xr-sqldump -q --db "sqlite:$SQLW/all.db" > "$ROWS"
ROWS_BYTES=$(stat -c %s "$ROWS")
echo "  final rows: $(wc -l < "$ROWS") of $CORPUS_RECORDS records, $ROWS_BYTES bytes"
rm -f "$SQLW"/all.db*

# --- SQLite
measure "xr-sqlload sqlite (empty table)" "$ROWS_BYTES" \
	"cpu xr-sqlload xr-sqlload -q --db sqlite:$SQLW/lake.db < $ROWS"
sqlite_load=$LAST_MBS
measure "xr-sqlload sqlite (reload, all unchanged)" "$ROWS_BYTES" \
	"rss xr-sqlload xr-sqlload -q --db sqlite:$SQLW/lake.db < $ROWS"
# the same rows as CSV, imported by the sqlite3 shell into an empty table
# with the same DDL, WAL and synchronous=NORMAL like xr, one transaction
sqlite3 -csv "$SQLW/lake.db" "SELECT * FROM lake_RawExchangeRecord" > "$SQLW/rows.csv"
xr-sqlload --ddl --db "sqlite:$SQLW/floor.db" | sqlite3 "$SQLW/floor.db"
cat > "$SQLW/import.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
BEGIN;
.import --csv $SQLW/rows.csv lake_RawExchangeRecord
COMMIT;
SQL
measure "sqlite3 .import, one transaction (floor)" "$ROWS_BYTES" \
	"cpu sqlite3 sqlite3 $SQLW/floor.db < $SQLW/import.sql > /dev/null"
ratio "xr-sqlload sqlite vs sqlite3 import (goal >= 0.5)" "$sqlite_load" "$LAST_MBS"
echo "  => CPU seconds: xr-sqlload $(cpusecs xr-sqlload) (incl. hash verification), sqlite3 $(cpusecs sqlite3)"
measure "xr-sqldump sqlite > /dev/null" "$ROWS_BYTES" \
	"rss xr-sqldump xr-sqldump -q --db sqlite:$SQLW/lake.db > /dev/null"
echo "  => xr-sqldump sqlite: $LAST_MBS MB/s (goal >= 100)"
measure "xr-sqldump sqlite --index > /dev/null" "$ROWS_BYTES" \
	"rss xr-sqldump xr-sqldump -q --index --db sqlite:$SQLW/lake.db > /dev/null"
xr-sqldump -q --db "sqlite:$SQLW/lake.db" | cmp -s - "$ROWS" && echo "  round trip sqlite: byte-identical" ||
	echo "  round trip sqlite: DIFFERENT"
rm -f "$SQLW"/*.db* "$SQLW/rows.csv"

# --- PostgreSQL: a throwaway server (default settings, fsync on)
if PGBIN=$("$ROOT/scripts/ensure-postgres" 2>/dev/null | tail -n1) && [ -n "$PGBIN" ]; then
	PGDIR=$(mktemp -d /tmp/xr-bench-pg.XXXXXX)
	asPG=""
	if [ "$(id -u)" = 0 ]; then chown postgres "$PGDIR"; asPG="runuser -u postgres --"; fi
	PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 54329)
	$asPG "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C > /dev/null
	$asPG "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
		-o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_wal_size=4GB" start > /dev/null
	BENCH_CLEANUP="${BENCH_CLEANUP:+$BENCH_CLEANUP; }$asPG $PGBIN/pg_ctl -D $PGDIR/data -m fast -w stop >/dev/null; rm -rf $PGDIR"
	PG=postgres://postgres@127.0.0.1:$PGPORT
	psql -q "$PG/postgres" -c "CREATE DATABASE xr" -c "CREATE DATABASE floor" -c "CREATE DATABASE xr_all"
	measure "xr-sqlload postgres, whole corpus (with updates)" "$CORPUS_BYTES" \
		"rss xr-sqlload xr-sqlload -q --db $PG/xr_all < $CORPUS"
	measure "xr-sqlload postgres (empty table)" "$ROWS_BYTES" \
		"rss xr-sqlload xr-sqlload -q --db $PG/xr < $ROWS"
	pg_load=$LAST_MBS
	measure "xr-sqlload postgres (reload, all unchanged)" "$ROWS_BYTES" \
		"rss xr-sqlload xr-sqlload -q --db $PG/xr < $ROWS"
	cols="exchange_id, exchange_type, source_system, entity_type, natural_key, observed_at_utc, content_sha256, payload_json, schema_version"
	psql -q "$PG/xr" -c "\\copy (SELECT $cols FROM lake.\"RawExchangeRecord\") TO '$SQLW/rows.copy'"
	xr-sqlload --ddl --db "$PG/floor" | psql -q "$PG/floor"
	echo "\\copy lake.\"RawExchangeRecord\" ($cols) FROM '$SQLW/rows.copy'" > "$SQLW/copy.sql"
	measure "psql \\copy into the same table (floor)" "$ROWS_BYTES" \
		"rss psql psql -q $PG/floor -f $SQLW/copy.sql"
	ratio "xr-sqlload postgres vs psql COPY (goal >= 0.5)" "$pg_load" "$LAST_MBS"
	measure "xr-sqldump postgres > /dev/null" "$ROWS_BYTES" \
		"rss xr-sqldump xr-sqldump -q --db $PG/xr > /dev/null"
	echo "  => xr-sqldump postgres: $LAST_MBS MB/s (goal >= 100)"
	measure "xr-sqldump postgres --index > /dev/null" "$ROWS_BYTES" \
		"rss xr-sqldump xr-sqldump -q --index --db $PG/xr > /dev/null"
	cmp -s <(xr-sqldump -q --db "$PG/xr" | sort) <(sort "$ROWS") && echo "  round trip postgres: byte-identical lines (storage order)" ||
		echo "  round trip postgres: DIFFERENT (order or bytes)"
	rm -f "$SQLW/rows.copy"
else
	echo "  postgres: SKIPPED, no server binaries (scripts/ensure-postgres failed)"
fi
