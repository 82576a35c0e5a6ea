//! The self-metrics: the pipeline's own `autobot_otel_*` families (drops, series
//! limits, callback failures, exports, name conflicts), defined once here like
//! the catalog metrics, as [`MetricDef`]s of [`Source::SelfMetric`] built by the
//! same table macro. `autobot-otel` registers them from this table, its docs and
//! the README list them from it.
//!
//! ```
//! use autobot_otel_catalog::self_metrics::{SelfMetric, SELF_METRICS};
//! let dropped = SelfMetric::MeasurementsDropped.def();
//! assert_eq!(dropped.name, "autobot_otel_measurements_dropped_total");
//! assert_eq!(dropped.otel_name(), "autobot_otel_measurements_dropped");
//! assert_eq!(dropped.present, Some("always"));
//! assert!(SELF_METRICS.iter().all(|d| d.name.starts_with(autobot_otel_catalog::self_metrics::PREFIX)));
//! ```

use crate::MetricDef;
#[cfg(doc)]
use crate::Source;

/// The Prometheus name prefix every self-metric has and no catalog metric uses.
pub const PREFIX: &str = "autobot_otel_";

/// The series limit of each self-metric (the widest has one series per
/// catalog metric).
pub const SERIES_LIMIT: usize = 64;

impl SelfMetric {
    /// The definition of this self-metric.
    ///
    /// ```
    /// use autobot_otel_catalog::{self_metrics::SelfMetric, Kind};
    /// assert_eq!(SelfMetric::Exports.def().kind, Kind::Counter);
    /// ```
    pub fn def(self) -> &'static MetricDef<SelfMetric> {
        &SELF_METRICS[self as usize]
    }
}

metric_table! {
    /// Typed identifier of every self-metric; `id.def()` gives its definition.
    enum SelfMetric;
    /// Every self-metric.
    static SELF_METRICS;
    defaults { category: None, source: SelfMetric, max_series: SERIES_LIMIT }

    MeasurementsDropped {
        name: "autobot_otel_measurements_dropped_total", kind: Counter, unit: "{measurement}",
        labels: [],
        help: "Measurements dropped by design: NaN, infinite, negative or too large values, the part of a counter increment past u64::MAX, and gauge moves and rate events past a series limit.",
        present: "always",
    },
    SeriesLimitReached {
        name: "autobot_otel_series_limit_reached", kind: Gauge, unit: "{metric}",
        labels: ["metric"],
        help: "1 for each metric whose series limit was reached; its new label sets go to the otel_metric_overflow series.",
        present: "a series per catalog metric that reached its limit",
    },
    CallbackFailures {
        name: "autobot_otel_callback_failures_total", kind: Counter, unit: "{collection}",
        labels: [],
        help: "Collections in which an observable callback of autobot-otel panicked (its gauge was skipped).",
        present: "always",
    },
    Exports {
        name: "autobot_otel_exports_total", kind: Counter, unit: "{export}",
        labels: ["signal", "outcome"],
        help: "OTLP exports to the collector, by signal (metrics, traces) and outcome (success, failure).",
        present: "when OTLP push is on",
    },
    InstrumentConflicts {
        name: "autobot_otel_instrument_conflicts", kind: Gauge, unit: "{instrument}",
        labels: ["metric"],
        help: "Instruments the last scrape left out of this family: another scope's instrument named like a catalog metric, or one of a conflicting type.",
        present: "a series per family with a conflict",
    },
    UnpricedLlmCalls {
        name: "autobot_otel_unpriced_llm_calls_total", kind: Counter, unit: "{call}",
        labels: ["provider", "model"],
        help: "LLM calls that recorded no cost: the caller gave none and the price table has no price for the model (the request's model label; past the series limit, counted in the otel_metric_overflow series).",
        present: "a series per provider and model with an unpriced call",
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Naming;

    #[test]
    fn ids_index_their_entries_and_names_are_distinct_from_the_catalog() {
        for (i, def) in SELF_METRICS.iter().enumerate() {
            assert_eq!(def.id as usize, i);
            assert!(def.name.starts_with(PREFIX), "{}", def.name);
            assert_eq!(
                def.kind.is_counter(),
                def.name.ends_with(crate::naming::COUNTER_SUFFIX),
                "{}",
                def.name
            );
            assert!(crate::CATALOG.iter().all(|c| c.name != def.name));
            assert_eq!(def.naming, Naming::Prometheus);
            assert_eq!(def.category, None);
            assert!(def.present.is_some(), "{}", def.name);
            assert_eq!(def.max_series, SERIES_LIMIT);
        }
        assert!(crate::CATALOG.iter().all(|c| !c.name.starts_with(PREFIX)));
    }
}
