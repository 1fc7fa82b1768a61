#!/usr/bin/env bash
# Prints the commands of the README's « Démarrage » block, one per line:
# the first fenced block after the « ## Démarrage » heading, without its
# comments and blank lines. `.ci/run` runs exactly these lines, so that
# what the README tells a new user is what CI proves.
set -euo pipefail
cd "$(dirname "$0")/.."
awk '
  /^## / { in_section = ($0 == "## Démarrage") }
  in_section && /^```/ { if (in_block) exit; in_block = 1; next }
  in_block && !/^[[:space:]]*#/ && NF { print }
' README.md
