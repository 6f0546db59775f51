#!/usr/bin/env bash
# bench/output.sh [SLUIS_BIN] — issue 15's figures for `sluis output`:
#  1. `output table` over ROWS rows (default 10 M) with two grouping columns and a magnitude
#     (sum table): rows/s (target ≥ 5 M rows/s) and peak resident memory (target: flat — the
#     same at ROWS/10 and at ROWS);
#  2. `output check` on a request of FILES files (default 100) totalling ~CHECK_MB MB (default
#     1000), without and with `--keys` (a register of KEYS 9-digit keys), against `cat` and
#     `sha256sum` of the same files from the page cache (target: bound by reading speed; the
#     SHA-256 of every file, which the evidence check needs, is the floor): wall time, CPU seconds
#     and the ratios check/cat and check/sha256sum.
# Data is generated once with awk into bench-out/output/. Needs GNU time (/usr/bin/time).
# The machine may be shared: run it on a quiet machine, and read the figures as such.
set -euo pipefail
BIN=${1:-.build/release/sluis}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
ROWS=${ROWS:-10000000}
FILES=${FILES:-100}
CHECK_MB=${CHECK_MB:-1000}
RUNS=${RUNS:-3}
OUT=${OUT:-bench-out/output}
[ -x "$BIN" ] || { echo "bench/output.sh: build first: swift build -c release" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/output.sh: needs GNU time (apt-get install time)" >&2; exit 2; }
mkdir -p "$OUT"
cd "$OUT"

make_rows() {  # make_rows N FILE: region (40), age band (20), income
  [ -s "$2" ] && return
  awk -v n="$1" 'BEGIN { srand(15); print "region,ageband,income";
    for (i = 0; i < n; i++) printf "R%02d,A%02d,%d\n", int(rand() * 40), int(rand() * 20), int(rand() * 90000) + 1000 }' > "$2"
}

table_run() {  # table_run FILE ROWS
  local best=""
  for _ in $(seq "$RUNS"); do
    rm -f t.csv t.csv.evidence.json
    /usr/bin/time -f "%e %M" -o time.txt "$BIN" output table "$1" --rows region --cols ageband --value income -o t.csv >/dev/null
    read -r secs kb < <(tail -1 time.txt)
    if [ -z "$best" ] || awk -v a="$secs" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then best="$secs $kb"; fi
  done
  read -r secs kb <<< "$best"
  awk -v r="$2" -v s="$secs" -v kb="$kb" 'BEGIN { printf "  %d rows: %.2f s, %.2f M rows/s, peak %.0f MB\n", r, s, r / s / 1e6, kb / 1024 }'
}

echo "== output table: $ROWS rows, 40 x 20 cells, sum of a magnitude (best of $RUNS)"
SMALL=$((ROWS / 10))
make_rows "$SMALL" rows-$SMALL.csv
make_rows "$ROWS" rows-$ROWS.csv
table_run rows-$SMALL.csv "$SMALL"
table_run rows-$ROWS.csv "$ROWS"

echo "== output check: $FILES files, ~$CHECK_MB MB"
REQ=request-$FILES-$CHECK_MB
if [ ! -d "$REQ" ] || [ "$(ls "$REQ" | wc -l)" -ne "$FILES" ]; then
  rm -rf "$REQ"; mkdir "$REQ"
  per=$((CHECK_MB * 1000000 / FILES / 22))   # ~22 bytes a line
  for f in $(seq -w 1 "$FILES"); do
    awk -v n="$per" -v s="$f" 'BEGIN { srand(s); print "group,share,count,note";
      for (i = 0; i < n; i++) printf "G%04d,%.4f,%d,text\n", i % 5000, rand(), int(rand() * 1000) }' > "$REQ/f$f.csv"
  done
fi
bytes=$(cat "$REQ"/* | wc -c)
# A register of KEYS 9-digit keys for the --keys run (the keyed hash set, and the hashing of
# every 9-digit token; the request holds none of them).
KEYS=${KEYS:-100000}
[ -s register.csv ] || awk -v n="$KEYS" 'BEGIN { srand(7); print "RINPERSOON";
  for (i = 0; i < n; i++) printf "%09d\n", int(rand() * 999999999) }' > register.csv
cat "$REQ"/* > /dev/null   # warm the page cache

# best_of CMD…: the best wall time of RUNS runs, with its CPU seconds (user + system) and peak
# memory, as "wall cpu kb".
best_of() {
  local best=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o time.txt "$@" >/dev/null 2>&1 || true
    read -r secs user sys kb < <(tail -1 time.txt)
    local run="$secs $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $kb"
    if [ -z "$best" ] || awk -v a="$secs" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then best="$run"; fi
  done
  echo "$best"
}
read -r cat_s cat_cpu _ < <(best_of sh -c "cat $REQ/* > /dev/null")
read -r sha_s sha_cpu _ < <(best_of sh -c "sha256sum $REQ/* > /dev/null")
read -r chk_s chk_cpu chk_kb < <(best_of "$BIN" output check "$REQ" --audit-log audit.log)
read -r key_s key_cpu key_kb < <(best_of "$BIN" output check "$REQ" --keys register.csv --audit-log audit.log)
awk -v b="$bytes" -v c="$cat_s" -v cc="$cat_cpu" -v h="$sha_s" -v hc="$sha_cpu" \
    -v s="$chk_s" -v sc="$chk_cpu" -v kb="$chk_kb" -v k="$key_s" -v kc="$key_cpu" -v kkb="$key_kb" 'BEGIN {
  mb = b / 1e6; if (c <= 0) c = 0.01; if (h <= 0) h = 0.01
  printf "  cat (page cache):     %.2f s, %.0f MB/s, %.2f CPU-s\n", c, mb / c, cc
  printf "  sha256sum:            %.2f s, %.0f MB/s, %.2f CPU-s\n", h, mb / h, hc
  printf "  check:                %.2f s, %.0f MB/s, %.2f CPU-s, peak %.0f MB\n", s, mb / s, sc, kb / 1024
  printf "  check --keys (%d):  %.2f s, %.0f MB/s, %.2f CPU-s, peak %.0f MB\n", '"$KEYS"', k, mb / k, kc, kkb / 1024
  printf "  ratio check/cat: %.2f (wall), check/sha256sum: %.2f (wall), %.2f (CPU-s); --keys/cat: %.2f (wall)\n",
    s / c, s / h, sc / (hc > 0 ? hc : 0.01), k / c
}'
