//! The process metrics and the HTTP server conventions' metrics reach a real
//! OTLP collector (rotel, over HTTP/protobuf) under their OpenTelemetry names:
//! `process.cpu.time` (a monotonic sum in `s` with `cpu.mode` = `user` and
//! `system`), the `process.*` up-down counters and `process.start_time`; and
//! the monitoring endpoint's own requests as `http.server.request.duration`
//! (the conventions' buckets, `http.route`, an integer
//! `http.response.status_code`) and `http.server.active_requests`. Loopback only.

use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::catalog::http_server::{HTTP_SERVER_METRICS, REQUEST_DURATION_BUCKETS};
use autobot_otel::catalog::process::PROCESS_METRICS;
use autobot_otel::http::MetricsServer;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel_tests::{
    AttrValue, Rotel, RotelMetric, http_get, http_get_with_headers, parse_metrics,
    strict_check_openmetrics, strict_check_scrape,
};

fn metric<'a>(metrics: &'a [RotelMetric], name: &str) -> &'a RotelMetric {
    metrics
        .iter()
        .rev()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn process_and_http_server_metrics_arrive_under_their_otel_names() {
    let rotel = Rotel::start().expect("rotel");
    let telemetry = Telemetry::builder()
        .with_service_name("runtime-otlp-test")
        .with_otlp(
            OtlpSettings::new(rotel.http_endpoint(), OtlpProtocol::HttpProtobuf)
                .with_export_interval(Duration::from_secs(3600)),
        )
        .build()
        .expect("pipeline");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime
        .block_on(MetricsServer::bind("127.0.0.1:0", telemetry.clone()))
        .unwrap();
    let url = format!("http://{}/api/monitoring/metrics", server.local_addr());
    runtime.spawn(server.run_until(std::future::pending()));
    let scrape = http_get(&url).expect("a scrape");
    assert_eq!(scrape.status, 200);
    // Both expositions, with both kinds of families, pass the strict parser
    // (the second scrape holds the first one's request).
    let text = http_get(&url).expect("a scrape").body;
    let open = http_get_with_headers(
        &url,
        &[("accept", "application/openmetrics-text; version=1.0.0")],
    )
    .expect("an OpenMetrics scrape")
    .body;
    for (format, families) in [
        (
            "text",
            strict_check_scrape(&text).unwrap_or_else(|e| panic!("{e}\n{text}")),
        ),
        (
            "openmetrics",
            strict_check_openmetrics(&open).unwrap_or_else(|e| panic!("{e}\n{open}")),
        ),
    ] {
        for family in [
            "process_cpu_seconds",
            "process_resident_memory_bytes",
            "process_open_fds",
            "http_server_request_duration_seconds",
            "http_server_active_requests",
        ] {
            assert!(
                families.iter().any(|f| f.name == family),
                "{format}: no {family}"
            );
        }
    }
    telemetry.shutdown().expect("flushed to the collector");

    let names: Vec<&str> = PROCESS_METRICS
        .iter()
        .map(|d| d.name)
        .chain(HTTP_SERVER_METRICS.iter().map(|d| d.name))
        .collect();
    let out = rotel
        .wait_for_output(
            |out| {
                let metrics = parse_metrics(out);
                names.iter().all(|n| metrics.iter().any(|m| m.name == *n))
            },
            Duration::from_secs(20),
        )
        .expect("every family arrives");
    let metrics = parse_metrics(&out);
    // Nothing under the Prometheus names over OTLP.
    for def in PROCESS_METRICS {
        let prometheus = def.prometheus_name();
        assert!(metrics.iter().all(|m| m.name != prometheus), "{prometheus}");
        let m = metric(&metrics, def.name);
        assert_eq!(m.unit, def.unit, "{}", def.name);
        assert_eq!(m.scope_name, autobot_otel::catalog::SCOPE_NAME);
    }
    let cpu = metric(&metrics, "process.cpu.time");
    assert_eq!(
        (cpu.data_type.as_str(), cpu.is_monotonic),
        ("Sum", Some(true))
    );
    let modes: Vec<String> = cpu
        .points
        .iter()
        .filter_map(|p| p.attr("cpu.mode"))
        .collect();
    assert_eq!(modes.len(), 2, "{modes:?}");
    assert!(modes.contains(&"user".to_string()) && modes.contains(&"system".to_string()));
    let rss = metric(&metrics, "process.memory.usage");
    assert_eq!(
        (rss.data_type.as_str(), rss.is_monotonic),
        ("Sum", Some(false))
    );
    assert!(rss.points[0].value.unwrap() > 0.0);
    assert!(
        metric(&metrics, "process.unix.file_descriptor.count").points[0]
            .value
            .unwrap()
            >= 3.0
    );
    assert!(
        metric(&metrics, "process.thread.count").points[0]
            .value
            .unwrap()
            >= 1.0
    );
    let start = metric(&metrics, "process.start_time");
    assert_eq!(start.data_type, "Gauge");
    assert!(start.points[0].value.unwrap() > 1.0e9);

    let duration = metric(&metrics, "http.server.request.duration");
    assert_eq!(
        (duration.unit.as_str(), duration.data_type.as_str()),
        ("s", "Histogram")
    );
    let point = duration
        .point_with(&[("http.route", "/api/monitoring/metrics")])
        .expect("the scrape's own request");
    assert_eq!(point.explicit_bounds, REQUEST_DURATION_BUCKETS);
    assert_eq!(point.count, Some(3), "three scrapes");
    assert_eq!(point.attr("http.request.method").as_deref(), Some("GET"));
    assert_eq!(point.attr("url.scheme").as_deref(), Some("http"));
    assert!(matches!(
        point.attributes.get("http.response.status_code"),
        Some(AttrValue::Int(200))
    ));
    assert!(point.attr("error.type").is_none());
    let active = metric(&metrics, "http.server.active_requests");
    assert_eq!(
        (active.unit.as_str(), active.is_monotonic),
        ("{request}", Some(false))
    );
    let active = active
        .point_with(&[("http.request.method", "GET")])
        .unwrap();
    assert_eq!(active.value, Some(0.0));
}
