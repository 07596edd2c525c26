# xr-diff (issue 4): a 10-million-entry index held in under 64 bytes an
# entry of peak RSS, with lookups at millions per second; and the
# streaming rate of the whole command against cat.
#   XR_DIFF_INDEX=N   index entries (default 10000000)
#   XR_DIFF_INPUT=M   envelopes diffed against it (default 500000)
diff_n=${XR_DIFF_INDEX:-10000000}
diff_m=${XR_DIFF_INPUT:-500000}
go build -o "$WORK/genbench" ./pkg/diff/internal/genbench
diff_idx=$WORK/diff-index.jsonl
diff_in=$WORK/diff-input.ndjson
"$WORK/genbench" index "$diff_n" > "$diff_idx"
"$WORK/genbench" input "$diff_n" "$diff_m" > "$diff_in"
diff_idx_bytes=$(stat -c %s "$diff_idx")
diff_in_bytes=$(stat -c %s "$diff_in")
echo "  index: $diff_n entries, $diff_idx_bytes bytes; input: $diff_m envelopes (1/4 each unchanged, changed, new, new without key)"

# rss_kb — peak RSS (KB) of the last measured xr-diff stage
rss_kb() { cat "$WORK/rss.xr-diff"; }
per_entry() { awk -v kb="$1" -v n="$diff_n" 'BEGIN{printf "%.1f", kb*1024/n}'; }

measure "xr-diff: load the index (empty input)" "$diff_idx_bytes" \
	"rss xr-diff xr-diff -q --against '$diff_idx' < /dev/null"
b=$(per_entry "$(rss_kb)")
echo "  => peak RSS per index entry, index alone: $b bytes (goal < 64: $(awk -v b="$b" 'BEGIN{print (b < 64) ? "met" : "NOT MET"}'))"
: > "$WORK/empty.jsonl"
measure "xr-diff: the input alone (empty index)" "$diff_in_bytes" \
	"rss xr-diff xr-diff -q --against '$WORK/empty.jsonl' '$diff_in' > /dev/null"
input_kb=$(rss_kb)
measure "xr-diff: $diff_m envelopes against the index" "$diff_in_bytes" \
	"rss xr-diff xr-diff -q -v --against '$diff_idx' '$diff_in' > /dev/null 2> '$WORK/diff.log'"
echo "  => peak RSS per index entry, with the input: $(per_entry "$(rss_kb)") bytes in all;" \
	"$(per_entry "$(( $(rss_kb) - input_kb ))") bytes beyond what the input alone takes ($((input_kb / 1024)) MB: the state of its new and changed records)"
# -v logs the phases: "msg=classified records=N seconds=S" (the first pass)
sed -n 's/.*msg="index loaded".* seconds=\([0-9.e+-]*\).*/\1/p; s/.*msg=classified records=\([0-9]*\) seconds=\([0-9.e+-]*\).*/\1 \2/p' "$WORK/diff.log" |
	awk 'NR==1{l=$1} NR==2{printf "  => index load %.1f s (%.0f entries/s); first pass %.2f s: %.0f records classified per second (envelope parsing included)\n", l, '"$diff_n"'/l, $2, $1/$2}'
rm -f "$diff_idx" "$diff_in"

# the raw lookups, in process, on an index of the same size
echo "  go test -bench (index of $diff_n entries; 1e9/ns = lookups per second):"
XR_DIFF_BENCH_N=$diff_n go test -run '^$' -bench 'HasHash|Current' -benchtime 2000000x ./pkg/diff |
	awk '/^Benchmark/{printf "    %-22s %10s ns/op  %6.2f M lookups/s  %s %s\n", $1, $3, 1000/$3, $5, $6}'

# streaming: the whole corpus against an empty index (everything new)
cat "$CORPUS" > /dev/null
measure "cat (floor)" "$CORPUS_BYTES" "rss cat cat '$CORPUS' > /dev/null"
floor=$LAST_MBS
measure "xr-diff (corpus file, empty index)" "$CORPUS_BYTES" "rss xr-diff xr-diff -q --against '$WORK/empty.jsonl' '$CORPUS' > /dev/null"
ratio "xr-diff vs cat" "$LAST_MBS" "$floor"
measure "xr-diff (corpus piped: spooled)" "$CORPUS_BYTES" "cat '$CORPUS' | rss xr-diff xr-diff -q --against '$WORK/empty.jsonl' > /dev/null"
grep -o '"content_sha256":"[0-9a-f]*"' "$CORPUS" | sed 's/.*:"\(.*\)"/{"h":"\1"}/' > "$WORK/corpus.index"
measure "xr-diff --by hash (corpus against its own index)" "$CORPUS_BYTES" \
	"rss xr-diff xr-diff -q --by hash --against '$WORK/corpus.index' '$CORPUS' > /dev/null"
rm -f "$WORK/corpus.index" "$WORK/empty.jsonl"
