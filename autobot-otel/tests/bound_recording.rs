//! Regression: bound instrument handles really record. The SDK silently drops
//! bound measurements when `experimental_metrics_bound_instruments` is enabled on
//! `opentelemetry` but not on `opentelemetry_sdk` (or the other way round); every
//! fast path of this crate goes through bound handles, so this must never happen.

use autobot_otel::Telemetry;
use autobot_otel::catalog::MetricId;
use autobot_otel::labels::Outcome;

#[test]
fn bound_handles_record_into_the_scrape() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let m = t.metrics();
    let counter = m.counter_handle(MetricId::GithubOperationsTotal, &["bound", "success"]);
    let histogram = m.histogram_handle(MetricId::GithubApiDurationSeconds, &["bound"]);
    for _ in 0..5 {
        counter.inc();
        histogram.record(0.25);
    }
    // The run-time label path binds on first use and records through the handle.
    for _ in 0..7 {
        m.record_github_operation("cached", Outcome::Success, 0.5);
    }
    let text = t.render(autobot_otel::Exposition::Text);
    for expected in [
        r#"autobot_github_operations_total{operation="bound",status="success"} 5"#,
        r#"autobot_github_api_duration_seconds_count{operation="bound"} 5"#,
        r#"autobot_github_api_duration_seconds_sum{operation="bound"} 1.25"#,
        r#"autobot_github_operations_total{operation="cached",status="success"} 7"#,
        r#"autobot_github_api_duration_seconds_count{operation="cached"} 7"#,
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
}
