#!/usr/bin/env bash
# bench/encrypt.sh [SLUIS_BIN]: encrypt and decrypt the same 1 GiB file with sluis and with age
# (Debian package `age`), to a file and to /dev/null, and print MB/s, the ratio sluis/age and the
# peak resident memory of each run (GNU time; median time of REPEAT=3 runs). Release build expected: `make bench` or
# `swift build -c release` first. SIZE_MIB=256 bench/encrypt.sh for a quicker look.
set -euo pipefail
BIN=${1:-.build/release/sluis}
SIZE_MIB=${SIZE_MIB:-1024}
TIME=/usr/bin/time
for tool in "$BIN" age age-keygen "$TIME"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/encrypt.sh: missing $tool (make bench-deps; swift build -c release)" >&2; exit 2; }
done
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

work=$(mktemp -d "${TMPDIR:-/tmp}/sluis-bench-encrypt-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
bytes=$((SIZE_MIB * 1024 * 1024))
head -c "$bytes" /dev/urandom > plain
"$BIN" keygen identity -o me --unprotected >/dev/null 2>&1
age-keygen -o age.key 2>/dev/null
age_recipient=$(age-keygen -y age.key)

# run LABEL CMD... : runs CMD $REPEAT times under GNU time (after a sync, so earlier runs' dirty
# pages do not slow it down) and writes "median-seconds peak-KiB" into $work/LABEL.t.
REPEAT=${REPEAT:-3}
run() {
  local label=$1; shift
  : > "$label.all"
  for _ in $(seq "$REPEAT"); do
    # Each repeat writes a new output: replacing an existing 1 GiB file atomically (sluis) costs
    # a second file's worth of blocks until the rename, truncating it in place (age) does not.
    if [ -n "${CLEAN:-}" ]; then rm -f $CLEAN; fi
    sync
    "$TIME" -f '%e %M' -o "$label.one" "$@" || { echo "bench/encrypt.sh: $label failed" >&2; exit 1; }
    cat "$label.one" >> "$label.all"
  done
  sort -n "$label.all" | awk -v n="$REPEAT" '{ t[NR] = $1; if ($2 > m) m = $2 } END { print t[int((n + 1) / 2)], m }' > "$label.t"
}
CLEAN=enc.sluis run sluis_enc_file  "$BIN" encrypt -r me.pub -o enc.sluis plain
CLEAN=enc.age run age_enc_file    age -r "$age_recipient" -o enc.age plain
CLEAN=enc2.age run agesync_enc_file sh -c "age -r $age_recipient -o enc2.age plain && sync enc2.age"
CLEAN=dec.sluis run sluis_dec_file  "$BIN" decrypt -i me.key -o dec.sluis enc.sluis
cmp -s plain dec.sluis || { echo "bench/encrypt.sh: sluis round trip mismatch" >&2; exit 1; }
rm -f dec.sluis enc2.age
CLEAN=dec.age run age_dec_file    age -d -i age.key -o dec.age enc.age
cmp -s plain dec.age || { echo "bench/encrypt.sh: age round trip mismatch" >&2; exit 1; }
rm -f dec.age
CLEAN=dec.age run agesync_dec_file sh -c "age -d -i age.key -o dec.age enc.age && sync dec.age"
rm -f dec.age
run sluis_enc_null  sh -c "\"$BIN\" encrypt -r me.pub plain > /dev/null"
run age_enc_null    sh -c "age -r $age_recipient plain > /dev/null"
run sluis_dec_null  sh -c "\"$BIN\" decrypt -i me.key enc.sluis > /dev/null"
run age_dec_null    sh -c "age -d -i age.key enc.age > /dev/null"

mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { if (s <= 0) s = 0.01; printf "%.0f", b / 1e6 / s }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf 'encrypt/decrypt %d MiB of random bytes (%s, load %s)\n' "$SIZE_MIB" "$(uname -m), $(nproc) cores" "$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?)"
printf '%-40s %10s %10s %7s %15s %13s\n' operation "sluis MB/s" "age MB/s" ratio "sluis peak MiB" "age peak MiB"
row() {  # row NAME SLUIS_LABEL AGE_LABEL
  read -r ss sk < "$2.t"; read -r as ak < "$3.t"
  sm=$(mbps "$ss"); am=$(mbps "$as")
  printf '%-40s %10s %10s %7s %15s %13s\n' "$1" "$sm" "$am" "$(awk -v a="$sm" -v b="$am" 'BEGIN { printf "%.2f", a / b }')" "$(mib "$sk")" "$(mib "$ak")"
}
row "encrypt to a file (age: no fsync)"      sluis_enc_file age_enc_file
row "encrypt to a file (both fsync)"         sluis_enc_file agesync_enc_file
row "decrypt to a file (age: no fsync)"      sluis_dec_file age_dec_file
row "decrypt to a file (both fsync)"         sluis_dec_file agesync_dec_file
row "encrypt to /dev/null (stdout)"          sluis_enc_null age_enc_null
row "decrypt to /dev/null (stdout)"          sluis_dec_null age_dec_null
echo "sluis -o always fsyncs and renames (AtomicFile); decrypt to stdout streams verified chunks."
