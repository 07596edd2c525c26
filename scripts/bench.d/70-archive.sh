# xr-pack archive / verify FILE / extract (issue 7): `archive --format
# tar.zst --encrypt` against `tar | zstd -3` over the same pack folder (goal:
# at least 0.5x), and peak RSS flat (goal: under 128 MB at 1 GB:
# `scripts/bench 1000`). Ends with a round-trip check: `xr-pack cat` of the
# extracted pack is byte-identical to the original's.
AR=$WORK/archive
mkdir -p "$AR"
xr-pack init -q --name bench --source bench --entity record --out "$AR/packs" >/dev/null
xr-pack write -q "$AR/packs/bench" < "$CORPUS"
PACK_BYTES=$(du -sb "$AR/packs/bench" | cut -f1)
echo "  pack: $PACK_BYTES bytes in $(find "$AR/packs/bench" -type f | wc -l) files"
export SNAPSHOT_ENCRYPTION_KEY=bench-passphrase
tar -C "$AR/packs" -cf - bench > /dev/null # warm the page cache

measure "tar | zstd -3 (floor)" "$PACK_BYTES" "rss tar tar -C '$AR/packs' -cf - bench | rss zstd zstd -3 -q -c > '$AR/floor.tar.zst'"
floor=$LAST_MBS
measure "xr-pack archive --format tar.zst --encrypt" "$PACK_BYTES" "rss archive xr-pack archive -q '$AR/packs/bench' --format tar.zst --encrypt --out '$AR/a.tar.zst'"
ratio "archive tar.zst --encrypt vs tar | zstd -3" "$LAST_MBS" "$floor"
measure "xr-pack archive (zip)" "$PACK_BYTES" "rss archive xr-pack archive -q '$AR/packs/bench' --out '$AR/a.zip'"
if [ "$PACK_BYTES" -lt 500000000 ] && command -v zip >/dev/null; then # slow: only on small corpora
	measure "zip -q -r (reference point)" "$PACK_BYTES" "cd '$AR/packs' && rss zip zip -q -r '$AR/floor.zip' bench"
fi
echo "  sizes: floor.tar.zst $(stat -c %s "$AR/floor.tar.zst"), a.tar.zst.enc $(stat -c %s "$AR/a.tar.zst.enc"), a.zip $(stat -c %s "$AR/a.zip")"
measure "xr-pack verify FILE (tar.zst.enc)" "$PACK_BYTES" "rss verify xr-pack verify -q '$AR/a.tar.zst.enc'"
measure "xr-pack extract (tar.zst.enc, + pack verify)" "$PACK_BYTES" "rss extract xr-pack extract -q --in '$AR/a.tar.zst.enc' --out '$AR/x1'"
measure "xr-pack extract (zip, + pack verify)" "$PACK_BYTES" "rss extract xr-pack extract -q --in '$AR/a.zip' --out '$AR/x2'"
for x in x1 x2; do
	if cmp -s <(xr-pack cat -q "$AR/packs/bench") <(xr-pack cat -q "$AR/$x/bench"); then
		echo "  round trip $x: xr-pack cat byte-identical"
	else
		echo "  round trip $x: xr-pack cat DIFFERS"
	fi
done
rm -rf "$AR"
unset SNAPSHOT_ENCRYPTION_KEY
