#!/usr/bin/env bash
# Benchmark of `sluis pseudonymise` (issue 3) next to the straightforward Python baseline.
# Generates a ~0.9 GB, 10 M-row survey.csv with `sluis synth` (cached in bench-out/), pseudonymises
# BSN, drops the name (and the address columns), generalises the birth date to a year and keeps
# four columns; then runs bench/baseline_pseudonymise.py on the same file, checks that both outputs
# are byte-identical, and prints rows/s, MB/s, peak memory and the ratio.
# Targets: >= 10x the Python script, >= 300 MB/s, peak memory <= 64 MiB.
# Environment: SLUIS (binary, default .build/release/sluis), ROWS (default 10000000),
# PERSONS (default 1000000), OUT (default bench-out/pseudonymise), SKIP_PYTHON=1 to skip the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
SLUIS=${SLUIS:-.build/release/sluis}
ROWS=${ROWS:-10000000}
PERSONS=${PERSONS:-1000000}
OUT=${OUT:-bench-out/pseudonymise}
[ -x "$SLUIS" ] || swift build -c release --product sluis >/dev/null
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)"; exit 1; }
mkdir -p "$OUT"
DATA="$OUT/data-$ROWS"
if [ ! -f "$DATA/survey.csv" ]; then
  echo "generating $ROWS rows…"
  "$SLUIS" synth -o "$DATA" --persons "$PERSONS" --rows "$ROWS" --seed 42 >/dev/null
fi
# An unprotected benchmark project key (synthetic data only).
if [ "$(head -1 "$OUT/bench.key" 2>/dev/null)" != sluis-secret-key-v1 ]; then rm -f "$OUT/bench.key"; fi
[ -f "$OUT/bench.key" ] || "$SLUIS" keygen pseudonym --project P2026-BENCH -o "$OUT/bench.key" --unprotected >/dev/null 2>&1
cat > "$OUT/bench.json" <<JSON
{
  "version": 1,
  "project": "P2026-BENCH",
  "pseudonymKey": "bench.key",
  "files": [
    { "path": "data-$ROWS/survey.csv",
      "columns": {
        "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
        "Naam": "drop",
        "Geboortedatum": { "action": "generalise", "to": "year" },
        "Geslacht": "drop", "Postcode": "drop", "Huisnummer": "drop", "Woonplaats": "drop",
        "Opleiding": "keep", "Score": "keep", "Inkomen": "keep",
        "Toelichting": { "action": "keep", "allowIdentifiers": true }
      } } ]
}
JSON
INPUT="$DATA/survey.csv"
BYTES=$(stat -c %s "$INPUT")
cat "$INPUT" > /dev/null  # warm the page cache for both runs alike

measure() {  # label, command…; prints "seconds peak_kib"
  local log="$OUT/time.log"
  /usr/bin/time -f "%e %M" -o "$log" "${@:2}" >/dev/null
  cat "$log"
}

rm -rf "$OUT/sluis-out"
read -r S_SEC S_KIB < <(measure sluis "$SLUIS" pseudonymise -c "$OUT/bench.json" -o "$OUT/sluis-out")
report() {  # label seconds kib
  awk -v l="$1" -v s="$2" -v k="$3" -v b="$BYTES" -v r="$ROWS" \
    'BEGIN { printf "%-8s %8.2f s %12.0f rows/s %8.1f MB/s %7.1f MiB peak\n", l, s, r/s, b/s/1e6, k/1024 }'
}
echo "input: $INPUT ($(awk -v b="$BYTES" 'BEGIN{printf "%.0f MB", b/1e6}'), $ROWS rows)"
report sluis "$S_SEC" "$S_KIB"
if [ "${SKIP_PYTHON:-0}" != 1 ]; then
  read -r P_SEC P_KIB < <(measure python python3 bench/baseline_pseudonymise.py "$OUT/bench.key" P2026-BENCH "$INPUT" "$OUT/python.csv")
  report python "$P_SEC" "$P_KIB"
  awk -v s="$S_SEC" -v p="$P_SEC" 'BEGIN { printf "ratio    %8.1fx (target >= 10x)\n", p/s }'
  if cmp -s "$OUT/sluis-out/survey.csv" "$OUT/python.csv"; then echo "outputs: byte-identical"; else echo "outputs: DIFFER"; exit 1; fi
  rm -f "$OUT/python.csv"
fi
rm -rf "$OUT/sluis-out"
