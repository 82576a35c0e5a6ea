//! The cardinality guard under a runaway label: 1,000,000 distinct `workflow_type`
//! values. The scrape keeps at most the metric's limit + 1 series, the total over
//! them is exact, and the heap stops growing once the limit is reached.
//!
//! A counting global allocator measures the live heap of this test binary (one
//! test, so nothing else allocates meanwhile).

use std::fmt::Write as _;

use autobot_otel::Telemetry;
use autobot_otel::catalog::MetricId;
use autobot_otel::labels::Outcome;
use autobot_otel::testing::Scrape;
use autobot_otel_tests::{CountingAllocator, live_heap_bytes, strict_check_scrape};

#[global_allocator]
static HEAP: CountingAllocator = CountingAllocator;

#[test]
fn a_million_distinct_label_values_stay_bounded_and_exact() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let m = t.metrics();
    let id = MetricId::WorkflowExecutionsTotal;
    let def = id.def();
    let mut name = String::with_capacity(32);
    let mut record = |range: std::ops::Range<u32>| {
        for i in range {
            name.clear();
            let _ = write!(name, "workflow-{i}");
            m.record_workflow_execution(&name, Outcome::Success, 0.5);
        }
    };
    let before = live_heap_bytes();
    // Well past the limits of both the counter and the duration histogram.
    record(0..10_000);
    let at_limit = live_heap_bytes();
    record(10_000..1_000_000);
    let after = live_heap_bytes();

    let text = t.render(autobot_otel::Exposition::Text);
    let s = Scrape::parse(&text).unwrap();
    let family = s.family(def.name).unwrap();
    assert!(
        family.samples.len() <= def.max_series + 1,
        "{}",
        family.samples.len()
    );
    assert_eq!(s.sum(def.name), Some(1_000_000.0), "nothing lost");
    let overflow = family
        .samples
        .iter()
        .find(|x| x.labels.get("otel_metric_overflow").map(String::as_str) == Some("true"))
        .expect("overflow series");
    assert_eq!(overflow.value, 1_000_000.0 - def.max_series as f64);
    assert_eq!(
        s.sum("autobot_workflow_duration_seconds_count"),
        Some(1_000_000.0),
        "the histogram's total count is exact too"
    );
    assert!(m.series_limit_hit(id));
    // The strict parser reads the same samples (overflow series included).
    strict_check_scrape(&text).unwrap_or_else(|e| panic!("{e}"));

    let to_limit = at_limit - before;
    let growth = after - at_limit;
    eprintln!(
        "cardinality: heap {to_limit} B for the first 10,000 label values (limits {} and {}), \
         then {growth} B more for the next 990,000",
        def.max_series,
        MetricId::WorkflowDurationSeconds.def().max_series,
    );
    // Past the limit no per-value state is kept: the heap is flat (a few KB of
    // slack for allocator-visible buffers such as the SDK's overflow bookkeeping).
    assert!(growth < 64 * 1024, "heap grew {growth} B past the limit");
}
