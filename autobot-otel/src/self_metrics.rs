//! Self-metrics: the pipeline's account of itself, exported next to the 56
//! catalog metrics on both paths (Prometheus scrape and OTLP push), so that lost
//! data can be alerted on and not only looked up in the health endpoint.
//!
//! | Prometheus family | type | labels | counts |
//! |---|---|---|---|
//! | `autobot_otel_measurements_dropped_total` | counter | — | measurements dropped by design: NaN, infinite or negative values, and gauge moves past a series limit ([`crate::MetricsManager::dropped_measurements`]) |
//! | `autobot_otel_series_limit_reached` | gauge | `metric` | `1` for each catalog metric whose series limit was reached (new label sets go to its `otel_metric_overflow="true"` series) |
//! | `autobot_otel_callback_failures_total` | counter | — | collections in which one of the crate's observable callbacks panicked ([`crate::MetricsManager::callback_failures`]) |
//! | `autobot_otel_exports_total` | counter | `signal` (`metrics`, `traces`), `outcome` (`success`, `failure`) | OTLP exports, once a collector is configured |
//! | `autobot_otel_instrument_conflicts` | gauge | `metric` | for each Prometheus family that the last scrape wrote without some instrument mapping to its name, how many instruments it left out: another scope's instrument named like a catalog metric, or one whose type differs from the family's (see [`crate::exposition`], "Conflicts"); no series while there are none |
//!
//! They share the `autobot_otel_` prefix, which no catalog metric uses, so
//! `{__name__=~"autobot_otel_.*"}` selects exactly them, and
//! `{__name__=~"autobot_.+", __name__!~"autobot_otel_.+"}` exactly the catalog's.
//!
//! ```
//! use autobot_otel::Telemetry;
//!
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! telemetry.metrics().record_workflow_execution("deploy", autobot_otel::labels::Outcome::Success, f64::NAN);
//! let text = telemetry.render_prometheus();
//! assert!(text.contains("autobot_otel_measurements_dropped_total 1\n"));
//! assert!(text.contains("autobot_otel_callback_failures_total 0\n"));
//! ```

use std::sync::Arc;

use opentelemetry::KeyValue;
use opentelemetry::metrics::Meter;

use crate::catalog::CATALOG;
use crate::diagnostics::Diagnostics;
use crate::exposition::Conflicts;
use crate::otlp::ExportStatus;

/// Prefix of every self-metric's OpenTelemetry name (`autobot_otel_` in Prometheus).
pub const SELF_METRIC_PREFIX: &str = "autobot_otel.";

/// The Prometheus family names of the self-metrics.
///
/// ```
/// assert!(autobot_otel::self_metrics::FAMILIES.iter().all(|f| f.starts_with("autobot_otel_")));
/// ```
pub const FAMILIES: [&str; 5] = [
    "autobot_otel_measurements_dropped_total",
    "autobot_otel_series_limit_reached",
    "autobot_otel_callback_failures_total",
    "autobot_otel_exports_total",
    "autobot_otel_instrument_conflicts",
];

/// Series limit of each self-metric (the widest has one series per catalog metric).
pub(crate) const SELF_METRIC_SERIES_LIMIT: usize = 64;

/// The OTLP export outcome counters, present when a collector is configured.
pub(crate) struct Exports {
    pub(crate) metrics: Option<Arc<ExportStatus>>,
    pub(crate) traces: Option<Arc<ExportStatus>>,
}

/// Registers the self-metrics on `meter`. Their callbacks only load atomics, so
/// they cannot panic or block.
pub(crate) fn register(meter: &Meter, diagnostics: Arc<Diagnostics>, exports: Exports) {
    let (dropped, limit_reached, callback_failures) =
        (diagnostics.clone(), diagnostics.clone(), diagnostics);
    meter
        .u64_observable_counter("autobot_otel.measurements.dropped")
        .with_unit("{measurement}")
        .with_description(
            "Measurements dropped by design: NaN, infinite or negative values, and gauge moves past a series limit.",
        )
        .with_callback(move |o| o.observe(dropped.dropped(), &[]))
        .build();
    meter
        .u64_observable_gauge("autobot_otel.series_limit.reached")
        .with_unit("{metric}")
        .with_description(
            "1 for each metric whose series limit was reached; its new label sets go to the otel_metric_overflow series.",
        )
        .with_callback(move |o| {
            for def in CATALOG {
                if limit_reached.limit_reached(def.id) {
                    o.observe(1, &[KeyValue::new("metric", def.name)]);
                }
            }
        })
        .build();
    meter
        .u64_observable_counter("autobot_otel.callback.failures")
        .with_unit("{collection}")
        .with_description(
            "Collections in which an observable callback of autobot-otel panicked (its gauge was skipped).",
        )
        .with_callback(move |o| o.observe(callback_failures.callback_failures(), &[]))
        .build();
    let signals: Vec<(&'static str, Arc<ExportStatus>)> =
        [("metrics", exports.metrics), ("traces", exports.traces)]
            .into_iter()
            .filter_map(|(signal, status)| status.map(|s| (signal, s)))
            .collect();
    if signals.is_empty() {
        return;
    }
    meter
        .u64_observable_counter("autobot_otel.exports")
        .with_unit("{export}")
        .with_description("OTLP exports to the collector, by signal and outcome.")
        .with_callback(move |o| {
            for (signal, status) in &signals {
                let snap = status.snapshot();
                for (outcome, n) in [
                    ("success", snap.exports_succeeded),
                    ("failure", snap.exports_failed),
                ] {
                    o.observe(
                        n,
                        &[
                            KeyValue::new("signal", *signal),
                            KeyValue::new("outcome", outcome),
                        ],
                    );
                }
            }
        })
        .build();
}

/// Registers `autobot_otel_instrument_conflicts` on `meter`, reading what the
/// Prometheus reader left out of its last render. The callback copies a small
/// map under a lock that no collection holds, so it cannot block on one.
pub(crate) fn register_conflicts(meter: &Meter, conflicts: Arc<Conflicts>) {
    meter
        .u64_observable_gauge("autobot_otel.instrument.conflicts")
        .with_unit("{instrument}")
        .with_description(
            "Instruments the last scrape left out of this family: another scope's instrument named like a catalog metric, or one of a conflicting type.",
        )
        .with_callback(move |o| {
            for (family, n) in conflicts.snapshot() {
                o.observe(n, &[KeyValue::new("metric", family)]);
            }
        })
        .build();
}
