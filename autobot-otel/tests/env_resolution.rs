//! The `OTEL_*` variables configure the whole pipeline, one case per test, each
//! given through `TelemetryBuilder::with_env_lookup` (the resolution the process
//! environment goes through, `OtlpSettings` per signal; its every case is a unit
//! test in `src/exporter/otlp/settings/tests.rs`). And the one module that names
//! `OTEL_EXPORTER_OTLP_*` is that resolution's (the configuration table refers
//! to its names; that the table is every variable read, and the README's, is
//! `tests/env_table.rs`).

mod otlp_support;

use std::path::Path;

use autobot_otel::otlp::OtlpProtocol;
use otlp_support::with_variables;

#[test]
fn otel_sdk_disabled_records_and_exports_nothing() {
    let telemetry = with_variables(&[
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
    ])
    .build()
    .unwrap();
    telemetry.metrics().record_cache_hit("embedding");
    assert!(!telemetry.is_enabled());
    assert!(telemetry.otlp_settings().is_none());
    let health = telemetry.health();
    assert_eq!(health.status, "disabled");
    assert!(health.exporters.otlp_metrics.is_none());
    assert_eq!(telemetry.render(autobot_otel::Exposition::Text), "");
}

#[test]
fn no_endpoint_means_no_push_and_no_error() {
    let telemetry = with_variables(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])
        .build()
        .unwrap();
    let health = telemetry.health();
    assert_eq!(health.status, "healthy");
    assert!(health.exporters.otlp_metrics.is_none());
    assert!(health.exporters.otlp_traces.is_none());
    assert!(telemetry.tracer_provider().is_none());
}

#[test]
fn an_unsupported_protocol_is_a_clear_build_error() {
    let err = with_variables(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
    ])
    .build()
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            && err.contains("OTLP protocol `http/json` is not supported"),
        "{err}"
    );
}

#[test]
fn per_signal_protocols_endpoints_and_interval_show_in_the_health_report() {
    let telemetry = with_variables(&[
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://user:pa/ss@127.0.0.1:9/",
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "3600000"),
    ])
    .build()
    .unwrap();
    let settings = telemetry.otlp_settings().unwrap();
    assert_eq!(settings.metrics_protocol(), OtlpProtocol::Grpc);
    assert_eq!(settings.traces_protocol(), OtlpProtocol::HttpProtobuf);
    let health = serde_json::to_value(telemetry.health()).unwrap();
    let exporters = &health["exporters"];
    assert_eq!(exporters["otlp_metrics"]["protocol"], "grpc");
    assert_eq!(exporters["otlp_metrics"]["endpoint"], "http://127.0.0.1:9");
    assert_eq!(exporters["otlp_metrics"]["export_interval_ms"], 3_600_000);
    assert_eq!(exporters["otlp_traces"]["protocol"], "http/protobuf");
    assert_eq!(
        exporters["otlp_traces"]["endpoint"],
        "http://127.0.0.1:9/v1/traces"
    );
    assert!(!health.to_string().contains("pa/ss"));
    // The final export goes to a port nothing listens on: it may fail.
    let _ = telemetry.shutdown();
}

#[test]
fn traces_exporter_none_pushes_metrics_only() {
    let telemetry = with_variables(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "3600000"),
    ])
    .build()
    .unwrap();
    let health = telemetry.health();
    assert!(health.exporters.otlp_metrics.is_some());
    assert!(health.exporters.otlp_traces.is_none());
    assert!(telemetry.tracer_provider().is_none());
    let _ = telemetry.shutdown();
}

/// No source file of the crate but the settings module names an
/// `OTEL_EXPORTER_OTLP_*` variable outside comments: the resolution is the one
/// place that interprets them (`pipeline/env.rs` reads them, by the names
/// defined there), and the exporters get its values.
#[test]
fn only_the_settings_module_names_the_exporter_variables() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let settings = src.join("exporter/otlp/settings");
    let mut files = Vec::new();
    collect_rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources: {files:?}");
    let mut found_in_settings = 0;
    let mut elsewhere = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || !code.contains("OTEL_EXPORTER_OTLP") {
                continue;
            }
            if file.starts_with(&settings) || file == &settings.with_extension("rs") {
                found_in_settings += 1;
            } else {
                elsewhere.push(format!("{}:{}: {line}", file.display(), number + 1));
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "read outside the settings: {elsewhere:#?}"
    );
    assert!(found_in_settings >= 15, "the settings name every variable");
}

fn collect_rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
