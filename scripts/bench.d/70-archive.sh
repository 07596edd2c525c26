# xr-pack archive / verify FILE / extract (issues 7 and 15). Encrypted
# archives are age files: `archive --format tar.zst --encrypt` in recipient
# mode (an X25519 key from age-keygen) against the stock pipeline
# `tar -c DIR | zstd -3 | age -r KEY` over the same pack folder (goal: at
# least 0.9x), and extract (and extract --verify, which also runs xr-pack
# verify on the extracted pack) against `age -d | zstd -d | tar -x` (goal:
# 0.9x for extract); peak RSS flat (goal: under 128 MB whatever the pack's size:
# `scripts/bench 1000`). Ends with a round-trip check: `xr-pack cat` of
# each extracted pack is byte-identical to the original's.
for t in age age-keygen zstd; do
	command -v $t >/dev/null || { echo "bench: installing age" >&2; apt-get install -y -qq age zstd >/dev/null; }
done
AR=$WORK/archive
mkdir -p "$AR"
xr-pack init -q --name bench --source bench --entity record --out "$AR/packs" >/dev/null
xr-pack write -q "$AR/packs/bench" < "$CORPUS"
PACK_BYTES=$(du -sb "$AR/packs/bench" | cut -f1)
echo "  pack: $PACK_BYTES bytes in $(find "$AR/packs/bench" -type f | wc -l) files"
age-keygen -o "$AR/key.txt" 2>/dev/null
KEY=$(age-keygen -y "$AR/key.txt")
tar -C "$AR/packs" -cf - bench > /dev/null # warm the page cache

measure "tar | zstd -3 | age -r (floor)" "$PACK_BYTES" "rss tar tar -C '$AR/packs' -cf - bench | rss zstd zstd -3 -q -c | rss age age -r '$KEY' > '$AR/floor.tar.zst.age'"
floor=$LAST_MBS
measure "xr-pack archive --format tar.zst --recipient" "$PACK_BYTES" "rss archive xr-pack archive -q '$AR/packs/bench' --format tar.zst --recipient '$KEY' --out '$AR/a.tar.zst.age'"
ratio "archive tar.zst --encrypt (recipient) vs tar | zstd -3 | age -r" "$LAST_MBS" "$floor"
measure "tar | zstd -3 (no encryption)" "$PACK_BYTES" "rss tar tar -C '$AR/packs' -cf - bench | rss zstd zstd -3 -q -c > '$AR/floor.tar.zst'"
measure "xr-pack archive (zip)" "$PACK_BYTES" "rss archive xr-pack archive -q '$AR/packs/bench' --out '$AR/a.zip'"
echo "  sizes: floor.tar.zst.age $(stat -c %s "$AR/floor.tar.zst.age"), a.tar.zst.age $(stat -c %s "$AR/a.tar.zst.age"), a.zip $(stat -c %s "$AR/a.zip")"
measure "xr-pack verify FILE (tar.zst.age)" "$PACK_BYTES" "rss verify xr-pack verify -q --identity '$AR/key.txt' '$AR/a.tar.zst.age'"
mkdir -p "$AR/floorx"
measure "age -d | zstd -d | tar -x (floor)" "$PACK_BYTES" "rss age age -d -i '$AR/key.txt' '$AR/a.tar.zst.age' | rss zstd zstd -d -q -c | rss tar tar -C '$AR/floorx' -xf -"
floor=$LAST_MBS
measure "xr-pack extract (tar.zst.age)" "$PACK_BYTES" "rss extract xr-pack extract -q --identity '$AR/key.txt' --in '$AR/a.tar.zst.age' --out '$AR/x1'"
ratio "extract tar.zst.age vs age -d | zstd -d | tar -x" "$LAST_MBS" "$floor"
measure "xr-pack extract --verify (tar.zst.age)" "$PACK_BYTES" "rss extract xr-pack extract -q --verify --identity '$AR/key.txt' --in '$AR/a.tar.zst.age' --out '$AR/x3'"
ratio "extract --verify tar.zst.age vs age -d | zstd -d | tar -x" "$LAST_MBS" "$floor"
measure "xr-pack extract (zip)" "$PACK_BYTES" "rss extract xr-pack extract -q --in '$AR/a.zip' --out '$AR/x2'"
for x in x1 x2 x3; do
	if cmp -s <(xr-pack cat -q "$AR/packs/bench") <(xr-pack cat -q "$AR/$x/bench"); then
		echo "  round trip $x: xr-pack cat byte-identical"
	else
		echo "  round trip $x: xr-pack cat DIFFERS"
	fi
done
rm -rf "$AR"
