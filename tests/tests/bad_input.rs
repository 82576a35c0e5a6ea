//! Every kind of bad input a caller can hand the recording API, end to end:
//! recorded into a [`Telemetry`] (no OTLP), served by
//! `autobot_otel::http::MetricsServer` on 127.0.0.1, checked by
//! `promtool check metrics` and scraped by a real Prometheus server.
//!
//! The pipeline runs in a child process (the `autobot-test-bad-input` binary of
//! this crate) so that its resource can come from
//! `OTEL_RESOURCE_ATTRIBUTES`, the way a deployment sets it: the child serves
//! until it is killed (the parent's handle is dropped) or 120 s pass.
//!
//! The bad input: label values with quotes, backslashes, newlines, carriage
//! returns, tabs, NUL, non-ASCII text, empty strings and 100 KB strings; NaN,
//! infinite and negative durations and amounts (the counts of the API are
//! unsigned, `u64`/`usize`, so a negative count cannot be passed: the signed
//! inputs are the `f64` amounts and the gauge decrements); `u64::MAX` and
//! `usize::MAX` for the integer gauge setters and the result count; resource
//! attributes with empty, digit-leading, reserved (`__name__`, `__team`, `..x`,
//! all non-ASCII), `:` and non-ASCII keys.
//!
//! What must hold: the scrape parses (no duplicate series, one `# TYPE` per
//! family), promtool finds nothing beyond what the guide's own names force
//! ([`EXPECTED_PROMTOOL_FINDINGS`]), the strict `prometheus_client` check
//! accepts it and reads the same samples, and Prometheus scrapes it (`up == 1`)
//! and stores every bad series under its cleaned value: empty → `unknown`,
//! longer than [`MAX_LABEL_VALUE_BYTES`] → truncated at a character boundary,
//! everything else as given.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Duration;

use autobot_otel::testing::Scrape;
use autobot_otel_tests::bad_input::{BAD_KEYS, LISTENING, bad_label_values, resource_attributes};
use autobot_otel_tests::{
    EXPECTED_PROMTOOL_FINDINGS, ManagedProcess, PrometheusOptions, PrometheusServer, TempDir,
    http_get, poll, promtool_check_metrics, promtool_findings, strict_check_scrape,
};

/// `# TYPE` lines per family.
fn type_lines(text: &str) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            *counts
                .entry(rest.split(' ').next().unwrap_or(""))
                .or_insert(0) += 1;
        }
    }
    counts
}

fn check_scrape(text: &str) {
    let s = Scrape::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let types = type_lines(text);
    assert!(types.values().all(|n| *n == 1), "{types:?}");
    assert_eq!(types.len(), s.families.len());

    let executions = s.family("autobot_workflow_executions_total").unwrap();
    let want: BTreeSet<String> = bad_label_values()
        .into_iter()
        .map(|(_, stored)| stored)
        .chain(["bad_durations".into(), "huge_duration".into()])
        .collect();
    let got: BTreeSet<String> = executions
        .samples
        .iter()
        .map(|x| x.labels["workflow_type"].clone())
        .collect();
    assert_eq!(got, want);
    for (_, stored) in bad_label_values() {
        let wf = [("workflow_type", stored.as_str()), ("status", "success")];
        assert_eq!(
            s.value("autobot_workflow_executions_total", &wf),
            Some(1.0),
            "{stored:?}"
        );
        let rooms = [("namespace", stored.as_str())];
        assert_eq!(
            s.value("autobot_websocket_rooms_active", &rooms),
            Some(u64::MAX as f64)
        );
    }
    let bad = [("workflow_type", "bad_durations"), ("status", "failed")];
    assert_eq!(
        s.value("autobot_workflow_executions_total", &bad),
        Some(5.0)
    );
    assert_eq!(
        s.value(
            "autobot_workflow_duration_seconds_count",
            &[("workflow_type", "bad_durations")]
        ),
        None,
        "no valid duration was recorded"
    );
    assert_eq!(
        s.value(
            "autobot_workflow_duration_seconds_sum",
            &[("workflow_type", "huge_duration")]
        ),
        Some(Duration::MAX.as_secs_f64())
    );
    assert_eq!(
        s.value(
            "autobot_active_tasks",
            &[("task_type", "lint"), ("agent_type", "linter")]
        ),
        Some(-2.0)
    );
    assert_eq!(
        s.value("autobot_redis_memory_used_bytes", &[("database", "main")]),
        Some(u64::MAX as f64)
    );
    let target = &s.family("target_info").unwrap().samples[0];
    for (key, value, label) in BAD_KEYS {
        assert_eq!(
            target.labels.get(label).map(String::as_str),
            Some(value),
            "{key:?} -> {label}: {:?}",
            target.labels
        );
    }
    assert_eq!(
        target.labels.get("service_name").map(String::as_str),
        Some("bad-input")
    );
}

/// Starts the child (the `autobot-test-bad-input` binary) with the bad resource
/// attributes; returns it (killed on drop) and the address it serves on.
fn spawn_child() -> (ManagedProcess, String, TempDir) {
    let dir = TempDir::new("bad-input").expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autobot-test-bad-input"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OTEL_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("OTEL_SERVICE_NAME", "bad-input")
        .env("OTEL_RESOURCE_ATTRIBUTES", resource_attributes());
    let child = ManagedProcess::spawn("bad-input child", cmd, &dir.path().join("child.log"))
        .expect("child starts");
    let addr = poll(
        Duration::from_secs(60),
        Duration::from_millis(20),
        || {
            child.ensure_running()?;
            Ok(child.log().lines().find_map(|line| {
                // The line may follow other output on the same line.
                line.find(LISTENING)
                    .map(|at| line[at + LISTENING.len()..].trim().to_string())
            }))
        },
        || format!("the child did not listen; log:\n{}", child.log()),
    )
    .expect("the child listens");
    (child, addr, dir)
}

#[test]
fn bad_input_gives_a_valid_scrape_that_promtool_and_prometheus_accept() {
    let (child, target, _dir) = spawn_child();

    // The served scrape parses, holds the bad series as cleaned, and passes
    // promtool.
    let served = http_get(&format!("http://{target}/api/monitoring/metrics")).expect("GET");
    assert_eq!(served.status, 200);
    check_scrape(&served.body);
    let out = promtool_check_metrics(&served.body).expect("promtool runs");
    let findings = promtool_findings(&out);
    let allowed: BTreeSet<&str> = EXPECTED_PROMTOOL_FINDINGS.iter().map(|(f, _)| *f).collect();
    let unexpected: Vec<&String> = findings
        .iter()
        .filter(|f| !allowed.contains(f.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "promtool:\n{}", out.combined());
    // Exit 3 is lint findings only (the allowed ones); 1 would be a parse error.
    let want_code = if findings.is_empty() { 0 } else { 3 };
    assert_eq!(out.code(), Some(want_code), "{}", out.combined());
    // promtool lets reserved `__` label names through; the strict check does
    // not. It reads the same samples as our parser, the cleaned keys included.
    let strict = strict_check_scrape(&served.body).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "bad input: the strict parser accepts the scrape and reads the same {} samples \
         in {} families; {} bad resource keys cleaned",
        strict.iter().map(|f| f.samples.len()).sum::<usize>(),
        strict.len(),
        BAD_KEYS.len()
    );
    let strict_target = strict
        .iter()
        .find(|f| f.name == "target_info")
        .expect("target_info");
    for (key, value, label) in BAD_KEYS {
        assert_eq!(
            strict_target.samples[0]
                .labels
                .get(label)
                .map(String::as_str),
            Some(value),
            "{key:?} -> {label}"
        );
    }

    // A real Prometheus scrapes it and stores the bad series as recorded.
    let prometheus = PrometheusServer::start_scraped(
        PrometheusOptions::new(target.clone()).scrape_interval(Duration::from_secs(1)),
        2,
    )
    .expect("prometheus scraped the endpoint");
    let up = prometheus.query_vector(r#"up{job="autobot"}"#).unwrap();
    assert_eq!(up.len(), 1, "{up:?}");
    assert_eq!(up[0].value, 1.0, "{up:?}");
    let targets = prometheus.targets().unwrap();
    assert!(
        targets.iter().all(|t| t.last_error.is_empty()),
        "{targets:?}"
    );

    let stored: BTreeMap<String, f64> = prometheus
        .query_vector(r#"autobot_workflow_executions_total{status="success"}"#)
        .unwrap()
        .into_iter()
        .map(|s| (s.label("workflow_type").unwrap().to_string(), s.value))
        .collect();
    let want: BTreeMap<String, f64> = bad_label_values()
        .into_iter()
        .map(|(_, v)| (v, 1.0))
        .chain([("huge_duration".to_string(), 1.0)])
        .collect();
    assert_eq!(stored, want);

    let models: BTreeSet<String> = prometheus
        .query_vector(r#"autobot_llm_tokens_total{token_type="output"} == 2"#)
        .unwrap()
        .into_iter()
        .map(|s| s.label("model").unwrap().to_string())
        .collect();
    let want_models: BTreeSet<String> = bad_label_values().into_iter().map(|(_, v)| v).collect();
    assert_eq!(models, want_models);

    let memory = prometheus
        .query_vector(r#"autobot_redis_memory_used_bytes{database="main"}"#)
        .unwrap();
    assert_eq!(memory.len(), 1);
    assert_eq!(memory[0].value, u64::MAX as f64);
    let tasks = prometheus.query_vector("autobot_active_tasks").unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].value, -2.0);

    let target_info = prometheus.query_vector("target_info").unwrap();
    assert_eq!(target_info.len(), 1, "{target_info:?}");
    for (key, value, label) in BAD_KEYS {
        assert_eq!(
            target_info[0].label(label),
            Some(value),
            "{key:?} -> {label}: {:?}",
            target_info[0].labels
        );
    }

    drop(prometheus);
    drop(child);
}
