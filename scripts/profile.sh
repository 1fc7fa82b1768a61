#!/usr/bin/env bash
# CPU profile of one run on one thread: `scripts/profile.sh N [BINARY]`
# (default target/release/cotisations; give an older build to compare).
# Prints perf's 25 hottest symbols (self time) of `cotisations run` on the
# synthetic roster of N members (bench-out/roster-N.csv, made by `just
# bench N`), Factur-X, into a new folder of bench-out/ removed afterwards.
# Needs `perf`. For instruction counts instead of time:
#   valgrind --tool=callgrind --callgrind-out-file=cg.out BINARY run … --threads 1
#   callgrind_annotate --inclusive=no cg.out | head -40
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:?usage: scripts/profile.sh N [BINARY]}"
bin="${2:-target/release/cotisations}"
roster="bench-out/roster-$n.csv"
[ -f "$roster" ] || { echo "no $roster: run 'just bench $n' first" >&2; exit 2; }
out="bench-out/profil-$$"
data="bench-out/profil-$$.data"
cleanup() {
  rm -rf "$out" "$data" "bench-out/.profil-$$.lock"
  # Freed inodes are skipped by the next creations in the same block group
  # for a minute or more (ext4 without journal): flush, and mark the time
  # for the bench (see devtools/src/bin/bench.rs).
  sync
  touch bench-out/.nettoyage
}
trap cleanup EXIT
perf record -q -g --call-graph dwarf,16384 -F 499 -o "$data" -- \
  "$bin" run --roster "$roster" --tariff input-samples/grille-2027.toml \
  --emetteur input-samples/emetteur.toml --date-emission 2027-01-15 --emettre --quiet \
  --threads 1 --out "$out" 2>/dev/null
report=$(perf report -i "$data" --no-children --sort symbol --stdio -g none 2>/dev/null)
grep -E '^ +[0-9]+\.[0-9]+%' <<<"$report" | head -25 | cut -c1-110 || true
