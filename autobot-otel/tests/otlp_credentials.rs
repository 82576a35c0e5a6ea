//! OTLP credentials never leak: header values (set with `OtlpSettings::with_header`
//! or the `OTEL_EXPORTER_OTLP_*HEADERS` variables) and the user information of the
//! endpoint URL, including a password with `/`, `?` and `#` (issue 10), appear in
//! no `Debug` output, no log line (captured at `TRACE`, all targets, so the
//! exporter's own diagnostics are included), no flush or shutdown error and
//! nowhere in the health report, while exports against a refusing port fail. And
//! they do reach the collector, each signal with its own headers: a loopback
//! OTLP/HTTP server records the request headers.
//!
//! The variables are given through `TelemetryBuilder::with_env_lookup`, the same
//! resolution as the process environment's, so every case is a plain test.

mod otlp_support;

use std::time::Duration;

use autobot_otel::labels::Outcome;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel::{Telemetry, TelemetryBuilder};
use opentelemetry::trace::{Tracer, TracerProvider};
use otlp_support::{
    Collector, assert_nowhere, basic, captured_logs, logs, record_a_metric_and_a_span_and_flush,
    refusing_port, with_variables,
};

const HEADER_SECRET: &str = "hdr-5ecret-7f3a91";
/// With `/`, `?` and `#`, which used to end the user information early.
const URL_PASSWORD: &str = "url-pa55/qzqz7?kxkx#wyw9";
const URL_USER: &str = "otlp-user-b61e";

const ENV_SECRET: &str = "env-5ecret-0d9c44";
const ENV_TRACES_SECRET: &str = "env-traces-5ecret-e57b";
const ENV_PASSWORD: &str = "env-pa55/gh91jk";

/// The pieces of each secret, so that a partial leak (the part before a `/`)
/// fails too. None is hexadecimal, so no trace or span id can match one.
const SECRET_PIECES: [&str; 9] = [
    HEADER_SECRET,
    "url-pa55",
    "qzqz7",
    "kxkx#wyw9",
    URL_USER,
    ENV_SECRET,
    ENV_TRACES_SECRET,
    "env-pa55",
    "gh91jk",
];

/// Records a metric and a span, flushes (failing), and gathers everything the
/// application could print or serve.
fn exercise_failing(telemetry: &Telemetry) -> Vec<(&'static str, String)> {
    telemetry
        .metrics()
        .record_workflow_execution("credentials", Outcome::Success, 1.0);
    let tracer = telemetry
        .tracer_provider()
        .expect("spans are exported")
        .tracer("credentials-test");
    tracer.in_span("export-me", |_| {});
    let flushed = telemetry.force_flush();
    assert!(flushed.is_err(), "the collector port refuses connections");
    let health = telemetry.health();
    let metrics = health.exporters.otlp_metrics.as_ref().unwrap();
    assert!(metrics.status.exports_failed > 0, "{health:?}");
    assert!(metrics.status.last_error.is_some());
    let traces = health.exporters.otlp_traces.as_ref().unwrap();
    assert!(traces.status.exports_failed > 0, "{health:?}");
    assert_eq!(health.status, "degraded");
    vec![
        (
            "force_flush error (Display)",
            flushed.as_ref().unwrap_err().to_string(),
        ),
        ("force_flush error (Debug)", format!("{flushed:?}")),
        ("Telemetry Debug", format!("{telemetry:?}")),
        (
            "otlp_settings Debug",
            format!("{:?}", telemetry.otlp_settings()),
        ),
        ("health JSON", serde_json::to_string(&health).unwrap()),
        ("health Debug", format!("{health:?}")),
        (
            "tracer provider Debug",
            format!("{:?}", telemetry.tracer_provider()),
        ),
    ]
}

fn settings(protocol: OtlpProtocol, port: u16) -> OtlpSettings {
    OtlpSettings::new(
        format!("http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{port}"),
        protocol,
    )
    .with_export_interval(Duration::from_secs(3600))
    .with_header("x-api-key", HEADER_SECRET)
}

fn builder_credentials_never_leak(protocol: OtlpProtocol) {
    logs();
    let port = refusing_port();
    let settings = settings(protocol, port);
    let builder = Telemetry::builder()
        .with_otlp(settings.clone())
        .with_shutdown_timeout(Duration::from_secs(10));
    let mut places = vec![
        ("OtlpSettings Debug", format!("{settings:?}")),
        ("OtlpSettings pretty Debug", format!("{settings:#?}")),
        ("headers Debug", format!("{:?}", settings.headers)),
        ("TelemetryBuilder Debug", format!("{builder:?}")),
        ("metrics_endpoint", settings.metrics_endpoint()),
        ("traces_endpoint", settings.traces_endpoint()),
    ];
    let telemetry = builder.build().unwrap();
    places.extend(exercise_failing(&telemetry));
    let shutdown = telemetry.shutdown();
    places.push(("shutdown result", format!("{shutdown:?}")));
    let logs = captured_logs();
    assert!(
        logs.contains("OTLP export failed"),
        "logs are captured: {logs}"
    );
    places.push(("logs", logs));
    assert_nowhere(&SECRET_PIECES, &places);
    // The redacted Debug still says that credentials are configured.
    assert!(places[0].1.contains("x-api-key") && places[0].1.contains("<redacted>"));
    let endpoint = format!("http://127.0.0.1:{port}");
    let want = match protocol {
        OtlpProtocol::Grpc => endpoint,
        OtlpProtocol::HttpProtobuf => format!("{endpoint}/v1/metrics"),
    };
    assert_eq!(settings.metrics_endpoint(), want);
}

#[test]
fn builder_credentials_never_leak_over_http() {
    builder_credentials_never_leak(OtlpProtocol::HttpProtobuf);
}

#[test]
fn builder_credentials_never_leak_over_grpc() {
    builder_credentials_never_leak(OtlpProtocol::Grpc);
}

#[test]
fn an_invalid_header_fails_the_build_without_showing_its_value() {
    let settings = OtlpSettings::new("http://127.0.0.1:4318", OtlpProtocol::HttpProtobuf)
        .with_header("x-api-key", format!("{HEADER_SECRET}\r\nx-injected: 1"));
    let err = Telemetry::builder()
        .with_otlp(settings)
        .build()
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("x-api-key"), "{text}");
    assert!(!text.contains(HEADER_SECRET), "{text}");
}

#[test]
fn builder_headers_and_url_credentials_reach_the_http_collector() {
    logs();
    let collector = Collector::start();
    // Header values from code are sent as given: no percent-decoding.
    let settings = settings(OtlpProtocol::HttpProtobuf, collector.addr.port())
        .with_header("x-percent", "50%25 off");
    let telemetry = Telemetry::builder()
        .with_otlp(settings)
        .with_shutdown_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    record_a_metric_and_a_span_and_flush(&telemetry);
    let health = serde_json::to_string(&telemetry.health()).unwrap();
    assert!(health.contains("\"failing\":false"), "{health}");
    for path in ["/v1/metrics", "/v1/traces"] {
        let request = collector.request_to(path);
        assert_eq!(request.header("x-api-key"), Some(HEADER_SECRET), "{path}");
        assert_eq!(
            request.header("authorization"),
            Some(basic(URL_USER, URL_PASSWORD).as_str()),
            "{path}"
        );
        // Exactly the configured headers (and ours), nothing else.
        assert_eq!(request.header("x-percent"), Some("50%25 off"), "{path}");
        assert_eq!(
            request.names(),
            ["authorization", "user-agent", "x-api-key", "x-percent"],
            "{path}"
        );
        let agent = request.header("user-agent").unwrap_or_default();
        assert!(agent.starts_with("autobot-otel/"), "{agent}");
    }
    assert_nowhere(
        &SECRET_PIECES,
        &[("health JSON", health), ("logs", captured_logs())],
    );
    telemetry.shutdown().unwrap();
}

/// A builder configured by the variables only, with credentials everywhere.
fn from_credential_variables(endpoint: &str) -> TelemetryBuilder {
    with_variables(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            &format!("x-env-key={ENV_SECRET}"),
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            &format!("x-env-traces-key={ENV_TRACES_SECRET}"),
        ),
        ("OTEL_METRIC_EXPORT_INTERVAL", "3600000"),
    ])
}

#[test]
fn variable_credentials_reach_the_collector_per_signal_and_never_leak() {
    logs();
    let collector = Collector::start();
    // Percent-encoded `/` in the user, raw `/` in the password.
    let endpoint = format!("http://env%2Fuser:{ENV_PASSWORD}@{}", collector.addr);
    let builder = from_credential_variables(&endpoint);
    let telemetry = builder.clone().build().unwrap();
    record_a_metric_and_a_span_and_flush(&telemetry);
    let health = telemetry.health();
    let otlp = health.exporters.otlp_metrics.as_ref().unwrap();
    assert_eq!(otlp.endpoint, format!("{}/v1/metrics", collector.url()));
    let mut places = vec![
        ("TelemetryBuilder Debug", format!("{builder:?}")),
        ("Telemetry Debug", format!("{telemetry:?}")),
        (
            "otlp_settings Debug",
            format!("{:?}", telemetry.otlp_settings()),
        ),
        ("health JSON", serde_json::to_string(&health).unwrap()),
    ];
    telemetry.shutdown().unwrap();
    // The general headers with metrics, the per-signal ones (which replace
    // them) with spans; the user information as Basic auth with both.
    let metrics = collector.request_to("/v1/metrics");
    assert_eq!(metrics.header("x-env-key"), Some(ENV_SECRET));
    assert_eq!(
        metrics.names(),
        ["authorization", "user-agent", "x-env-key"]
    );
    let traces = collector.request_to("/v1/traces");
    assert_eq!(traces.header("x-env-traces-key"), Some(ENV_TRACES_SECRET));
    assert_eq!(
        traces.names(),
        ["authorization", "user-agent", "x-env-traces-key"]
    );
    for request in [&metrics, &traces] {
        assert_eq!(
            request.header("authorization"),
            Some(basic("env/user", ENV_PASSWORD).as_str())
        );
    }

    // The same variables against a refusing port.
    let refusing = from_credential_variables(&format!(
        "http://env%2Fuser:{ENV_PASSWORD}@127.0.0.1:{}",
        refusing_port()
    ))
    .build()
    .unwrap();
    places.extend(exercise_failing(&refusing));
    let _ = refusing.shutdown();
    let logs = captured_logs();
    assert!(logs.contains("OTLP export failed"), "logs are captured");
    places.push(("logs", logs));
    assert_nowhere(&SECRET_PIECES, &places);
}
