//! Each signal goes where its own settings say: metrics over OTLP/gRPC to one
//! real rotel collector, spans over OTLP/HTTP to another. Once configured by the
//! per-signal `OTEL_EXPORTER_OTLP_{METRICS,TRACES}_*` variables of the demo, once
//! by the builder API in process.
//!
//! Regression (issue 9): `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` was never read, so
//! spans used the metrics protocol: gRPC against the HTTP collector, and no span
//! ever arrived.

use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel_tests::{Rotel, http_get, parse_metrics, parse_spans};
use opentelemetry::trace::{Tracer, TracerProvider};

/// Waits until a metric named `metric` arrived at `metrics` and a span named
/// `span` at `traces`, then checks that neither collector got the other signal.
fn each_signal_arrives_at_its_own_collector(
    metrics: &Rotel,
    metric: &str,
    traces: &Rotel,
    span: &str,
    context: &dyn Fn() -> String,
) {
    metrics
        .wait_for_output(
            |out| parse_metrics(out).iter().any(|m| m.name == metric),
            Duration::from_secs(20),
        )
        .unwrap_or_else(|e| {
            panic!(
                "{metric} never reached the gRPC collector: {e}\n{}",
                context()
            )
        });
    traces
        .wait_for_output(
            |out| parse_spans(out).iter().any(|s| s.name == span),
            Duration::from_secs(20),
        )
        .unwrap_or_else(|e| {
            panic!(
                "span {span} never reached the HTTP collector: {e}\n{}",
                context()
            )
        });
    let misrouted_spans = parse_spans(&metrics.output());
    assert!(
        misrouted_spans.is_empty(),
        "the metrics collector got spans: {:?}",
        misrouted_spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let misrouted_metrics = parse_metrics(&traces.output());
    assert!(
        misrouted_metrics.is_empty(),
        "the traces collector got metrics: {:?}",
        misrouted_metrics
            .iter()
            .map(|m| &m.name)
            .collect::<Vec<_>>()
    );
}

#[test]
fn demo_pushes_metrics_over_grpc_and_spans_over_http_from_per_signal_variables() {
    let metrics = Rotel::start().expect("rotel (metrics) starts");
    let traces = Rotel::start().expect("rotel (traces) starts");
    let traces_url = format!("{}/v1/traces", traces.http_endpoint());
    let demo = autobot_otel_tests::spawn_demo!(&[
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            &metrics.grpc_endpoint()
        ),
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &traces_url),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
        ("AUTOBOT_DEMO_TICK_MS", "50"),
        ("AUTOBOT_DEMO_DURATION_SECS", "3"),
    ])
    .expect("demo starts");
    let health: serde_json::Value = serde_json::from_str(
        &http_get(&format!(
            "{}/api/monitoring/health/metrics",
            demo.base_url()
        ))
        .unwrap()
        .body,
    )
    .unwrap();
    let exporters = &health["exporters"];
    assert_eq!(exporters["otlp_metrics"]["protocol"], "grpc", "{health}");
    assert_eq!(
        exporters["otlp_metrics"]["endpoint"],
        metrics.grpc_endpoint().as_str()
    );
    assert_eq!(
        exporters["otlp_traces"]["protocol"], "http/protobuf",
        "{health}"
    );
    assert_eq!(exporters["otlp_traces"]["endpoint"], traces_url.as_str());
    let status = demo
        .wait_exit(Duration::from_secs(30))
        .expect("demo exits by itself");
    assert!(status.success(), "demo failed:\n{}", demo.log());
    each_signal_arrives_at_its_own_collector(
        &metrics,
        "autobot_workflow_executions",
        &traces,
        "autobot.workload.tick",
        &|| format!("demo log:\n{}", demo.log()),
    );
}

#[test]
fn builder_per_signal_protocols_push_metrics_over_grpc_and_spans_over_http() {
    let metrics = Rotel::start().expect("rotel (metrics) starts");
    let traces = Rotel::start().expect("rotel (traces) starts");
    let settings = OtlpSettings::new(metrics.grpc_endpoint(), OtlpProtocol::Grpc)
        .with_traces_protocol(OtlpProtocol::HttpProtobuf)
        .with_traces_endpoint(format!("{}/v1/traces", traces.http_endpoint()))
        .with_export_interval(Duration::from_secs(3600));
    assert_eq!(settings.metrics_protocol(), OtlpProtocol::Grpc);
    assert_eq!(settings.traces_protocol(), OtlpProtocol::HttpProtobuf);
    let telemetry = Telemetry::builder()
        .with_service_name("per-signal-test")
        .with_otlp(settings)
        .build()
        .expect("pipeline builds");
    telemetry.metrics().record_cache_hit("per-signal");
    telemetry
        .tracer_provider()
        .expect("spans are exported")
        .tracer("per-signal-test")
        .in_span("per-signal-span", |_| {});
    telemetry.shutdown().expect("both signals flushed");
    each_signal_arrives_at_its_own_collector(
        &metrics,
        "autobot_knowledge_cache_hits",
        &traces,
        "per-signal-span",
        &String::new,
    );
}
