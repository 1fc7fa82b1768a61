#!/usr/bin/env bash
# Times `cotisations envoi` sending N appels (1000 by default) to a local
# SMTP server (aiosmtpd, tests/support/smtp_server.py --raw, on 127.0.0.1):
# a synthetic roster of N members issued into an exercice, then every
# appel sent and journalled. Prints the wall-clock time of the sending.
#
#   scripts/bench-envoi.sh [N] [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
profile=debug
cargo_flags=()
if [ "${2:-}" = "--release" ]; then profile=release; cargo_flags=(--release); fi
cargo build -q "${cargo_flags[@]}" --bin cotisations
cargo build -q "${cargo_flags[@]}" -p cotisations-devtools --bin gen_roster
bin=target/$profile/cotisations
work=target/bench-envoi
rm -rf "$work"
mkdir -p "$work"
"target/$profile/gen_roster" "$n" > "$work/role.csv"
"$bin" run --roster "$work/role.csv" --tariff input-samples/grille-2027.toml \
  --emetteur input-samples/emetteur.toml --out "$work/ex" \
  --date-emission 2027-01-15 --emettre --quiet

# aiosmtpd: the system's, the tests' venv, or a venv made here.
py=python3
if ! "$py" -c 'import aiosmtpd' 2>/dev/null; then
  py=target/tmp/smtp-venv/bin/python
  if ! "$py" -c 'import aiosmtpd' 2>/dev/null; then
    python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q aiosmtpd
    py=$work/venv/bin/python
  fi
fi
mkfifo "$work/stdin"
"$py" tests/support/smtp_server.py --raw --dir "$work/recu" --port-file "$work/port" < "$work/stdin" &
server=$!
exec 3>"$work/stdin"
trap 'exec 3>&-; kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

start=$(date +%s.%N)
COTISATIONS_SMTP="smtp://127.0.0.1:$port" "$bin" envoi "$work/ex" --quiet || code=$?
end=$(date +%s.%N)
recus=$(find "$work/recu" -name '*.eml' | wc -l)
postes=$(grep -c '"evenement":"courrier"' "$work/ex/envois.jsonl" || true)
printf 'cotisations envoi (%s) : %d appels émis, %d messages reçus par le serveur, %d au courrier, %.1f s\n' \
  "$profile" "$(grep -o '"numero"' "$work/ex/registre.jsonl" | wc -l)" "$recus" "$postes" \
  "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
exit "${code:-0}"
