# Shared helpers for the benchmark scripts: timing with peak resident memory.
# measure LABEL CMD... : runs CMD under /usr/bin/time, sets WALL (s) and PEAK_KB, prints a line.
measure() {
  local label=$1; shift
  local tf; tf=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null
  read -r WALL PEAK_KB < "$tf"; rm -f "$tf"
  printf '  %-34s %8.2f s  peak %7.1f MiB\n' "$label" "$WALL" "$(echo "$PEAK_KB/1024" | bc -l)"
}
# mbps BYTES SECONDS
mbps() { echo "scale=1; $1 / 1000000 / $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
