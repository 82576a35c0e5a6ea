//! Heap kept per new series: every library's 3-label counter, and
//! autobot-otel's other instrument kinds.
//!
//! Each library starts with one series and one scrape; then `n - 1` new series
//! are recorded and scraped once more; the live heap that grew in between
//! (counting allocator, requested sizes), divided by `n - 1`, is the figure. The
//! label values are made before the measured window (they are the caller's).
//! Instruments are sized for the `n` series beforehand, so what the OpenTelemetry
//! SDK allocates up front for its series limit (one hash-table slot per series)
//! is not counted for autobot-otel or plain OpenTelemetry.

use autobot_otel::catalog::MetricId;
use autobot_otel::labels::Outcome;
use autobot_otel_bench::counting::snapshot;
use autobot_otel_bench::facade_with_limits;
use autobot_otel_bench::one_metric::{
    MetricsOne, OneMetric, OtelOne, Ours, PromClientOne, PromOne, series_labels,
};
use autobot_otel_bench::peers::{self, MetricsExporter};
use autobot_otel_bench::report::{Memory, PeersReport};

use crate::Options;

/// Bytes and blocks per series of the `n - 1` series after the first.
fn per_series<T>(
    n: usize,
    setup: impl FnOnce() -> T,
    add: impl Fn(&T, &str, &str),
    scrape: impl Fn(&T),
) -> (f64, f64) {
    let labels: Vec<(String, String)> = (0..n).map(series_labels).collect();
    let lib = setup();
    add(&lib, &labels[0].0, &labels[0].1);
    scrape(&lib);
    let before = snapshot();
    for (a, b) in &labels[1..] {
        add(&lib, a, b);
    }
    scrape(&lib);
    let used = snapshot().since(before);
    drop(lib);
    let k = (n - 1) as f64;
    (used.bytes as f64 / k, used.blocks as f64 / k)
}

pub fn run(opts: &Options, report: &mut PeersReport) {
    let n = if opts.quick { 2_000 } else { 10_000 };
    let limit = n + 16;
    let mut push =
        |library: &str, instrument: &str, labels: usize, series: usize, m: (f64, f64)| {
            report.memory.push(Memory {
                library: library.into(),
                instrument: instrument.into(),
                labels,
                series,
                bytes: m.0,
                blocks: m.1,
            })
        };
    // The 3-label counter, every library.
    let one = |lib: &dyn OneMetric, a: &str, b: &str| lib.add(a, b);
    let scrape = |lib: &dyn OneMetric| {
        std::hint::black_box(lib.render());
    };
    type Make = Box<dyn Fn(usize) -> Box<dyn OneMetric>>;
    let libraries: Vec<(&str, Make)> = vec![
        (peers::AUTOBOT, Box::new(|l| Box::new(Ours::new(l)))),
        (
            peers::PROM_CLIENT,
            Box::new(|_| Box::new(PromClientOne::new())),
        ),
        (
            peers::METRICS,
            Box::new(|_| Box::new(MetricsOne(MetricsExporter::new()))),
        ),
        (peers::PROMETHEUS, Box::new(|_| Box::new(PromOne::new()))),
        (peers::OTEL, Box::new(|l| Box::new(OtelOne::new(l)))),
    ];
    for (name, make) in &libraries {
        let m = per_series(
            n,
            || make(limit),
            |lib, a, b| one(lib.as_ref(), a, b),
            |lib| scrape(lib.as_ref()),
        );
        push(name, "counter", 3, n, m);
    }

    // autobot-otel's other kinds, through their public calls.
    let ours = |ids: &[MetricId], limit: usize| {
        let limits: Vec<(MetricId, usize)> = ids.iter().map(|id| (*id, limit)).collect();
        facade_with_limits(false, &limits)
    };
    let render = |t: &autobot_otel::Telemetry| {
        std::hint::black_box(t.render(autobot_otel::Exposition::Text));
    };
    let m = per_series(
        n,
        || ours(&[MetricId::OperationDurationSeconds], limit),
        |t, a, b| {
            t.metrics()
                .record_operation_duration(&format!("{a}.{b}"), "main", 0.01)
        },
        render,
    );
    push(peers::AUTOBOT, "histogram (12 buckets)", 2, n, m);
    let m = per_series(
        n,
        || ours(&[MetricId::ActiveWorkflows], limit),
        |t, a, b| t.metrics().inc_active_workflows(&format!("{a}.{b}")),
        render,
    );
    push(peers::AUTOBOT, "gauge cell (inc/dec)", 1, n, m);
    let k = if opts.quick { 200 } else { 1_000 };
    let m = per_series(
        k,
        || ours(&[MetricId::TimeoutRate], 3 * k + 16),
        |t, a, b| {
            t.metrics()
                .record_timeout(&format!("{a}.{b}"), "main", false)
        },
        render,
    );
    push(peers::AUTOBOT, "rolling rate (3 windows)", 2, k, m);
    let m = per_series(
        n,
        || {
            ours(
                &[MetricId::TasksExecutedTotal, MetricId::TaskDurationSeconds],
                limit,
            )
        },
        |t, a, b| {
            t.metrics()
                .record_task_execution(&format!("{a}.{b}"), "agent", Outcome::Success, 1.0)
        },
        render,
    );
    push(peers::AUTOBOT, "counter + histogram call (task)", 3, n, m);
}
