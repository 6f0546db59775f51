#!/usr/bin/env bash
# bench/upload.sh [SLUIS_BIN]: issue 14's benchmark end to end as a researcher sees it. `sluis upload`
# sends one large sealed package to `sluis serve` over loopback (plain HTTP and TLS: 64 MiB PATCHes,
# each with its SHA-256, fsynced by the server before it is acknowledged, the package verified as it
# arrives and checked before the receipt), against the very same file PUT by `curl -T` to Debian
# nginx's WebDAV module writing to the same disk (no checksum, no fsync, no verification); runs
# interleaved, RUNS times each, medians. Prints MB/s, the ratio sluis/nginx (target >= 0.8) and
# CPU-seconds of server and client (per run and per GiB). Then CONCURRENT `sluis upload` processes
# at once, each with a copy of a smaller package, to a fresh TLS server, and the server's peak
# resident memory (target <= 64 MiB).
# Environment: ROWS (rows of the large package's CSV, default 10000000: about 1 GiB), SMALL_ROWS
# (200000), CONCURRENT (20), RUNS (3), OUT (bench-out/upload).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
SLUIS=$(realpath "${1:-.build/release/sluis}")
ROWS=${ROWS:-10000000}
SMALL_ROWS=${SMALL_ROWS:-200000}
CONCURRENT=${CONCURRENT:-20}
RUNS=${RUNS:-3}
OUT=${OUT:-bench-out/upload}
NAME=bench/upload.sh
source "$HERE/lib/upload-setup.sh"

echo "sealing the packages…"
seal "$ROWS" large
seal "$SMALL_ROWS" small
BYTES=$(stat -c %s large.sluis)
start_sluis plain 0
start_sluis tls 1

sluis_upload() {  # sluis_upload URL FILE PID: prints "WALL CLIENT_CPU SERVER_CPU" (the client's hashing included)
  local before after t
  rm -f "$2.receipt.json"
  before=$(cpu_seconds "$3")
  t=$(SLUIS_STATE_DIR="$OUT/state" timed "$SLUIS" upload "$2" --to "$1" --audience bench \
    --identity keys/researcher.key --cacert tls.crt --server-key keys/server.pub -q)
  after=$(cpu_seconds "$3")
  echo "$t $(echo "$after - $before" | bc -l)"
}

printf 'package: %s bytes; %s interleaved runs each, medians; shared machine (CPU-seconds are steadier than MB/s)\n' "$BYTES" "$RUNS"
for mode in plain tls; do
  if [ $mode = plain ]; then su="http://127.0.0.1:$(cat port-plain)/files"; nu="http://127.0.0.1:$NGINX_PORT/put.bin"; pid=$(cat pid-plain)
  else su="https://127.0.0.1:$(cat port-tls)/files"; nu="https://127.0.0.1:$NGINX_TLS_PORT/put.bin"; pid=$(cat pid-tls); fi
  sw=(); sc=(); ss=(); nw=(); nc=(); ns=()
  for _ in $(seq "$RUNS"); do
    sync; read -r w c s < <(sluis_upload "$su" large.sluis "$pid"); sw+=("$w"); sc+=("$c"); ss+=("$s"); rm -f inbox/*.sluis
    sync; read -r w c s < <(nginx_put "$nu" large.sluis); nw+=("$w"); nc+=("$c"); ns+=("$s")
  done
  s=$(median "${sw[@]}"); n=$(median "${nw[@]}")
  printf '%-5s sluis upload %6.1f MB/s (%.2f s)  nginx WebDAV %6.1f MB/s (%.2f s)  ratio %.2f (target >= 0.8)\n' \
    $mode "$(mbs "$BYTES" "$s")" "$s" "$(mbs "$BYTES" "$n")" "$n" "$(echo "$n / $s" | bc -l)"
  printf '      CPU-s server %.2f (%.2f/GiB), sluis upload %.2f (%.2f/GiB)   |   nginx %.2f (%.2f/GiB), curl %.2f   (runs: sluis %s; nginx %s)\n' \
    "$(median "${ss[@]}")" "$(per_gib "$(median "${ss[@]}")" "$BYTES")" "$(median "${sc[@]}")" "$(per_gib "$(median "${sc[@]}")" "$BYTES")" \
    "$(median "${ns[@]}")" "$(per_gib "$(median "${ns[@]}")" "$BYTES")" "$(median "${nc[@]}")" "${sw[*]}" "${nw[*]}"
done

# CONCURRENT sluis upload processes at once, each its own copy of the small package, to a fresh TLS server.
start_sluis many 1
for i in $(seq "$CONCURRENT"); do cp small.sluis "small/$i.sluis"; done
for i in $(seq "$CONCURRENT"); do
  SLUIS_STATE_DIR="$OUT/state/$i" "$SLUIS" upload "small/$i.sluis" --to "https://127.0.0.1:$(cat port-many)/files" --audience bench \
    --identity keys/researcher.key --cacert tls.crt -q &
done
failed=0
for job in $(jobs -p); do case " ${PIDS[*]} " in *" $job "*) ;; *) wait "$job" || failed=$((failed + 1));; esac; done
printf '%s concurrent uploads of %s bytes over TLS: %s delivered, %s failed; sluis serve peak resident %s MiB (target <= 64)\n' \
  "$CONCURRENT" "$(stat -c %s small.sluis)" "$(ls inbox | wc -l)" "$failed" "$(peak_mib "$(cat pid-many)")"
