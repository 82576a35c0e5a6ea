#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the real external
# components the tests use (Prometheus, promtool, Alertmanager, VictoriaMetrics
# from Debian; the rotel OTLP collector and prometheus_client from PyPI) when
# missing, then runs every test of the workspace and a smoke test of the demo
# service exactly as the README starts it, then checks formatting, clippy (also
# for every cargo feature of autobot-otel on its own), rustdoc, the generated
# files and the MSRV, and that the three library crates package. Ends with one
# line totalling every test run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-tools.sh
# shellcheck disable=SC1091
source .tools/env

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
smoke=0
if [[ $status -eq 0 ]]; then
  scripts/smoke-demo.sh || smoke=1
  # The code stays formatted, lint-free and documented.
  cargo fmt --all -- --check || smoke=1
  cargo clippy --workspace --all-targets --locked -q -- -D warnings || smoke=1
  # Every feature a user can pick, on its own and with none: the workspace build
  # above unifies them, so the facade's other builds are checked here.
  for features in "" prometheus http-server tls otlp-grpc otlp-http subscriber testing; do
    cargo clippy -p autobot-otel --no-default-features --features "$features" --locked -q \
      -- -D warnings || { echo "clippy failed with features: '$features'"; smoke=1; }
  done
  RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked -q || smoke=1
  RUSTDOCFLAGS="-D warnings" cargo doc -p autobot-otel --all-features --no-deps --locked -q || smoke=1
  # Generated files current; no locked dependency needs a newer Rust than the MSRV.
  cargo run -q --locked -p xtask -- check || smoke=1
  # Ready to publish: the three library crates package (and build from the package).
  # The verification builds the packaged crates as registry crates, whose build
  # artifacts Cargo never rebuilds for the same version (0.1.0): a warm target
  # dir would verify the macros against an older catalog. Drop those artifacts
  # (a no-op on a clean clone).
  # `cargo clean -p` leaves the registry copies' artifacts, so those go by name (the
  # package step is the last one: the next run rebuilds what this removes).
  cargo clean -q -p autobot-otel-catalog -p autobot-otel-macros -p autobot-otel
  rm -rf target/package
  find target/debug/deps target/debug/.fingerprint target/debug/build -maxdepth 1 \
    \( -name 'autobot_otel*' -o -name 'libautobot_otel*' -o -name 'autobot-otel*' \) \
    -exec rm -rf {} + 2>/dev/null || true
  # Cargo also keeps the sources it unpacked from that registry under CARGO_HOME
  # (a folder named after the registry's path, the same for every CI run in the
  # same place) and never unpacks the same version again: drop our crates' copies.
  rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/autobot-otel*-0.1.0
  cargo package --locked -q -p autobot-otel-catalog -p autobot-otel-macros -p autobot-otel \
    || smoke=1
fi

passed=$(awk '/^test result:/ {for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed;?$/) s += $i} END {print s + 0}' "$log")
failed=$(awk '/^test result:/ {for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed;?$/) s += $i} END {print s + 0}' "$log")
if [[ $status -eq 0 ]]; then
  if [[ $smoke -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi
echo
echo "${passed} passed, ${failed} failed"
[[ $status -eq 0 && $smoke -eq 0 ]]
