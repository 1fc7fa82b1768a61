# Chores for developers. Nothing in the README needs `just`.

# Run the batch on the shipped sample into ./sortie: the README's first
# « Démarrage » command, exactly as written there
sample:
    bash -euo pipefail -c "$(scripts/readme-commands.sh | head -n 1)"

# All the tests (what CI runs)
test:
    cargo test --workspace

# Formatting and lints, as CI checks them
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI does
ci:
    .ci/run

# Render the sample appels to PNG for a look (needs poppler-utils)
look: sample
    mkdir -p target/look
    for f in sortie/entrees/0001-AC/appels/*.pdf; do pdftoppm -r 70 -png "$f" "target/look/$(basename "$f" .pdf)"; done
    @echo "PNG dans target/look/"

# End-to-end benchmark on a synthetic roster of N members (medians of 5
# runs: the machine is noisy)
bench N="35000":
    scripts/bench.sh {{N}} --scaling --runs 5
