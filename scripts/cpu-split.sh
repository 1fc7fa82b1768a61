#!/usr/bin/env bash
# Where the CPU of one batch goes: `scripts/cpu-split.sh N THREADS [OUT_DIR]`.
# Runs `cotisations run` once on bench-out/roster-N.csv (made by `just bench
# N`) with THREADS threads into a new folder (default bench-out/split-PID,
# left in place: delete it yourself, then wait a minute before benchmarking,
# see docs/benchmarks-journal.md "Machine"), and prints, from /proc/stat before and after
# and the process's own rusage:
#   - the wall time and the process's user + system CPU;
#   - the machine's busy CPU outside the process (kernel write-back
#     workers, interrupts, anything else running), idle and iowait.
# On two cores, wall ≈ (process + outside + idle + iowait) / 2: what the
# second thread cannot win back. OUT_DIR=/dev/shm/x measures without a disk.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:?usage: scripts/cpu-split.sh N THREADS [OUT_DIR]}"
threads="${2:?usage: scripts/cpu-split.sh N THREADS [OUT_DIR]}"
out="${3:-bench-out/split-$$}"
bin="${BIN:-target/release/cotisations}"
roster="bench-out/roster-$n.csv"
[ -f "$roster" ] || { echo "no $roster: run 'just bench $n' first" >&2; exit 2; }
[ -e "$out" ] && { echo "$out exists" >&2; exit 2; }
times=$(mktemp)
trap 'rm -f "$times"' EXIT
read -r _ u0 n0 s0 i0 w0 q0 sq0 st0 _ < /proc/stat
t0=$(date +%s%N)
/usr/bin/time -f "%U %S" -o "$times" "$bin" run --roster "$roster" \
  --tariff input-samples/grille-2027.toml --emetteur input-samples/emetteur.toml \
  --date-emission 2027-01-15 --quiet --threads "$threads" --out "$out"
t1=$(date +%s%N)
read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ < /proc/stat
read -r pu ps < "$times"
hz=$(getconf CLK_TCK)
awk -v wall=$(( (t1 - t0) / 1000000 )) -v pu="$pu" -v ps="$ps" -v hz="$hz" \
  -v busy=$(( (u1 - u0) + (n1 - n0) + (s1 - s0) + (q1 - q0) + (sq1 - sq0) )) \
  -v idle=$(( i1 - i0 )) -v iowait=$(( w1 - w0 )) -v steal=$(( st1 - st0 )) \
  -v threads="$threads" 'BEGIN {
    printf "fils %d : temps %.2f s ; processus %.2f s (utilisateur %.2f, système %.2f)\n",
      threads, wall / 1000, pu + ps, pu, ps
    printf "hors processus %.2f s ; inactif %.2f s ; attente E/S %.2f s ; volé %.2f s\n",
      busy / hz - pu - ps, idle / hz, iowait / hz, steal / hz
  }'
