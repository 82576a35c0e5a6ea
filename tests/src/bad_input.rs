//! The bad input of the `bad_input` integration test, shared by the test and its
//! child process (the `autobot-test-bad-input` binary, `src/bin/bad_input.rs`).

use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::labels::{EMPTY_LABEL_VALUE, MAX_LABEL_VALUE_BYTES};
use autobot_otel::labels::{Outcome, Priority, SearchType};

/// Bad label values, each with the value it must be stored as.
pub fn bad_label_values() -> Vec<(String, String)> {
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
/// give. The key of the first is empty. Keys that sanitize to a name
/// starting with `__` (reserved by Prometheus; `prometheus_client` refuses
/// them, which fails every scrape since `target_info` is in each) get a
/// `key` prefix.
pub const BAD_KEYS: [(&str, &str, &str); 9] = [
    ("", "empty", "key_"),
    ("1abc", "digit", "key_1abc"),
    ("__name__", "reserved", "key__name__"),
    ("a:b", "colon", "a_b"),
    ("clé.ü", "accents", "cl___"),
    ("日本-x", "cjk", "key___x"),
    ("__team", "core", "key__team"),
    ("..x", "1", "key__x"),
    ("ключ", "cyrillic", "key____"),
];

/// `OTEL_RESOURCE_ATTRIBUTES` for [`BAD_KEYS`].
pub fn resource_attributes() -> String {
    BAD_KEYS
        .iter()
        .map(|(k, v, _)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The child prints this and its address once it listens.
pub const LISTENING: &str = "bad-input child listening on";

/// Records every bad input; returns how many measurements must be dropped.
pub fn record_bad_input(t: &Telemetry) -> u64 {
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
    m.set_redis_pool_stats("replica", u64::MAX, u64::MAX, u64::MAX);
    dropped
}
