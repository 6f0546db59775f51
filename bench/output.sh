#!/usr/bin/env bash
# bench/output.sh [SLUIS_BIN] — issue 15's figures for `sluis output`:
#  1. `output table` over ROWS rows (default 10 M) with two grouping columns and a magnitude
#     (sum table): rows/s (target ≥ 5 M rows/s) and peak resident memory (target: flat — the
#     same at ROWS/10 and at ROWS);
#  2. `output check` on a request of FILES files (default 100) totalling ~CHECK_MB MB (default
#     1000), against `cat` of the same files (target: bound by reading speed).
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
make_rows "$SMALL" small.csv
make_rows "$ROWS" big.csv
table_run small.csv "$SMALL"
table_run big.csv "$ROWS"

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
cat "$REQ"/* > /dev/null
/usr/bin/time -f "%e" -o cat.txt cat "$REQ"/* > /dev/null
best=""
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o time.txt "$BIN" output check "$REQ" --audit-log audit.log >/dev/null || true
  read -r secs kb < <(tail -1 time.txt)
  if [ -z "$best" ] || awk -v a="$secs" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then best="$secs $kb"; fi
done
read -r secs kb <<< "$best"
awk -v b="$bytes" -v s="$secs" -v c="$(cat cat.txt)" -v kb="$kb" 'BEGIN {
  printf "  check: %.2f s, %.0f MB/s, peak %.0f MB; cat of the same files from the page cache: %.2f s (%.0f MB/s)\n",
    s, b / s / 1e6, kb / 1024, c, b / (c > 0 ? c : 0.01) / 1e6 }'
