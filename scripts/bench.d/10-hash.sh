# xr-canon | xr-hash against sha256sum over the same bytes (issue 2: at
# least half of sha256sum's throughput), memory flat.
cat "$CORPUS_RAW" > /dev/null # warm the page cache
measure "sha256sum (floor)" "$CORPUS_RAW_BYTES" "rss sha256sum sha256sum < '$CORPUS_RAW' > /dev/null"
floor=$LAST_MBS
measure "xr-canon | xr-hash" "$CORPUS_RAW_BYTES" "rss canon xr-canon -q < '$CORPUS_RAW' | rss hash xr-hash -q > /dev/null"
ratio "xr-canon | xr-hash vs sha256sum" "$LAST_MBS" "$floor"
measure "xr-canon alone" "$CORPUS_RAW_BYTES" "rss canon xr-canon -q < '$CORPUS_RAW' > /dev/null"
measure "xr-hash alone (on canonical input)" "$CORPUS_BYTES" "rss hash xr-hash -q < '$CORPUS' > /dev/null"
measure "xr-hash --verify" "$CORPUS_BYTES" "rss verify xr-hash -q --verify < '$CORPUS' > /dev/null"
