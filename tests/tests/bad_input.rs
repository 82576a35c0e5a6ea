//! Every kind of bad input a caller can hand the recording API, end to end:
//! recorded into a [`Telemetry`] (no OTLP), served by
//! `autobot_otel::http::MetricsServer` on 127.0.0.1, checked by
//! `promtool check metrics` and scraped by a real Prometheus server.
//!
//! The pipeline runs in a child process (this test executable again, entry
//! test `bad_input_child`) so that its resource can come from
//! `OTEL_RESOURCE_ATTRIBUTES`, the way a deployment sets it: the child serves
//! until its stdin closes (the parent's handle is dropped) or 120 s pass.
//!
//! The bad input: label values with quotes, backslashes, newlines, carriage
//! returns, tabs, NUL, non-ASCII text, empty strings and 100 KB strings; NaN,
//! infinite and negative durations and amounts (the counts of the API are
//! unsigned, `u64`/`usize`, so a negative count cannot be passed: the signed
//! inputs are the `f64` amounts and the gauge decrements); `u64::MAX` and
//! `usize::MAX` for the integer gauge setters and the result count; resource
//! attributes with empty, digit-leading, reserved, `:` and non-ASCII keys.
//!
//! What must hold: the scrape parses (no duplicate series, one `# TYPE` per
//! family), promtool finds nothing beyond what the guide's own names force
//! ([`EXPECTED_PROMTOOL_FINDINGS`]), and Prometheus scrapes it (`up == 1`)
//! and stores every bad series under its cleaned value: empty → `unknown`,
//! longer than [`MAX_LABEL_VALUE_BYTES`] → truncated at a character boundary,
//! everything else as given.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use autobot_otel::http::MetricsServer;
use autobot_otel::labels::{Outcome, Priority, SearchType};
use autobot_otel::scrape::Scrape;
use autobot_otel::{EMPTY_LABEL_VALUE, MAX_LABEL_VALUE_BYTES, Telemetry};
use autobot_otel_tests::{
    EXPECTED_PROMTOOL_FINDINGS, PrometheusOptions, PrometheusServer, TempDir, http_get,
    promtool_check_metrics, promtool_findings,
};

/// Bad label values, each with the value it must be stored as.
fn bad_label_values() -> Vec<(String, String)> {
    let long_ascii = "x".repeat(100_000);
    let long_two_byte = "é".repeat(50_000); // 100 KB, the limit falls on a boundary
    let long_odd = format!("a{}", "é".repeat(50_000)); // the limit falls inside a char
    let long_escapes = "\"\\\n".repeat(34_000);
    vec![
        ("say \"hi\"".into(), "say \"hi\"".into()),
        ("back\\slash".into(), "back\\slash".into()),
        ("trailing\\".into(), "trailing\\".into()),
        ("new\nline\n".into(), "new\nline\n".into()),
        ("\\\"\n".into(), "\\\"\n".into()),
        ("cr\rtab\t".into(), "cr\rtab\t".into()),
        ("nul\0byte".into(), "nul\0byte".into()),
        ("über-straße 日本 🚀".into(), "über-straße 日本 🚀".into()),
        ("{braces}=,;#".into(), "{braces}=,;#".into()),
        (String::new(), EMPTY_LABEL_VALUE.into()),
        (
            long_ascii.clone(),
            long_ascii[..MAX_LABEL_VALUE_BYTES].into(),
        ),
        (
            long_two_byte.clone(),
            long_two_byte[..MAX_LABEL_VALUE_BYTES].into(),
        ),
        (
            long_odd.clone(),
            long_odd[..MAX_LABEL_VALUE_BYTES - 1].into(),
        ),
        (
            long_escapes.clone(),
            long_escapes[..MAX_LABEL_VALUE_BYTES].into(),
        ),
    ]
}

/// Resource attributes (key, value) with the `target_info` label each must
/// give. The key of the first is empty.
const BAD_KEYS: [(&str, &str, &str); 6] = [
    ("", "empty", "key_"),
    ("1abc", "digit", "key_1abc"),
    ("__name__", "reserved", "key__name__"),
    ("a:b", "colon", "a_b"),
    ("clé.ü", "accents", "cl___"),
    ("日本-x", "cjk", "___x"),
];

/// `OTEL_RESOURCE_ATTRIBUTES` for [`BAD_KEYS`].
fn resource_attributes() -> String {
    BAD_KEYS
        .iter()
        .map(|(k, v, _)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Turns the entry test into the child.
const CHILD_ENV: &str = "AUTOBOT_TEST_BAD_INPUT_CHILD";
/// The child prints this and its address once it listens.
const LISTENING: &str = "bad-input child listening on";

/// Records every bad input; returns how many measurements must be dropped.
fn record_bad_input(t: &Telemetry) -> u64 {
    let m = t.metrics();
    for (value, _) in bad_label_values() {
        m.record_workflow_execution(&value, Outcome::Success, 1.0);
        m.record_llm_tokens("openai", &value, 1, 2);
        m.set_websocket_rooms(&value, u64::MAX);
    }
    // Invalid durations and amounts: dropped and counted; the execution
    // counters of the same calls still count.
    m.record_workflow_execution("bad_durations", Outcome::Failed, f64::NAN);
    m.record_workflow_execution("bad_durations", Outcome::Failed, f64::INFINITY);
    m.record_workflow_execution("bad_durations", Outcome::Failed, f64::NEG_INFINITY);
    m.record_workflow_execution("bad_durations", Outcome::Failed, -1.5);
    m.record_workflow_execution("bad_durations", Outcome::Failed, f32::NAN);
    m.record_github_operation("get_repo", Outcome::Success, -0.001);
    m.record_llm_cost("openai", "gpt-4", -0.5);
    m.record_llm_cost("openai", "gpt-4", f64::NAN);
    m.record_llm_cost("openai", "gpt-4", f64::INFINITY);
    m.record_embedding_latency("ada", f64::NEG_INFINITY);
    m.record_search(SearchType::Hybrid, "docs", f64::NAN, usize::MAX);
    m.update_connection_pool("main", 3, 1, 0); // max 0: no saturation ratio
    let dropped = 12;
    // Valid extremes: kept.
    m.record_workflow_execution("huge_duration", Outcome::Success, Duration::MAX);
    m.record_llm_cost("openai", "gpt-4", 0.0);
    // Gauge decrements below zero are not clamped.
    m.dec_active_tasks("lint", "linter");
    m.dec_active_tasks("lint", "linter");
    // u64::MAX in every integer gauge setter the test touches.
    m.set_redis_memory("main", u64::MAX);
    m.set_redis_keys("main", u64::MAX);
    m.update_github_rate_limit("core", u64::MAX);
    m.update_task_queue_size(Priority::High, usize::MAX as u64);
    m.set_document_count(u64::MAX, "docs", "markdown");
    m.set_vector_count("docs", u64::MAX);
    m.update_circuit_breaker_state("main", autobot_otel::labels::CircuitState::Open, u64::MAX);
    m.update_connection_pool("replica", u64::MAX, u64::MAX, 1);
    dropped
}

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

/// The child: builds the pipeline from the environment, records the bad
/// input, checks the dropped count and serves the endpoints.
#[test]
fn bad_input_child() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("1") {
        return;
    }
    let code = match child_main() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("bad input child failed: {e}");
            1
        }
    };
    std::process::exit(code);
}

fn child_main() -> Result<(), String> {
    let t = Telemetry::builder()
        .without_otlp()
        .disabled(false)
        .build()
        .map_err(|e| e.to_string())?;
    let dropped = record_bad_input(&t);
    if t.metrics().dropped_measurements() != dropped {
        return Err(format!(
            "dropped_measurements {} != {dropped}",
            t.metrics().dropped_measurements()
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let server = MetricsServer::bind("127.0.0.1:0", t.clone())
            .await
            .map_err(|e| e.to_string())?;
        println!("{LISTENING} {}", server.local_addr());
        // Stop when the parent closes stdin (it dropped its handle or died).
        let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            let _ = closed.send(());
        });
        server
            .run_until(async {
                tokio::select! {
                    _ = stdin_closed => {}
                    _ = tokio::time::sleep(Duration::from_secs(120)) => {}
                }
            })
            .await
            .map_err(|e| e.to_string())
    })?;
    t.shutdown().map_err(|e| e.to_string())
}

/// The child process; killed and reaped on drop.
struct Child {
    child: std::process::Child,
    log: std::path::PathBuf,
    _dir: TempDir,
}

impl Child {
    fn spawn() -> (Child, String) {
        let dir = TempDir::new("bad-input").expect("temp dir");
        let log = dir.path().join("child.log");
        let exe = std::env::current_exe().expect("current_exe");
        let mut cmd = Command::new(exe);
        cmd.args([
            "bad_input_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ]);
        for (key, _) in std::env::vars() {
            if key.starts_with("OTEL_") {
                cmd.env_remove(key);
            }
        }
        cmd.env(CHILD_ENV, "1")
            .env("OTEL_SERVICE_NAME", "bad-input")
            .env("OTEL_RESOURCE_ATTRIBUTES", resource_attributes())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"));
        let mut child = cmd.spawn().expect("child starts");
        let stdout = child.stdout.take().expect("stdout");
        let child = Child {
            child,
            log,
            _dir: dir,
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The test harness may have printed on the same line first.
                if let Some(at) = line.find(LISTENING) {
                    let _ = tx.send(line[at + LISTENING.len()..].trim().to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the child did not listen; log:\n{}", child.log()));
        (child, addr)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn bad_input_gives_a_valid_scrape_that_promtool_and_prometheus_accept() {
    let (child, target) = Child::spawn();

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
