//! Series limits are counted and reported the same whichever path records: the
//! typed API, an attribute with run-time labels, an attribute with constant
//! labels, a handle. Each path that meets the limit gives all three documented
//! signals: `autobot_otel_series_limit_reached{metric}`, the health report's
//! `at_series_limit`, and one warning under `autobot_otel::cardinality`; totals
//! stay exact through the overflow series. Label values that are exported alike
//! (`""` and `"unknown"`, two long values sharing their first 256 bytes) are one
//! series, not two.

mod support;

use autobot_otel::catalog::MetricId;
use autobot_otel::labels::Outcome;
use autobot_otel::testing::Scrape;
use autobot_otel::{Telemetry, instrument_github, instrument_workflow};

const LIMIT: usize = 3;

fn pipeline(id: MetricId) -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .with_series_limit(id, LIMIT)
        .build()
        .unwrap()
}

/// The three signals of a reached limit, read from `t` and the captured logs.
fn signals(t: &Telemetry, id: MetricId, events: &support::Events) -> (bool, bool, usize) {
    let name = id.def().name;
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    let metric = scrape
        .value("autobot_otel_series_limit_reached", &[("metric", name)])
        .is_some();
    let health = t
        .health()
        .categories
        .iter()
        .flat_map(|c| c.metrics.iter())
        .find(|m| m.name == name)
        .unwrap()
        .at_series_limit;
    let warnings = events
        .under(autobot_otel::diagnostics::CARDINALITY)
        .iter()
        .filter(|(_, _, message)| message.contains(name))
        .count();
    (metric, health, warnings)
}

fn total(t: &Telemetry, family: &str) -> Option<f64> {
    Scrape::parse(&t.render(autobot_otel::Exposition::Text))
        .unwrap()
        .sum(family)
}

#[instrument_github(operation = op, span = false)]
fn github_call(op: &str) -> Result<(), std::io::Error> {
    let _ = op;
    Ok(())
}

#[test]
fn an_attribute_with_run_time_labels_reports_the_limit() {
    let id = MetricId::GithubOperationsTotal;
    let t = pipeline(id);
    let ((), events) = support::with_logs(|| {
        t.in_scope(|| {
            for i in 0..LIMIT {
                github_call(&format!("op-{i}")).unwrap();
            }
        })
    });
    assert_eq!(
        signals(&t, id, &events),
        (false, false, 0),
        "at the limit, not past it"
    );
    let ((), events) = support::with_logs(|| {
        t.in_scope(|| {
            for i in LIMIT..LIMIT + 5 {
                github_call(&format!("op-{i}")).unwrap();
            }
        })
    });
    assert_eq!(signals(&t, id, &events), (true, true, 1));
    assert_eq!(
        total(&t, "autobot_github_operations_total"),
        Some((LIMIT + 5) as f64)
    );
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    assert_eq!(
        scrape.value(
            "autobot_github_operations_total",
            &[("otel_metric_overflow", "true")]
        ),
        Some(5.0)
    );
    // The warning names the label that grows.
    let warning = &events.under(autobot_otel::diagnostics::CARDINALITY)[0].2;
    assert!(warning.contains("`operation`"), "{warning}");
}

#[instrument_workflow(workflow_type = "limit_a", span = false)]
fn constant_a() {}
#[instrument_workflow(workflow_type = "limit_b", span = false)]
fn constant_b() {}
#[instrument_workflow(workflow_type = "limit_c", span = false)]
fn constant_c() {}
#[instrument_workflow(workflow_type = "limit_d", span = false)]
fn constant_d() {}

#[test]
fn attributes_with_constant_labels_report_the_limit() {
    // One series per workflow type (and status): the fourth site is past a
    // limit of 3 for the duration histogram.
    let id = MetricId::WorkflowDurationSeconds;
    let t = pipeline(id);
    let ((), events) = support::with_logs(|| {
        t.in_scope(|| {
            for f in [constant_a, constant_b, constant_c] {
                f();
            }
        })
    });
    assert_eq!(signals(&t, id, &events), (false, false, 0));
    let ((), events) = support::with_logs(|| {
        t.in_scope(|| {
            constant_d();
            constant_d();
        })
    });
    assert_eq!(signals(&t, id, &events), (true, true, 1));
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    assert_eq!(
        scrape.value(
            "autobot_workflow_duration_seconds_count",
            &[("otel_metric_overflow", "true")]
        ),
        Some(2.0)
    );
    assert_eq!(
        scrape.sum("autobot_workflow_duration_seconds_count"),
        Some(5.0)
    );
}

#[test]
fn the_api_and_handles_report_the_limit() {
    let id = MetricId::KnowledgeCacheHitsTotal;
    let t = pipeline(id);
    let ((), events) = support::with_logs(|| {
        for cache in ["a", "b", "c"] {
            t.metrics().record_cache_hit(cache);
        }
        let handle = t.metrics().counter_handle(id, &["d"]);
        handle.add(2);
        t.metrics().record_cache_hit("e");
    });
    assert_eq!(signals(&t, id, &events), (true, true, 1));
    assert_eq!(total(&t, "autobot_knowledge_cache_hits_total"), Some(6.0));
}

#[test]
fn gauge_moves_past_the_limit_are_reported_and_dropped() {
    let id = MetricId::ActiveWorkflows;
    let t = pipeline(id);
    let ((), events) = support::with_logs(|| {
        for wf in ["a", "b", "c", "d"] {
            t.metrics().inc_active_workflows(wf);
        }
    });
    assert_eq!(signals(&t, id, &events), (true, true, 1));
    assert_eq!(t.metrics().dropped_measurements(), 1);
}

#[test]
fn values_exported_alike_are_one_series() {
    // "" is exported as "unknown"; two values longer than 256 bytes that share
    // their first 256 bytes are exported alike. A limit of 2 with "", "unknown"
    // and one more value is not reached: nothing is folded.
    let id = MetricId::KnowledgeCacheHitsTotal;
    let t = Telemetry::builder()
        .without_otlp()
        .with_series_limit(id, 2)
        .build()
        .unwrap();
    let long = "x".repeat(300);
    let longer = format!("{long}y");
    let ((), events) = support::with_logs(|| {
        t.metrics().record_cache_hit("");
        t.metrics().record_cache_hit("unknown");
        t.metrics().record_cache_hit(&long);
        t.metrics().record_cache_hit(&longer);
    });
    assert_eq!(signals(&t, id, &events), (false, false, 0));
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    let family = scrape.family("autobot_knowledge_cache_hits_total").unwrap();
    assert_eq!(family.series_count(), 2, "{:?}", family.samples);
    assert_eq!(
        scrape.value(
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", "unknown")]
        ),
        Some(2.0)
    );
    assert_eq!(
        scrape.value(
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", &long[..256])]
        ),
        Some(2.0)
    );
}

#[test]
fn one_limit_report_whatever_mix_of_paths() {
    // Past the limit through the API first, then through an attribute: still one
    // warning, and both overflow into the same series.
    let id = MetricId::GithubOperationsTotal;
    let t = pipeline(id);
    let ((), events) = support::with_logs(|| {
        t.in_scope(|| {
            for i in 0..LIMIT + 1 {
                t.metrics()
                    .record_github_operation(&format!("api-{i}"), Outcome::Success, 0.1);
            }
            github_call("attribute").unwrap();
        });
    });
    assert_eq!(signals(&t, id, &events), (true, true, 1));
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    assert_eq!(
        scrape.value(
            "autobot_github_operations_total",
            &[("otel_metric_overflow", "true")]
        ),
        Some(2.0)
    );
}
