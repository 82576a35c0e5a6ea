#!/usr/bin/env bash
# Runs every benchmark (criterion, release profile) and prints the table of
# ratios against the baselines measured in the same run; with --write, also
# stores it in docs/performance.md. Takes about 5 minutes on 2 cores; keep the
# machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked -p autobot-otel-bench
cargo run --locked --release -q -p autobot-otel-bench --bin perf-report -- "$@"
