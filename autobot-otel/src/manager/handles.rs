//! Handles for series whose labels are known up front: the attribute set is
//! resolved once (an OpenTelemetry bound instrument), and each recording is a
//! single atomic update. For hot paths with constant labels.
//!
//! A handle is the same series the recording methods and the attributes use:
//! its label set counts once against the metric's series limit, a handle asked
//! for past the limit records into the metric's overflow series (and the limit
//! is reported), and the same rules for bad values apply (NaN, infinite,
//! negative and too large values are dropped and counted; a counter saturates at
//! `u64::MAX`). A handle asked for with the wrong kind of metric or the wrong
//! number of label values records nothing (it never panics) and logs a warning
//! under [`crate::diagnostics::API`].
//!
//! ```
//! use autobot_otel::catalog::MetricId;
//! use autobot_otel::Telemetry;
//!
//! let t = Telemetry::builder().without_otlp().build().unwrap();
//! let hits = t.metrics().counter_handle(MetricId::KnowledgeCacheHitsTotal, &["embedding"]);
//! let latency = t.metrics().histogram_handle(MetricId::RedisOperationLatencySeconds, &["main", "get"]);
//! for _ in 0..3 {
//!     hits.inc();
//!     latency.record(0.0004);
//! }
//! let text = t.render(autobot_otel::Exposition::Text);
//! assert!(text.contains(r#"autobot_knowledge_cache_hits_total{cache_type="embedding"} 3"#));
//! assert!(text.contains(r#"autobot_redis_operation_latency_seconds_count{database="main",operation="get"} 3"#));
//! ```

use std::sync::Arc;

use super::MetricsManager;
use super::instruments::{CounterSeries, HistogramSeries};
use crate::catalog::{Kind, MetricId};
use crate::diagnostics::{self, Diagnostics};

/// A counter series resolved once.
#[derive(Clone)]
pub struct CounterHandle {
    series: Option<Arc<CounterSeries>>,
    diagnostics: Arc<Diagnostics>,
}

impl std::fmt::Debug for CounterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CounterHandle")
            .field("bound", &self.series.is_some())
            .finish()
    }
}

impl CounterHandle {
    /// Adds 1.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n` (what would take the series past `u64::MAX` is dropped and counted).
    #[inline]
    pub fn add(&self, n: u64) {
        if let Some(series) = &self.series
            && !series.add(n)
        {
            self.diagnostics.drop_measurement();
        }
    }
}

/// A histogram series resolved once. NaN, infinite, negative and too large
/// values are dropped and counted, as everywhere else.
#[derive(Clone)]
pub struct HistogramHandle {
    series: Option<Arc<HistogramSeries>>,
    diagnostics: Arc<Diagnostics>,
}

impl std::fmt::Debug for HistogramHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistogramHandle")
            .field("bound", &self.series.is_some())
            .finish()
    }
}

impl HistogramHandle {
    /// Records one value (seconds for the duration histograms).
    #[inline]
    pub fn record(&self, value: f64) {
        if !super::instruments::valid_measurement(value) {
            self.diagnostics.drop_measurement();
            return;
        }
        if let Some(series) = &self.series {
            series.record(value);
        }
    }
}

impl MetricsManager {
    fn check_handle(&self, id: MetricId, values: &[&str], kind: Kind) -> bool {
        let def = id.def();
        let ok = def.kind == kind && values.len() == def.labels.len();
        if !ok {
            tracing::warn!(
                target: diagnostics::API,
                metric = def.name,
                kind = %def.kind,
                labels = ?def.labels,
                given = values.len(),
                "handle for a metric of another kind or with the wrong number of label values: it records nothing"
            );
        }
        ok
    }

    /// A handle on the counter series `id{values}` (label values in catalog order).
    pub fn counter_handle(&self, id: MetricId, values: &[&str]) -> CounterHandle {
        let series = self
            .check_handle(id, values, Kind::Counter)
            .then(|| self.counter_series(id, values))
            .flatten();
        CounterHandle {
            series,
            diagnostics: self.diagnostics().clone(),
        }
    }

    /// A handle on the histogram series `id{values}` (label values in catalog order).
    pub fn histogram_handle(&self, id: MetricId, values: &[&str]) -> HistogramHandle {
        let series = self
            .check_handle(id, values, Kind::Histogram)
            .then(|| self.histogram_series(id, values))
            .flatten();
        HistogramHandle {
            series,
            diagnostics: self.diagnostics().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Telemetry;
    use crate::catalog::MetricId;

    #[test]
    fn misuse_records_nothing_and_never_panics() {
        let t = Telemetry::builder().without_otlp().build().unwrap();
        let m = t.metrics();
        m.counter_handle(MetricId::ActiveWorkflows, &["x"]).inc(); // a gauge
        m.counter_handle(MetricId::KnowledgeCacheHitsTotal, &["a", "b"])
            .inc(); // arity
        m.histogram_handle(MetricId::LlmTokensTotal, &["p", "m", "input"])
            .record(1.0);
        let text = t.render(crate::Exposition::Text);
        let catalog_lines = text
            .lines()
            .filter(|l| l.contains("autobot_") && !l.contains("autobot_otel_"));
        assert_eq!(catalog_lines.count(), 0, "{text}");
    }

    #[test]
    fn invalid_histogram_values_are_dropped_and_counted() {
        let t = Telemetry::builder().without_otlp().build().unwrap();
        let h = t
            .metrics()
            .histogram_handle(MetricId::WorkflowDurationSeconds, &["wf"]);
        h.record(f64::NAN);
        h.record(-1.0);
        h.record(2.0);
        assert_eq!(t.metrics().dropped_measurements(), 2);
        assert!(
            t.render(crate::Exposition::Text)
                .contains(r#"autobot_workflow_duration_seconds_count{workflow_type="wf"} 1"#)
        );
    }
}
