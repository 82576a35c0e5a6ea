#!/bin/sh
# rotel as the GATEWAY tier: receives OTLP from the agents (agent.sh) behind an
# ordinary L4 load balancer and sends metrics and spans on over OTLP to the
# backends: metrics to a store with an OTLP receiver (Grafana Mimir's
# /otlp/v1/metrics, VictoriaMetrics 1.92+'s /opentelemetry/v1/metrics, Prometheus
# 2.47+ with --enable-feature=otlp-write-receiver), spans to Tempo or any OTLP trace
# backend. The rotel counterpart of ../otelcol/gateway.yaml and
# gateway-backend.yaml (what it lacks: see README.md).
#
#   ROTEL_OTLP_GRPC_ENDPOINT=0.0.0.0:4317 collector-config/rotel/gateway.sh
#
# Defaults (each overridden by rotel's own ROTEL_* variable):
#   ROTEL                                  rotel-agent
#   ROTEL_OTLP_GRPC_ENDPOINT               127.0.0.1:4317   (0.0.0.0:4317 to serve other hosts)
#   ROTEL_OTLP_HTTP_ENDPOINT               127.0.0.1:4318
#   ROTEL_EXPORTER                         otlp
#   ROTEL_OTLP_EXPORTER_METRICS_ENDPOINT   http://mimir-distributor:8080/otlp   (OTLP/HTTP)
#   ROTEL_OTLP_EXPORTER_TRACES_ENDPOINT    http://tempo-distributor:4317        (OTLP/gRPC)
# Further arguments are passed on to `rotel-agent start`.
set -eu
exec "${ROTEL:-rotel-agent}" start \
  --otlp-grpc-endpoint "${ROTEL_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317}" \
  --otlp-http-endpoint "${ROTEL_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}" \
  --exporter "${ROTEL_EXPORTER:-otlp}" \
  --otlp-exporter-metrics-endpoint "${ROTEL_OTLP_EXPORTER_METRICS_ENDPOINT:-http://mimir-distributor:8080/otlp}" \
  --otlp-exporter-metrics-protocol http \
  --otlp-exporter-traces-endpoint "${ROTEL_OTLP_EXPORTER_TRACES_ENDPOINT:-http://tempo-distributor:4317}" \
  --otlp-exporter-traces-protocol grpc \
  --otlp-exporter-compression gzip \
  --otlp-exporter-request-timeout 10s \
  --otlp-exporter-retry-initial-backoff 1s \
  --otlp-exporter-retry-max-backoff 10s \
  --otlp-exporter-retry-max-elapsed-time 300s \
  --batch-max-size 8192 \
  --batch-timeout 1s \
  "$@"
