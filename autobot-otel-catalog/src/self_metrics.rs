//! The self-metrics: the pipeline's own `autobot_otel_*` families (drops, series
//! limits, callback failures, exports, name conflicts), defined once here like
//! the catalog metrics. `autobot-otel` registers them from this table, its
//! docs and the README list them from it.
//!
//! ```
//! use autobot_otel_catalog::self_metrics::{SelfMetric, SELF_METRICS};
//! let dropped = SelfMetric::MeasurementsDropped.def();
//! assert_eq!(dropped.name, "autobot_otel_measurements_dropped_total");
//! assert_eq!(dropped.otel_name(), "autobot_otel_measurements_dropped");
//! assert!(SELF_METRICS.iter().all(|d| d.name.starts_with(autobot_otel_catalog::self_metrics::PREFIX)));
//! ```

use crate::Kind;

/// The Prometheus name prefix every self-metric has and no catalog metric uses.
pub const PREFIX: &str = "autobot_otel_";

/// One self-metric.
#[derive(Debug, PartialEq)]
pub struct SelfMetricDef {
    /// The typed identifier.
    pub id: SelfMetric,
    /// The Prometheus family name.
    pub name: &'static str,
    /// Counter or gauge.
    pub kind: Kind,
    /// The OpenTelemetry unit (annotations: no Prometheus suffix).
    pub unit: &'static str,
    /// The label keys.
    pub labels: &'static [&'static str],
    /// What it counts (the `# HELP` text and OTel description).
    pub help: &'static str,
    /// When a scrape has it.
    pub present: &'static str,
}

impl SelfMetricDef {
    /// The OpenTelemetry instrument name: the Prometheus name without the
    /// counter's `_total` (units are annotations and add no suffix).
    ///
    /// ```
    /// use autobot_otel_catalog::self_metrics::SelfMetric;
    /// assert_eq!(SelfMetric::SeriesLimitReached.def().otel_name(), "autobot_otel_series_limit_reached");
    /// ```
    pub fn otel_name(&self) -> &'static str {
        if self.kind.is_counter() {
            self.name.strip_suffix("_total").unwrap_or(self.name)
        } else {
            self.name
        }
    }
}

macro_rules! self_metrics {
    ($( $id:ident { name: $name:literal, kind: $kind:ident, unit: $unit:literal,
        labels: [$($label:literal),*], help: $help:literal, present: $present:literal $(,)? } ),* $(,)?) => {
        /// Typed identifier of every self-metric; `id.def()` gives its definition.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum SelfMetric {
            $( #[doc = concat!("`", $name, "`: ", $help)] $id, )*
        }

        /// Every self-metric.
        pub static SELF_METRICS: &[SelfMetricDef] = &[
            $( SelfMetricDef {
                id: SelfMetric::$id,
                name: $name,
                kind: Kind::$kind,
                unit: $unit,
                labels: &[$($label),*],
                help: $help,
                present: $present,
            }, )*
        ];
    };
}

impl SelfMetric {
    /// The definition of this self-metric.
    pub fn def(self) -> &'static SelfMetricDef {
        &SELF_METRICS[self as usize]
    }
}

self_metrics! {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_index_their_entries_and_names_are_distinct_from_the_catalog() {
        for (i, def) in SELF_METRICS.iter().enumerate() {
            assert_eq!(def.id as usize, i);
            assert!(def.name.starts_with(PREFIX), "{}", def.name);
            assert_eq!(
                def.kind.is_counter(),
                def.name.ends_with("_total"),
                "{}",
                def.name
            );
            assert!(crate::CATALOG.iter().all(|c| c.name != def.name));
        }
        assert!(crate::CATALOG.iter().all(|c| !c.name.starts_with(PREFIX)));
    }
}
