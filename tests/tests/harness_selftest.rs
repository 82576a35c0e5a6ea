//! Proves the harness drives the real tools: Prometheus scrapes and answers
//! queries, promtool tells valid from invalid exposition text, the strict
//! `prometheus_client` check refuses what promtool lets through, and rotel
//! receives OTLP and prints it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use autobot_otel_tests::{
    AttrValue, PrometheusOptions, PrometheusServer, Rotel, StrictParse, TempDir, free_port,
    http_get, http_post, parse_metrics, promtool_check_config, promtool_check_metrics,
    promtool_check_rules, promtool_test_rules, strict_check_metrics, strict_parse,
    strict_parse_openmetrics,
};

const EXPOSITION: &str = "\
# HELP harness_selftest_requests_total Requests seen by the self-test.
# TYPE harness_selftest_requests_total counter
harness_selftest_requests_total{route=\"/x\"} 42
# HELP harness_selftest_temperature_celsius A gauge.
# TYPE harness_selftest_temperature_celsius gauge
harness_selftest_temperature_celsius 21.5
";

/// Serves `EXPOSITION` on `/api/monitoring/metrics` (404 elsewhere) until dropped.
struct StaticMetricsServer {
    addr: String,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl StaticMetricsServer {
    fn start() -> StaticMetricsServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let handle = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // Drain headers.
                loop {
                    let mut h = String::new();
                    match reader.read_line(&mut h) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if h == "\r\n" || h == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("");
                let (status, body) = if path == "/api/monitoring/metrics" {
                    ("200 OK", EXPOSITION)
                } else {
                    ("404 Not Found", "not found\n")
                };
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        StaticMetricsServer {
            addr,
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for StaticMetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[test]
fn prometheus_scrapes_a_static_target_and_answers_queries() {
    let target = StaticMetricsServer::start();
    let direct = http_get(&format!("http://{}/api/monitoring/metrics", target.addr)).unwrap();
    assert_eq!(direct.status, 200);
    assert!(
        direct
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );

    let prom = PrometheusServer::start(PrometheusOptions::new(&target.addr)).unwrap();
    let targets = prom.wait_for_target_up(Duration::from_secs(30)).unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].labels["job"], "autobot");
    assert_eq!(
        targets[0].scrape_url,
        format!("http://{}/api/monitoring/metrics", target.addr)
    );
    prom.wait_for_scrapes(2, Duration::from_secs(30)).unwrap();

    let v = prom
        .wait_for_vector(
            "harness_selftest_requests_total{job=\"autobot\"}",
            Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].label("route"), Some("/x"));
    assert_eq!(v[0].label("instance"), Some(target.addr.as_str()));
    assert_eq!(v[0].value, 42.0);

    let data = prom.query("harness_selftest_temperature_celsius").unwrap();
    assert_eq!(data["resultType"], "vector");
    assert_eq!(data["result"][0]["value"][1], "21.5");

    // Prometheus' error text reaches the caller.
    let e = prom.query("sum(").unwrap_err();
    assert!(e.message().contains("bad_data"), "{e}");
    assert!(e.message().contains("parse error"), "{e}");

    // The generated config is valid for promtool too.
    promtool_check_config(prom.config_path())
        .unwrap()
        .ensure_success()
        .unwrap();

    let dir = prom.dir().to_path_buf();
    drop(prom);
    assert!(
        !dir.exists() || std::env::var_os("AUTOBOT_TEST_KEEP_TMP").is_some(),
        "temp dir not removed"
    );
}

#[test]
fn prometheus_reports_an_unreachable_target() {
    let port = free_port().unwrap();
    let prom =
        PrometheusServer::start(PrometheusOptions::new(format!("127.0.0.1:{port}"))).unwrap();
    let targets = prom.wait_for_first_scrape(Duration::from_secs(30)).unwrap();
    assert_eq!(targets[0].health, "down");
    assert!(
        targets[0].last_error.contains("connection refused"),
        "{targets:?}"
    );
    let e = prom.wait_for_target_up(Duration::from_secs(2)).unwrap_err();
    assert!(e.message().contains("connection refused"), "{e}");
}

#[test]
fn promtool_tells_valid_from_invalid_metrics() {
    let ok = promtool_check_metrics(EXPOSITION).unwrap();
    assert!(ok.success(), "{ok:?}");
    let strict = strict_check_metrics(EXPOSITION).unwrap();
    let names: Vec<&str> = strict.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "harness_selftest_requests",
            "harness_selftest_temperature_celsius"
        ]
    );
    assert_eq!(strict[0].samples[0].value, 42.0);

    let broken = promtool_check_metrics("harness_broken{ 1\n").unwrap();
    assert!(!broken.success());
    assert_eq!(broken.code(), Some(1), "{broken:?}");
    assert!(broken.stderr.contains("parsing error"), "{broken:?}");

    // Parses, but fails lint (no HELP, counter without _total): exit code 3.
    let lint = promtool_check_metrics("# TYPE harness_lint counter\nharness_lint 1\n").unwrap();
    assert_eq!(lint.code(), Some(3), "{lint:?}");
    assert!(lint.stderr.contains("_total"), "{lint:?}");
}

/// The "can fail" proof of the strict check: a label name starting with `__`
/// (reserved by Prometheus) passes promtool but not the strict check, and
/// the `key__` form the exposition writes instead passes both.
#[test]
fn strict_parser_refuses_reserved_label_names_that_promtool_accepts() {
    let reserved = "# HELP target_info Target metadata\n# TYPE target_info gauge\n\
                    target_info{__team=\"core\",service_name=\"x\"} 1\n";
    let promtool = promtool_check_metrics(reserved).unwrap();
    assert!(promtool.success(), "promtool accepts it: {promtool:?}");
    let strict = strict_parse(reserved).unwrap();
    let error = strict
        .rejection()
        .unwrap_or_else(|| panic!("the strict parser accepted it: {strict:?}"));
    assert!(
        error.contains("Reserved label metric name: __team"),
        "{error}"
    );
    assert!(strict_check_metrics(reserved).is_err());

    // The bare line of the issue: promtool parses it (lint only, exit 3).
    let bare = "target_info{__team=\"core\"} 1\n";
    assert_eq!(promtool_check_metrics(bare).unwrap().code(), Some(3));
    assert!(strict_parse(bare).unwrap().rejection().is_some());

    let renamed = reserved.replace("__team", "key__team");
    assert!(promtool_check_metrics(&renamed).unwrap().success());
    let families = strict_check_metrics(&renamed).unwrap();
    assert_eq!(families.len(), 1);
    assert_eq!(families[0].name, "target_info");
    assert_eq!(families[0].kind, "gauge");
    assert_eq!(families[0].help, "Target metadata");
    assert_eq!(families[0].samples[0].labels["key__team"], "core");
    assert_eq!(families[0].samples[0].value, 1.0);

    // Broken syntax and invalid names fail both ways; nothing is a skip.
    assert!(matches!(
        strict_parse("harness_broken{ 1\n").unwrap(),
        StrictParse::Rejected(_)
    ));
    assert!(strict_parse("1bad_name 1\n").unwrap().rejection().is_some());
    assert_eq!(strict_check_metrics("").unwrap(), []);
}

#[test]
fn strict_openmetrics_parser_parses_and_refuses() {
    let text = "# TYPE harness_jobs counter\n# HELP harness_jobs Jobs.\n\
                harness_jobs_total{queue=\"a\"} 1.5\n# EOF\n";
    let families = strict_parse_openmetrics(text).unwrap().families().unwrap();
    assert_eq!(families.len(), 1);
    assert_eq!(families[0].name, "harness_jobs");
    assert_eq!(families[0].kind, "counter");
    assert_eq!(families[0].samples[0].name, "harness_jobs_total");
    assert_eq!(families[0].samples[0].value, 1.5);
    // OpenMetrics requires the `# EOF` line.
    let unterminated = text.trim_end_matches("# EOF\n");
    assert!(
        strict_parse_openmetrics(unterminated)
            .unwrap()
            .rejection()
            .is_some()
    );
    let reserved = text.replace("queue=", "__queue=");
    assert!(
        strict_parse_openmetrics(&reserved)
            .unwrap()
            .rejection()
            .unwrap()
            .contains("__queue")
    );
}

#[test]
fn promtool_checks_and_tests_rules() {
    let dir = TempDir::new("rules").unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(
        &rules,
        "groups:\n  - name: selftest\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n",
    )
    .unwrap();
    let out = promtool_check_rules(&[&rules]).unwrap();
    assert!(out.success(), "{out:?}");

    let test = dir.path().join("rules_test.yml");
    std::fs::write(
        &test,
        "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n      - series: 'up{job=\"a\",instance=\"x\"}'\n        values: '1 1'\n    promql_expr_test:\n      - expr: job:up:sum\n        eval_time: 1m\n        exp_samples:\n          - labels: 'job:up:sum{job=\"a\"}'\n            value: 1\n",
    )
    .unwrap();
    let out = promtool_test_rules(&[&test]).unwrap();
    assert!(out.success(), "{out:?}");

    std::fs::write(
        &rules,
        "groups:\n  - name: x\n    rules:\n      - record: bad\n        expr: sum(\n",
    )
    .unwrap();
    let out = promtool_check_rules(&[&rules]).unwrap();
    assert!(!out.success(), "{out:?}");
}

#[test]
fn prometheus_loads_rule_files() {
    let target = StaticMetricsServer::start();
    let dir = TempDir::new("rules").unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(
        &rules,
        "groups:\n  - name: selftest\n    rules:\n      - record: selftest:requests:doubled\n        expr: harness_selftest_requests_total * 2\n",
    )
    .unwrap();
    let prom =
        PrometheusServer::start(PrometheusOptions::new(&target.addr).rule_file(&rules)).unwrap();
    let v = prom
        .wait_for_vector("selftest:requests:doubled", Duration::from_secs(30))
        .unwrap();
    assert_eq!(v[0].value, 84.0);
}

#[test]
fn rotel_receives_otlp_json_metrics_and_traces() {
    let rotel = Rotel::start().unwrap();
    assert!(rotel.grpc_endpoint().starts_with("http://127.0.0.1:"));
    // Rotel logs asynchronously: its startup line may lag behind the ports.
    rotel
        .wait_for_output(|o| o.contains("Starting Rotel."), Duration::from_secs(5))
        .unwrap();

    // Rotel's OTLP/JSON decoding is picky (see tests/README.md): timestamps
    // must be JSON strings (numbers silently turn the metric into
    // `DataType: Empty`), `asInt` must be a JSON number (a string prints no
    // `Value:` line) and enums must be integers.
    let metrics = r#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"harness-selftest"}}]},"scopeMetrics":[{"scope":{"name":"selftest","version":"1.2.3"},"metrics":[{"name":"harness_selftest_json_total","unit":"1","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"attributes":[{"key":"route","value":{"stringValue":"/x"}},{"key":"code","value":{"intValue":200}}],"startTimeUnixNano":"1700000000000000000","timeUnixNano":"1700000001000000000","asInt":7}]}}]}]}]}"#;
    let r = http_post(
        &format!("{}/v1/metrics", rotel.http_endpoint()),
        "application/json",
        metrics,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{r:?}");

    let m = rotel
        .wait_for_metric("harness_selftest_json_total", Duration::from_secs(10))
        .unwrap();
    assert_eq!(m.data_type, "Sum");
    assert_eq!(m.scope_name, "selftest");
    assert_eq!(m.scope_version, "1.2.3");
    assert_eq!(
        m.resource_attr("service.name").as_deref(),
        Some("harness-selftest")
    );
    let p = m.point_with(&[("route", "/x")]).unwrap();
    assert_eq!(p.value, Some(7.0));
    assert_eq!(p.attributes["code"], AttrValue::Int(200));

    let mark = rotel.output().len();
    let traces = r#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"selftest"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173","name":"harness-child","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000","attributes":[{"key":"job.id","value":{"intValue":42}}]}]}]}]}"#;
    let r = http_post(
        &format!("{}/v1/traces", rotel.http_endpoint()),
        "application/json",
        traces,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let s = rotel
        .wait_for_span("harness-child", Duration::from_secs(10))
        .unwrap();
    assert_eq!(s.trace_id, "5b8efff798038103d269b633813fc60c");
    assert_eq!(s.span_id, "eee19b7ec3c1b174");
    assert_eq!(s.parent_id.as_deref(), Some("eee19b7ec3c1b173"));
    assert_eq!(s.kind, "SPAN_KIND_SERVER");
    assert_eq!(s.attributes["job.id"], AttrValue::Int(42));
    let since = rotel.output_since(mark);
    assert!(since.contains("harness-child"));
    assert!(parse_metrics(&since).is_empty());
}

#[test]
fn rotel_wait_for_output_times_out_with_output_tail() {
    let rotel = Rotel::start().unwrap();
    rotel
        .wait_for_output(|o| o.contains("Starting Rotel."), Duration::from_secs(5))
        .unwrap();
    let e = rotel
        .wait_for_output(|o| o.contains("never printed"), Duration::from_millis(300))
        .unwrap_err();
    assert!(e.message().contains("timed out"), "{e}");
    assert!(e.message().contains("Starting Rotel."), "{e}");
}

#[test]
fn rotel_process_is_gone_after_drop() {
    let rotel = Rotel::start().unwrap();
    let pid = rotel.pid();
    let addr = rotel.http_addr();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    drop(rotel);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err());
}

#[test]
fn prometheus_start_failure_reports_its_log() {
    let dir = TempDir::new("rules").unwrap();
    let rules = dir.path().join("broken.yml");
    std::fs::write(&rules, "groups: [[[\n").unwrap();
    let e = PrometheusServer::start(PrometheusOptions::new("127.0.0.1:1").rule_file(&rules))
        .unwrap_err();
    assert!(
        e.message().contains("prometheus exited unexpectedly"),
        "{e}"
    );
    assert!(e.message().contains("broken.yml"), "{e}");
}
