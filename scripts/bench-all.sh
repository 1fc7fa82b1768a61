#!/usr/bin/env bash
# The figures of BENCHMARKS.md: `scripts/bench-all.sh [TARGET_DIR_BEFORE]`.
# Runs the end-to-end bench (scripts/bench.sh) at 1 000, 10 000, 35 000 and
# 100 000 members, 3 runs each (medians), thread scaling at 10 000 and
# 35 000. With a second target folder holding an older build
# (`DIR/release/cotisations`), runs the same bench on it first, for a
# before/after comparison in the same conditions. Output: bench-out/*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --bins --quiet
before="${1:-}"
mkdir -p bench-out
for n in 1000 10000 35000 100000; do
  extra=()
  case $n in 10000|35000) extra=(--scaling) ;; esac
  if [ -n "$before" ]; then
    echo "== avant, $n membres" | tee "bench-out/avant-$n.txt"
    CARGO_TARGET_DIR="$before" target/release/bench "$n" --runs 3 "${extra[@]}" | tee -a "bench-out/avant-$n.txt"
  fi
  echo "== après, $n membres" | tee "bench-out/apres-$n.txt"
  target/release/bench "$n" --runs 3 "${extra[@]}" | tee -a "bench-out/apres-$n.txt"
done
