//! The demo reads the standard `OTEL_*` variables from its real environment: one
//! end-to-end check, in a process of its own. Every case of the variables
//! themselves is a plain test over a variable lookup in `autobot-otel`
//! (`src/exporter/otlp/settings/tests.rs`, `tests/env_resolution.rs`).

use std::time::{Duration, Instant};

use autobot_otel_tests::{DemoProcess, free_port, http_get};

fn health(demo: &DemoProcess) -> serde_json::Value {
    let url = format!("{}/api/monitoring/health/metrics", demo.base_url());
    serde_json::from_str(&http_get(&url).unwrap().body).unwrap()
}

/// Per-signal protocols, the general endpoint (with a password holding `/`,
/// `?` and `#`), the export interval and timeout, all from the environment;
/// the user information shows neither in the health report nor in the log.
#[test]
fn the_demo_reads_the_otlp_variables_from_its_environment() {
    let port = free_port().unwrap(); // nothing listens: every export fails
    let endpoint = format!("http://env-user-q7:pa55/qzqz?kx#w9@127.0.0.1:{port}/");
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "250"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
        ("AUTOBOT_DEMO_DURATION_SECS", "60"),
    ])
    .unwrap();
    // The 250 ms interval is in force when a metric export has failed.
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        let health = health(&demo);
        if health["exporters"]["otlp_metrics"]["exports_failed"].as_u64() >= Some(1) {
            break health;
        }
        assert!(
            Instant::now() < deadline,
            "no failed metric export within 30 s: {}\n{}",
            health["exporters"],
            demo.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let exporters = &health["exporters"];
    let metrics = &exporters["otlp_metrics"];
    assert_eq!(metrics["protocol"], "grpc", "{exporters}");
    assert_eq!(metrics["endpoint"], format!("http://127.0.0.1:{port}"));
    assert_eq!(metrics["export_interval_ms"], 250);
    let traces = &exporters["otlp_traces"];
    assert_eq!(traces["protocol"], "http/protobuf", "{exporters}");
    assert_eq!(
        traces["endpoint"],
        format!("http://127.0.0.1:{port}/v1/traces")
    );
    assert_eq!(health["status"], "degraded");
    let log = demo.log();
    assert!(
        log.contains(&format!("\"http://127.0.0.1:{port}\"")),
        "the start-up line names the metrics endpoint:\n{log}"
    );
    for secret in ["env-user-q7", "pa55", "qzqz", "kx#w9"] {
        assert!(!health.to_string().contains(secret), "{secret} in {health}");
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

/// `service.version` defaults to the demo's crate version (`init!()`), and
/// `OTEL_RESOURCE_ATTRIBUTES` wins over that default; `AUTOBOT_OTEL_GENAI_METRICS`
/// turns the GenAI metrics on.
#[test]
fn the_demo_reads_the_resource_and_genai_variables_from_its_environment() {
    let target_info = |demo: &DemoProcess| -> String {
        let body = http_get(&format!("{}/api/monitoring/metrics", demo.base_url()))
            .unwrap()
            .body;
        body.lines()
            .find(|l| l.starts_with("target_info{"))
            .unwrap_or_default()
            .to_string()
    };
    let plain = autobot_otel_tests::spawn_demo!(&[("AUTOBOT_DEMO_DURATION_SECS", "60")]).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        target_info(&plain).contains(&format!(r#"service_version="{version}""#)),
        "{}",
        target_info(&plain)
    );
    assert_eq!(health(&plain)["genai_metrics"], false);
    drop(plain);
    let configured = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_DURATION_SECS", "60"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.version=9.9.9-env,team=ai"
        ),
        ("AUTOBOT_OTEL_GENAI_METRICS", "true"),
    ])
    .unwrap();
    let info = target_info(&configured);
    assert!(info.contains(r#"service_version="9.9.9-env""#), "{info}");
    assert!(info.contains(r#"team="ai""#), "{info}");
    assert_eq!(health(&configured)["genai_metrics"], true);
}

/// The demo prices its fake models from `examples/pricing.toml` (its streams
/// report cached tokens and a dated model id, and no cost): their cost arrives
/// split by `cost_type`; `AUTOBOT_OTEL_PRICING_FILE` replaces that table, and a
/// bad one stops the demo with an error naming the file.
#[test]
fn the_demo_prices_its_fake_models_from_a_table() {
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_DURATION_SECS", "60"),
        ("AUTOBOT_DEMO_STREAM_MS", "50"),
    ])
    .unwrap();
    let pricing = &health(&demo)["pricing"];
    assert_eq!(pricing["configured"], true);
    assert_eq!(pricing["models"], 2);
    let url = format!("{}/api/monitoring/metrics", demo.base_url());
    let wanted = r#"autobot_llm_cost_dollars_total{cost_type="cache_read",model="gpt-4o",provider="openai"} "#;
    autobot_otel_tests::poll(
        Duration::from_secs(30),
        Duration::from_millis(100),
        || Ok(http_get(&url)?.body.contains(wanted).then_some(())),
        || format!("no `{wanted}` in the demo's scrape"),
    )
    .unwrap();
    drop(demo);

    let dir = std::env::temp_dir().join(format!("autobot-demo-pricing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("prices.toml");
    std::fs::write(
        &bad,
        "[[model]]\nprovider = \"openai\"\nmodel = \"gpt-4o\"\ninput = -1.0\noutput = 1.0\n",
    )
    .unwrap();
    let path = bad.to_string_lossy().into_owned();
    let err = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_DURATION_SECS", "60"),
        ("AUTOBOT_OTEL_PRICING_FILE", path.as_str()),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("invalid price table entry openai/gpt-4o: price `input` is -1"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
