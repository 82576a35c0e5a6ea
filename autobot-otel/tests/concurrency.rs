//! Recording from many threads at once, with scrapes and shutdown racing it.
//!
//! - [`eight_threads_times_a_million_calls_total_exactly`]: 8 threads make
//!   1,000,000 recording calls each, mixing methods of all eight categories,
//!   while another thread scrapes in a loop; every intermediate scrape parses
//!   and is internally consistent, and the final one has exact totals.
//! - [`shutdown_racing_recording_neither_deadlocks_nor_panics`]: threads record
//!   and scrape while another shuts the pipeline down; all join in time.
//! - [`values_recorded_before_shutdown_are_all_in_the_last_render`].
//!
//! The OTLP delivery of values at shutdown is tested against a real collector
//! by `shutdown_flushes_a_value_recorded_just_before_it` in
//! `tests/tests/otlp_collector.rs`.
//!
//! `AUTOBOT_CONCURRENCY_CALLS` sets the calls per thread (default 1,000,000).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use autobot_otel::labels::*;
use autobot_otel::testing::ManualClock;
use autobot_otel::testing::Scrape;
use autobot_otel::{MetricsManager, Telemetry};

const THREADS: usize = 8;

fn calls_per_thread() -> u64 {
    std::env::var("AUTOBOT_CONCURRENCY_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn telemetry() -> Telemetry {
    // A manual clock: the rolling rates' windows do not move during the test.
    Telemetry::builder()
        .without_otlp()
        .enabled(true)
        .with_clock(Arc::new(ManualClock::new()))
        .build()
        .expect("pipeline")
}

/// Number of distinct operations in [`record`].
const OPS: u64 = 29;

/// What one thread recorded: calls per operation and the gauge nets.
#[derive(Default, Clone, Debug)]
struct Expected {
    calls: BTreeMap<u64, u64>,
    active_workflows: i64,
    active_tasks: i64,
    ws_connections: i64,
    timeouts: u64,
    timeout_ok: u64,
    requests_ok: u64,
    requests_failed: u64,
}

impl Expected {
    fn n(&self, op: u64) -> u64 {
        self.calls.get(&op).copied().unwrap_or(0)
    }

    fn merge(&mut self, other: &Expected) {
        for (op, n) in &other.calls {
            *self.calls.entry(*op).or_default() += n;
        }
        self.active_workflows += other.active_workflows;
        self.active_tasks += other.active_tasks;
        self.ws_connections += other.ws_connections;
        self.timeouts += other.timeouts;
        self.timeout_ok += other.timeout_ok;
        self.requests_ok += other.requests_ok;
        self.requests_failed += other.requests_failed;
    }
}

/// Call `i` of a thread: one recording method, chosen round robin over all
/// eight categories. Durations are dyadic fractions, so their sums are exact.
fn record(m: &MetricsManager, i: u64, e: &mut Expected) {
    let op = i % OPS;
    // Varies from one round of the ops to the next.
    let round = i / OPS;
    *e.calls.entry(op).or_default() += 1;
    match op {
        // workflow
        0 => m.record_workflow_execution("wf", Outcome::Success, 0.5),
        1 => m.record_workflow_step("wf", "analysis", StepStatus::Completed),
        2 => {
            m.inc_active_workflows("wf");
            e.active_workflows += 1;
        }
        3 => {
            // Two decrements in three: the gauge nets to a known non-zero value.
            if round.is_multiple_of(3) {
                m.inc_active_workflows("wf");
                e.active_workflows += 1;
            } else {
                m.dec_active_workflows("wf");
                e.active_workflows -= 1;
            }
        }
        // github
        4 => m.record_github_operation("get_repo", Outcome::Failed, Duration::from_millis(250)),
        5 => m.record_github_pull_request("o/r", "create", Outcome::Success),
        // task
        6 => m.record_task_execution("lint", "linter", Outcome::Success, 1.0),
        7 => {
            m.inc_active_tasks("lint", "linter");
            e.active_tasks += 1;
        }
        8 => {
            m.dec_active_tasks("lint", "linter");
            m.dec_active_tasks("lint", "linter");
            e.active_tasks -= 2;
        }
        9 => m.record_task_retry("lint", "timeout"),
        // performance
        10 => m.record_operation_duration("redis_get", "main", 0.125),
        11 => {
            let timed_out = round.is_multiple_of(4);
            m.record_timeout("redis_get", "main", timed_out);
            if timed_out {
                e.timeouts += 1;
            } else {
                e.timeout_ok += 1;
            }
        }
        12 => {
            let ok = !round.is_multiple_of(5);
            m.record_request("main", "get", ok);
            if ok {
                e.requests_ok += 1;
            } else {
                e.requests_failed += 1;
            }
        }
        13 => m.record_circuit_breaker_event("main", CircuitEvent::Opened, "failures"),
        // knowledge
        14 => m.record_search(SearchType::Semantic, "docs", 0.0625, 3),
        15 => m.record_cache_hit("embedding"),
        16 => m.record_cache_miss("embedding"),
        // llm
        17 => m.record_llm_request("openai", "gpt-4", "chat", 0.5),
        18 => m.record_llm_tokens("openai", "gpt-4", 10, 5),
        19 => m.record_llm_cost("openai", "gpt-4", 0.5),
        20 => m.record_llm_error("openai", "rate_limit"),
        // websocket
        21 => m.record_websocket_message("/chat", "message", MessageDirection::Sent, 0.25),
        22 => {
            m.inc_websocket_connections("/chat");
            e.ws_connections += 1;
        }
        23 => {
            if round.is_multiple_of(2) {
                m.dec_websocket_connections("/chat");
                e.ws_connections -= 1;
            }
        }
        24 => m.record_websocket_error("/chat", "closed"),
        // redis
        25 => m.record_redis_operation("main", "get", RedisStatus::Success, 0.125),
        26 => m.record_redis_pubsub("main", PubSubDirection::Published),
        // absolute gauges: every thread sets the same value
        27 => m.update_task_queue_size(Priority::High, 7),
        _ => m.set_redis_memory("main", 1024),
    }
}

/// One histogram series of a scrape: its (bound, cumulative count) buckets
/// and its `_count`.
type Histogram = (Vec<(f64, f64)>, Option<f64>);

/// Checks that hold in every scrape, even one taken mid-recording: histogram
/// buckets are cumulative and end at `_count`, and no counter went down since
/// `previous`.
fn check_consistent(s: &Scrape, previous: &mut BTreeMap<String, f64>) {
    for family in s.families.values() {
        match family.kind.as_str() {
            "counter" => {
                for sample in &family.samples {
                    let key = format!("{}{:?}", sample.name, sample.labels);
                    let before = previous.insert(key.clone(), sample.value).unwrap_or(0.0);
                    assert!(
                        sample.value >= before,
                        "{key} went from {before} to {}",
                        sample.value
                    );
                }
            }
            "histogram" => {
                let mut by_series: BTreeMap<String, Histogram> = BTreeMap::new();
                for sample in &family.samples {
                    let mut labels = sample.labels.clone();
                    let le = labels.remove("le");
                    let key = format!("{labels:?}");
                    let entry = by_series.entry(key).or_default();
                    if sample.name.ends_with("_bucket") {
                        let le = le.expect("bucket has le");
                        let bound = if le == "+Inf" {
                            f64::INFINITY
                        } else {
                            le.parse().expect("numeric le")
                        };
                        entry.0.push((bound, sample.value));
                    } else if sample.name.ends_with("_count") {
                        entry.1 = Some(sample.value);
                    }
                }
                for (series, (buckets, count)) in by_series {
                    let name = &family.name;
                    assert!(
                        buckets
                            .windows(2)
                            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                        "{name}{series}: buckets not cumulative: {buckets:?}"
                    );
                    let inf = buckets.last().map(|b| b.1);
                    assert_eq!(inf, count, "{name}{series}: +Inf bucket vs _count");
                }
            }
            _ => {}
        }
    }
}

fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.value(name, labels)
        .unwrap_or_else(|| panic!("no sample {name}{labels:?}"))
}

/// The final scrape against what the threads recorded.
fn check_totals(s: &Scrape, e: &Expected) {
    let n = |op: u64| e.n(op) as f64;
    let counters: [(&str, f64); 18] = [
        ("autobot_workflow_executions_total", n(0)),
        ("autobot_workflow_steps_executed_total", n(1)),
        ("autobot_github_operations_total", n(4)),
        ("autobot_github_pull_requests_total", n(5)),
        ("autobot_tasks_executed_total", n(6)),
        ("autobot_task_retries_total", n(9)),
        ("autobot_circuit_breaker_events_total", n(13)),
        ("autobot_knowledge_search_requests_total", n(14)),
        ("autobot_knowledge_cache_hits_total", n(15)),
        ("autobot_knowledge_cache_misses_total", n(16)),
        ("autobot_llm_requests_total", n(17)),
        ("autobot_llm_tokens_total", 15.0 * n(18)),
        ("autobot_llm_cost_dollars_total", 0.5 * n(19)),
        ("autobot_llm_errors_total", n(20)),
        ("autobot_websocket_messages_sent_total", n(21)),
        ("autobot_websocket_errors_total", n(24)),
        ("autobot_redis_operations_total", n(25)),
        ("autobot_redis_pubsub_messages_total", n(26)),
    ];
    for (name, want) in counters {
        assert_eq!(s.sum(name), Some(want), "{name}");
    }
    let tokens = |t: &str| {
        value(
            s,
            "autobot_llm_tokens_total",
            &[
                ("provider", "openai"),
                ("model", "gpt-4"),
                ("token_type", t),
            ],
        )
    };
    assert_eq!(tokens("input"), 10.0 * n(18));
    assert_eq!(tokens("output"), 5.0 * n(18));

    // Histograms: (family, calls, value per call).
    let histograms: [(&str, f64, f64); 9] = [
        ("autobot_workflow_duration_seconds", n(0), 0.5),
        ("autobot_github_api_duration_seconds", n(4), 0.25),
        ("autobot_task_duration_seconds", n(6), 1.0),
        ("autobot_operation_duration_seconds", n(10), 0.125),
        ("autobot_knowledge_search_latency_seconds", n(14), 0.0625),
        ("autobot_knowledge_search_results_count", n(14), 3.0),
        ("autobot_llm_request_latency_seconds", n(17), 0.5),
        ("autobot_websocket_message_latency_seconds", n(21), 0.25),
        ("autobot_redis_operation_latency_seconds", n(25), 0.125),
    ];
    for (name, calls, each) in histograms {
        assert_eq!(s.sum(&format!("{name}_count")), Some(calls), "{name}_count");
        assert_eq!(
            s.sum(&format!("{name}_sum")),
            Some(calls * each),
            "{name}_sum"
        );
    }

    let timeout = |status: &str| {
        value(
            s,
            "autobot_timeout_total",
            &[
                ("operation_type", "redis_get"),
                ("database", "main"),
                ("status", status),
            ],
        )
    };
    assert_eq!(timeout("timeout"), e.timeouts as f64);
    assert_eq!(timeout("success"), e.timeout_ok as f64);
    let requests = |status: &str| {
        value(
            s,
            "autobot_redis_requests_total",
            &[
                ("database", "main"),
                ("operation", "get"),
                ("status", status),
            ],
        )
    };
    assert_eq!(requests("success"), e.requests_ok as f64);
    assert_eq!(requests("failure"), e.requests_failed as f64);
    let (t, total) = (e.timeouts, e.timeouts + e.timeout_ok);
    let (ok, all) = (e.requests_ok, e.requests_ok + e.requests_failed);
    for window in ["1m", "5m", "15m"] {
        let timeout_rate = value(
            s,
            "autobot_timeout_rate",
            &[
                ("operation_type", "redis_get"),
                ("database", "main"),
                ("time_window", window),
            ],
        );
        assert_eq!(timeout_rate, 100.0 * t as f64 / total as f64, "{window}");
        let success_rate = value(
            s,
            "autobot_redis_success_rate",
            &[("database", "main"), ("time_window", window)],
        );
        assert_eq!(success_rate, 100.0 * ok as f64 / all as f64, "{window}");
    }

    type Labels<'a> = &'a [(&'a str, &'a str)];
    let gauges: [(&str, Labels<'_>, f64); 5] = [
        (
            "autobot_active_workflows",
            &[("workflow_type", "wf")],
            e.active_workflows as f64,
        ),
        (
            "autobot_active_tasks",
            &[("task_type", "lint"), ("agent_type", "linter")],
            e.active_tasks as f64,
        ),
        (
            "autobot_websocket_connections_active",
            &[("namespace", "/chat")],
            e.ws_connections as f64,
        ),
        ("autobot_task_queue_size", &[("priority", "high")], 7.0),
        (
            "autobot_redis_memory_used_bytes",
            &[("database", "main")],
            1024.0,
        ),
    ];
    for (name, labels, want) in gauges {
        assert_eq!(value(s, name, labels), want, "{name}");
    }
}

#[test]
fn eight_threads_times_a_million_calls_total_exactly() {
    let t = telemetry();
    let calls = calls_per_thread();
    let done = AtomicBool::new(false);
    let start = Barrier::new(THREADS + 1);
    let began = Instant::now();
    let (expected, scrapes) = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS as u64)
            .map(|thread| {
                let (t, start) = (&t, &start);
                s.spawn(move || {
                    let mut e = Expected::default();
                    start.wait();
                    // Threads start at different ops, so each call races
                    // other methods as well as the same one.
                    for i in 0..calls {
                        record(t.metrics(), i + thread * 3, &mut e);
                    }
                    e
                })
            })
            .collect();
        let scraper = s.spawn(|| {
            let mut previous = BTreeMap::new();
            let mut scrapes = 0u64;
            start.wait();
            while !done.load(Ordering::Acquire) {
                let text = t.render(autobot_otel::Exposition::Text);
                let scrape = Scrape::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
                check_consistent(&scrape, &mut previous);
                scrapes += 1;
            }
            scrapes
        });
        let mut expected = Expected::default();
        for w in workers {
            expected.merge(&w.join().expect("worker panicked"));
        }
        done.store(true, Ordering::Release);
        (expected, scraper.join().expect("scraper panicked"))
    });
    let recorded = began.elapsed();
    assert_eq!(expected.calls.values().sum::<u64>(), calls * THREADS as u64);
    assert!(scrapes > 0);

    let text = t.render(autobot_otel::Exposition::Text);
    let s = Scrape::parse(&text).expect("final scrape parses");
    check_consistent(&s, &mut BTreeMap::new());
    check_totals(&s, &expected);
    assert_ne!(expected.active_workflows, 0);
    assert_eq!(t.metrics().dropped_measurements(), 0);
    eprintln!(
        "{} calls on {THREADS} threads in {recorded:?}, {scrapes} concurrent scrapes",
        calls * THREADS as u64
    );
}

/// Runs `f` on its own thread; panics if it has not finished by `deadline`.
fn finish_by<T: Send + 'static>(
    deadline: Instant,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(()) => match handle.join().expect("thread ends") {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(_) => panic!("{what} did not finish in time: deadlock?"),
    }
}

#[test]
fn shutdown_racing_recording_neither_deadlocks_nor_panics() {
    let deadline = Instant::now() + Duration::from_secs(60);
    for round in 0..5u64 {
        let t = telemetry();
        let stop = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(AtomicU64::new(0));
        let start = Arc::new(Barrier::new(THREADS + 2));
        let mut workers = Vec::new();
        for thread in 0..THREADS as u64 {
            let (t, stop, calls, start) = (t.clone(), stop.clone(), calls.clone(), start.clone());
            workers.push(thread::spawn(move || {
                let mut e = Expected::default();
                start.wait();
                let mut i = thread * 5;
                // Keeps recording after the shutdown, until told to stop.
                while !stop.load(Ordering::Relaxed) {
                    record(t.metrics(), i, &mut e);
                    i += 1;
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        let renders = Arc::new(AtomicU64::new(0));
        let scraper = {
            let (t, stop, start) = (t.clone(), stop.clone(), start.clone());
            let renders = renders.clone();
            thread::spawn(move || {
                start.wait();
                while !stop.load(Ordering::Relaxed) {
                    let text = t.render(autobot_otel::Exposition::Text);
                    // A render either happened before the shutdown (and is a
                    // whole, valid scrape) or after it (and is empty).
                    Scrape::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
                    renders.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let shutdown = {
            let t = t.clone();
            let start = start.clone();
            move || {
                start.wait();
                // Vary when the shutdown lands: from at once to mid-flight.
                thread::sleep(Duration::from_millis(round * 20));
                let begun = Instant::now();
                let result = t.shutdown();
                (result, begun.elapsed())
            }
        };
        let (result, took) = finish_by(deadline, "shutdown", shutdown);
        result.expect("shutdown");
        assert!(took < Duration::from_secs(5), "shutdown took {took:?}");
        // Recording and scraping go on after the shutdown: wait until each
        // has done more (bounded by the deadline), however loaded the machine.
        let (calls_then, renders_then) = (
            calls.load(Ordering::Relaxed),
            renders.load(Ordering::Relaxed),
        );
        while calls.load(Ordering::Relaxed) <= calls_then
            || renders.load(Ordering::Relaxed) <= renders_then
        {
            assert!(
                Instant::now() < deadline,
                "no recording or scrape after the shutdown"
            );
            thread::sleep(Duration::from_millis(1));
        }
        stop.store(true, Ordering::Relaxed);
        for (n, w) in workers.into_iter().enumerate() {
            finish_by(deadline, &format!("worker {n}"), move || w.join())
                .unwrap_or_else(|_| panic!("worker {n} panicked"));
        }
        finish_by(deadline, "scraper", move || scraper.join())
            .unwrap_or_else(|_| panic!("scraper panicked"));
        assert_eq!(t.render(autobot_otel::Exposition::Text), "");
        t.shutdown().expect("a second shutdown is a no-op");
        // Recording after shutdown is a no-op, not a panic.
        let mut e = Expected::default();
        for i in 0..OPS {
            record(t.metrics(), i, &mut e);
        }
    }
}

#[test]
fn values_recorded_before_shutdown_are_all_in_the_last_render() {
    let t = telemetry();
    let calls = 20_000u64;
    let expected = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS as u64)
            .map(|thread| {
                let t = &t;
                s.spawn(move || {
                    let mut e = Expected::default();
                    for i in 0..calls {
                        record(t.metrics(), i + thread * 7, &mut e);
                    }
                    e
                })
            })
            .collect();
        let mut expected = Expected::default();
        for w in workers {
            expected.merge(&w.join().expect("worker panicked"));
        }
        expected
    });
    // The last render before the shutdown has every value.
    let text = t.render(autobot_otel::Exposition::Text);
    t.shutdown().expect("shutdown");
    let s = Scrape::parse(&text).expect("parses");
    check_totals(&s, &expected);
    assert_eq!(
        t.render(autobot_otel::Exposition::Text),
        "",
        "nothing is served after shutdown"
    );
}
