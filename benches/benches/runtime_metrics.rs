//! What the process metrics add to a scrape, and what `http::ServerMetricsLayer`
//! adds to a request.
//!
//! - `process_metrics/render_{without,with}`: `Telemetry::render(Text)` of the
//!   same pipeline shape (a few catalog series recorded), without and with the
//!   process metrics (`TelemetryBuilder::with_process_metrics`). Goal: the
//!   difference under 50 µs per scrape.
//! - `http_server/oneshot_{bare,layered}`: one `GET /users/{id}` through
//!   `tower::ServiceExt::oneshot` on the same axum router, without and with the
//!   layer (on a current-thread runtime). Goal: under 1 µs added per request.
//!
//! After criterion's groups, both pairs are measured again round by round
//! (`autobot_otel_bench::rounds`: rotated order, medians of per-round figures)
//! and printed as absolute figures, their difference and their ratio.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::time::Duration;

use autobot_otel::http::ServerMetricsLayer;
use autobot_otel::labels::Outcome;
use autobot_otel::{Exposition, Telemetry};
use autobot_otel_bench::rounds::{Candidate, interleave, time_per_call};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt as _;

fn pipeline(process: bool) -> Telemetry {
    let t = Telemetry::builder()
        .without_otlp()
        .with_process_metrics(process)
        .build()
        .expect("pipeline");
    let m = t.metrics();
    for w in ["code_review", "deploy", "triage"] {
        m.record_workflow_execution(w, Outcome::Success, 1.5);
    }
    m.record_llm_request("openai", "gpt-4o", "chat", 0.4);
    m.record_redis_operation(
        "main",
        "get",
        autobot_otel::labels::RedisStatus::Success,
        0.001,
    );
    t
}

fn app(layer: Option<&Telemetry>) -> Router {
    let router = Router::new().route("/users/{id}", get(|| async { "ok" }));
    match layer {
        Some(t) => router.layer(ServerMetricsLayer::new(t)),
        None => router,
    }
}

fn request() -> Request<Body> {
    Request::get("/users/7").body(Body::empty()).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

fn process_metrics(c: &mut Criterion) {
    let without = pipeline(false);
    let with = pipeline(true);
    let mut group = c.benchmark_group("process_metrics");
    group.bench_function("render_without", |b| {
        b.iter(|| black_box(without.render(Exposition::Text).len()))
    });
    group.bench_function("render_with", |b| {
        b.iter(|| black_box(with.render(Exposition::Text).len()))
    });
    group.finish();
}

fn http_server(c: &mut Criterion) {
    let rt = runtime();
    let t = pipeline(false);
    let bare = app(None);
    let layered = app(Some(&t));
    let mut group = c.benchmark_group("http_server");
    group.bench_function("oneshot_bare", |b| {
        b.iter(|| rt.block_on(bare.clone().oneshot(request())).unwrap())
    });
    group.bench_function("oneshot_layered", |b| {
        b.iter(|| rt.block_on(layered.clone().oneshot(request())).unwrap())
    });
    group.finish();
}

/// The figures of the module docs, round by round.
fn report(_: &mut Criterion) {
    const ROUNDS: usize = 31;
    let without = pipeline(false);
    let with = pipeline(true);
    let mut cands = vec![
        Candidate::new("without", || {
            time_per_call(200, || {
                black_box(without.render(Exposition::Text).len());
            })
        }),
        Candidate::new("with", || {
            time_per_call(200, || {
                black_box(with.render(Exposition::Text).len());
            })
        }),
    ];
    let s = interleave(&mut cands, ROUNDS);
    let added =
        autobot_otel_bench::report::Stat::of(&s.per_round(|r| r.get("with") - r.get("without")));
    let ratio =
        autobot_otel_bench::report::Stat::of(&s.per_round(|r| r.get("with") / r.get("without")));
    println!(
        "process metrics per scrape: without {:.1} µs, with {:.1} µs; added {:.1} µs (median of {ROUNDS} rounds, range {:.1}..{:.1}; goal < 50 µs); ratio {:.2}",
        s.stat("without").median / 1e3,
        s.stat("with").median / 1e3,
        added.median / 1e3,
        added.min / 1e3,
        added.max / 1e3,
        ratio.median,
    );

    let rt = runtime();
    let t = pipeline(false);
    let bare = app(None);
    let layered = app(Some(&t));
    let mut cands = vec![
        Candidate::new("bare", || {
            time_per_call(5_000, || {
                black_box(rt.block_on(bare.clone().oneshot(request())).unwrap());
            })
        }),
        Candidate::new("layered", || {
            time_per_call(5_000, || {
                black_box(rt.block_on(layered.clone().oneshot(request())).unwrap());
            })
        }),
    ];
    let s = interleave(&mut cands, ROUNDS);
    let added =
        autobot_otel_bench::report::Stat::of(&s.per_round(|r| r.get("layered") - r.get("bare")));
    let ratio =
        autobot_otel_bench::report::Stat::of(&s.per_round(|r| r.get("layered") / r.get("bare")));
    println!(
        "http server layer per request: bare {:.0} ns, layered {:.0} ns; added {:.0} ns (median of {ROUNDS} rounds, range {:.0}..{:.0}; goal < 1000 ns); ratio {:.2}",
        s.stat("bare").median,
        s.stat("layered").median,
        added.median,
        added.min,
        added.max,
        ratio.median,
    );
}

criterion_group! {
    name = benches;
    config = config();
    targets = process_metrics, http_server, report
}
criterion_main!(benches);
