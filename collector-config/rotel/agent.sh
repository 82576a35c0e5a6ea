#!/bin/sh
# rotel as the AGENT tier: next to the service (sidecar or one per host). It receives
# OTLP from the service's replicas and forwards metrics and spans over OTLP/gRPC to
# the gateway tier (gateway.sh), batching, compressing and retrying. The rotel
# counterpart of ../otelcol/agent.yaml (what it lacks: see README.md).
#
#   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 autobot-demo    # each replica
#   ROTEL_OTLP_EXPORTER_ENDPOINT=http://otel-gateway:4317 collector-config/rotel/agent.sh
#
# Every setting can be overridden by rotel's own ROTEL_* variable; the defaults:
#   ROTEL                         rotel-agent          the binary (PyPI package `rotel`)
#   ROTEL_OTLP_GRPC_ENDPOINT      127.0.0.1:4317       where the service pushes (gRPC)
#   ROTEL_OTLP_HTTP_ENDPOINT      127.0.0.1:4318       where the service pushes (HTTP)
#   ROTEL_EXPORTER                otlp
#   ROTEL_OTLP_EXPORTER_ENDPOINT  http://otel-gateway:4317   the gateway tier
# Further arguments are passed on to `rotel-agent start`.
set -eu
exec "${ROTEL:-rotel-agent}" start \
  --otlp-grpc-endpoint "${ROTEL_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317}" \
  --otlp-http-endpoint "${ROTEL_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}" \
  --exporter "${ROTEL_EXPORTER:-otlp}" \
  --otlp-exporter-endpoint "${ROTEL_OTLP_EXPORTER_ENDPOINT:-http://otel-gateway:4317}" \
  --otlp-exporter-protocol grpc \
  --otlp-exporter-compression gzip \
  --otlp-exporter-request-timeout 10s \
  --otlp-exporter-retry-initial-backoff 1s \
  --otlp-exporter-retry-max-backoff 10s \
  --otlp-exporter-retry-max-elapsed-time 300s \
  --batch-max-size 8192 \
  --batch-timeout 1s \
  "$@"
