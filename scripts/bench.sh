#!/usr/bin/env bash
# End-to-end benchmark: `scripts/bench.sh N [--runs R] [--threads T] [--scaling]`
# (what `just bench N` runs). Outputs go to ./bench-out on the work disk.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --bins --quiet
exec target/release/bench "$@"
