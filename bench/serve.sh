#!/usr/bin/env bash
# bench/serve.sh [SLUIS_BIN]: issue 14's benchmark of the server alone. Uploads one large sealed
# package to `sluis serve` over loopback (plain HTTP and TLS: POST, then one PATCH streamed by
# `curl -T`, no checksum), against the very same file PUT by `curl -T` to Debian nginx's WebDAV
# module writing to the same disk; runs interleaved, RUNS times each, medians. Prints MB/s, the
# ratio sluis/nginx (target >= 0.8), and CPU-seconds of server and client (per run and per GiB:
# steadier than wall time on a shared machine). Then CONCURRENT uploads at once of a smaller
# package to a fresh TLS server and its peak resident memory (target <= 64 MiB). sluis serve
# fsyncs before it acknowledges and verifies the package before it answers; nginx does neither.
# Environment: ROWS (rows of the large package's CSV, default 10000000: about 1 GiB), SMALL_ROWS
# (500000), CONCURRENT (20), RUNS (3), OUT (bench-out/serve), TOKEN_SLUIS (a sluis with `upload token`).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
SLUIS=$(realpath "${1:-.build/release/sluis}")
ROWS=${ROWS:-10000000}
SMALL_ROWS=${SMALL_ROWS:-500000}
CONCURRENT=${CONCURRENT:-20}
RUNS=${RUNS:-3}
OUT=${OUT:-bench-out/serve}
TOKEN_SLUIS=${TOKEN_SLUIS:-$SLUIS}
NAME=bench/serve.sh
source "$HERE/lib/upload-setup.sh"

echo "sealing the packages…"
seal "$ROWS" large
seal "$SMALL_ROWS" small
BYTES=$(stat -c %s large.sluis)
start_sluis plain 0
start_sluis tls 1

upload() {  # upload SCHEME PORT FILE [PID]: POST + one streamed PATCH; prints "WALL CLIENT_CPU SERVER_CPU"
  local token url t status before after
  token=$("$TOKEN_SLUIS" upload token --project P2026-BENCH --audience bench --identity keys/researcher.key --minutes 15)
  url=$(curl -sS --cacert tls.crt -X POST -H "Tus-Resumable: 1.0.0" -H "Authorization: Bearer $token" \
        -H "Upload-Length: $(stat -c %s "$3")" -D - -o /dev/null "$1://127.0.0.1:$2/files" | tr -d '\r' | awk -F': ' 'tolower($1) == "location" { print $2 }')
  before=$( [ -n "${4:-}" ] && cpu_seconds "$4" || echo 0)
  t=$(timed curl -sS --cacert tls.crt -X PATCH -T "$3" -H "Expect:" -H "Tus-Resumable: 1.0.0" -H "Authorization: Bearer $token" \
        -H "Upload-Offset: 0" -H "Content-Type: application/offset+octet-stream" -o /dev/null -w '%{http_code}' "$1://127.0.0.1:$2$url")
  after=$( [ -n "${4:-}" ] && cpu_seconds "$4" || echo 0)
  status=$(cat "timed.stdout${TAG:-}")
  [ "$status" = 204 ] || { echo "$NAME: upload answered $status" >&2; exit 1; }
  echo "$t $(echo "$after - $before" | bc -l)"
}

printf 'package: %s bytes; %s interleaved runs each, medians; shared machine (CPU-seconds are steadier than MB/s)\n' "$BYTES" "$RUNS"
for mode in plain tls; do
  if [ $mode = plain ]; then scheme=http; sp=$(cat port-plain); np=$NGINX_PORT; pid=$(cat pid-plain)
  else scheme=https; sp=$(cat port-tls); np=$NGINX_TLS_PORT; pid=$(cat pid-tls); fi
  sw=(); sc=(); ss=(); nw=(); nc=(); ns=()
  for _ in $(seq "$RUNS"); do
    sync; read -r w c s < <(upload $scheme "$sp" large.sluis "$pid"); sw+=("$w"); sc+=("$c"); ss+=("$s"); rm -f inbox/*.sluis
    sync; read -r w c s < <(nginx_put "$scheme://127.0.0.1:$np/put.bin" large.sluis); nw+=("$w"); nc+=("$c"); ns+=("$s")
  done
  s=$(median "${sw[@]}"); n=$(median "${nw[@]}")
  printf '%-5s sluis serve %6.1f MB/s (%.2f s)  nginx WebDAV %6.1f MB/s (%.2f s)  ratio %.2f (target >= 0.8)\n' \
    $mode "$(mbs "$BYTES" "$s")" "$s" "$(mbs "$BYTES" "$n")" "$n" "$(echo "$n / $s" | bc -l)"
  printf '      CPU-s server %.2f (%.2f/GiB), curl %.2f   |   nginx %.2f (%.2f/GiB), curl %.2f   (runs: sluis %s; nginx %s)\n' \
    "$(median "${ss[@]}")" "$(per_gib "$(median "${ss[@]}")" "$BYTES")" "$(median "${sc[@]}")" \
    "$(median "${ns[@]}")" "$(per_gib "$(median "${ns[@]}")" "$BYTES")" "$(median "${nc[@]}")" "${sw[*]}" "${nw[*]}"
done

# CONCURRENT uploads at once of the small package to a fresh TLS server; its peak memory after.
start_sluis many 1
for i in $(seq "$CONCURRENT"); do TAG=".$i" upload https "$(cat port-many)" small.sluis >/dev/null & done
failed=0
for job in $(jobs -p); do case " ${PIDS[*]} " in *" $job "*) ;; *) wait "$job" || failed=$((failed + 1));; esac; done
printf '%s concurrent uploads of %s bytes over TLS: %s delivered, %s failed; sluis serve peak resident %s MiB (target <= 64)\n' \
  "$CONCURRENT" "$(stat -c %s small.sluis)" "$(ls inbox | wc -l)" "$failed" "$(peak_mib "$(cat pid-many)")"
