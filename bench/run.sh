#!/usr/bin/env bash
# The bench command: Traycal next to its peers on one generated feed, in one go.
#
#   bench/run.sh                       50,000 events, seed 42, 3 runs, Python peer once
#   bench/run.sh --events 1000 --skip-peer     quick smoke run
#   bench/run.sh --bin target/release/traycal  use an existing binary (no cargo build)
#
# See bench/README.md for what is measured and the targets.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec python3 bench/bench.py "$@"
