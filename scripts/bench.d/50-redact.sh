# xr-redact beside cat over the same canonical, hashed corpus (issue 5: at
# least 100 MB/s, memory flat). The corpus has an Authorization header in
# about one record in fifty, so both paths run: records passed through byte
# for byte and records re-encoded with their secrets replaced.
cat "$CORPUS" > /dev/null # warm the page cache
measure "cat (floor)" "$CORPUS_BYTES" "rss cat cat '$CORPUS' > /dev/null"
floor=$LAST_MBS
measure "xr-redact" "$CORPUS_BYTES" "rss redact xr-redact -q < '$CORPUS' > /dev/null"
ratio "xr-redact vs cat" "$LAST_MBS" "$floor"
awk -v m="$LAST_MBS" 'BEGIN{ printf "  => xr-redact %s the 100 MB/s goal\n", (m >= 100 ? "meets" : "MISSES") }'
# --check exits 4 here (the corpus holds secrets); its findings go to /dev/null
measure "xr-redact --check" "$CORPUS_BYTES" "rss check xr-redact -q --check < '$CORPUS' 2>/dev/null || [ \$? -eq 4 ]"
measure "xr-redact | xr-hash (the import order)" "$CORPUS_BYTES" "rss redact xr-redact -q < '$CORPUS' | rss hash xr-hash -q > /dev/null"
# The same in CPU time (user+sys), which a busy machine disturbs less than
# wall time: what xr-redact itself costs per MB.
/usr/bin/time -f '%U %S' -o "$WORK/redact.cpu" xr-redact -q < "$CORPUS" > /dev/null
awk -v n="$CORPUS_BYTES" '{ s = $1 + $2; if (s < 0.01) s = 0.01
	printf "  %-46s %8.2f s %9.1f MB/s  (user+sys CPU seconds)\n", "xr-redact, CPU time", s, n / 1e6 / s }' "$WORK/redact.cpu"
