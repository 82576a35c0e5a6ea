//! The recording hot path, side by side with raw OpenTelemetry and the
//! `prometheus` crate. `cargo bench -p autobot-otel-bench --bench hot_path`;
//! `scripts/bench.sh` runs everything and writes docs/performance.md. Scrape
//! rendering, memory per series, a 50-value label pool and the cost of the
//! `#[instrument_*]` attributes are measured against the peer libraries by the
//! `peers` binary (src/bin/peers), candidates interleaved round by round.
//! `outage/recording` is what recording costs while the OTLP collector is down,
//! against a pipeline without OTLP (the `collector_outages` test checks only
//! that recording never blocks then). `pricing/llm_call` is what the price
//! table adds to an LLM call (`-- pricing`).
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use autobot_otel::MetricsManager;
use autobot_otel::catalog::{Category, MetricId};
use autobot_otel::instrument::LlmChunk;
use autobot_otel::instrument_llm;
use autobot_otel::labels::*;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel_bench::{PromCrate, RawOtel, facade};
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

/// Label values as a caller has them: run-time `&str`s.
struct Values {
    workflow: String,
    repo_op: String,
    task: String,
    agent: String,
    db: String,
    provider: String,
    model: String,
    ns: String,
}

fn values() -> Values {
    Values {
        workflow: "code_review".into(),
        repo_op: "create_commit".into(),
        task: "code_analysis".into(),
        agent: "code-reviewer".into(),
        db: "main".into(),
        provider: "openai".into(),
        model: "gpt-4".into(),
        ns: "/chat".into(),
    }
}

fn facade_call(m: &MetricsManager, v: &Values, category: &str) {
    match category {
        "workflow" => m.record_workflow_execution(&v.workflow, Outcome::Success, 1.5),
        "github" => m.record_github_operation(&v.repo_op, Outcome::Success, 0.2),
        "task" => m.record_task_execution(&v.task, &v.agent, Outcome::Success, 3.0),
        "performance" => m.record_operation_duration("redis_get", &v.db, 0.002),
        "knowledge" => m.record_search(SearchType::Semantic, "docs", 0.04, 12),
        "llm" => m.record_llm_request(&v.provider, &v.model, "chat", 2.5),
        "websocket" => {
            m.record_websocket_message(&v.ns, "chat_message", MessageDirection::Sent, 0.005)
        }
        "redis" => m.record_redis_operation(&v.db, "get", RedisStatus::Success, 0.0004),
        _ => unreachable!(),
    }
}

type RawCall = Box<dyn Fn()>;

/// The same series through plain OpenTelemetry (attributes built per call).
fn raw_call(raw: &RawOtel, category: &str) -> RawCall {
    use MetricId::*;
    let kv = KeyValue::new;
    match category {
        "workflow" => {
            let (c, h) = (
                raw.counter(WorkflowExecutionsTotal),
                raw.histogram(WorkflowDurationSeconds),
            );
            Box::new(move || {
                c.add(
                    1,
                    &[kv("workflow_type", "code_review"), kv("status", "success")],
                );
                h.record(1.5, &[kv("workflow_type", "code_review")]);
            })
        }
        "github" => {
            let (c, h) = (
                raw.counter(GithubOperationsTotal),
                raw.histogram(GithubApiDurationSeconds),
            );
            Box::new(move || {
                c.add(
                    1,
                    &[kv("operation", "create_commit"), kv("status", "success")],
                );
                h.record(0.2, &[kv("operation", "create_commit")]);
            })
        }
        "task" => {
            let (c, h) = (
                raw.counter(TasksExecutedTotal),
                raw.histogram(TaskDurationSeconds),
            );
            Box::new(move || {
                let (t, a) = (
                    kv("task_type", "code_analysis"),
                    kv("agent_type", "code-reviewer"),
                );
                c.add(1, &[t.clone(), a.clone(), kv("status", "success")]);
                h.record(3.0, &[t, a]);
            })
        }
        "performance" => {
            let h = raw.histogram(OperationDurationSeconds);
            Box::new(move || {
                h.record(
                    0.002,
                    &[kv("operation_type", "redis_get"), kv("database", "main")],
                )
            })
        }
        "knowledge" => {
            let c = raw.counter(KnowledgeSearchRequestsTotal);
            let (l, r) = (
                raw.histogram(KnowledgeSearchLatencySeconds),
                raw.histogram(KnowledgeSearchResultsCount),
            );
            Box::new(move || {
                let attrs = [kv("search_type", "semantic"), kv("collection", "docs")];
                c.add(1, &attrs);
                l.record(0.04, &attrs);
                r.record(12.0, &[kv("search_type", "semantic")]);
            })
        }
        "llm" => {
            let (c, h) = (
                raw.counter(LlmRequestsTotal),
                raw.histogram(LlmRequestLatencySeconds),
            );
            Box::new(move || {
                let (p, m) = (kv("provider", "openai"), kv("model", "gpt-4"));
                c.add(1, &[p.clone(), m.clone(), kv("request_type", "chat")]);
                h.record(2.5, &[p, m]);
            })
        }
        "websocket" => {
            let (c, h) = (
                raw.counter(WebsocketMessagesSentTotal),
                raw.histogram(WebsocketMessageLatencySeconds),
            );
            Box::new(move || {
                c.add(
                    1,
                    &[kv("namespace", "/chat"), kv("event_type", "chat_message")],
                );
                h.record(0.005, &[kv("namespace", "/chat")]);
            })
        }
        "redis" => {
            let (c, h) = (
                raw.counter(RedisOperationsTotal),
                raw.histogram(RedisOperationLatencySeconds),
            );
            Box::new(move || {
                let (d, o) = (kv("database", "main"), kv("operation", "get"));
                c.add(1, &[d.clone(), o.clone(), kv("status", "success")]);
                h.record(0.0004, &[d, o]);
            })
        }
        _ => unreachable!(),
    }
}

/// The same series through the `prometheus` crate (`with_label_values` per call).
fn prom_call(p: &PromCrate, category: &str) -> RawCall {
    use MetricId::*;
    match category {
        "workflow" => {
            let (c, h) = (
                p.counter(WorkflowExecutionsTotal),
                p.histogram(WorkflowDurationSeconds),
            );
            Box::new(move || {
                c.with_label_values(&["code_review", "success"]).inc();
                h.with_label_values(&["code_review"]).observe(1.5);
            })
        }
        "github" => {
            let (c, h) = (
                p.counter(GithubOperationsTotal),
                p.histogram(GithubApiDurationSeconds),
            );
            Box::new(move || {
                c.with_label_values(&["create_commit", "success"]).inc();
                h.with_label_values(&["create_commit"]).observe(0.2);
            })
        }
        "task" => {
            let (c, h) = (
                p.counter(TasksExecutedTotal),
                p.histogram(TaskDurationSeconds),
            );
            Box::new(move || {
                c.with_label_values(&["code_analysis", "code-reviewer", "success"])
                    .inc();
                h.with_label_values(&["code_analysis", "code-reviewer"])
                    .observe(3.0);
            })
        }
        "performance" => {
            let h = p.histogram(OperationDurationSeconds);
            Box::new(move || h.with_label_values(&["redis_get", "main"]).observe(0.002))
        }
        "knowledge" => {
            let c = p.counter(KnowledgeSearchRequestsTotal);
            let (l, r) = (
                p.histogram(KnowledgeSearchLatencySeconds),
                p.histogram(KnowledgeSearchResultsCount),
            );
            Box::new(move || {
                c.with_label_values(&["semantic", "docs"]).inc();
                l.with_label_values(&["semantic", "docs"]).observe(0.04);
                r.with_label_values(&["semantic"]).observe(12.0);
            })
        }
        "llm" => {
            let (c, h) = (
                p.counter(LlmRequestsTotal),
                p.histogram(LlmRequestLatencySeconds),
            );
            Box::new(move || {
                c.with_label_values(&["openai", "gpt-4", "chat"]).inc();
                h.with_label_values(&["openai", "gpt-4"]).observe(2.5);
            })
        }
        "websocket" => {
            let (c, h) = (
                p.counter(WebsocketMessagesSentTotal),
                p.histogram(WebsocketMessageLatencySeconds),
            );
            Box::new(move || {
                c.with_label_values(&["/chat", "chat_message"]).inc();
                h.with_label_values(&["/chat"]).observe(0.005);
            })
        }
        "redis" => {
            let (c, h) = (
                p.counter(RedisOperationsTotal),
                p.histogram(RedisOperationLatencySeconds),
            );
            Box::new(move || {
                c.with_label_values(&["main", "get", "success"]).inc();
                h.with_label_values(&["main", "get"]).observe(0.0004);
            })
        }
        _ => unreachable!(),
    }
}

fn categories(c: &mut Criterion) {
    let telemetry = facade(false);
    let raw = RawOtel::new();
    let prom = PromCrate::new();
    let v = values();
    for category in Category::ALL.map(|c| c.key()) {
        let mut g = c.benchmark_group(format!("category/{category}"));
        g.bench_function("facade", |b| {
            b.iter(|| facade_call(telemetry.metrics(), black_box(&v), category))
        });
        let raw_fn = raw_call(&raw, category);
        g.bench_function("raw_otel", |b| b.iter(&raw_fn));
        let prom_fn = prom_call(&prom, category);
        g.bench_function("prometheus", |b| b.iter(&prom_fn));
        g.finish();
    }
}

fn constant_labels(c: &mut Criterion) {
    let telemetry = facade(false);
    let raw = RawOtel::new();
    let prom = PromCrate::new();
    let m = telemetry.metrics();

    let mut g = c.benchmark_group("constant/counter");
    let handle = m.counter_handle(
        MetricId::WorkflowExecutionsTotal,
        &["code_review", "success"],
    );
    g.bench_function("facade_handle", |b| b.iter(|| handle.inc()));
    let bound = raw.counter(MetricId::WorkflowExecutionsTotal).bind(&[
        KeyValue::new("workflow_type", "code_review"),
        KeyValue::new("status", "success"),
    ]);
    g.bench_function("otel_bound", |b| b.iter(|| bound.add(1)));
    let pre = prom
        .counter(MetricId::WorkflowExecutionsTotal)
        .with_label_values(&["code_review", "success"]);
    g.bench_function("prometheus_bound", |b| b.iter(|| pre.inc()));
    g.finish();

    let mut g = c.benchmark_group("constant/histogram");
    let handle = m.histogram_handle(MetricId::WorkflowDurationSeconds, &["code_review"]);
    g.bench_function("facade_handle", |b| {
        b.iter(|| handle.record(black_box(1.5)))
    });
    let bound = raw
        .histogram(MetricId::WorkflowDurationSeconds)
        .bind(&[KeyValue::new("workflow_type", "code_review")]);
    g.bench_function("otel_bound", |b| b.iter(|| bound.record(black_box(1.5))));
    let pre = prom
        .histogram(MetricId::WorkflowDurationSeconds)
        .with_label_values(&["code_review"]);
    g.bench_function("prometheus_bound", |b| {
        b.iter(|| pre.observe(black_box(1.5)))
    });
    g.finish();
}

fn readers(c: &mut Criterion) {
    let v = values();
    for (name, two) in [("one", false), ("two", true)] {
        let telemetry = facade(two);
        let m = telemetry.metrics();
        let mut g = c.benchmark_group(format!("readers/{name}"));
        let counter = m.counter_handle(
            MetricId::GithubOperationsTotal,
            &["create_commit", "success"],
        );
        let histogram = m.histogram_handle(MetricId::GithubApiDurationSeconds, &["create_commit"]);
        g.bench_function("bound", |b| {
            b.iter(|| {
                counter.inc();
                histogram.record(black_box(0.2));
            })
        });
        g.bench_function("facade_call", |b| {
            b.iter(|| facade_call(m, black_box(&v), "github"))
        });
        g.finish();
    }
}

fn threads(c: &mut Criterion) {
    let telemetry = facade(false);
    let raw = RawOtel::new();
    let prom = PromCrate::new();
    let m = telemetry.metrics();
    for distinct in [false, true] {
        let name = if distinct {
            "threads/distinct_series"
        } else {
            "threads/same_series"
        };
        let mut g = c.benchmark_group(name);
        let ops = |thread: usize| {
            if distinct {
                ["t0", "t1"][thread]
            } else {
                "shared"
            }
        };
        g.bench_function("facade", |b| {
            b.iter_custom(|iters| {
                two_threads(iters, |t| {
                    m.record_github_operation(ops(t), Outcome::Success, 0.2)
                })
            })
        });
        let (rc, rh) = (
            raw.counter(MetricId::GithubOperationsTotal),
            raw.histogram(MetricId::GithubApiDurationSeconds),
        );
        g.bench_function("raw_otel", |b| {
            b.iter_custom(|iters| {
                two_threads(iters, |t| {
                    rc.add(
                        1,
                        &[
                            KeyValue::new("operation", ops(t)),
                            KeyValue::new("status", "success"),
                        ],
                    );
                    rh.record(0.2, &[KeyValue::new("operation", ops(t))]);
                })
            })
        });
        let (pc, ph) = (
            prom.counter(MetricId::GithubOperationsTotal),
            prom.histogram(MetricId::GithubApiDurationSeconds),
        );
        g.bench_function("prometheus", |b| {
            b.iter_custom(|iters| {
                two_threads(iters, |t| {
                    pc.with_label_values(&[ops(t), "success"]).inc();
                    ph.with_label_values(&[ops(t)]).observe(0.2);
                })
            })
        });
        g.finish();
    }
}

/// Wall time for two threads to make `iters` calls each, divided by 2 (time per
/// call of the pair running concurrently).
fn two_threads(iters: u64, f: impl Fn(usize) + Sync) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..2 {
            let f = &f;
            s.spawn(move || {
                for _ in 0..iters {
                    f(t);
                }
            });
        }
    });
    start.elapsed() / 2
}

/// A chunk that reports nothing (most chunks of a stream), checked like any.
struct Chunk(u64);

impl LlmChunk for Chunk {}

/// An endless stream of ready chunks: polling it costs almost nothing, so what
/// a wrapper adds per chunk shows.
struct Chunks(u64);

impl futures_core::Stream for Chunks {
    type Item = Result<Chunk, std::convert::Infallible>;

    #[inline]
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0 += 1;
        std::task::Poll::Ready(Some(Ok(Chunk(self.0))))
    }
}

#[instrument_llm(provider = "openai", model = "gpt-4o", span = false)]
fn bench_stream() -> impl futures_core::Stream<Item = Result<Chunk, std::convert::Infallible>> {
    Chunks(0)
}

/// Polls `stream` once: the next chunk's number.
#[inline]
fn next_chunk<S>(stream: std::pin::Pin<&mut S>, cx: &mut std::task::Context<'_>) -> u64
where
    S: futures_core::Stream<Item = Result<Chunk, std::convert::Infallible>>,
{
    match stream.poll_next(cx) {
        std::task::Poll::Ready(Some(Ok(Chunk(n)))) => n,
        _ => unreachable!("an endless stream of chunks"),
    }
}

/// The streaming wrapper's cost per chunk (the call's start and end are paid
/// once per stream, not per chunk): the same endless stream polled bare, under
/// `#[instrument_llm(span = false)]` (metrics only), and with the GenAI metrics
/// on (a timestamp and a histogram record per chunk). Also printed as a ratio.
fn streaming(c: &mut Criterion) {
    use std::pin::pin;
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut g = c.benchmark_group("streaming/per_chunk");
    let mut bare_stream = pin!(Chunks(0));
    g.bench_function("unwrapped", |b| {
        b.iter(|| next_chunk(bare_stream.as_mut(), &mut cx))
    });
    let plain = facade(false);
    let mut wrapped = pin!(plain.in_scope(bench_stream));
    g.bench_function("metrics_only", |b| {
        b.iter(|| next_chunk(wrapped.as_mut(), &mut cx))
    });
    let genai = autobot_otel::Telemetry::builder()
        .without_otlp()
        .with_genai_metrics(true)
        .build()
        .expect("pipeline");
    let mut with_genai = pin!(genai.in_scope(bench_stream));
    g.bench_function("genai_metrics", |b| {
        b.iter(|| next_chunk(with_genai.as_mut(), &mut cx))
    });
    g.finish();

    // The same three, timed directly, as a ratio to the unwrapped stream.
    const CHUNKS: u64 = 5_000_000;
    let per_chunk = |name: &str, poll: &mut dyn FnMut() -> u64| {
        let start = Instant::now();
        for _ in 0..CHUNKS {
            black_box(poll());
        }
        let ns = start.elapsed().as_nanos() as f64 / CHUNKS as f64;
        (name.to_string(), ns)
    };
    let base = per_chunk("unwrapped", &mut || {
        next_chunk(bare_stream.as_mut(), &mut cx)
    });
    let runs = [
        per_chunk("metrics_only", &mut || {
            next_chunk(wrapped.as_mut(), &mut cx)
        }),
        per_chunk("genai_metrics", &mut || {
            next_chunk(with_genai.as_mut(), &mut cx)
        }),
    ];
    eprintln!("streaming per chunk: unwrapped {:.1} ns", base.1);
    for (name, ns) in runs {
        eprintln!(
            "streaming per chunk: {name} {ns:.1} ns, {:.1} ns more than unwrapped ({:.2}x)",
            ns - base.1,
            ns / base.1.max(f64::MIN_POSITIVE)
        );
    }
}

/// The usage of one LLM call: 1 200 input tokens (800 cached), 300 output, the
/// response naming a model (a dated id of the table's `gpt-4o`, or one it
/// lacks); with or without a cost of its own.
struct BenchUsage(Option<f64>, &'static str);

impl autobot_otel::instrument::LlmUsage for BenchUsage {
    fn input_tokens(&self) -> u64 {
        1_200
    }
    fn output_tokens(&self) -> u64 {
        300
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        Some(800)
    }
    fn cost_dollars(&self) -> Option<f64> {
        self.0
    }
    fn response_model(&self) -> Option<&str> {
        Some(self.1)
    }
}

// One function (one constant call site, whose series are resolved once per
// pipeline) per case: all run in the same pipeline.
#[instrument_llm(provider = "openai", model = "gpt-4o", span = false)]
fn llm_call_given_cost() -> BenchUsage {
    BenchUsage(black_box(Some(0.0042)), "gpt-4o-2024-08-06")
}

#[instrument_llm(provider = "openai", model = "gpt-4o", span = false)]
fn llm_call_priced() -> BenchUsage {
    BenchUsage(black_box(None), "gpt-4o-2024-08-06")
}

#[instrument_llm(provider = "openai", model = "unlisted-model", span = false)]
fn llm_call_unpriced() -> BenchUsage {
    BenchUsage(black_box(None), "unlisted-model-2026")
}

/// One case of the pricing bench: its name and its instrumented call.
type LlmCase = (&'static str, fn() -> BenchUsage);

/// What pricing adds to an LLM call (`#[instrument_llm(span = false)]`, a
/// constant site, in a pipeline with a price table): `given_cost` (the usage
/// reports its cost: one `total` series, the table not consulted; what every
/// call paid before issue 21) is the baseline; `priced` (no cost: the
/// response's dated model id found by prefix, a cached lookup, and three
/// `cost_type` series: input, cache_read, output; a constant site resolves
/// its price and keeps those series once); `unpriced` (no cost, models the
/// table lacks: the unpriced counter). Also printed as
/// interleaved rounds timed directly, ratios to the baseline.
fn pricing(c: &mut Criterion) {
    use autobot_otel::pricing::{ModelPrice, Pricing};
    let table = Pricing::new().with_model(
        "openai",
        "gpt-4o",
        ModelPrice::per_million(2.0, 8.0).with_cache_read(1.0),
    );
    let t = autobot_otel::Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None)
        .with_pricing(table)
        .build()
        .expect("pipeline");
    let cases: [LlmCase; 3] = [
        ("given_cost", llm_call_given_cost),
        ("priced", llm_call_priced),
        ("unpriced", llm_call_unpriced),
    ];
    t.in_scope(|| {
        let mut g = c.benchmark_group("pricing/llm_call");
        for (name, call) in cases {
            g.bench_function(name, |b| b.iter(call));
        }
        g.finish();

        const ROUNDS: usize = 9;
        const CALLS: usize = 200_000;
        let mut ns: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); cases.len()];
        for round in 0..ROUNDS {
            for k in 0..cases.len() {
                let j = (round + k) % cases.len();
                let call = cases[j].1;
                let start = Instant::now();
                for _ in 0..CALLS {
                    black_box(call());
                }
                ns[j].push(start.elapsed().as_nanos() as f64 / CALLS as f64);
            }
        }
        let medians: Vec<f64> = ns
            .iter_mut()
            .map(|v| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            })
            .collect();
        eprintln!(
            "pricing llm call: {} {:.1} ns/call (baseline)",
            cases[0].0, medians[0]
        );
        for (k, (name, _)) in cases.iter().enumerate().skip(1) {
            eprintln!(
                "pricing llm call: {name} {:.1} ns/call, {:+.1} ns, {:.3}x {}",
                medians[k],
                medians[k] - medians[0],
                medians[k] / medians[0].max(f64::MIN_POSITIVE),
                cases[0].0
            );
        }
    });
}

/// Workflow types recorded in turn by the outage benchmark.
const WORKFLOWS: [&str; 8] = [
    "code_review",
    "deploy",
    "triage",
    "refactor",
    "test_run",
    "release",
    "docs",
    "security_scan",
];

/// A pipeline pushing to `endpoint` over HTTP/protobuf every 100 ms (the push
/// loop is always busy), each export bounded by 3 s.
fn pushing_to(endpoint: &str) -> autobot_otel::Telemetry {
    autobot_otel::Telemetry::builder()
        .enabled(true)
        .with_otlp(
            OtlpSettings::new(endpoint, OtlpProtocol::HttpProtobuf)
                .with_export_interval(Duration::from_millis(100))
                .with_timeout(Duration::from_secs(3)),
        )
        .with_shutdown_timeout(Duration::from_secs(1))
        .build()
        .expect("pipeline")
}

/// A loopback listener that accepts connections and holds them (at most 64)
/// without reading or writing, until dropped: a collector that never answers.
struct Blackhole {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Blackhole {
    fn start() -> Blackhole {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((socket, _)) if held.len() < 64 => held.push(socket),
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Blackhole {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Recording during a collector outage (connections refused; a collector that
/// accepts and never answers) against a pipeline without OTLP: the same facade
/// call, workflow types in turn. The three pipelines live throughout, so the two
/// busy push loops load the machine alike for each. Also printed as ratios of
/// interleaved rounds timed directly.
fn outage(c: &mut Criterion) {
    let baseline = facade(false);
    let closed = {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        listener.local_addr().expect("local addr")
    };
    let refused = pushing_to(&format!("http://{closed}"));
    let blackhole = Blackhole::start();
    let never_answers = pushing_to(&format!("http://{}", blackhole.addr));
    let pipelines = [
        ("no_otlp", &baseline),
        ("otlp_refused", &refused),
        ("otlp_never_answers", &never_answers),
    ];
    let record = |m: &MetricsManager, i: usize| {
        m.record_workflow_execution(
            black_box(WORKFLOWS[i % WORKFLOWS.len()]),
            Outcome::Success,
            0.25,
        )
    };
    let mut g = c.benchmark_group("outage/recording");
    for (name, t) in pipelines {
        let m = t.metrics();
        let mut i = 0usize;
        g.bench_function(name, |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                record(m, i)
            })
        });
    }
    g.finish();

    // Interleaved rounds timed directly (rotating which goes first), each
    // pipeline's median round as a ratio to the baseline's.
    const ROUNDS: usize = 9;
    const CALLS: usize = 200_000;
    let mut ns: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); pipelines.len()];
    for round in 0..ROUNDS {
        for k in 0..pipelines.len() {
            let j = (round + k) % pipelines.len();
            let m = pipelines[j].1.metrics();
            let start = Instant::now();
            for i in 0..CALLS {
                record(m, i);
            }
            ns[j].push(start.elapsed().as_nanos() as f64 / CALLS as f64);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let medians: Vec<f64> = ns.iter_mut().map(median).collect();
    eprintln!(
        "outage recording: {} {:.1} ns/call (baseline)",
        pipelines[0].0, medians[0]
    );
    for (k, (name, _)) in pipelines.iter().enumerate().skip(1) {
        eprintln!(
            "outage recording: {name} {:.1} ns/call, {:.3}x {}",
            medians[k],
            medians[k] / medians[0].max(f64::MIN_POSITIVE),
            pipelines[0].0
        );
    }
    let _ = refused.shutdown();
    let _ = never_answers.shutdown();
    drop(blackhole);
}

criterion_group! {
    name = benches;
    config = config();
    targets = categories, constant_labels, readers, threads, streaming, outage, pricing
}
criterion_main!(benches);
