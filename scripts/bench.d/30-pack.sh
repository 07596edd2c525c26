# xr-pack write / cat / verify / index --rebuild (issue 3): write and cat
# each at least 200 MB/s on this corpus, side by side with cat over the same
# bytes, peak RSS flat (under 64 MB at 700 MB, index aside:
# `scripts/bench 700`).
PK=$WORK/pack
mkdir -p "$PK"
cat "$CORPUS" > /dev/null # warm the page cache

measure "dd > file, fsync (write floor)" "$CORPUS_BYTES" "rss dd dd if='$CORPUS' of='$PK/floor.ndjson' bs=1M conv=fsync status=none"
floor=$LAST_MBS
rm -f "$PK/floor.ndjson"
xr-pack init -q --name bench --source bench --entity record --out "$PK" > /dev/null
measure "xr-pack write (new pack)" "$CORPUS_BYTES" "rss write xr-pack write -q '$PK/bench' < '$CORPUS'"
ratio "xr-pack write vs dd > file" "$LAST_MBS" "$floor"
awk -v m="$LAST_MBS" 'BEGIN{printf "  => xr-pack write goal >= 200 MB/s: %s\n", (m >= 200 ? "met" : "NOT met")}'
measure "xr-pack write (same stream again: all skipped)" "$CORPUS_BYTES" "rss write xr-pack write -q '$PK/bench' < '$CORPUS'"
echo "  pack: $(find "$PK/bench/records" -name '*.ndjson' | wc -l) chunks, $(du -sb "$PK/bench" | cut -f1) bytes"

measure "cat of the chunks (read floor)" "$CORPUS_BYTES" "find '$PK/bench/records' -name '*.ndjson' -print0 | sort -z | xargs -0 cat | rss cat cat > /dev/null"
floor=$LAST_MBS
measure "xr-pack cat" "$CORPUS_BYTES" "rss cat xr-pack cat -q '$PK/bench' | cat > /dev/null"
ratio "xr-pack cat vs cat" "$LAST_MBS" "$floor"
awk -v m="$LAST_MBS" 'BEGIN{printf "  => xr-pack cat goal >= 200 MB/s: %s\n", (m >= 200 ? "met" : "NOT met")}'
measure "xr-pack cat --since (parses every record)" "$CORPUS_BYTES" "rss cat xr-pack cat -q --since 2026-01-15 '$PK/bench' > /dev/null"
key=$(head -n 1 "$PK/bench/index.jsonl" | sed 's/.*"k": "\([^"]*\)".*/\1/')
measure "xr-pack cat --key (index picks chunks)" "$CORPUS_BYTES" "rss cat xr-pack cat -q --key '$key' '$PK/bench' > /dev/null"
measure "xr-pack verify" "$CORPUS_BYTES" "rss verify xr-pack verify -q '$PK/bench'"
measure "xr-pack index --rebuild" "$CORPUS_BYTES" "rss rebuild xr-pack index -q --rebuild '$PK/bench'"
echo "  xr-pack cat gives back $(xr-pack cat -q "$PK/bench" | wc -c) bytes (corpus: $CORPUS_BYTES)"
rm -rf "$PK"
