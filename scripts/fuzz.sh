#!/usr/bin/env bash
# scripts/fuzz.sh FUZZER SECONDS [TARGET...]: runs each fuzz target of sluis-fuzz for SECONDS,
# starting from generated seeds, the checked-in corpus (Tools/sluis-fuzz/Corpus/TARGET) and the corpus
# kept from earlier runs (fuzz-out/corpus/TARGET). A crashing input found here belongs in
# Tools/sluis-fuzz/Corpus/TARGET/ (named after what it found): `make test` runs every file there
# through the target (Tests/SluisFuzzTests), so it stays found.
# Inputs that crash land in fuzz-out/crashes/; the script exits 1 when there is any.
# Reproduce one with: FUZZER TARGET fuzz-out/crashes/TARGET-crash-…
set -euo pipefail
FUZZER=$1; SECONDS_EACH=$2; shift 2
TARGETS=("$@"); [ ${#TARGETS[@]} -gt 0 ] || TARGETS=(values csv json config trust readstat decrypt package open inner keyfile)
cd "$(dirname "$0")/.."
mkdir -p fuzz-out/crashes
rm -rf fuzz-out/seeds && "$FUZZER" seed fuzz-out/seeds
found=0
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz-out/corpus/$t"
  echo "== $t: $SECONDS_EACH s"
  # -rss_limit_mb: ASan's shadow memory counts; -timeout: a single input taking 10 s is a finding.
  if ! "$FUZZER" "$t" "fuzz-out/corpus/$t" "fuzz-out/seeds/$t" "Tools/sluis-fuzz/Corpus/$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
       -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="fuzz-out/crashes/$t-" -print_final_stats=1 \
       > "fuzz-out/$t.log" 2>&1; then
    found=1
    echo "   FOUND: see fuzz-out/$t.log and fuzz-out/crashes/"
  fi
  grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|cov:" "fuzz-out/$t.log" | tail -1 | sed 's/^/   /'
done
exit $found
