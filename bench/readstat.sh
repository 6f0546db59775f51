#!/usr/bin/env bash
# Benchmark: `sluis pseudonymise` on an SPSS .sav, a .zsav and a Stata .dta holding the same synthetic
# rows, next to the same data as CSV. Prints rows/s, MB/s (input bytes) and peak memory per run.
#
#   bench/readstat.sh [ROWS]        (default 1000000; needs python3, /usr/bin/time and the Debian
#                                   `readstat` tool, which converts the CSV into SPSS/Stata files)
set -euo pipefail
ROWS=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/sluis-bench-readstat.XXXXXX)
[ -n "${KEEP_BENCH:-}" ] || trap 'rm -rf "$WORK"' EXIT
command -v readstat >/dev/null || { echo "readstat (Debian package readstat) is not installed"; exit 1; }

swift build -c release --package-path "$ROOT" >/dev/null
SLUIS="$ROOT/.build/release/sluis"

"$SLUIS" synth -o "$WORK" --persons 100000 --rows "$ROWS" --seed 7 >/dev/null
# The synthetic file is ';'-separated with messy values; readstat's CSV import wants ',' and
# numbers it can parse, so keep the identifiers as text and two numeric columns.
python3 - "$WORK" <<'PY'
import csv, json, sys
work = sys.argv[1]
with open(f"{work}/survey.csv", newline="", encoding="utf-8") as src, open(f"{work}/data.csv", "w", newline="", encoding="utf-8") as dst:
    r = csv.reader(src, delimiter=";"); w = csv.writer(dst, lineterminator="\n")
    header = next(r); w.writerow(header)
    numeric = {"Score", "Inkomen"}
    for row in r:
        row = [f.replace("\n", " ") for f in row]
        for i, name in enumerate(header):
            if name in numeric:
                try: float(row[i])
                except ValueError: row[i] = ""
        w.writerow(row)
variables = [{"type": "NUMERIC" if n in numeric else "STRING", "name": n, "label": n} for n in header]
json.dump({"type": "SPSS", "variables": variables}, open(f"{work}/meta.json", "w"))
PY
readstat "$WORK/data.csv" "$WORK/meta.json" "$WORK/data.sav" >/dev/null 2>&1
"$SLUIS" keygen pseudonym --project BENCH -o "$WORK/project.pkey" --unprotected >/dev/null 2>&1
# sluis itself makes the .zsav and .dta copies: every column kept, another output format.
KEEP=$(python3 -c "import csv; h=next(csv.reader(open('$WORK/data.csv'))); print(', '.join(f'\"{n}\": {{ \"action\": \"keep\", \"allowIdentifiers\": true }}' for n in h))")
for ext in zsav dta; do
  printf '{ "version": 1, "project": "BENCH", "pseudonymKey": "project.pkey", "files": [ { "path": "data.sav", "outputFormat": "%s", "columns": { %s } } ] }\n' \
    "$ext" "$KEEP" > "$WORK/convert-$ext.json"
  "$SLUIS" pseudonymise -c "$WORK/convert-$ext.json" -o "$WORK/convert-$ext" >/dev/null
  mv "$WORK/convert-$ext/data.$ext" "$WORK/data.$ext"
done

# The actions of the CSV benchmark; any other column the generator writes is kept.
COLUMNS=$(python3 - "$WORK" <<'PY'
import csv, sys
header = next(csv.reader(open(f"{sys.argv[1]}/data.csv", encoding="utf-8")))
actions = {"BSN": '{ "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" }',
           "Naam": '{ "action": "drop" }', "Huisnummer": '{ "action": "drop" }',
           "Geboortedatum": '{ "action": "generalise", "to": "year" }',
           "Postcode": '{ "action": "generalise", "to": "pc4" }'}
keep = '{ "action": "keep", "allowIdentifiers": true }'
print('"columns": { ' + ", ".join(f'"{n}": {actions.get(n, keep)}' for n in header) + " }")
PY
)

run() { # name, file entry extras
  local name=$1 file=$2 extra=${3:-}
  printf '{ "version": 1, "project": "BENCH", "pseudonymKey": "project.pkey", "files": [ { "path": "%s"%s, %s } ] }\n' \
    "$file" "$extra" "$COLUMNS" > "$WORK/$name.json"
  rm -rf "$WORK/out-$name"
  local bytes; bytes=$(stat -c %s "$WORK/$file")
  local start end secs peak
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/time-$name" "$SLUIS" pseudonymise -c "$WORK/$name.json" -o "$WORK/out-$name" >/dev/null
  end=$(date +%s.%N)
  secs=$(python3 -c "print(f'{$end - $start:.2f}')")
  peak=$(( $(tail -1 "$WORK/time-$name") / 1024 ))
  python3 -c "print(f'%-22s %9d rows  %7.1f MB in  %6.2f s  %9.0f rows/s  %7.1f MB/s  peak %4d MiB' % ('$name', $ROWS, $bytes/1e6, $secs, $ROWS/$secs, $bytes/1e6/$secs, $peak))"
}

echo "sluis pseudonymise, $ROWS rows (BSN pseudonymised, name and house number dropped, date and postcode generalised)"
run csv data.csv
run sav data.sav
run zsav data.zsav
run dta data.dta
run sav-to-csv data.sav ', "outputFormat": "csv"'
# ReadStat's .zsav writer keeps the compressed blocks in memory until the end (the zsav header
# points at a trailer after them), so its peak grows with the output; reading .zsav is flat.
run zsav-to-sav data.zsav ', "outputFormat": "sav"'
