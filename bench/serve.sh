#!/usr/bin/env bash
# bench/serve.sh [SLUIS_BIN]: issue 14's benchmark. Uploads one large sealed package to `sluis serve`
# over loopback (plain HTTP and TLS: POST, then one PATCH streamed by `curl -T`), and PUTs the very
# same file with `curl -T` to nginx's WebDAV module (Debian's nginx) writing to the same disk; prints
# MB/s and the ratio sluis/nginx (target >= 0.8). Then 20 concurrent uploads of a smaller package and
# the server's peak resident memory (target <= 64 MiB). sluis serve fsyncs before acknowledging and
# verifies the whole package before the response; nginx does neither: the ratio includes that.
# Environment: ROWS (rows of the large package's CSV, default 10000000: ~1 GB), SMALL_ROWS (500000),
# CONCURRENT (20), OUT (bench-out/serve), TOKEN_SLUIS (a sluis with `upload token`; default SLUIS_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
SLUIS=$(realpath "${1:-.build/release/sluis}")
ROWS=${ROWS:-10000000}
SMALL_ROWS=${SMALL_ROWS:-500000}
CONCURRENT=${CONCURRENT:-20}
OUT=${OUT:-bench-out/serve}
TOKEN_SLUIS=${TOKEN_SLUIS:-$SLUIS}
for tool in nginx curl openssl python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "bench/serve.sh: missing $tool (make bench-deps)" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
rm -rf "$OUT" && mkdir -p "$OUT"/{keys,inbox,staging,webdav,nginx-tmp,data}
OUT=$(realpath "$OUT")
chmod 0777 "$OUT/webdav"  # nginx's workers run as another user
SERVER_PIDS=()
cleanup() { for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$SLUIS" keygen identity -o "$OUT/keys/researcher" --unprotected >/dev/null 2>&1
"$SLUIS" keygen identity -o "$OUT/keys/intake" --unprotected >/dev/null 2>&1
"$SLUIS" keygen identity -o "$OUT/keys/server" --unprotected >/dev/null 2>&1
"$SLUIS" keygen pseudonym --project P2026-BENCH -o "$OUT/keys/project.key" --unprotected >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$OUT/tls.key" -out "$OUT/tls.crt" 2>/dev/null

seal() {  # seal ROWS NAME: a package of a synthetic CSV, BSN pseudonymised, the rest kept
  "$SLUIS" synth -o "$OUT/data/$2" --persons 100000 --rows "$1" --seed 42 >/dev/null
  cat > "$OUT/$2.json" <<JSON
{ "version": 1, "project": "P2026-BENCH", "pseudonymKey": "keys/project.key", "sign": "keys/researcher.key",
  "recipients": ["keys/intake.pub"], "files": [ { "path": "data/$2/survey.csv", "delimiter": ";",
  "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" }, "Naam": "keep",
    "Geboortedatum": "keep", "Geslacht": "keep", "Postcode": "keep", "Huisnummer": "keep", "Woonplaats": "keep",
    "Opleiding": "keep", "Score": "keep", "Inkomen": "keep", "Toelichting": "drop" } } ] }
JSON
  (cd "$OUT" && "$SLUIS" seal -c "$2.json" -o "$2.sluis" --quiet >/dev/null)
}
echo "sealing the packages…"
seal "$ROWS" large
seal "$SMALL_ROWS" small
LARGE="$OUT/large.sluis"; SMALL="$OUT/small.sluis"
BYTES=$(stat -c %s "$LARGE")
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_sluis() {  # start_sluis NAME TLS(0/1): echoes the port
  local tls=""
  [ "$2" = 1 ] && tls="\"tls\": { \"certificate\": \"tls.crt\", \"key\": \"tls.key\" },"
  cat > "$OUT/serve-$1.json" <<JSON
{ "version": 1, "listen": { "address": "127.0.0.1", "port": 0 }, $tls "serverName": "bench", "identity": "keys/server.key",
  "inbox": "inbox", "staging": "staging", "auditLog": "audit-$1.jsonl",
  "limits": { "maxUploadBytes": 4294967296, "concurrentUploadsPerKey": 100 },
  "projects": { "P2026-BENCH": { "trust": ["keys/researcher.pub"], "quotaBytes": 68719476736 } } }
JSON
  rm -f "$OUT/port-$1"
  "$SLUIS" serve -c "$OUT/serve-$1.json" --port-file "$OUT/port-$1" 2>"$OUT/serve-$1.log" &
  SERVER_PIDS+=($!)
  for _ in $(seq 600); do [ -s "$OUT/port-$1" ] && break; sleep 0.1; done
}

upload() {  # upload SCHEME PORT FILE: POST + one streamed PATCH; prints seconds
  local token url start end
  token=$("$TOKEN_SLUIS" upload token --project P2026-BENCH --audience bench --identity "$OUT/keys/researcher.key" --minutes 15)
  url=$(curl -sS --cacert "$OUT/tls.crt" -X POST -H "Tus-Resumable: 1.0.0" -H "Authorization: Bearer $token" \
        -H "Upload-Length: $(stat -c %s "$3")" -D - -o /dev/null "$1://127.0.0.1:$2/files" | tr -d '\r' | awk -F': ' 'tolower($1) == "location" { print $2 }')
  start=$(date +%s.%N)
  status=$(curl -sS --cacert "$OUT/tls.crt" -X PATCH -T "$3" -H "Expect:" -H "Tus-Resumable: 1.0.0" -H "Authorization: Bearer $token" \
        -H "Upload-Offset: 0" -H "Content-Type: application/offset+octet-stream" -o /dev/null -w '%{http_code}' "$1://127.0.0.1:$2$url")
  end=$(date +%s.%N)
  [ "$status" = 204 ] || { echo "bench/serve.sh: upload answered $status" >&2; exit 1; }
  echo "$end - $start" | bc -l
}

NGINX_PORT=$(free_port); NGINX_TLS_PORT=$(free_port)
cat > "$OUT/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $OUT/nginx.pid; error_log $OUT/nginx-error.log;
events { }
http { access_log off; client_max_body_size 0; client_body_temp_path $OUT/nginx-tmp;
  server { listen 127.0.0.1:$NGINX_PORT; root $OUT/webdav; dav_methods PUT; }
  server { listen 127.0.0.1:$NGINX_TLS_PORT ssl; ssl_certificate $OUT/tls.crt; ssl_certificate_key $OUT/tls.key;
           root $OUT/webdav; dav_methods PUT; } }
CONF
"$NGINX" -c "$OUT/nginx.conf" -p "$OUT" &
SERVER_PIDS+=($!)
sleep 0.5
nginx_put() {  # nginx_put SCHEME PORT FILE: prints seconds
  local start end status
  rm -f "$OUT/webdav/put.bin"; sync
  start=$(date +%s.%N)
  status=$(curl -sS --cacert "$OUT/tls.crt" -T "$3" -H "Expect:" -o /dev/null -w '%{http_code}' "$1://127.0.0.1:$2/put.bin")
  end=$(date +%s.%N)
  [ "$status" = 201 ] || [ "$status" = 204 ] || { echo "bench/serve.sh: nginx answered $status" >&2; exit 1; }
  echo "$end - $start" | bc -l
}

start_sluis plain 0; PLAIN_PORT=$(cat "$OUT/port-plain")
start_sluis tls 1; TLS_PORT=$(cat "$OUT/port-tls")
mb() { echo "scale=1; $BYTES / $1 / 1000000" | bc -l; }
printf 'package: %s bytes\n' "$BYTES"
for mode in plain tls; do
  if [ $mode = plain ]; then scheme=http; sp=$PLAIN_PORT; np=$NGINX_PORT; else scheme=https; sp=$TLS_PORT; np=$NGINX_TLS_PORT; fi
  sync; s=$(upload $scheme "$sp" "$LARGE"); rm -f "$OUT"/inbox/*.sluis
  sync; n=$(nginx_put $scheme "$np" "$LARGE"); rm -f "$OUT/webdav/put.bin"
  printf '%-5s sluis serve %7.1f MB/s (%.2f s)   nginx WebDAV %7.1f MB/s (%.2f s)   ratio %.2f (target >= 0.8)\n' \
    $mode "$(mb "$s")" "$s" "$(mb "$n")" "$n" "$(echo "$n / $s" | bc -l)"
done

# 20 concurrent uploads of the small package to the TLS server; its peak memory after.
for _ in $(seq "$CONCURRENT"); do upload https "$TLS_PORT" "$SMALL" >/dev/null & done
wait $(jobs -p | tail -n "$CONCURRENT") 2>/dev/null || true
delivered=$(ls "$OUT/inbox" | wc -l)
TLS_PID=${SERVER_PIDS[1]}
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$TLS_PID/status")
printf '%s concurrent uploads of %s bytes over TLS: %s delivered; sluis serve peak resident %s MiB (target <= 64)\n' \
  "$CONCURRENT" "$(stat -c %s "$SMALL")" "$delivered" "$((hwm / 1024))"
