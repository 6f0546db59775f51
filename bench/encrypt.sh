#!/usr/bin/env bash
# bench/encrypt.sh [SLUIS_BIN]: encrypt and decrypt the same 1 GiB file with sluis and with age
# (Debian package `age`), to a file and to /dev/null, and print MB/s, the ratio sluis/age and the
# peak resident memory of each run (GNU time). Release build expected: `make bench` or
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

# run LABEL CMD... : runs CMD under GNU time, prints "seconds KiB" into $work/LABEL.t
run() {
  local label=$1; shift
  sync
  "$TIME" -f '%e %M' -o "$label.t" "$@" || { echo "bench/encrypt.sh: $label failed" >&2; exit 1; }
}
run sluis_enc_file  "$BIN" encrypt -r me.pub -o enc.sluis plain
run age_enc_file    age -r "$age_recipient" -o enc.age plain
run sluis_dec_file  "$BIN" decrypt -i me.key -o dec.sluis enc.sluis
run age_dec_file    age -d -i age.key -o dec.age enc.age
cmp -s plain dec.sluis && cmp -s plain dec.age || { echo "bench/encrypt.sh: round trip mismatch" >&2; exit 1; }
rm -f dec.sluis dec.age
run sluis_enc_null  sh -c "\"$BIN\" encrypt -r me.pub plain > /dev/null"
run age_enc_null    sh -c "age -r $age_recipient plain > /dev/null"
run sluis_dec_null  sh -c "\"$BIN\" decrypt -i me.key enc.sluis > /dev/null"
run age_dec_null    sh -c "age -d -i age.key enc.age > /dev/null"

mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { if (s <= 0) s = 0.01; printf "%.0f", b / 1e6 / s }'; }
printf 'encrypt/decrypt %d MiB (%s)\n' "$SIZE_MIB" "$(uname -m), $(nproc) cores"
printf '%-22s %10s %10s %8s %14s %14s\n' operation "sluis MB/s" "age MB/s" ratio "sluis peak MiB" "age peak MiB"
for op in enc_file dec_file enc_null dec_null; do
  read -r ss sk < "sluis_$op.t"; read -r as ak < "age_$op.t"
  sm=$(mbps "$ss"); am=$(mbps "$as")
  ratio=$(awk -v a="$sm" -v b="$am" 'BEGIN { printf "%.2f", a / b }')
  case $op in enc_file) name="encrypt to a file";; dec_file) name="decrypt to a file";;
              enc_null) name="encrypt to /dev/null";; dec_null) name="decrypt to /dev/null";; esac
  printf '%-22s %10s %10s %8s %14.1f %14.1f\n' "$name" "$sm" "$am" "$ratio" "$(awk -v k="$sk" 'BEGIN{print k/1024}')" "$(awk -v k="$ak" 'BEGIN{print k/1024}')"
done
