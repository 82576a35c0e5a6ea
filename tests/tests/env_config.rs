//! The standard `OTEL_*` variables configure the pipeline (each case runs the demo
//! in its own process, so the variables never leak between tests).

use std::time::Duration;

use autobot_otel_tests::{DemoProcess, http_get, strict_check_scrape};

fn get_json(demo: &DemoProcess, path: &str) -> serde_json::Value {
    serde_json::from_str(
        &http_get(&format!("{}{path}", demo.base_url()))
            .unwrap()
            .body,
    )
    .unwrap()
}

#[test]
fn otel_sdk_disabled_records_and_exports_nothing() {
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("AUTOBOT_DEMO_TICK_MS", "10"),
        ("AUTOBOT_DEMO_DURATION_SECS", "30"),
    ],)
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let health = get_json(&demo, "/api/monitoring/health/metrics");
    assert_eq!(health["status"], "disabled");
    assert!(health["exporters"]["otlp_metrics"].is_null());
    let scrape = http_get(&format!("{}/api/monitoring/metrics", demo.base_url())).unwrap();
    assert_eq!(scrape.status, 200);
    assert_eq!(scrape.body, "");
    assert_eq!(strict_check_scrape(&scrape.body).unwrap(), []);
}

#[test]
fn otlp_endpoint_protocol_and_interval_come_from_the_environment() {
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9/"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "250"),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("AUTOBOT_DEMO_DURATION_SECS", "30"),
    ],)
    .unwrap();
    let health = get_json(&demo, "/api/monitoring/health/metrics");
    let otlp = &health["exporters"]["otlp_metrics"];
    assert_eq!(otlp["protocol"], "http/protobuf");
    assert_eq!(otlp["endpoint"], "http://127.0.0.1:9/v1/metrics");
    assert_eq!(otlp["export_interval_ms"], 250);
    assert!(
        health["exporters"]["otlp_traces"].is_null(),
        "OTEL_TRACES_EXPORTER=none"
    );
}

#[test]
fn no_endpoint_means_no_push_and_no_error() {
    let demo = autobot_otel_tests::spawn_demo!(&[("AUTOBOT_DEMO_DURATION_SECS", "30")]).unwrap();
    let health = get_json(&demo, "/api/monitoring/health/metrics");
    assert_eq!(health["status"], "healthy");
    assert!(health["exporters"]["otlp_metrics"].is_null());
    assert!(health["exporters"]["otlp_traces"].is_null());
}

#[test]
fn an_unsupported_protocol_is_a_clear_startup_error() {
    let err = autobot_otel_tests::spawn_demo!(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
    ],)
    .expect_err("the demo must refuse to start");
    let text = err.to_string();
    assert!(
        text.contains("OTLP protocol `http/json` is not supported"),
        "{text}"
    );
}
