//! A real OTLP collector (rotel, `--debug-log metrics --debug-log traces`) receives
//! what the demo pushes over gRPC and over HTTP/protobuf, configured only by the
//! standard `OTEL_*` variables; shutdown flushes a value recorded just before it;
//! a collector that is down neither blocks nor breaks the application.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use autobot_otel::Telemetry;
use autobot_otel::catalog::{CATALOG, Kind};
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel_tests::{
    Rotel, free_port, http_get, parse_metrics, parse_spans, strict_check_scrape,
};

fn otel_names() -> BTreeSet<String> {
    CATALOG.iter().map(|d| d.otel_name().to_string()).collect()
}

/// Runs the demo pushing to `rotel` with `env`, and checks every catalog metric
/// arrived with its OTel name, unit, kind and attribute keys, plus the spans.
fn demo_pushes_everything(rotel: &Rotel, env: &[(&str, &str)]) {
    let mut all_env = vec![
        ("AUTOBOT_DEMO_TICK_MS", "50"),
        ("AUTOBOT_DEMO_DURATION_SECS", "3"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
        ("OTEL_SERVICE_NAME", "autobot-demo-test"),
    ];
    all_env.extend_from_slice(env);
    let demo = autobot_otel_tests::spawn_demo!(&all_env).expect("demo starts");
    let health: serde_json::Value = serde_json::from_str(
        &http_get(&format!(
            "{}/api/monitoring/health/metrics",
            demo.base_url()
        ))
        .unwrap()
        .body,
    )
    .unwrap();
    assert!(
        health["exporters"]["otlp_metrics"]["endpoint"].is_string(),
        "{health}"
    );
    let status = demo
        .wait_exit(Duration::from_secs(30))
        .expect("demo exits by itself");
    assert!(status.success(), "demo failed:\n{}", demo.log());

    let want = otel_names();
    let output = rotel
        .wait_for_output(
            |out| {
                let got: BTreeSet<String> =
                    parse_metrics(out).into_iter().map(|m| m.name).collect();
                want.is_subset(&got)
            },
            Duration::from_secs(20),
        )
        .unwrap_or_else(|e| panic!("not every metric arrived: {e}\ndemo log:\n{}", demo.log()));
    let metrics = parse_metrics(&output);
    for def in CATALOG {
        let m = metrics
            .iter()
            .rev()
            .find(|m| m.name == def.otel_name())
            .unwrap_or_else(|| panic!("{} missing", def.otel_name()));
        assert_eq!(m.unit, def.unit, "unit of {}", m.name);
        assert_eq!(m.description, def.help, "description of {}", m.name);
        assert_eq!(m.scope_name, "autobot-otel");
        assert_eq!(
            m.resource_attr("service.name").as_deref(),
            Some("autobot-demo-test")
        );
        match def.kind {
            Kind::Counter | Kind::FloatCounter => {
                assert_eq!(
                    (m.data_type.as_str(), m.is_monotonic),
                    ("Sum", Some(true)),
                    "{}",
                    m.name
                );
            }
            Kind::Histogram => {
                assert_eq!(m.data_type, "Histogram", "{}", m.name);
                assert_eq!(m.points[0].explicit_bounds, def.buckets, "{}", m.name);
            }
            Kind::Gauge => assert_eq!(m.data_type, "Gauge", "{}", m.name),
        }
        let want_keys: BTreeSet<&str> = def.labels.iter().copied().collect();
        assert!(!m.points.is_empty(), "{} has no points", m.name);
        for p in &m.points {
            let keys: BTreeSet<&str> = p.attributes.keys().map(String::as_str).collect();
            assert_eq!(keys, want_keys, "attributes of {}", m.name);
        }
    }
    let spans = parse_spans(&output);
    let tick = spans
        .iter()
        .find(|s| s.name == "autobot.workload.tick")
        .unwrap_or_else(|| panic!("no workload span arrived"));
    assert!(tick.attr("tick").is_some(), "{tick:?}");
    assert_eq!(
        tick.resource_attr("service.name").as_deref(),
        Some("autobot-demo-test")
    );
}

#[test]
fn demo_pushes_every_metric_and_spans_over_grpc() {
    let rotel = Rotel::start().expect("rotel starts");
    let endpoint = rotel.grpc_endpoint();
    demo_pushes_everything(
        &rotel,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ],
    );
}

#[test]
fn demo_pushes_every_metric_and_spans_over_http_protobuf_the_default_protocol() {
    let rotel = Rotel::start().expect("rotel starts");
    let endpoint = rotel.http_endpoint();
    demo_pushes_everything(&rotel, &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
}

#[test]
fn shutdown_flushes_a_value_recorded_just_before_it() {
    let rotel = Rotel::start().expect("rotel starts");
    for (protocol, endpoint, provider) in [
        (OtlpProtocol::Grpc, rotel.grpc_endpoint(), "flush-grpc"),
        (
            OtlpProtocol::HttpProtobuf,
            rotel.http_endpoint(),
            "flush-http",
        ),
    ] {
        // The push interval is far away: only shutdown can deliver the value.
        let telemetry = Telemetry::builder()
            .with_otlp(
                OtlpSettings::new(endpoint, protocol)
                    .with_export_interval(Duration::from_secs(3600)),
            )
            .build()
            .unwrap();
        telemetry
            .metrics()
            .record_llm_tokens(provider, "m", 4242, 0);
        telemetry.shutdown().expect("clean shutdown");
        let out = rotel.wait_for_output(
            |out| {
                parse_metrics(out).iter().any(|m| {
                    m.name == "autobot_llm_tokens"
                        && m.point_with(&[("provider", provider), ("token_type", "input")])
                            .is_some_and(|p| p.value == Some(4242.0))
                })
            },
            Duration::from_secs(10),
        );
        assert!(
            out.is_ok(),
            "{protocol:?}: value not flushed: {:?}",
            out.err()
        );
    }
}

#[test]
fn collector_down_degrades_health_but_never_blocks_recording() {
    let port = free_port().unwrap(); // nothing listens here
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let telemetry = Telemetry::builder()
            .with_otlp(
                OtlpSettings::new(format!("http://127.0.0.1:{port}"), protocol)
                    .with_export_interval(Duration::from_millis(100)),
            )
            .with_shutdown_timeout(Duration::from_secs(3))
            .build()
            .unwrap();
        let started = Instant::now();
        for i in 0..10_000u64 {
            telemetry
                .metrics()
                .record_cache_hit(if i % 2 == 0 { "a" } else { "b" });
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "recording stalled"
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while telemetry.health().status != "degraded" {
            assert!(
                Instant::now() < deadline,
                "{protocol:?}: health never reported the failing export"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let health = telemetry.health();
        let otlp = health.exporters.otlp_metrics.as_ref().unwrap();
        assert!(otlp.status.exports_failed >= 1);
        assert!(otlp.status.last_error.is_some());
        // The Prometheus path is unaffected, and its scrape passes the strict
        // check (self-metrics of the failing exports included).
        let text = telemetry.render(autobot_otel::Exposition::Text);
        assert!(text.contains(r#"autobot_knowledge_cache_hits_total{cache_type="a"} 5000"#));
        strict_check_scrape(&text).unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        let started = Instant::now();
        let _ = telemetry.shutdown(); // may report the export error; must return in time
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{protocol:?}: shutdown took {:?}",
            started.elapsed()
        );
    }
}
