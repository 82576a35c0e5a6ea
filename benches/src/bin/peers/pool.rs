//! Run-time labels from a pool of 50 values: each call records one counter and
//! one histogram of the Redis operation on the database `pool[i % 50]`
//! (`autobot_redis_operations_total{database, operation, status}` and
//! `autobot_redis_operation_latency_seconds{database, operation}`), through
//! each library's per-call API. The pool's values live for the whole program
//! (`&'static str`), the cheapest form every library accepts.

use std::hint::black_box;

use autobot_otel::catalog::MetricId;
use autobot_otel::labels::RedisStatus;
use autobot_otel_bench::peers::{self, Buckets};
use autobot_otel_bench::report::{PeersReport, Stat, key};
use autobot_otel_bench::rounds::{Candidate, interleave, time_per_call};
use autobot_otel_bench::{PromCrate, RawOptions, RawOtel, facade};
use opentelemetry::KeyValue;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

use crate::Options;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    database: &'static str,
    operation: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    database: &'static str,
    operation: &'static str,
}

const LATENCY: f64 = 0.0004;

pub fn run(opts: &Options, report: &mut PeersReport) {
    let pool: Vec<&'static str> = (0..50)
        .map(|i| &*Box::leak(format!("db-{i}").into_boxed_str()))
        .collect();
    let pool = &pool;
    let calls = if opts.quick { 10_000 } else { 50_000 };

    let ours = facade(false);
    let m = ours.metrics();

    let ids = [
        MetricId::RedisOperationsTotal,
        MetricId::RedisOperationLatencySeconds,
    ];
    let prom = PromCrate::with_metrics(Some(&ids));
    let (pc, ph) = (
        prom.counter(MetricId::RedisOperationsTotal),
        prom.histogram(MetricId::RedisOperationLatencySeconds),
    );

    let mut registry = prometheus_client::registry::Registry::default();
    let client_c: Family<OpLabels, Counter> = Family::default();
    let client_h: Family<LatencyLabels, Histogram, Buckets> = Family::new_with_constructor(
        Buckets(MetricId::RedisOperationLatencySeconds.def().buckets),
    );
    registry.register("autobot_redis_operations", "ops", client_c.clone());
    registry.register(
        "autobot_redis_operation_latency_seconds",
        "latency",
        client_h.clone(),
    );

    let raw = RawOtel::with_options(RawOptions {
        only: Some(&ids),
        ..RawOptions::default()
    });
    let (rc, rh) = (
        raw.counter(MetricId::RedisOperationsTotal),
        raw.histogram(MetricId::RedisOperationLatencySeconds),
    );

    let mut i = [0usize; 5];
    let [i0, i1, i2, i3, i4] = &mut i;
    let next = |i: &mut usize| {
        *i += 1;
        pool[*i % pool.len()]
    };
    let mut candidates = vec![
        Candidate::new(peers::AUTOBOT, || {
            time_per_call(calls, || {
                let db = next(i0);
                m.record_redis_operation(db, "get", RedisStatus::Success, black_box(LATENCY))
            })
        }),
        Candidate::new(peers::PROMETHEUS, || {
            time_per_call(calls, || {
                let db = next(i1);
                pc.with_label_values(&[db, "get", "success"]).inc();
                ph.with_label_values(&[db, "get"])
                    .observe(black_box(LATENCY));
            })
        }),
        Candidate::new(peers::PROM_CLIENT, || {
            time_per_call(calls, || {
                let db = next(i2);
                client_c
                    .get_or_create(&OpLabels {
                        database: db,
                        operation: "get",
                        status: "success",
                    })
                    .inc();
                client_h
                    .get_or_create(&LatencyLabels {
                        database: db,
                        operation: "get",
                    })
                    .observe(black_box(LATENCY));
            })
        }),
        Candidate::new(peers::METRICS, || {
            time_per_call(calls, || {
                let db = next(i3);
                metrics::counter!(
                    "autobot_redis_operations_total",
                    "database" => db, "operation" => "get", "status" => "success"
                )
                .increment(1);
                metrics::histogram!(
                    "autobot_redis_operation_latency_seconds",
                    "database" => db, "operation" => "get"
                )
                .record(black_box(LATENCY));
            })
        }),
        Candidate::new(peers::OTEL, || {
            time_per_call(calls, || {
                let db = next(i4);
                rc.add(
                    1,
                    &[
                        KeyValue::new("database", db),
                        KeyValue::new("operation", "get"),
                        KeyValue::new("status", "success"),
                    ],
                );
                rh.record(
                    black_box(LATENCY),
                    &[
                        KeyValue::new("database", db),
                        KeyValue::new("operation", "get"),
                    ],
                );
            })
        }),
    ];
    let rounds = opts.rounds(51, 7);
    let samples = interleave(&mut candidates, rounds);
    report.rounds.insert("pool".into(), rounds);
    for lib in [
        peers::AUTOBOT,
        peers::PROMETHEUS,
        peers::PROM_CLIENT,
        peers::METRICS,
        peers::OTEL,
    ] {
        report
            .figures
            .insert(key(&["pool50", lib]), samples.stat(lib));
        if lib != peers::AUTOBOT {
            let r = samples.per_round(|r| r.get(peers::AUTOBOT) / r.get(lib));
            report
                .figures
                .insert(key(&["ratio", "pool50", lib]), Stat::of(&r));
        }
    }
}
