#!/usr/bin/env bash
# The whole researcher -> intake round trip on fresh synthetic data with keys-example/.
# Called by `make demo` with the path of the release binary. Everything lands in demo-out/.
set -euo pipefail
SLUIS=$(realpath "${1:-.build/release/sluis}")
cd "$(dirname "$0")/.."
OUT=demo-out
rm -rf "$OUT"; mkdir -p "$OUT"
# git does not keep file modes; sluis refuses secret key files that others can read.
chmod 600 keys-example/*.key
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
summary=()

step "1. synth: a synthetic register and a researcher's file with messy identifiers"
"$SLUIS" synth -o "$OUT/synth" --persons 20000 --rows 50000 --seed 42
summary+=("synth   register of 20000 persons; survey.csv with 50000 rows (messy BSNs, dates, postcodes)")

step "2. check (researcher): every column classified, identifiers validated, kept columns scanned"
"$SLUIS" check -c pipeline.json | tail -n 4
summary+=("check   every column classified; no residual identifiers in kept columns")

step "3. seal (researcher): pseudonymise, encrypt for the intake officer, sign"
"$SLUIS" seal -c pipeline.json -o "$OUT/upload.sluis" --quiet
summary+=("seal    $OUT/upload.sluis: $(wc -c < "$OUT/upload.sluis" | tr -d ' ') bytes, signed by the researcher, for the intake officer")

step "4. verify (intake): who sent it and that nothing changed — no secret key needed"
"$SLUIS" verify "$OUT/upload.sluis" --trust keys-example/researcher.pub --project P2026-0042
summary+=("verify  signature by the trusted researcher; every entry intact")

step "5. open (intake): decrypt and check against the inner manifest, all or nothing"
"$SLUIS" open "$OUT/upload.sluis" -i keys-example/intake.key --trust keys-example/researcher.pub -o "$OUT/opened"
summary+=("open    $OUT/opened: decrypted, hashes and row counts checked")

step "6. link (intake): pseudonyms to RINPERSOONS/RINPERSOON through the register"
"$SLUIS" link --new-surrogate-key "$OUT/surrogate.key" >/dev/null
# The demo's key and register are fixed (keys-example/, --seed 42), so its outcome never depends on
# the luck of a random key; the check shows what an operator runs when the register is replaced.
"$SLUIS" link --check-register --register "$OUT/synth/register.csv" --pseudonym-key keys-example/project-P2026-0042.key \
  | tee "$OUT/register-check.txt"
collisions=$(sed -n 's/^collisions: \([0-9]*\).*/\1/p' "$OUT/register-check.txt")
"$SLUIS" link "$OUT/opened" --register "$OUT/synth/register.csv" --pseudonym-key keys-example/project-P2026-0042.key \
  --surrogate-key "$OUT/surrogate.key" -o "$OUT/linked" --report "$OUT/link-report.txt"
rate=$(sed -n 's/^overall link rate: \([0-9.]*\) %.*/\1/p' "$OUT/link-report.txt")
summary+=("link    $OUT/linked: pseudonym columns replaced by RINPERSOONS/RINPERSOON; link rate $rate %; register collisions under the key: $collisions")

step "7. upload and inbox (scheduled job): the package through sluis serve, plus a tampered copy, taken unattended"
mkdir -p -m 750 "$OUT/intake"   # it holds the audit log: owner and group only (docs/intake.md)
cat > "$OUT/intake/intake.json" <<JSON
{ "version": 1, "inbox": "inbox", "work": "work", "delivery": "delivery", "archive": "archive",
  "quarantine": "quarantine", "identity": "../../keys-example/intake.key", "auditLog": "audit.jsonl", "settleSeconds": 0,
  "projects": { "P2026-0042": {
      "trust": ["../../keys-example/researcher.pub"], "pseudonymKey": "../../keys-example/project-P2026-0042.key",
      "register": "../synth/register.csv", "surrogateKey": "../surrogate.key" } } }
JSON
# The operator's one-time set-up: the folders with their modes, then the whole set-up checked.
"$SLUIS" inbox -c "$OUT/intake/intake.json" --init

# The door into the environment: sluis serve (tus 1.0) on loopback, plain HTTP (behind a TLS proxy
# in production, or with its own certificate); the researcher's sluis upload signs a token per
# request with their identity, the server verifies the whole package and renames it into the inbox.
mkdir -p -m 700 "$OUT/intake/staging"
cat > "$OUT/intake/serve.json" <<JSON
{ "version": 1, "listen": { "address": "127.0.0.1", "port": 0 }, "serverName": "intake.demo",
  "identity": "../../keys-example/intake.key", "inbox": "inbox", "staging": "staging", "auditLog": "serve-audit.jsonl",
  "projects": { "P2026-0042": { "trust": ["../../keys-example/researcher.pub"] } } }
JSON
"$SLUIS" serve -c "$OUT/intake/serve.json" --port-file "$OUT/intake/port" 2> "$OUT/intake/serve.log" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$OUT/intake/port" ] && break; sleep 0.1; done
port=$(cat "$OUT/intake/port")
SLUIS_STATE_DIR="$OUT/upload-state" "$SLUIS" upload "$OUT/upload.sluis" --to "http://127.0.0.1:$port/files" \
  --audience intake.demo --identity keys-example/researcher.key --server-key keys-example/intake.pub
kill -TERM $server; wait $server || true; trap - EXIT
summary+=("upload  through sluis serve on 127.0.0.1:$port (tus 1.0, signed tokens, verified on arrival); receipt $OUT/upload.sluis.receipt.json")
python3 - "$OUT/upload.sluis" "$OUT/intake/inbox/tampered.sluis" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) // 2] ^= 1
open(sys.argv[2], 'wb').write(b)
PY
set +e
"$SLUIS" inbox -c "$OUT/intake/intake.json"
status=$?
set -e
[ "$status" = 6 ] || { echo "expected exit 6 (one package quarantined), got $status"; exit 1; }
summary+=("inbox   the uploaded package delivered to $OUT/intake/delivery, 1 tampered copy quarantined; audit log $OUT/intake/audit.jsonl")

step "summary"
printf '  %s\n' "${summary[@]}"
echo
echo "  first rows delivered to the analysis environment:"
head -n 3 "$OUT"/intake/delivery/P2026-0042/*/survey.csv | sed 's/^/    /'
