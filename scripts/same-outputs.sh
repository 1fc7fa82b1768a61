#!/usr/bin/env bash
# Refactoring check: writes the sample batch, a 10 000-member synthetic
# batch, a credit note and a prorated batch with the current debug build
# into DIR (default target/same-outputs), so that two builds' outputs can be
# compared byte for byte: `scripts/same-outputs.sh /tmp/before` on the old
# build, `scripts/same-outputs.sh /tmp/after` on the new, then
# `diff -r -I '"chemin"' /tmp/before /tmp/after` (the manifests record the
# input paths, which differ between the two folders).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/same-outputs}"
rm -rf "$out"
mkdir -p "$out"
cargo build --quiet --workspace
bin=target/debug/cotisations
target/debug/gen_roster 10000 > "$out/r10k.csv"
run() { "$bin" run --tariff input-samples/grille-2027.toml --date-emission 2027-01-15 --emettre --quiet "$@"; }
run --roster input-samples/roster.csv --out "$out/sample"
run --roster "$out/r10k.csv" --out "$out/r10k"
run --roster tests/fixtures/role-prorata.csv --out "$out/prorata"
"$bin" avoir "$out/sample" --membre EP-011 --lignes suite_bureautique_comptes \
  --motif "Comptes résiliés" --date-emission 2027-03-01 --quiet
echo "$out: sample, r10k, prorata, avoir"
