#!/usr/bin/env bash
# Regenerates the README's pictures (docs/*.png) from the shipped sample:
# one appel (AC-2027-00050, a page with every kind of line and the Chorus
# Pro references), the first page of the batch report, and a credit note
# on that appel. Needs pdftoppm (Debian: poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/cotisations
work=target/docs-pictures
rm -rf "$work"
"$bin" run --roster input-samples/roster.csv --tariff input-samples/grille-2027.toml \
  --out "$work/lot" --date-emission 2027-01-15 --emettre --quiet
"$bin" avoir "$work/lot" --membre EP-011 --lignes suite_bureautique_comptes \
  --motif "Comptes de suite bureautique résiliés au 1er mars 2027" \
  --date-emission 2027-03-01 --quiet
shot() { pdftoppm -r 100 -png -f 1 -l 1 -singlefile "$1" "docs/$2"; }
shot "$work/lot/entrees/0001-AC/appels/AC-2027-00050_EP-011.pdf" appel-exemple
shot "$work/lot/entrees/0001-AC/rapport.pdf" rapport-exemple
shot "$work/lot/entrees/0002-AV/avoirs/AV-2027-00001_EP-011.pdf" avoir-exemple
echo "docs/appel-exemple.png, docs/rapport-exemple.png, docs/avoir-exemple.png"
