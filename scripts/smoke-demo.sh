#!/usr/bin/env bash
# Starts the demo service the way the README does (on another port, for a few
# seconds) and checks both endpoints answer as documented.
set -euo pipefail
cd "$(dirname "$0")/.."

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
AUTOBOT_DEMO_ADDR="127.0.0.1:${port}" AUTOBOT_DEMO_DURATION_SECS=8 \
  cargo run -q --locked -p autobot-otel-examples --bin autobot-demo >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT

base="http://127.0.0.1:${port}"
for _ in $(seq 1 600); do
  curl -fs "$base/api/monitoring/health/metrics" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$log"; echo "smoke: demo exited early" >&2; exit 1; }
  sleep 0.2
done
sleep 3
ctype=$(curl -fs -o /dev/null -w '%{content_type}' "$base/api/monitoring/metrics")
families=$(curl -fs "$base/api/monitoring/metrics" | grep '^# TYPE autobot_' | grep -vc '^# TYPE autobot_otel_')
# The catalog's size comes from the health report (the guide's 56 and the extensions).
status=$(curl -fs "$base/api/monitoring/health/metrics" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["metrics_with_data"], d["metrics_count"])')
expected=$(echo "$status" | awk '{print $3}')
wait $pid
echo "smoke: content-type=${ctype} autobot families=${families} health=${status}"
[[ "$ctype" == "text/plain; version=0.0.4; charset=utf-8" ]] || { echo "smoke: wrong content type" >&2; exit 1; }
[[ "$expected" -ge 56 ]] || { echo "smoke: the catalog has fewer than the guide's 56 metrics" >&2; exit 1; }
[[ "$families" == "$expected" ]] || { echo "smoke: expected $expected autobot families, got $families" >&2; exit 1; }
[[ "$status" == "healthy $expected $expected" ]] || { echo "smoke: health is '$status'" >&2; exit 1; }
echo "smoke: ok"
