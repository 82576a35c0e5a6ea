//! Settings given in code ignore every `OTEL_EXPORTER_OTLP_*` variable, although
//! the exporter library reads some of them by itself (the headers, on every
//! request; the timeout, endpoint and compression when not given). The one
//! place that reads them is our resolution, which settings in code bypass.
//!
//! Only a real environment can show this, so this test binary runs itself again
//! as a child process with those variables set to values that would show (extra
//! headers, a 1 ms timeout, another endpoint and protocol, gzip), and pushes with
//! settings given in code to a loopback collector that records the headers.
//! Every other environment case is a plain test over a variable lookup
//! (`settings/tests.rs`, `env_resolution.rs`).

mod otlp_support;

use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use otlp_support::{Collector, record_a_metric_and_a_span_and_flush};

/// Set in the child process.
const CHILD_VAR: &str = "AUTOBOT_OTEL_ENV_ISOLATION_CHILD";

#[test]
fn settings_in_code_ignore_the_exporter_variables() {
    if std::env::var_os(CHILD_VAR).is_some() {
        return; // Only the parent runs this.
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "child_pushes_with_settings_in_code",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, "1");
    for (name, value) in [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://127.0.0.1:9/m",
        ),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:9/t"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-env-general=leak"),
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-env-metrics=leak"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "x-env-traces=leak,authorization=Bearer%20env",
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1"),
        ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "1"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
    ] {
        child.env(name, value);
    }
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{stderr}"
    );
}

/// The child half of [`settings_in_code_ignore_the_exporter_variables`]: a
/// no-op unless [`CHILD_VAR`] is set.
#[test]
fn child_pushes_with_settings_in_code() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    let collector = Collector::start();
    let telemetry = Telemetry::builder()
        .with_otlp(
            OtlpSettings::new(collector.url(), OtlpProtocol::HttpProtobuf)
                .with_header("x-code", "from-code")
                .with_export_interval(Duration::from_secs(3600)),
        )
        .with_shutdown_timeout(Duration::from_secs(10))
        .build()
        .expect("settings in code build");
    // (A 1 ms timeout from the variables could fail the flush.)
    record_a_metric_and_a_span_and_flush(&telemetry);
    for path in ["/v1/metrics", "/v1/traces"] {
        let request = collector.request_to(path);
        assert_eq!(request.names(), ["user-agent", "x-code"], "{path}");
        assert_eq!(request.header("x-code"), Some("from-code"));
    }
    telemetry.shutdown().expect("clean shutdown");
    println!("child: the exporter variables were ignored");
}
