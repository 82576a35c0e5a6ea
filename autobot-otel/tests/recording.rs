//! The effect of every recording method, read back through the Prometheus scrape.

use std::sync::Arc;
use std::time::Duration;

mod record_all;

use autobot_otel::catalog::{CATALOG, Kind};
use autobot_otel::labels::*;
use autobot_otel::testing::ManualClock;
use autobot_otel::testing::Scrape;
use autobot_otel::{MetricsManager, Telemetry};
use record_all::record_all;

fn setup() -> (Telemetry, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let telemetry = Telemetry::builder()
        .without_otlp()
        .enabled(true)
        .with_clock(clock.clone())
        .build()
        .expect("pipeline");
    (telemetry, clock)
}

fn scrape(t: &Telemetry) -> Scrape {
    Scrape::parse(&t.render(autobot_otel::Exposition::Text)).expect("valid exposition text")
}

fn m(t: &Telemetry) -> &MetricsManager {
    t.metrics()
}

#[test]
fn workflow_methods() {
    let (t, _) = setup();
    m(&t).record_workflow_execution("code_review", Outcome::Success, 12.5);
    m(&t).record_workflow_execution("code_review", Outcome::Success, Duration::from_secs(40));
    m(&t).record_workflow_execution("code_review", Outcome::Failed, 0.2);
    m(&t).record_workflow_step("code_review", "analysis", StepStatus::Completed);
    m(&t).record_workflow_approval("code_review", ApprovalDecision::Rejected);
    let s = scrape(&t);
    let ok = [("workflow_type", "code_review"), ("status", "success")];
    assert_eq!(s.value("autobot_workflow_executions_total", &ok), Some(2.0));
    let failed = [("workflow_type", "code_review"), ("status", "failed")];
    assert_eq!(
        s.value("autobot_workflow_executions_total", &failed),
        Some(1.0)
    );
    let wf = [("workflow_type", "code_review")];
    assert_eq!(
        s.value("autobot_workflow_duration_seconds_count", &wf),
        Some(3.0)
    );
    assert_eq!(
        s.value("autobot_workflow_duration_seconds_sum", &wf),
        Some(52.7)
    );
    let le = |b: &'static str| [("workflow_type", "code_review"), ("le", b)];
    assert_eq!(
        s.value("autobot_workflow_duration_seconds_bucket", &le("0.5")),
        Some(1.0)
    );
    assert_eq!(
        s.value("autobot_workflow_duration_seconds_bucket", &le("30")),
        Some(2.0)
    );
    assert_eq!(
        s.value("autobot_workflow_duration_seconds_bucket", &le("60")),
        Some(3.0)
    );
    let step = [
        ("workflow_type", "code_review"),
        ("step_type", "analysis"),
        ("status", "completed"),
    ];
    assert_eq!(
        s.value("autobot_workflow_steps_executed_total", &step),
        Some(1.0)
    );
    let approval = [("workflow_type", "code_review"), ("decision", "rejected")];
    assert_eq!(
        s.value("autobot_workflow_approvals_total", &approval),
        Some(1.0)
    );
}

#[test]
fn gauges_mix_absolute_sets_and_increments() {
    let (t, _) = setup();
    let wf = [("workflow_type", "deploy")];
    m(&t).inc_active_workflows("deploy");
    m(&t).inc_active_workflows("deploy");
    assert_eq!(scrape(&t).value("autobot_active_workflows", &wf), Some(2.0));
    m(&t).update_active_workflows("deploy", 7);
    m(&t).dec_active_workflows("deploy");
    assert_eq!(scrape(&t).value("autobot_active_workflows", &wf), Some(6.0));
    m(&t).update_active_workflows("deploy", 0);
    m(&t).dec_active_workflows("deploy");
    assert_eq!(
        scrape(&t).value("autobot_active_workflows", &wf),
        Some(-1.0)
    );

    let task = [("task_type", "lint"), ("agent_type", "linter")];
    m(&t).update_active_tasks("lint", "linter", 5);
    m(&t).inc_active_tasks("lint", "linter");
    assert_eq!(scrape(&t).value("autobot_active_tasks", &task), Some(6.0));
    m(&t).dec_active_tasks("lint", "linter");
    assert_eq!(scrape(&t).value("autobot_active_tasks", &task), Some(5.0));

    let ns = [("namespace", "/chat")];
    m(&t).set_websocket_active_connections("/chat", 45);
    m(&t).inc_websocket_connections("/chat");
    m(&t).inc_websocket_connections("/chat");
    m(&t).dec_websocket_connections("/chat");
    assert_eq!(
        scrape(&t).value("autobot_websocket_connections_active", &ns),
        Some(46.0)
    );
}

#[test]
fn concurrent_increments_are_not_lost() {
    let (t, _) = setup();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..1000 {
                    m(&t).inc_active_workflows("race");
                }
                for _ in 0..400 {
                    m(&t).dec_active_workflows("race");
                }
            });
        }
    });
    let s = scrape(&t);
    assert_eq!(
        s.value("autobot_active_workflows", &[("workflow_type", "race")]),
        Some(2400.0)
    );
}

#[test]
fn github_methods() {
    let (t, _) = setup();
    m(&t).record_github_operation("create_commit", Outcome::Success, 0.3);
    m(&t).record_github_operation("create_commit", Outcome::Failed, 2.0);
    m(&t).update_github_rate_limit("core", 4999);
    m(&t).update_github_rate_limit("core", 4998);
    m(&t).record_github_commit("owner/repo", CommitStatus::Created);
    m(&t).record_github_pull_request("owner/repo", "create", Outcome::Success);
    m(&t).record_github_issue("owner/repo", "update", Outcome::Failed);
    let s = scrape(&t);
    let op = |st| [("operation", "create_commit"), ("status", st)];
    assert_eq!(
        s.value("autobot_github_operations_total", &op("success")),
        Some(1.0)
    );
    assert_eq!(
        s.value("autobot_github_operations_total", &op("failed")),
        Some(1.0)
    );
    let c = [("operation", "create_commit")];
    assert_eq!(
        s.value("autobot_github_api_duration_seconds_count", &c),
        Some(2.0)
    );
    assert_eq!(
        s.value("autobot_github_api_duration_seconds_sum", &c),
        Some(2.3)
    );
    assert_eq!(
        s.value(
            "autobot_github_rate_limit_remaining",
            &[("resource_type", "core")]
        ),
        Some(4998.0)
    );
    let commit = [("repository", "owner/repo"), ("status", "created")];
    assert_eq!(s.value("autobot_github_commits_total", &commit), Some(1.0));
    let pr = [
        ("repository", "owner/repo"),
        ("action", "create"),
        ("status", "success"),
    ];
    assert_eq!(
        s.value("autobot_github_pull_requests_total", &pr),
        Some(1.0)
    );
    let issue = [
        ("repository", "owner/repo"),
        ("action", "update"),
        ("status", "failed"),
    ];
    assert_eq!(s.value("autobot_github_issues_total", &issue), Some(1.0));
}

#[test]
fn task_methods() {
    let (t, _) = setup();
    m(&t).record_task_execution("code_analysis", "code-reviewer", Outcome::Success, 8.0);
    m(&t).record_task_retry("code_analysis", "timeout");
    m(&t).record_task_retry("code_analysis", "timeout");
    for (p, n) in [
        (Priority::High, 10),
        (Priority::Normal, 25),
        (Priority::Low, 5),
    ] {
        m(&t).update_task_queue_size(p, n);
    }
    let s = scrape(&t);
    let exec = [
        ("task_type", "code_analysis"),
        ("agent_type", "code-reviewer"),
        ("status", "success"),
    ];
    assert_eq!(s.value("autobot_tasks_executed_total", &exec), Some(1.0));
    let dur = [
        ("task_type", "code_analysis"),
        ("agent_type", "code-reviewer"),
    ];
    assert_eq!(
        s.value("autobot_task_duration_seconds_sum", &dur),
        Some(8.0)
    );
    let retry = [("task_type", "code_analysis"), ("reason", "timeout")];
    assert_eq!(s.value("autobot_task_retries_total", &retry), Some(2.0));
    assert_eq!(
        s.value("autobot_task_queue_size", &[("priority", "high")]),
        Some(10.0)
    );
    assert_eq!(
        s.value("autobot_task_queue_size", &[("priority", "normal")]),
        Some(25.0)
    );
    assert_eq!(
        s.value("autobot_task_queue_size", &[("priority", "low")]),
        Some(5.0)
    );
}

#[test]
fn performance_methods() {
    let (t, _) = setup();
    m(&t).record_operation_duration("redis_get", "main", 0.003);
    m(&t).record_timeout("redis_get", "main", true);
    m(&t).record_timeout("redis_get", "main", false);
    m(&t).record_request("main", "get", true);
    m(&t).record_request("main", "get", false);
    m(&t).record_request("main", "get", RequestStatus::Timeout);
    m(&t).update_connection_pool("main", 10, 5, 20);
    m(&t).record_circuit_breaker_event("main", CircuitEvent::Opened, "too_many_failures");
    m(&t).update_circuit_breaker_state("main", CircuitState::HalfOpen, 5);
    let s = scrape(&t);
    let od = [("operation_type", "redis_get"), ("database", "main")];
    assert_eq!(
        s.value("autobot_operation_duration_seconds_count", &od),
        Some(1.0)
    );
    let to = |st| {
        [
            ("operation_type", "redis_get"),
            ("database", "main"),
            ("status", st),
        ]
    };
    assert_eq!(s.value("autobot_timeout_total", &to("timeout")), Some(1.0));
    assert_eq!(s.value("autobot_timeout_total", &to("success")), Some(1.0));
    let req = |st| [("database", "main"), ("operation", "get"), ("status", st)];
    assert_eq!(
        s.value("autobot_redis_requests_total", &req("success")),
        Some(1.0)
    );
    assert_eq!(
        s.value("autobot_redis_requests_total", &req("failure")),
        Some(1.0)
    );
    assert_eq!(
        s.value("autobot_redis_requests_total", &req("timeout")),
        Some(1.0)
    );
    let pool = |st| [("database", "main"), ("state", st)];
    assert_eq!(
        s.value("autobot_redis_pool_connections", &pool("active")),
        Some(10.0)
    );
    assert_eq!(
        s.value("autobot_redis_pool_connections", &pool("idle")),
        Some(5.0)
    );
    assert_eq!(
        s.value("autobot_redis_pool_connections", &pool("total")),
        Some(15.0)
    );
    let db = [("database", "main")];
    assert_eq!(
        s.value("autobot_redis_pool_saturation_ratio", &db),
        Some(0.5)
    );
    let ev = [
        ("database", "main"),
        ("event", "opened"),
        ("reason", "too_many_failures"),
    ];
    assert_eq!(
        s.value("autobot_circuit_breaker_events_total", &ev),
        Some(1.0)
    );
    assert_eq!(s.value("autobot_circuit_breaker_state", &db), Some(2.0));
    assert_eq!(
        s.value("autobot_circuit_breaker_failure_count", &db),
        Some(5.0)
    );
    let rate = |w| {
        [
            ("operation_type", "redis_get"),
            ("database", "main"),
            ("time_window", w),
        ]
    };
    assert_eq!(s.value("autobot_timeout_rate", &rate("1m")), Some(50.0));
    let success = |w| [("database", "main"), ("time_window", w)];
    let third = s
        .value("autobot_redis_success_rate", &success("5m"))
        .unwrap();
    assert!((third - 100.0 / 3.0).abs() < 1e-9, "{third}");
}

#[test]
fn circuit_states_encode_as_documented() {
    let (t, _) = setup();
    for (state, code) in [
        (CircuitState::Closed, 0.0),
        (CircuitState::Open, 1.0),
        (CircuitState::HalfOpen, 2.0),
    ] {
        m(&t).update_circuit_breaker_state("db", state, 0);
        let s = scrape(&t);
        assert_eq!(
            s.value("autobot_circuit_breaker_state", &[("database", "db")]),
            Some(code)
        );
    }
}

#[test]
fn rolling_rates_follow_the_clock_without_sleeping() {
    let (t, clock) = setup();
    let rate = |s: &Scrape, w| {
        s.value(
            "autobot_timeout_rate",
            &[
                ("operation_type", "q"),
                ("database", "kb"),
                ("time_window", w),
            ],
        )
    };
    // minute 0: 1 timeout out of 4
    m(&t).record_timeout("q", "kb", true);
    for _ in 0..3 {
        m(&t).record_timeout("q", "kb", false);
    }
    clock.advance(Duration::from_secs(120));
    // minute 2: 3 timeouts out of 4
    for i in 0..4 {
        m(&t).record_timeout("q", "kb", i != 0);
    }
    let s = scrape(&t);
    assert_eq!(rate(&s, "1m"), Some(75.0));
    assert_eq!(rate(&s, "5m"), Some(50.0));
    assert_eq!(rate(&s, "15m"), Some(50.0));
    clock.advance(Duration::from_secs(240)); // t = 360: 1m and 5m empty
    let s = scrape(&t);
    assert_eq!(rate(&s, "1m"), None);
    assert_eq!(rate(&s, "5m"), Some(75.0)); // only the minute-2 events are within 300 s
    assert_eq!(rate(&s, "15m"), Some(50.0));
    clock.advance(Duration::from_secs(900));
    let s = scrape(&t);
    assert!(
        s.family("autobot_timeout_rate")
            .is_none_or(|f| f.samples.is_empty())
    );
    // The counter is cumulative and unaffected by windows.
    assert_eq!(s.sum("autobot_timeout_total"), Some(8.0));
}

#[test]
fn success_rate_windows() {
    let (t, clock) = setup();
    let rate = |s: &Scrape, w| {
        s.value(
            "autobot_redis_success_rate",
            &[("database", "main"), ("time_window", w)],
        )
    };
    for i in 0..10 {
        m(&t).record_request("main", "get", i < 9);
    }
    clock.advance(Duration::from_secs(61));
    m(&t).record_request("main", "set", false);
    let s = scrape(&t);
    assert_eq!(rate(&s, "1m"), Some(0.0));
    let five = rate(&s, "5m").unwrap();
    assert!((five - 900.0 / 11.0).abs() < 1e-9);
}

#[test]
fn knowledge_methods() {
    let (t, _) = setup();
    m(&t).record_search(SearchType::Semantic, "docs", 0.042, 12);
    m(&t).record_search(SearchType::Semantic, "docs", 0.2, 0);
    m(&t).record_cache_hit("embedding");
    m(&t).record_cache_miss("embedding");
    m(&t).record_cache_miss("embedding");
    m(&t).set_document_count(1500, "docs", "markdown");
    m(&t).set_vector_count("docs", 18_000);
    m(&t).record_embedding_latency("minilm", Duration::from_millis(12));
    let s = scrape(&t);
    let sc = [("search_type", "semantic"), ("collection", "docs")];
    assert_eq!(
        s.value("autobot_knowledge_search_requests_total", &sc),
        Some(2.0)
    );
    assert_eq!(
        s.value("autobot_knowledge_search_latency_seconds_count", &sc),
        Some(2.0)
    );
    let st = [("search_type", "semantic")];
    assert_eq!(
        s.value("autobot_knowledge_search_results_count_sum", &st),
        Some(12.0)
    );
    let zero = [("search_type", "semantic"), ("le", "0")];
    assert_eq!(
        s.value("autobot_knowledge_search_results_count_bucket", &zero),
        Some(1.0)
    );
    let ct = [("cache_type", "embedding")];
    assert_eq!(
        s.value("autobot_knowledge_cache_hits_total", &ct),
        Some(1.0)
    );
    assert_eq!(
        s.value("autobot_knowledge_cache_misses_total", &ct),
        Some(2.0)
    );
    let docs = [("collection", "docs"), ("document_type", "markdown")];
    assert_eq!(
        s.value("autobot_knowledge_documents_total", &docs),
        Some(1500.0)
    );
    assert_eq!(
        s.value("autobot_knowledge_vectors_total", &[("collection", "docs")]),
        Some(18000.0)
    );
    let model = [("model", "minilm")];
    assert_eq!(
        s.value("autobot_knowledge_embedding_latency_seconds_sum", &model),
        Some(0.012)
    );
}

#[test]
fn llm_methods() {
    let (t, _) = setup();
    m(&t).record_llm_request("openai", "gpt-4", "completion", 2.5);
    m(&t).record_llm_tokens("openai", "gpt-4", 1200, 350);
    m(&t).record_llm_tokens("openai", "gpt-4", 800, 0);
    m(&t).record_llm_cost("openai", "gpt-4", 0.03);
    m(&t).record_llm_cost_by_type("openai", "gpt-4", CostType::Input, 0.01);
    m(&t).record_llm_error("openai", "rate_limit");
    m(&t).set_llm_rate_limit("openai", 450);
    m(&t).set_llm_provider_availability("openai", true);
    m(&t).set_llm_provider_availability("ollama", false);
    let s = scrape(&t);
    let req = [
        ("provider", "openai"),
        ("model", "gpt-4"),
        ("request_type", "completion"),
    ];
    assert_eq!(s.value("autobot_llm_requests_total", &req), Some(1.0));
    let pm = [("provider", "openai"), ("model", "gpt-4")];
    assert_eq!(
        s.value("autobot_llm_request_latency_seconds_sum", &pm),
        Some(2.5)
    );
    let tok = |tt| {
        [
            ("provider", "openai"),
            ("model", "gpt-4"),
            ("token_type", tt),
        ]
    };
    assert_eq!(
        s.value("autobot_llm_tokens_total", &tok("input")),
        Some(2000.0)
    );
    assert_eq!(
        s.value("autobot_llm_tokens_total", &tok("output")),
        Some(350.0)
    );
    let cost = |ct| {
        [
            ("provider", "openai"),
            ("model", "gpt-4"),
            ("cost_type", ct),
        ]
    };
    assert_eq!(
        s.value("autobot_llm_cost_dollars_total", &cost("total")),
        Some(0.03)
    );
    assert_eq!(
        s.value("autobot_llm_cost_dollars_total", &cost("input")),
        Some(0.01)
    );
    let err = [("provider", "openai"), ("error_type", "rate_limit")];
    assert_eq!(s.value("autobot_llm_errors_total", &err), Some(1.0));
    assert_eq!(
        s.value(
            "autobot_llm_rate_limit_remaining",
            &[("provider", "openai")]
        ),
        Some(450.0)
    );
    assert_eq!(
        s.value(
            "autobot_llm_provider_availability",
            &[("provider", "openai")]
        ),
        Some(1.0)
    );
    assert_eq!(
        s.value(
            "autobot_llm_provider_availability",
            &[("provider", "ollama")]
        ),
        Some(0.0)
    );
}

#[test]
fn websocket_methods() {
    let (t, _) = setup();
    m(&t).record_websocket_connection("/chat", ConnectionStatus::Connected);
    m(&t).record_websocket_message("/chat", "chat_message", MessageDirection::Sent, 0.005);
    m(&t).record_websocket_message("/chat", "chat_message", MessageDirection::Received, 0.001);
    m(&t).record_websocket_message("/chat", "typing", MessageDirection::Received, None::<f64>);
    m(&t).record_websocket_error("/chat", "disconnect");
    m(&t).set_websocket_rooms("/chat", 12);
    let s = scrape(&t);
    let conn = [("namespace", "/chat"), ("status", "connected")];
    assert_eq!(
        s.value("autobot_websocket_connections_total", &conn),
        Some(1.0)
    );
    let ev = |e| [("namespace", "/chat"), ("event_type", e)];
    assert_eq!(
        s.value("autobot_websocket_messages_sent_total", &ev("chat_message")),
        Some(1.0)
    );
    assert_eq!(
        s.value(
            "autobot_websocket_messages_received_total",
            &ev("chat_message")
        ),
        Some(1.0)
    );
    assert_eq!(
        s.value("autobot_websocket_messages_received_total", &ev("typing")),
        Some(1.0)
    );
    let ns = [("namespace", "/chat")];
    assert_eq!(
        s.value("autobot_websocket_message_latency_seconds_count", &ns),
        Some(2.0)
    );
    let e = [("namespace", "/chat"), ("error_type", "disconnect")];
    assert_eq!(s.value("autobot_websocket_errors_total", &e), Some(1.0));
    assert_eq!(s.value("autobot_websocket_rooms_active", &ns), Some(12.0));
}

#[test]
fn redis_methods() {
    let (t, _) = setup();
    m(&t).record_redis_operation("main", "get", RedisStatus::Success, 0.0004);
    m(&t).record_redis_operation("main", "get", RedisStatus::Error, 0.002);
    m(&t).set_redis_pool_stats("main", 10, 5, 20);
    m(&t).set_redis_memory("main", 104_857_600);
    m(&t).set_redis_keys("main", 52_000);
    m(&t).record_redis_pubsub("main", PubSubDirection::Published);
    let s = scrape(&t);
    let op = |st| [("database", "main"), ("operation", "get"), ("status", st)];
    assert_eq!(
        s.value("autobot_redis_operations_total", &op("success")),
        Some(1.0)
    );
    assert_eq!(
        s.value("autobot_redis_operations_total", &op("error")),
        Some(1.0)
    );
    let lat = [("database", "main"), ("operation", "get"), ("le", "0.0005")];
    assert_eq!(
        s.value("autobot_redis_operation_latency_seconds_bucket", &lat),
        Some(1.0)
    );
    let db = [("database", "main")];
    assert_eq!(s.value("autobot_redis_connections_active", &db), Some(10.0));
    assert_eq!(s.value("autobot_redis_pool_available", &db), Some(5.0));
    assert_eq!(
        s.value("autobot_redis_pool_size", &db),
        Some(20.0),
        "the configured size, not active + available"
    );
    assert_eq!(
        s.value("autobot_redis_memory_used_bytes", &db),
        Some(104_857_600.0)
    );
    assert_eq!(s.value("autobot_redis_keys_total", &db), Some(52_000.0));
    let ps = [("database", "main"), ("direction", "published")];
    assert_eq!(
        s.value("autobot_redis_pubsub_messages_total", &ps),
        Some(1.0)
    );
}

#[test]
fn invalid_values_are_dropped_and_counted() {
    let (t, _) = setup();
    let metrics = m(&t);
    metrics.record_workflow_execution("wf", Outcome::Success, f64::NAN);
    metrics.record_task_execution("t", "a", Outcome::Success, -1.0);
    metrics.record_llm_request("p", "m", "chat", f64::INFINITY);
    metrics.record_llm_cost("p", "m", -0.5);
    metrics.update_connection_pool("main", 1, 1, 0);
    assert_eq!(metrics.dropped_measurements(), 5);
    let s = scrape(&t);
    // The counters of the same calls are still recorded.
    assert_eq!(s.sum("autobot_workflow_executions_total"), Some(1.0));
    assert_eq!(s.sum("autobot_tasks_executed_total"), Some(1.0));
    // The NaN duration was dropped: no histogram series at all (not a zero count).
    assert_eq!(s.sum("autobot_workflow_duration_seconds_count"), None);
    assert!(s.family("autobot_llm_cost_dollars_total").is_none());
    assert!(s.family("autobot_redis_pool_saturation_ratio").is_none());
    assert_eq!(t.health().dropped_measurements, 5);
}

#[test]
fn label_values_are_escaped_truncated_and_never_empty() {
    let (t, _) = setup();
    let weird = "a\"b\\c\nd é";
    m(&t).record_cache_hit(weird);
    m(&t).record_cache_hit("");
    m(&t).record_cache_hit(&"x".repeat(10_000));
    let s = scrape(&t);
    assert_eq!(
        s.value(
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", weird)]
        ),
        Some(1.0)
    );
    assert_eq!(
        s.value(
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", "unknown")]
        ),
        Some(1.0)
    );
    let long = "x".repeat(autobot_otel::labels::MAX_LABEL_VALUE_BYTES);
    assert_eq!(
        s.value(
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", &long)]
        ),
        Some(1.0)
    );
}

#[test]
fn series_limit_folds_new_label_sets_into_overflow() {
    let (t, _) = setup();
    let def = autobot_otel::catalog::MetricId::KnowledgeCacheHitsTotal.def();
    for i in 0..def.max_series * 3 {
        m(&t).record_cache_hit(&format!("cache-{i}"));
    }
    let s = scrape(&t);
    let family = s.family(def.name).unwrap();
    assert!(
        family.samples.len() <= def.max_series + 1,
        "{}",
        family.samples.len()
    );
    assert_eq!(s.sum(def.name), Some((def.max_series * 3) as f64));
    assert!(
        family
            .samples
            .iter()
            .any(|x| x.labels.get("otel_metric_overflow").map(String::as_str) == Some("true"))
    );
}

#[test]
fn histograms_use_catalog_buckets() {
    let (t, _) = setup();
    record_all(m(&t));
    record_agents(&t);
    let s = scrape(&t);
    for def in CATALOG.iter().filter(|d| d.kind == Kind::Histogram) {
        let bucket = format!("{}_bucket", def.name);
        let mut les: Vec<f64> = s
            .samples()
            .filter(|x| x.name == bucket)
            .filter_map(|x| x.labels.get("le").map(|l| l.parse::<f64>().unwrap()))
            .collect();
        les.sort_by(f64::total_cmp);
        les.dedup();
        let mut want = def.buckets.to_vec();
        want.push(f64::INFINITY);
        assert_eq!(les, want, "{}", def.name);
    }
}

#[test]
fn disabled_sdk_records_nothing() {
    let t = Telemetry::builder()
        .without_otlp()
        .enabled(false)
        .build()
        .unwrap();
    record_all(t.metrics());
    assert_eq!(t.render(autobot_otel::Exposition::Text), "");
    assert_eq!(t.health().status, "disabled");
    assert!(!t.is_enabled());
}

#[test]
fn shutdown_is_bounded_idempotent_and_recording_after_it_is_harmless() {
    let (t, _) = setup();
    m(&t).record_cache_hit("x");
    t.shutdown().unwrap();
    t.shutdown().unwrap();
    m(&t).record_cache_hit("x");
    assert_eq!(t.render(autobot_otel::Exposition::Text), "");
}

/// Records the agent and tool families, which have no typed method: through
/// their guards.
fn record_agents(t: &Telemetry) {
    t.in_scope(|| {
        autobot_otel::agent::AgentRun::start("a").succeed();
        autobot_otel::agent::ToolCall::start("t").succeed();
    });
}

#[test]
fn recording_every_method_once_touches_every_catalog_metric_with_its_exact_labels() {
    let (t, _) = setup();
    record_all(m(&t));
    record_agents(&t);
    let s = scrape(&t);
    for def in CATALOG {
        let family = s
            .family(def.name)
            .unwrap_or_else(|| panic!("{} missing", def.name));
        assert_eq!(family.kind, def.kind.as_str(), "{}", def.name);
        assert_eq!(family.help, def.help, "{}", def.name);
        let keys: Vec<&str> = family.label_keys().into_iter().collect();
        let mut want = def.labels.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want, "{}", def.name);
    }
    let extra: Vec<&String> = s
        .families
        .keys()
        .filter(|n| autobot_otel::catalog::MetricId::from_name(n).is_none())
        .filter(|n| !n.starts_with(autobot_otel::catalog::self_metrics::PREFIX))
        .filter(|n| {
            !autobot_otel::catalog::process::PROCESS_METRICS
                .iter()
                .any(|d| d.fixed_prometheus_name == Some(n.as_str()))
        })
        .collect();
    assert_eq!(
        extra,
        ["target_info"],
        "besides the catalog, the self-metrics and the process metrics"
    );
    assert_eq!(t.health().metrics_with_data, CATALOG.len());
}

#[test]
fn gauges_and_rolling_rates_stay_within_their_series_limits() {
    let (t, _) = setup();
    let m = t.metrics();
    let gauge = autobot_otel::catalog::MetricId::ActiveWorkflows;
    let limit = gauge.def().max_series;
    for i in 0..limit * 2 {
        m.update_active_workflows(&format!("wf-{i}"), 1);
    }
    let dropped_before = m.dropped_measurements();
    m.inc_active_workflows("one-more-new-type");
    assert_eq!(
        m.dropped_measurements(),
        dropped_before + 1,
        "no last value to move past the limit"
    );
    assert!(m.series_limit_hit(gauge));
    let s = scrape(&t);
    let series = s.family(gauge.def().name).unwrap().samples.len();
    assert!(
        series <= limit + 1,
        "{series} series for a limit of {limit}"
    );

    let rate = autobot_otel::catalog::MetricId::TimeoutRate;
    let label_sets = rate.def().max_series / 3;
    for i in 0..label_sets + 50 {
        m.record_timeout(&format!("op-{i}"), "db", false);
    }
    let s = scrape(&t);
    assert!(s.family(rate.def().name).unwrap().samples.len() <= rate.def().max_series);
    assert!(m.series_limit_hit(rate));
}

#[test]
fn the_health_report_names_metrics_at_their_series_limit() {
    let (t, _) = setup();
    let id = autobot_otel::catalog::MetricId::KnowledgeCacheMissesTotal;
    for i in 0..id.def().max_series + 5 {
        t.metrics().record_cache_miss(&format!("c{i}"));
    }
    let health = t.health();
    let metric = health
        .categories
        .iter()
        .flat_map(|c| &c.metrics)
        .find(|m| m.name == id.def().name)
        .unwrap();
    assert!(metric.at_series_limit);
    assert_eq!(metric.series_limit, id.def().max_series);
    let others = health
        .categories
        .iter()
        .flat_map(|c| &c.metrics)
        .filter(|m| m.at_series_limit)
        .count();
    assert_eq!(others, 1);
}

#[test]
fn series_limits_are_configurable_per_metric() {
    use autobot_otel::catalog::MetricId;
    let (lowered, raised) = (
        MetricId::KnowledgeCacheHitsTotal,
        MetricId::KnowledgeCacheMissesTotal,
    );
    let default = raised.def().max_series;
    let t = Telemetry::builder()
        .without_otlp()
        .with_series_limit(lowered, 5)
        .with_series_limit(raised, default * 2)
        .with_series_limit(MetricId::ActiveWorkflows, 3)
        .build()
        .unwrap();
    let n = default + default / 2;
    for i in 0..n {
        m(&t).record_cache_hit(&format!("c{i}"));
        m(&t).record_cache_miss(&format!("c{i}"));
    }
    for i in 0..10 {
        m(&t).update_active_workflows(&format!("w{i}"), 1);
    }
    let s = scrape(&t);
    let hits = s.family(lowered.def().name).unwrap();
    assert_eq!(hits.samples.len(), 5 + 1, "5 series and the overflow");
    assert_eq!(
        s.sum(lowered.def().name),
        Some(n as f64),
        "totals stay exact"
    );
    let misses = s.family(raised.def().name).unwrap();
    assert_eq!(
        misses.samples.len(),
        n,
        "raised past the catalog's {default}"
    );
    assert!(!m(&t).series_limit_hit(raised));
    assert!(m(&t).series_limit_hit(lowered));
    let active = s.family("autobot_active_workflows").unwrap();
    assert_eq!(
        active.samples.len(),
        3 + 1,
        "gauge cells stop at the limit too"
    );
    let health = t.health();
    let limit_of = |name: &str| {
        health
            .categories
            .iter()
            .flat_map(|c| &c.metrics)
            .find(|m| m.name == name)
            .map(|m| m.series_limit)
    };
    assert_eq!(limit_of(lowered.def().name), Some(5));
    assert_eq!(limit_of(raised.def().name), Some(default * 2));
}

#[test]
fn force_flush_and_shutdown_are_bounded_against_a_collector_that_never_answers() {
    use autobot_otel::ShutdownError;
    use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    // Accepts connections and never answers (the sockets stay open until the end).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let mut sockets = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Ok((s, _)) = listener.accept() {
                sockets.push(s);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let bound = Duration::from_millis(800);
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let t = Telemetry::builder()
            .with_otlp(
                OtlpSettings::new(format!("http://{addr}"), protocol)
                    .with_export_interval(Duration::from_secs(3600))
                    .with_timeout(Duration::from_secs(20)),
            )
            .with_shutdown_timeout(bound)
            .build()
            .unwrap();
        m(&t).record_cache_hit("x");
        for (what, result) in [("force_flush", 0), ("shutdown", 1)] {
            let started = std::time::Instant::now();
            let outcome = if result == 0 {
                t.force_flush()
            } else {
                t.shutdown()
            };
            let took = started.elapsed();
            assert!(
                matches!(outcome, Err(ShutdownError::Timeout(d)) if d == bound),
                "{protocol:?} {what}: {outcome:?}"
            );
            assert!(
                took < bound + Duration::from_millis(500),
                "{protocol:?} {what}: {took:?}"
            );
        }
    }
    drop(held);
}
