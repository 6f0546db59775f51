#!/usr/bin/env bash
# The whole researcher -> intake round trip on fresh synthetic data with keys-example/.
# Called by `make demo` with the path of the release binary.
set -euo pipefail
SLUIS=${1:-.build/release/sluis}
cd "$(dirname "$0")/.."
OUT=demo-out
rm -rf "$OUT"; mkdir -p "$OUT"
# git does not keep file modes; sluis refuses secret key files that others can read.
chmod 600 keys-example/*.key
step() { printf '\n== %s\n' "$*"; }
summary=()

step "1. synth: synthetic register and researcher files"
"$SLUIS" synth -o "$OUT/synth" --persons 2000 --rows 5000 --seed 42
summary+=("synth:  $(ls "$OUT/synth" | wc -l | tr -d ' ') files of synthetic data in $OUT/synth")

step "2. check: dry run of pipeline.json (classification, identifiers, residual scan)"
"$SLUIS" check -c pipeline.json
summary+=("check:  every column classified, no residual identifiers")

step "3. seal: pseudonymise, encrypt for the intake officer, sign as the researcher"
"$SLUIS" seal -c pipeline.json -o "$OUT/upload.sluis" --quiet
summary+=("seal:   $OUT/upload.sluis ($(wc -c < "$OUT/upload.sluis" | tr -d ' ') bytes)")

step "4. verify: signature, trust and every entry, without any secret key"
"$SLUIS" verify "$OUT/upload.sluis" --trust keys-example/researcher.pub --project P2026-0042
summary+=("verify: signed by the trusted researcher, all entries intact")

step "5. open: decrypt with the intake identity, all or nothing"
"$SLUIS" open "$OUT/upload.sluis" -i keys-example/intake.key --trust keys-example/researcher.pub -o "$OUT/opened"
ls -l "$OUT/opened"
summary+=("open:   $(ls "$OUT/opened" | wc -l | tr -d ' ') files decrypted and checked in $OUT/opened")

if "$SLUIS" link --help >/dev/null 2>&1 && [ -f examples/link.json ]; then
  step "6. link: pseudonyms to RINPERSOONS/RINPERSOON through the register"
  "$SLUIS" link "$OUT/opened" -c examples/link.json -o "$OUT/linked"
  summary+=("link:   linked files in $OUT/linked")
fi

step "summary"
printf '%s\n' "${summary[@]}"
