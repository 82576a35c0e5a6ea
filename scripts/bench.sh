#!/usr/bin/env bash
# Runs every benchmark and prints two tables of ratios against baselines measured
# in the same run, each with its goals met and not met:
#   1. the recording hot path (criterion, benches/benches/hot_path.rs) against raw
#      OpenTelemetry and the prometheus crate, plus in-process memory figures;
#   2. "against peer libraries" (the `peers` binary, benches/src/bin/peers):
#      memory per series, scrape rendering, a 50-value label pool and the cost of
#      the attributes against prometheus-client, metrics +
#      metrics-exporter-prometheus, the prometheus crate, plain OpenTelemetry and
#      #[autometrics] (benches/peers-autometrics: its own crate and lock, built
#      here and spawned by `peers` once per round).
#
# Usage: scripts/bench.sh [--write] [--quick]
#   --write  also store both tables in docs/performance.md
#   --quick  fewer rounds and no 100k-series shape in `peers` (the criterion
#            benchmarks run in full either way)
# Takes about 3 minutes on 2 cores (after the builds); keep the machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."

report_args=()
peers_args=()
for arg in "$@"; do
    case "$arg" in
        --write) report_args+=(--write) ;;
        --quick) peers_args+=(--quick) ;;
        *) echo "usage: scripts/bench.sh [--write] [--quick]" >&2; exit 2 ;;
    esac
done

target="${CARGO_TARGET_DIR:-target}"
cargo bench --locked -p autobot-otel-bench --bench hot_path
cargo build --locked --release -q --manifest-path benches/peers-autometrics/Cargo.toml \
    --target-dir "$target/peers-autometrics"
cargo run --locked --release -q -p autobot-otel-bench --bin peers -- "${peers_args[@]}" \
    --autometrics "$target/peers-autometrics/release/peers-autometrics" \
    --out "$target/peers.json"
cargo run --locked --release -q -p autobot-otel-bench --bin perf-report -- "${report_args[@]}"
