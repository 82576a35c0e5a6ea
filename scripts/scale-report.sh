#!/usr/bin/env bash
# Measures the scale-out figures of docs/scaling.md: three demo replicas of about
# 10,000 series each, a real Prometheus scraping them and remote-writing (the
# shipped stanza) into a real VictoriaMetrics, and one replica's OTLP push; all on
# 127.0.0.1, bounded (a few minutes), every process stopped at the end. Prints
# markdown tables. Not a test: the figures depend on the machine.
#
#   scripts/scale-report.sh                      # 3 x 10,000 series, scrape every 5 s
#   scripts/scale-report.sh --series 5000 --interval 15 --window 120
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-tools.sh >/dev/null
# shellcheck disable=SC1091
source .tools/env
cargo build --release --locked -q -p autobot-otel-tests --bin autobot-scale-report --bin autobot-test-demo
exec target/release/autobot-scale-report "$@"
