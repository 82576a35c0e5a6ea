//! Scrape rendering of 1k, 10k and 100k series: the endpoint's encoder (a
//! `MetricReader` writing the text format straight from the SDK's data) against
//! `opentelemetry-prometheus` gather + `prometheus::TextEncoder` on the same SDK,
//! and against the `prometheus` crate encoding its own registry.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use autobot_otel::prometheus::PrometheusTextReader;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::{Instrument, SdkMeterProvider, Stream};
use prometheus::Encoder as _;

/// A provider holding `n` series (4 in 5 counters, 1 in 5 histograms with 11
/// buckets) with both readers attached, and the same series in a `prometheus`
/// registry. Label values are shared `Arc<str>`, as the facade records them
/// (`manager::label`), so the SDK's per-collection copy of each series'
/// attributes is what it is behind the endpoint.
struct Fixture {
    _provider: SdkMeterProvider,
    ours: PrometheusTextReader,
    registry: prometheus::Registry,
    prom_registry: prometheus::Registry,
}

fn fixture(n: usize) -> Fixture {
    let ours = PrometheusTextReader::new();
    let registry = prometheus::Registry::new();
    let theirs = opentelemetry_prometheus::exporter()
        .with_registry(registry.clone())
        .scope_info_enabled(false)
        .build()
        .expect("exporter");
    let limit = n + 16;
    let provider = SdkMeterProvider::builder()
        .with_reader(ours.clone())
        .with_reader(theirs)
        .with_view(move |_: &Instrument| {
            Stream::builder().with_cardinality_limit(limit).build().ok()
        })
        .build();
    let meter = provider.meter("bench");
    let counter = meter.u64_counter("autobot_workflow_steps_executed").build();
    let bounds = vec![
        0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
    ];
    let histogram = meter
        .f64_histogram("autobot_task_duration")
        .with_unit("s")
        .with_boundaries(bounds.clone())
        .build();
    let prom_registry = prometheus::Registry::new();
    let pc = prometheus::IntCounterVec::new(
        prometheus::Opts::new("autobot_workflow_steps_executed_total", "steps"),
        &["workflow_type", "step_type", "status"],
    )
    .expect("counter");
    let ph = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("autobot_task_duration_seconds", "tasks").buckets(bounds),
        &["task_type", "agent_type"],
    )
    .expect("histogram");
    prom_registry
        .register(Box::new(pc.clone()))
        .expect("register");
    prom_registry
        .register(Box::new(ph.clone()))
        .expect("register");
    let histograms = n / 5;
    for i in 0..n - histograms {
        let (wf, step) = (format!("workflow-{}", i / 10), format!("step-{}", i % 10));
        counter.add(
            1 + i as u64,
            &[
                KeyValue::new("workflow_type", Arc::<str>::from(wf.as_str())),
                KeyValue::new("step_type", Arc::<str>::from(step.as_str())),
                KeyValue::new("status", "completed"),
            ],
        );
        pc.with_label_values(&[&wf, &step, "completed"])
            .inc_by(1 + i as u64);
    }
    for i in 0..histograms {
        let (task, agent) = (format!("task-{}", i / 4), format!("agent-{}", i % 4));
        histogram.record(
            (i % 700) as f64,
            &[
                KeyValue::new("task_type", Arc::<str>::from(task.as_str())),
                KeyValue::new("agent_type", Arc::<str>::from(agent.as_str())),
            ],
        );
        ph.with_label_values(&[&task, &agent])
            .observe((i % 700) as f64);
    }
    Fixture {
        _provider: provider,
        ours,
        registry,
        prom_registry,
    }
}

fn rendering(c: &mut Criterion) {
    for (name, n, samples) in [
        ("1k", 1_000, 30),
        ("10k", 10_000, 20),
        ("100k", 100_000, 10),
    ] {
        let f = fixture(n);
        let mut g = c.benchmark_group(format!("render/{name}"));
        g.sample_size(samples)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        g.bench_function("endpoint", |b| {
            b.iter(|| {
                let mut out = String::new();
                f.ours.render(&mut out).expect("render");
                black_box(out.len())
            })
        });
        g.bench_function("otel_prometheus", |b| {
            b.iter(|| {
                let mut out = Vec::new();
                prometheus::TextEncoder::new()
                    .encode(&f.registry.gather(), &mut out)
                    .expect("encode");
                black_box(out.len())
            })
        });
        g.bench_function("prometheus_crate", |b| {
            b.iter(|| {
                let mut out = Vec::new();
                prometheus::TextEncoder::new()
                    .encode(&f.prom_registry.gather(), &mut out)
                    .expect("encode");
                black_box(out.len())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, rendering);
criterion_main!(benches);
