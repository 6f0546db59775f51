#!/usr/bin/env bash
# bench/seal.sh [SLUIS_BIN]: issue 4's benchmark. Seals the ~1 GB generated CSV (10 M rows; BSN
# pseudonymised, name dropped, birth date generalised, four columns kept) into a package and, in
# the same run and to the same disk, times age encrypting the very same CSV; then opens the package
# and times age decrypting. Prints MB/s, the ratios and peak memory.
# Targets (issue 16): seal wall time <= 2.0x age's encrypt + fsync of the same CSV (sluis fsyncs its
# package, age does not); open >= 0.9x age's decrypt + fsync; peak <= 64 MiB for both.
# Environment: ROWS (default 10000000), PERSONS (1000000), OUT (bench-out/seal), RUNS (3: medians are reported).
# The data is shared with bench/pseudonymise.sh (bench-out/pseudonymise/data-ROWS).
set -euo pipefail
cd "$(dirname "$0")/.."
SLUIS=$(realpath "${1:-.build/release/sluis}")
ROWS=${ROWS:-10000000}
PERSONS=${PERSONS:-1000000}
OUT=${OUT:-bench-out/seal}
DATA=bench-out/pseudonymise/data-$ROWS
for tool in age age-keygen /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/seal.sh: missing $tool (make bench-deps)" >&2; exit 2; }
done
mkdir -p "$OUT" "$DATA"
if [ ! -f "$DATA/survey.csv" ]; then
  echo "generating $ROWS rows…"
  "$SLUIS" synth -o "$DATA" --persons "$PERSONS" --rows "$ROWS" --seed 42 >/dev/null
fi
INPUT=$(realpath "$DATA/survey.csv")
BYTES=$(stat -c %s "$INPUT")
rm -rf "$OUT/keys" "$OUT/opened" "$OUT"/*.sluis "$OUT"/*.age "$OUT/age-plain"
mkdir -p "$OUT/keys"
"$SLUIS" keygen identity -o "$OUT/keys/researcher" --unprotected >/dev/null 2>&1
"$SLUIS" keygen identity -o "$OUT/keys/intake" --unprotected >/dev/null 2>&1
"$SLUIS" keygen pseudonym --project P2026-BENCH -o "$OUT/keys/project.key" --unprotected >/dev/null 2>&1
age-keygen -o "$OUT/keys/age.key" 2>/dev/null
AGE_RECIPIENT=$(age-keygen -y "$OUT/keys/age.key")
cat > "$OUT/bench.json" <<JSON
{ "version": 1, "project": "P2026-BENCH", "pseudonymKey": "keys/project.key",
  "sign": "keys/researcher.key", "recipients": ["keys/intake.pub"],
  "files": [ { "path": "$INPUT",
    "columns": {
      "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
      "Naam": "drop", "Geboortedatum": { "action": "generalise", "to": "year" },
      "Geslacht": "drop", "Postcode": "drop", "Huisnummer": "drop", "Woonplaats": "drop",
      "Opleiding": "keep", "Score": "keep", "Inkomen": "keep",
      "Toelichting": { "action": "keep", "allowIdentifiers": true } } } ] }
JSON
cat "$INPUT" > /dev/null   # warm the page cache for every run alike

# The disk of a shared machine varies by 2x or more from one minute to the next, so every
# measurement runs RUNS times (default 3), seal and age interleaved, and the median is reported.
RUNS=${RUNS:-3}

# timed LABEL CMD...: after a sync, runs CMD under GNU time; appends "seconds KiB" to $OUT/LABEL.times.
timed() {
  local label=$1; shift
  sync
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/$label.time" "$@" >/dev/null
  cat "$OUT/$label.time" >> "$OUT/$label.times"
}
# median LABEL: prints the median seconds and the largest peak KiB of LABEL's runs; sets SEC and KIB.
median() {
  read -r SEC KIB < <(sort -n "$OUT/$1.times" | awk '{ s[NR] = $1; if ($2 > k) k = $2 } END { print s[int((NR + 1) / 2)], k }')
  awk -v l="$1" -v s="$SEC" -v k="$KIB" -v b="$BYTES" -v all="$(cut -d' ' -f1 "$OUT/$1.times" | tr '\n' ' ')" \
    'BEGIN { printf "  %-14s %7.2f s %8.1f MB/s (of the CSV) %7.1f MiB peak   runs: %s\n", l, s, b/s/1e6, k/1024, all }'
}
echo "input: $INPUT ($((BYTES / 1000000)) MB, $ROWS rows); medians of $RUNS runs"
rm -f "$OUT"/*.times
for run in $(seq "$RUNS"); do
  rm -f "$OUT/package.sluis" "$OUT/csv.age" "$OUT/csv2.age"
  timed "sluis seal" "$SLUIS" seal -c "$OUT/bench.json" -o "$OUT/package.sluis" --quiet
  timed "age encrypt" age -r "$AGE_RECIPIENT" -o "$OUT/csv.age" "$INPUT"
  # sluis makes its package durable (fsync) before renaming it into place; age does not sync.
  timed "age enc + sync" sh -c "age -r $AGE_RECIPIENT -o $OUT/csv2.age $INPUT && sync $OUT/csv2.age"
done
rm -f "$OUT/csv2.age"
for run in $(seq "$RUNS"); do
  rm -rf "$OUT/opened" "$OUT/age-plain"
  timed "sluis open" "$SLUIS" open "$OUT/package.sluis" -i "$OUT/keys/intake.key" --trust "$OUT/keys/researcher.pub" -o "$OUT/opened"
  timed "age decrypt" age -d -i "$OUT/keys/age.key" -o "$OUT/age-plain" "$OUT/csv.age"
  rm -f "$OUT/age-plain"
  timed "age dec + sync" sh -c "age -d -i $OUT/keys/age.key -o $OUT/age-plain $OUT/csv.age && sync $OUT/age-plain"
done
median "sluis seal"; SEAL=$SEC; SEAL_KIB=$KIB
# CPU seconds (user + system) of the median-wall-time run of each: seal is CPU-bound on both cores.
cpu() { sort -n "$OUT/$1.times" | awk '{ c[NR] = $3 + $4 } END { printf "%.2f", c[int((NR + 1) / 2)] }'; }
SEAL_CPU=$(cpu "sluis seal"); AGE_CPU=$(cpu "age encrypt")
median "age encrypt"; AGE_ENC=$SEC; AGE_ENC_KIB=$KIB
median "age enc + sync"; AGE_ENC_SYNC=$SEC
median "sluis open"; OPEN=$SEC; OPEN_KIB=$KIB
median "age decrypt"; AGE_DEC=$SEC
median "age dec + sync"; AGE_DEC_SYNC=$SEC
PKG=$(stat -c %s "$OUT/package.sluis")
awk -v s="$SEAL" -v a="$AGE_ENC" -v as="$AGE_ENC_SYNC" -v o="$OPEN" -v d="$AGE_DEC" -v ds="$AGE_DEC_SYNC" -v sk="$SEAL_KIB" -v ok="$OPEN_KIB" -v p="$PKG" -v ak="$AGE_ENC_KIB" -v sc="$SEAL_CPU" -v ac="$AGE_CPU" 'BEGIN {
  printf "seal wall time / age encrypt + sync wall time: %.2f (target <= 2.0); against age encrypt alone: %.2f\n", s / as, s / a
  printf "CPU time (user + system): seal %.2f s on 2 cores, age encrypt %.2f s on 1\n", sc, ac
  printf "open speed / age decrypt + sync speed (wall-time ratio on the same data): %.2f (target >= 0.9); against age decrypt alone: %.2f\n", ds / o, d / o
  printf "peak memory: seal %.1f MiB, open %.1f MiB (target <= 64 MiB; age encrypt %.1f MiB)\n", sk / 1024, ok / 1024, ak / 1024
}'
rm -rf "$OUT/opened" "$OUT/age-plain" "$OUT/csv.age"
