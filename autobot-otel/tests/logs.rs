//! What the crate logs, and how often: export failures under
//! `autobot_otel::export` at most once a minute (every failure still counted); a
//! series limit once per metric under `autobot_otel::cardinality`, naming the
//! metric and the label that grows.

mod support;

use std::sync::OnceLock;

use autobot_otel::Telemetry;
use autobot_otel::diagnostics::EXPORT as LOG_TARGET;
use support::Events;
use tracing_subscriber::layer::SubscriberExt;

/// The events of the process-wide subscriber (exports run on the push thread,
/// so a thread-local subscriber would miss them).
fn events() -> &'static Events {
    static EVENTS: OnceLock<Events> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let events = Events::default();
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(events.clone()),
        )
        .unwrap();
        events
    })
}

fn logged(target: &str) -> Vec<(String, tracing::Level, String)> {
    events().under(target)
}

#[test]
fn a_series_limit_is_logged_once_naming_the_metric_and_the_growing_label() {
    events();
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let def = autobot_otel::catalog::MetricId::LlmRequestsTotal.def();
    for i in 0..def.max_series * 2 {
        t.metrics()
            .record_llm_request("openai", &format!("model-{i}"), "chat", 0.1);
    }
    let all = logged(autobot_otel::diagnostics::CARDINALITY);
    // The call also feeds the latency histogram, which has its own limit and warning.
    let warnings: Vec<_> = all
        .iter()
        .filter(|(_, _, m)| m.contains(&format!("`{}`", def.name)))
        .collect();
    assert_eq!(warnings.len(), 1, "once per metric: {all:?}");
    assert_eq!(warnings[0].1, tracing::Level::WARN);
    assert!(warnings[0].2.contains("label `model`"), "{warnings:?}");
}

#[test]
fn repeated_export_failures_log_once_and_count_every_time() {
    events();

    // Every export fails: the collector refuses connections.
    let t = support::telemetry_with_refusing_collector();
    t.metrics().record_cache_hit("embedding");
    for _ in 0..5 {
        assert!(t.force_flush().is_err());
    }
    let health = t.health();
    let metrics = health.exporters.otlp_metrics.as_ref().unwrap();
    assert_eq!(metrics.status.exports_failed, 5, "every failure is counted");
    assert!(metrics.status.failing);

    let logged = logged(LOG_TARGET);
    assert_eq!(
        logged.len(),
        1,
        "one log line for five failures: {logged:?}"
    );
    assert_eq!(logged[0].1, tracing::Level::WARN);
    assert!(logged[0].2.contains("OTLP export failed"), "{logged:?}");
    let _ = t.shutdown();
}

/// Issue 21: usage whose cache or reasoning tokens exceed their total is
/// clamped and priced; the warning comes once per priced model (every such
/// call still counted as a dropped measurement).
#[test]
fn inconsistent_llm_usage_is_logged_once_per_model() {
    use autobot_otel::instrument::LlmUsage;
    use autobot_otel::llm::LlmCall;
    use autobot_otel::pricing::{ModelPrice, Pricing};
    struct Bad;
    impl LlmUsage for Bad {
        fn input_tokens(&self) -> u64 {
            10
        }
        fn output_tokens(&self) -> u64 {
            10
        }
        fn reasoning_output_tokens(&self) -> Option<u64> {
            Some(20)
        }
    }
    events();
    let pricing = Pricing::new()
        .with_model("logs-test", "a", ModelPrice::per_million(1.0, 1.0))
        .with_model("logs-test", "b", ModelPrice::per_million(1.0, 1.0));
    let t = Telemetry::builder()
        .without_otlp()
        .with_pricing(pricing)
        .build()
        .unwrap();
    t.in_scope(|| {
        for model in ["a", "a", "b", "a", "b"] {
            LlmCall::start("logs-test", model, "chat").succeed(Some(&Bad));
        }
    });
    assert_eq!(t.metrics().dropped_measurements(), 5);
    let warnings: Vec<_> = logged(autobot_otel::diagnostics::API)
        .into_iter()
        .filter(|(_, _, m)| m.contains("clamped"))
        .collect();
    assert_eq!(warnings.len(), 2, "once per model: {warnings:?}");
    assert!(warnings.iter().all(|(_, l, _)| *l == tracing::Level::WARN));
}
