#!/usr/bin/env bash
# bench/upload.sh [SLUIS_BIN]: issue 14's benchmark, end to end as a researcher sees it. `sluis upload`
# sends one large sealed package to `sluis serve` over loopback (plain HTTP and TLS: 16 MiB PATCHes,
# each with its SHA-256, fsynced by the server before it is acknowledged, the whole package verified
# before the receipt), against the very same file PUT by `curl -T` to Debian nginx's WebDAV module
# writing to the same disk (no checksum, no fsync, no verification). Prints MB/s and the ratio
# sluis/nginx (target >= 0.8). Then 20 `sluis upload` processes at once, each with a copy of a
# smaller package, to the TLS server, and the server's peak resident memory (target <= 64 MiB).
# The machine is shared: figures vary from run to run; each throughput is the best of RUNS runs.
# Environment: ROWS (rows of the large package's CSV, default 10000000: about 1 GiB), SMALL_ROWS
# (200000), CONCURRENT (20), RUNS (3), OUT (bench-out/upload).
set -euo pipefail
cd "$(dirname "$0")/.."
SLUIS=$(realpath "${1:-.build/release/sluis}")
ROWS=${ROWS:-10000000}
SMALL_ROWS=${SMALL_ROWS:-200000}
CONCURRENT=${CONCURRENT:-20}
RUNS=${RUNS:-3}
OUT=${OUT:-bench-out/upload}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$NGINX" curl openssl python3 bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/upload.sh: missing $tool (make bench-deps)" >&2; exit 2; }
done
rm -rf "$OUT" && mkdir -p "$OUT"/{keys,inbox,staging,webdav,nginx-tmp,data,small,state}
chmod 0777 "$OUT/webdav" "$OUT/nginx-tmp"  # nginx workers (www-data when started as root) write there
OUT=$(realpath "$OUT")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

cd "$OUT"
"$SLUIS" keygen identity -o keys/researcher --unprotected >/dev/null 2>&1
"$SLUIS" keygen identity -o keys/intake --unprotected >/dev/null 2>&1
"$SLUIS" keygen identity -o keys/server --unprotected >/dev/null 2>&1
"$SLUIS" keygen pseudonym --project P2026-BENCH -o keys/project.key --unprotected >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.crt 2>/dev/null

seal() {  # seal ROWS NAME: a package of a synthetic CSV, the BSN pseudonymised, the rest kept
  "$SLUIS" synth -o "data/$2" --persons 100000 --rows "$1" --seed 42 >/dev/null
  cat > "$2.json" <<JSON
{ "version": 1, "project": "P2026-BENCH", "pseudonymKey": "keys/project.key", "sign": "keys/researcher.key",
  "recipients": ["keys/intake.pub"], "files": [ { "path": "data/$2/survey.csv", "delimiter": ";",
  "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" }, "Naam": "keep",
    "Geboortedatum": "keep", "Geslacht": "keep", "Postcode": "keep", "Huisnummer": "keep", "Woonplaats": "keep",
    "Opleiding": "keep", "Score": "keep", "Inkomen": "keep", "Toelichting": "drop" } } ] }
JSON
  "$SLUIS" seal -c "$2.json" -o "$2.sluis" --quiet >/dev/null
  rm -rf "data/$2"
}
echo "sealing the packages…"
seal "$ROWS" large
seal "$SMALL_ROWS" small
BYTES=$(stat -c %s large.sluis)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_sluis() {  # start_sluis NAME TLS(0/1): the server's port lands in port-NAME
  local tls=""
  [ "$2" = 1 ] && tls="\"tls\": { \"certificate\": \"tls.crt\", \"key\": \"tls.key\" },"
  cat > "serve-$1.json" <<JSON
{ "version": 1, "listen": { "address": "127.0.0.1", "port": 0 }, $tls "serverName": "bench", "identity": "keys/server.key",
  "inbox": "inbox", "staging": "staging", "auditLog": "audit-$1.jsonl",
  "limits": { "maxUploadBytes": 4294967296, "concurrentUploadsPerKey": 100 },
  "projects": { "P2026-BENCH": { "trust": ["keys/researcher.pub"], "quotaBytes": 68719476736 } } }
JSON
  rm -f "port-$1"
  "$SLUIS" serve -c "serve-$1.json" --port-file "port-$1" 2>"serve-$1.log" &
  PIDS+=($!)
  for _ in $(seq 600); do [ -s "port-$1" ] && break; sleep 0.1; done
}

sluis_upload() {  # sluis_upload URL FILE: prints seconds (the client's own timing, hashing included)
  rm -f "$2.receipt.json"
  SLUIS_STATE_DIR="$OUT/state" /usr/bin/time -f "%M" -o client-rss "$SLUIS" upload "$2" --to "$1" --audience bench \
    --identity keys/researcher.key --cacert tls.crt --server-key keys/server.pub --json >upload.json
  python3 -c 'import json,sys; print(json.load(open("upload.json"))["milliseconds"] / 1000)'
}

NGINX_PORT=$(free_port); NGINX_TLS_PORT=$(free_port)
cat > nginx.conf <<CONF
worker_processes 1; daemon off; pid $OUT/nginx.pid; error_log $OUT/nginx-error.log;
events { }
http { access_log off; client_max_body_size 0; client_body_temp_path $OUT/nginx-tmp;
  server { listen 127.0.0.1:$NGINX_PORT; root $OUT/webdav; dav_methods PUT; }
  server { listen 127.0.0.1:$NGINX_TLS_PORT ssl; ssl_certificate $OUT/tls.crt; ssl_certificate_key $OUT/tls.key;
           root $OUT/webdav; dav_methods PUT; } }
CONF
"$NGINX" -c "$OUT/nginx.conf" -p "$OUT" &
PIDS+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break; sleep 0.1; done
nginx_put() {  # nginx_put URL FILE: prints seconds
  local start end status
  start=$(date +%s.%N)
  status=$(curl -sS --cacert tls.crt -T "$2" -H "Expect:" -o /dev/null -w '%{http_code}' "$1")
  end=$(date +%s.%N)
  [ "$status" = 201 ] || [ "$status" = 204 ] || { echo "bench/upload.sh: nginx answered $status" >&2; exit 1; }
  echo "$end - $start" | bc -l
}

start_sluis plain 0; PLAIN_PORT=$(cat port-plain)
start_sluis tls 1; TLS_PORT=$(cat port-tls)
min() { printf '%s\n' "$@" | sort -g | head -1; }
mb() { echo "scale=1; $BYTES / $1 / 1000000" | bc -l; }
printf 'package: %s bytes; best of %s runs; shared, noisy machine\n' "$BYTES" "$RUNS"
for mode in plain tls; do
  if [ $mode = plain ]; then su="http://127.0.0.1:$PLAIN_PORT/files"; nu="http://127.0.0.1:$NGINX_PORT/put.bin"
  else su="https://127.0.0.1:$TLS_PORT/files"; nu="https://127.0.0.1:$NGINX_TLS_PORT/put.bin"; fi
  ss=(); ns=()
  for _ in $(seq "$RUNS"); do
    sync; ss+=("$(sluis_upload "$su" large.sluis)"); rm -f inbox/*.sluis
    sync; ns+=("$(nginx_put "$nu" large.sluis)"); rm -f webdav/put.bin
  done
  s=$(min "${ss[@]}"); n=$(min "${ns[@]}")
  printf '%-5s sluis upload %7.1f MB/s (%.2f s)   nginx WebDAV %7.1f MB/s (%.2f s)   ratio %.2f (target >= 0.8)   client peak %s MiB\n' \
    $mode "$(mb "$s")" "$s" "$(mb "$n")" "$n" "$(echo "$n / $s" | bc -l)" "$(( $(cat client-rss) / 1024 ))"
done

# CONCURRENT sluis upload processes at once, each its own copy of the small package, to a fresh TLS server.
start_sluis many 1; MANY_PORT=$(cat port-many)
for i in $(seq "$CONCURRENT"); do cp small.sluis "small/$i.sluis"; done
for i in $(seq "$CONCURRENT"); do
  SLUIS_STATE_DIR="$OUT/state/$i" "$SLUIS" upload "small/$i.sluis" --to "https://127.0.0.1:$MANY_PORT/files" --audience bench \
    --identity keys/researcher.key --cacert tls.crt -q &
done
failed=0
for job in $(jobs -p); do case " ${PIDS[*]} " in *" $job "*) ;; *) wait "$job" || failed=$((failed + 1));; esac; done
delivered=$(ls inbox | wc -l)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/${PIDS[3]}/status")
printf '%s concurrent uploads of %s bytes over TLS: %s delivered, %s failed; sluis serve peak resident %s MiB (target <= 64)\n' \
  "$CONCURRENT" "$(stat -c %s small.sluis)" "$delivered" "$failed" "$((hwm / 1024))"
