#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the real external
# components the tests use (Prometheus + promtool from Debian, the rotel OTLP
# collector from PyPI) when missing, then runs every test of the workspace and a
# smoke test of the demo service exactly as the README starts it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-tools.sh
# shellcheck disable=SC1091
source .tools/env

cargo test --workspace --locked
scripts/smoke-demo.sh
