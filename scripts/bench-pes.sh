#!/usr/bin/env bash
# The PES flows of a 35 000-member exercice, timed alone (`just bench`
# times them too, at the end, on the exercices its runs issued):
#   scripts/bench-pes.sh [N] [--froid] [--compresser]
# Issues bench-out/pes-N (once), then for each run copies it (entries
# hard-linked, the register copied) and times `cotisations pes` on the
# copy with /usr/bin/time: wall, CPU, peak RSS. --froid empties the page
# cache first (as root): the PDFs are read from the disk.
set -euo pipefail
cd "$(dirname "$0")/.."
n=35000; froid=""; extra=()
for a in "$@"; do
  case "$a" in
    --froid) froid=1 ;;
    --compresser) extra+=(--compresser) ;;
    *) n="$a" ;;
  esac
done
cargo build --release --workspace --bins --quiet
mkdir -p bench-out
roster=bench-out/roster-$n.csv
[ -f "$roster" ] || target/release/gen_roster "$n" > "$roster"
base=bench-out/pes-$n
if [ ! -f "$base/registre.jsonl" ]; then
  rm -rf "$base"
  target/release/cotisations run --roster "$roster" --tariff input-samples/grille-2027.toml \
    --emetteur input-samples/emetteur.toml --date-emission 2027-01-15 --out "$base" --emettre --quiet
fi
for run in 1 2 3; do
  copy=bench-out/pes-$n-copie
  rm -rf "$copy"; mkdir "$copy"
  cp "$base/exercice.json" "$base/registre.jsonl" "$base/ledger.csv" "$copy/"
  cp -al "$base/entrees" "$copy/entrees"
  if [ -n "$froid" ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
  /usr/bin/time -f "essai $run : %e s, %U s utilisateur, %S s système, RSS max %M Ko" \
    target/release/cotisations pes "$copy" --date 2027-01-20 --quiet "${extra[@]}"
done
echo "flux : $(du -sb "$copy/entrees/0002-PES" | cut -f1) octets, $(ls "$copy"/entrees/0002-PES/*.xml | wc -l) fichiers"
