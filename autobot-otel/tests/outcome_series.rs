//! A constant call site's first call creates its counter's series of every
//! outcome at 0 (what an objective's failure ratio reads): before the first
//! failure, `status="failed"` exists and reads 0; after it, 1. Only in the
//! pipeline the site first records into (an application's global one).

use autobot_otel::testing::Scrape;
use autobot_otel::{Exposition, Telemetry, instrument_workflow};

#[derive(Debug)]
struct Failed;

#[instrument_workflow(workflow_type = "zero_init")]
fn run(fail: bool) -> Result<(), Failed> {
    if fail { Err(Failed) } else { Ok(()) }
}

fn value(t: &Telemetry, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    Scrape::parse(&t.render(Exposition::Text))
        .expect("valid scrape")
        .value(name, labels)
}

fn workflow(t: &Telemetry, status: &str) -> Option<f64> {
    value(
        t,
        "autobot_workflow_executions_total",
        &[("workflow_type", "zero_init"), ("status", status)],
    )
}

#[test]
fn a_sites_first_call_creates_every_outcome_series_at_zero() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    assert_eq!(
        workflow(&t, "failed"),
        None,
        "nothing before the first call"
    );
    t.in_scope(|| run(false)).unwrap();
    assert_eq!(workflow(&t, "success"), Some(1.0));
    assert_eq!(workflow(&t, "failed"), Some(0.0));
    assert_eq!(workflow(&t, "cancelled"), Some(0.0));
    assert!(t.in_scope(|| run(true)).is_err());
    assert_eq!(workflow(&t, "failed"), Some(1.0));
    assert_eq!(workflow(&t, "success"), Some(1.0));

    // A site keeps the series of the pipeline it first recorded into (an
    // application's global one); in another it records what each call records.
    let other = Telemetry::builder().without_otlp().build().unwrap();
    assert!(other.in_scope(|| run(true)).is_err());
    assert_eq!(workflow(&other, "failed"), Some(1.0));
    assert_eq!(workflow(&other, "success"), None);
}
