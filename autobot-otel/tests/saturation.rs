//! Totals never wrap and sums never become infinite: a `u64` counter at
//! `u64::MAX` stays there (a wrap to 0 would read as a counter reset), and a
//! histogram or dollar amount above `MAX_MEASUREMENT` is dropped, so two huge
//! values cannot make `_sum` `+Inf`. Whatever is cut is counted in
//! `dropped_measurements`.

use autobot_otel::catalog::MetricId;
use autobot_otel::testing::Scrape;
use autobot_otel::{MAX_MEASUREMENT, Telemetry};

fn pipeline() -> Telemetry {
    Telemetry::builder().without_otlp().build().unwrap()
}

#[test]
fn a_counter_at_u64_max_saturates_instead_of_wrapping() {
    let t = pipeline();
    let m = t.metrics();
    m.record_llm_tokens("p", "m", u64::MAX, 0);
    m.record_llm_tokens("p", "m", 1, 0);
    let handle = m.counter_handle(MetricId::LlmTokensTotal, &["p", "m", "input"]);
    handle.add(7);
    let labels = [("provider", "p"), ("model", "m"), ("token_type", "input")];
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    assert_eq!(
        scrape.value("autobot_llm_tokens_total", &labels),
        Some(u64::MAX as f64),
        "saturated, not wrapped to a small value"
    );
    assert_eq!(m.dropped_measurements(), 2, "the +1 and the +7 did not fit");
    // A partial fit counts what fits.
    m.record_llm_tokens("p", "m", 0, u64::MAX - 3);
    m.record_llm_tokens("p", "m", 0, 10);
    assert_eq!(m.dropped_measurements(), 3);
}

#[test]
fn huge_measurements_cannot_make_a_sum_infinite() {
    let t = pipeline();
    let m = t.metrics();
    m.record_operation_duration("op", "db", f64::MAX);
    m.record_operation_duration("op", "db", f64::MAX);
    m.record_operation_duration("op", "db", MAX_MEASUREMENT);
    m.record_operation_duration("op", "db", MAX_MEASUREMENT);
    m.record_llm_cost("p", "m", f64::MAX);
    m.record_llm_cost("p", "m", MAX_MEASUREMENT);
    m.record_llm_cost("p", "m", MAX_MEASUREMENT);
    let h = m.histogram_handle(MetricId::OperationDurationSeconds, &["op", "db"]);
    h.record(f64::MAX);
    assert_eq!(m.dropped_measurements(), 4);
    let text = t.render(autobot_otel::Exposition::Text);
    assert!(!text.lines().any(|l| l.ends_with(" +Inf")), "{text}");
    let scrape = Scrape::parse(&text).unwrap();
    let sum = scrape
        .value(
            "autobot_operation_duration_seconds_sum",
            &[("operation_type", "op"), ("database", "db")],
        )
        .unwrap();
    assert!(sum.is_finite(), "{sum}");
    assert_eq!(sum, 2.0 * MAX_MEASUREMENT);
    let dollars = scrape
        .value(
            "autobot_llm_cost_dollars_total",
            &[("provider", "p"), ("model", "m"), ("cost_type", "total")],
        )
        .unwrap();
    assert_eq!(dollars, 2.0 * MAX_MEASUREMENT);
}
