# bench/lib/upload-setup.sh: the set-up bench/serve.sh and bench/upload.sh share (sourced, not run):
# keys, a TLS certificate, sealed packages, `sluis serve` processes and Debian nginx's WebDAV module
# as the baseline, all under $OUT on the same disk, on 127.0.0.1 only. Before sourcing, set SLUIS
# (the binary), OUT (a fresh folder) and NAME (the calling script, for messages). After it, the
# working directory is $OUT and every server started is stopped when the script exits.
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$NGINX" curl openssl python3 bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$NAME: missing $tool (make bench-deps)" >&2; exit 2; }
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

seal() {  # seal ROWS NAME: NAME.sluis, a package of a synthetic CSV (BSN pseudonymised, the rest kept)
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

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_sluis() {  # start_sluis NAME TLS(0/1): the server's port lands in port-NAME, its pid in pid-NAME
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
  echo $! > "pid-$1"
  for _ in $(seq 600); do [ -s "port-$1" ] && break; sleep 0.1; done
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
NGINX_MASTER=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break; sleep 0.1; done
NGINX_WORKER=$(pgrep -P "$NGINX_MASTER" | head -1)

cpu_seconds() {  # cpu_seconds PID: user + system CPU seconds the process has used so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}
peak_mib() { awk '/VmHWM/ { printf "%d\n", $2 / 1024 }' "/proc/$1/status"; }

timed() {  # timed CMD…: runs it (its stdout in timed.stdout$TAG); prints "WALL CPU" (seconds; CPU = user + system)
  /usr/bin/time -f "%e %U %S" -o "timed.out${TAG:-}" "$@" >"timed.stdout${TAG:-}"
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "timed.out${TAG:-}"
}

nginx_put() {  # nginx_put URL FILE: PUT with curl -T; prints "WALL CLIENT_CPU SERVER_CPU"
  local before after t status
  rm -f webdav/put.bin
  before=$(cpu_seconds "$NGINX_WORKER")
  t=$(timed curl -sS --cacert tls.crt -T "$2" -H "Expect:" -o /dev/null -w '%{http_code}' "$1")
  after=$(cpu_seconds "$NGINX_WORKER")
  status=$(cat timed.stdout)
  [ "$status" = 201 ] || [ "$status" = 204 ] || { echo "$NAME: nginx answered $status" >&2; exit 1; }
  rm -f webdav/put.bin
  echo "$t $(echo "$after - $before" | bc -l)"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mbs() { echo "scale=1; $1 / $2 / 1000000" | bc -l; }           # mbs BYTES SECONDS
per_gib() { echo "scale=2; $1 * 1073741824 / $2" | bc -l; }     # per_gib CPU_SECONDS BYTES
