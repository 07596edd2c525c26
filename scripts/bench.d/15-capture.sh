# xr-canon --from warc against zcat over the same WARC.gz (issue 17: at
# least half of zcat's throughput), memory flat. The WARC is the corpus as
# a crawler would have captured it (scripts/benchwarc: a GET request and a
# JSON response record per line, one gzip member per record); MB/s count
# the file's (compressed) bytes for both.
WARC=$WORK/corpus.warc.gz
go run ./scripts/benchwarc < "$CORPUS_RAW" > "$WARC"
WARC_BYTES=$(stat -c %s "$WARC")
echo "  WARC: $WARC_BYTES bytes gzipped, $CORPUS_RECORDS exchanges"
cat "$WARC" > /dev/null # warm the page cache
measure "zcat (floor)" "$WARC_BYTES" "rss zcat zcat < '$WARC' > /dev/null"
floor=$LAST_MBS
measure "xr-canon --from warc" "$WARC_BYTES" "rss canon xr-canon -q --from warc '$WARC' > /dev/null"
ratio "xr-canon --from warc vs zcat" "$LAST_MBS" "$floor"
measure "xr-canon --from warc | xr-hash" "$WARC_BYTES" "rss canon xr-canon -q --from warc '$WARC' | rss hash xr-hash -q > /dev/null"
