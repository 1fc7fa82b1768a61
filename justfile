# Chores for developers. Nothing in the README needs `just`.

# Run the batch on the shipped sample into ./sortie
sample:
    cargo run --release -- run --roster input-samples/roster.csv --tariff input-samples/grille-2027.toml --out sortie --date-emission 2027-01-15 --force

# All the tests (what CI runs)
test:
    cargo test

# Formatting and lints, as CI checks them
lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings

# Everything CI does
ci: lint test

# Render the sample appels to PNG for a look (needs poppler-utils)
look: sample
    mkdir -p target/look
    for f in sortie/appels/*.pdf; do pdftoppm -r 70 -png "$f" "target/look/$(basename "$f" .pdf)"; done
    @echo "PNG dans target/look/"

# End-to-end benchmark on a synthetic roster of N members (medians of 5
# runs: the machine is noisy)
bench N="35000":
    scripts/bench.sh {{N}} --scaling --runs 5
