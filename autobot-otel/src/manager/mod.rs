//! The recording core: the [`MetricsManager`], one OpenTelemetry instrument per
//! catalog entry with the table of its series, and the recording primitives that
//! the per-category methods (`workflow.rs`, `github.rs`, `task.rs`,
//! `performance.rs`, `knowledge.rs`, `llm.rs`, `websocket.rs`, `redis.rs`), the
//! attributes and the handles all go through.
//!
//! # Input that is not valid
//!
//! Recording never panics and never blocks on I/O. What happens to bad input is
//! fixed and documented here:
//!
//! | input | outcome |
//! |---|---|
//! | empty label value | recorded as `unknown` (an empty Prometheus label would change the label set) |
//! | label value longer than [`MAX_LABEL_VALUE_BYTES`](crate::labels::MAX_LABEL_VALUE_BYTES) | truncated at a character boundary |
//! | NaN, infinite or negative duration / amount / gauge value | that measurement is dropped and counted in [`MetricsManager::dropped_measurements`]; the other series of the same call (e.g. the execution counter) are still recorded |
//! | duration or amount above [`MAX_MEASUREMENT`] (`1e288`) | dropped and counted, so a histogram `_sum` or a dollar total can never become `+Inf` |
//! | a counter increment that would take a series past `u64::MAX` | the series saturates at `u64::MAX` (it never wraps to 0, which Prometheus would read as a reset); the part that does not fit is dropped and counted |
//! | a new label set past the metric's series limit | counters and histograms: recorded in the metric's overflow series `otel_metric_overflow="true"`; gauge sets likewise; gauge moves and rolling-rate events: dropped and counted; the limit is reported ([`MetricsManager::series_limit_hit`]) |
//!
//! ```
//! use autobot_otel::{labels::Outcome, Telemetry};
//!
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! let m = telemetry.metrics();
//! m.record_workflow_execution("code_review", Outcome::Success, f64::NAN);
//! assert_eq!(m.dropped_measurements(), 1);
//! let text = telemetry.render(autobot_otel::Exposition::Text);
//! assert!(text.contains(r#"autobot_workflow_executions_total{status="success",workflow_type="code_review"} 1"#));
//! ```

#[cfg(feature = "prometheus")]
mod exemplars;
pub(crate) mod genai;
mod handles;
#[cfg(feature = "http-server")]
pub(crate) mod http_server;
mod instruments;
mod limits;
mod paired;
pub(crate) mod rolling;
mod seconds;
mod series;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::metrics::Meter;

pub use handles::{CounterHandle, HistogramHandle};
pub use instruments::MAX_MEASUREMENT;
pub(crate) use instruments::{CounterSeries, FloatSeries, GaugeSeries, HistogramSeries};
pub(crate) use limits::{Buckets, SeriesLimits};
pub use seconds::{IntoSeconds, OptionalSeconds};

use crate::catalog::{CATALOG, MetricDef, MetricId};
use crate::diagnostics::{self, Diagnostics};
use crate::exemplars::ExemplarFilter;
use crate::pricing::PriceBook;
use instruments::{Instrument, valid_measurement};
use rolling::Clock;

/// The recording API: a method for every recording call of the usage guide, plus
/// methods for the metrics the guide shows none for.
///
/// Methods the guide names keep its names. The others follow one rule: `record_`
/// adds to counters and histograms, `set_` puts a gauge to an absolute value,
/// `inc_`/`dec_` move a gauge by one; a guide name that a method replaced is its
/// `#[doc(alias)]`, so searching the docs for it finds the method.
///
/// Get the process-wide one with [`crate::get_metrics_manager`], or the one of a
/// [`crate::Telemetry`] you built with [`crate::Telemetry::metrics`].
///
/// ```
/// use autobot_otel::labels::{Outcome, Priority};
///
/// let metrics = autobot_otel::get_metrics_manager();
/// metrics.record_workflow_execution("code_review", Outcome::Success, 4.2);
/// metrics.update_task_queue_size(Priority::High, 10);
/// ```
pub struct MetricsManager {
    /// Tells managers apart (call-site caches of the attributes are per manager).
    id: u64,
    limits: SeriesLimits,
    buckets: Buckets,
    instruments: Box<[Instrument]>,
    diagnostics: Arc<Diagnostics>,
    exemplars: ExemplarFilter,
    /// The GenAI conventions' metrics, when turned on.
    genai: Option<genai::GenAiMetrics>,
    /// The price table (empty when none is configured).
    pricing: Arc<PriceBook>,
    /// The HTTP server conventions' metrics (series only once a
    /// [`crate::http::ServerMetricsLayer`] serves a request).
    #[cfg(feature = "http-server")]
    http_server: http_server::HttpServerMetrics,
}

impl std::fmt::Debug for MetricsManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsManager")
            .field("instruments", &self.instruments.len())
            .field("dropped_measurements", &self.dropped_measurements())
            .finish()
    }
}

impl MetricsManager {
    /// Builds every catalog instrument on `meter`, each with its series limit from
    /// `limits`, and the GenAI conventions' histograms when `genai` is set. The
    /// two rolling-rate gauges are observable gauges computed at collection time
    /// from `clock`.
    pub(crate) fn new(
        meter: &Meter,
        clock: Arc<dyn Clock>,
        limits: SeriesLimits,
        buckets: Buckets,
        diagnostics: Arc<Diagnostics>,
        exemplars: ExemplarFilter,
        genai: bool,
    ) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let instruments = CATALOG
            .iter()
            .map(|def| {
                let limit = limits.get(def.id);
                let config = instruments::SeriesConfig {
                    exemplars,
                    bounds: buckets.shared(def.id),
                };
                instruments::build(meter, def, limit, &clock, &diagnostics, config)
            })
            .collect();
        MetricsManager {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            limits,
            buckets,
            instruments,
            diagnostics,
            exemplars,
            genai: genai.then(|| genai::GenAiMetrics::new(meter)),
            pricing: Arc::new(PriceBook::new(None)),
            #[cfg(feature = "http-server")]
            http_server: http_server::HttpServerMetrics::new(meter),
        }
    }

    /// This manager, pricing LLM calls from `book`.
    pub(crate) fn with_pricing(mut self, book: Arc<PriceBook>) -> Self {
        self.pricing = book;
        self
    }

    /// The price table.
    #[inline]
    pub(crate) fn pricing(&self) -> &Arc<PriceBook> {
        &self.pricing
    }

    /// The HTTP server conventions' metrics of this pipeline.
    #[cfg(feature = "http-server")]
    pub(crate) fn http_server(&self) -> &http_server::HttpServerMetrics {
        &self.http_server
    }

    /// Which measurements keep an exemplar in this pipeline.
    pub(crate) fn exemplar_filter(&self) -> ExemplarFilter {
        self.exemplars
    }

    /// The GenAI conventions' metrics, when turned on.
    #[inline]
    pub(crate) fn genai(&self) -> Option<&genai::GenAiMetrics> {
        self.genai.as_ref()
    }

    /// Whether this pipeline records the OpenTelemetry GenAI conventions'
    /// metrics next to the `autobot_llm_*` families (see
    /// [`crate::TelemetryBuilder::with_genai_metrics`]).
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().with_genai_metrics(true).build()?;
    /// assert!(t.metrics().genai_metrics_enabled());
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn genai_metrics_enabled(&self) -> bool {
        self.genai.is_some()
    }

    /// This manager's identity.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Collections in which one of the crate's observable callbacks (the rolling
    /// rates) panicked. The panic is caught: that gauge reports nothing in that
    /// collection, every other metric is collected as usual, and the failure is
    /// logged at most once a minute under [`diagnostics::COLLECT`]. Also shown by
    /// the health endpoint and as `autobot_otel_callback_failures_total`.
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// assert_eq!(t.metrics().callback_failures(), 0);
    /// ```
    pub fn callback_failures(&self) -> u64 {
        self.diagnostics.callback_failures()
    }

    /// Measurements dropped by design (see the module docs: invalid values, the
    /// part of a counter increment past `u64::MAX`, gauge moves and rate events
    /// past a series limit). Also shown by the health endpoint and as
    /// `autobot_otel_measurements_dropped_total`.
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let m = t.metrics();
    /// m.record_github_operation("get_repo", autobot_otel::labels::Outcome::Success, -1.0);
    /// assert_eq!(m.dropped_measurements(), 1);
    /// ```
    pub fn dropped_measurements(&self) -> u64 {
        self.diagnostics.dropped()
    }

    /// The pipeline's self-report counters.
    pub(crate) fn diagnostics(&self) -> &Arc<Diagnostics> {
        &self.diagnostics
    }

    pub(crate) fn drop_measurement(&self) {
        self.diagnostics.drop_measurement();
    }

    fn instrument(&self, id: MetricId) -> &Instrument {
        &self.instruments[id as usize]
    }

    /// Adds `n` to a counter series.
    pub(crate) fn count<const N: usize>(&self, id: MetricId, n: u64, values: [&str; N]) {
        self.count_values(id, n, &values);
    }

    /// Adds `n` to the counter series of `values` (label values in catalog order).
    pub(crate) fn count_values(&self, id: MetricId, n: u64, values: &[&str]) {
        debug_check(id.def(), values);
        if let Instrument::Counter(counter) = self.instrument(id) {
            let counted = match counter.with(values, |s| s.add(n)) {
                Ok(counted) => counted,
                Err(_) => {
                    self.series_limit_reached(id);
                    counter.overflow().add(n)
                }
            };
            if !counted {
                self.drop_measurement();
            }
        }
    }

    /// Adds a non-negative, finite amount (at most [`MAX_MEASUREMENT`]) to a
    /// float counter series.
    pub(crate) fn count_f64<const N: usize>(&self, id: MetricId, amount: f64, values: [&str; N]) {
        debug_check(id.def(), &values);
        if !valid_measurement(amount) {
            return self.drop_measurement();
        }
        if let Instrument::FloatCounter(counter) = self.instrument(id)
            && counter.with(&values, |s| s.add(amount)).is_err()
        {
            self.series_limit_reached(id);
            counter.overflow().add(amount);
        }
    }

    /// Records a value into a histogram series.
    pub(crate) fn observe<const N: usize>(&self, id: MetricId, value: f64, values: [&str; N]) {
        self.observe_values(id, value, &values);
    }

    /// Records a non-negative, finite value (at most [`MAX_MEASUREMENT`]) into the
    /// histogram series of `values`.
    pub(crate) fn observe_values(&self, id: MetricId, value: f64, values: &[&str]) {
        debug_check(id.def(), values);
        if !valid_measurement(value) {
            return self.drop_measurement();
        }
        if let Instrument::Histogram(histogram) = self.instrument(id)
            && histogram.with(values, |s| s.record(value)).is_err()
        {
            self.series_limit_reached(id);
            histogram.overflow().record(value);
        }
    }

    /// Sets a gauge series to an absolute, finite value. Past the metric's series
    /// limit the value goes to its overflow series.
    pub(crate) fn set<const N: usize>(&self, id: MetricId, value: f64, values: [&str; N]) {
        debug_check(id.def(), &values);
        if let Instrument::Gauge(gauge) = self.instrument(id) {
            let set = match gauge.with(&values, |s| s.update(|_| value)) {
                Ok(set) => set,
                Err(_) => {
                    self.series_limit_reached(id);
                    gauge.overflow().update(|_| value)
                }
            };
            if !set {
                self.drop_measurement();
            }
        }
    }

    /// Moves a gauge series by `delta` from its last value (0 if never set). Past
    /// the metric's series limit there is no last value to move: the measurement
    /// is dropped and counted.
    pub(crate) fn adjust(&self, id: MetricId, delta: f64, values: &[&str]) {
        debug_check(id.def(), values);
        if let Instrument::Gauge(gauge) = self.instrument(id) {
            let moved = match gauge.with(values, |s| s.update(|old| old + delta)) {
                Ok(moved) => moved,
                Err(_) => {
                    self.series_limit_reached(id);
                    false
                }
            };
            if !moved {
                self.drop_measurement();
            }
        }
    }

    /// Counts one event of a rolling rate (`values`: every label but
    /// `time_window`); `hit` is a timeout or a success. Past the limit the event
    /// is dropped and counted.
    pub(crate) fn record_rate(&self, id: MetricId, values: &[&str], hit: bool) {
        if let Instrument::Rolling(_, rates) = self.instrument(id)
            && !rates.record(values, hit)
        {
            self.drop_measurement();
            self.series_limit_reached(id);
        }
    }

    /// The counter series of `values`, for callers that keep it (the attributes'
    /// call sites, handles): past the limit, the metric's overflow series (and the
    /// limit is reported). `None` if `id` is not a `u64` counter.
    pub(crate) fn counter_series(
        &self,
        id: MetricId,
        values: &[&str],
    ) -> Option<Arc<CounterSeries>> {
        match self.instrument(id) {
            Instrument::Counter(counter) => Some(self.kept(id, counter, values)),
            _ => None,
        }
    }

    /// The series of `values` in `bound`, or past the limit its overflow
    /// series (and the limit reported).
    fn kept<I: instruments::Bind<S>, S: series::Series>(
        &self,
        id: MetricId,
        bound: &instruments::Bound<I, S>,
        values: &[&str],
    ) -> Arc<S> {
        bound.series(values).unwrap_or_else(|_| {
            self.series_limit_reached(id);
            bound.overflow().clone()
        })
    }

    /// The histogram series of `values`, as [`MetricsManager::counter_series`].
    pub(crate) fn histogram_series(
        &self,
        id: MetricId,
        values: &[&str],
    ) -> Option<Arc<HistogramSeries>> {
        match self.instrument(id) {
            Instrument::Histogram(histogram) => Some(self.kept(id, histogram, values)),
            _ => None,
        }
    }

    /// The float counter series of `values`, as [`MetricsManager::counter_series`].
    pub(crate) fn float_series(&self, id: MetricId, values: &[&str]) -> Option<Arc<FloatSeries>> {
        match self.instrument(id) {
            Instrument::FloatCounter(counter) => Some(self.kept(id, counter, values)),
            _ => None,
        }
    }

    /// Adds `amount` to a kept float counter series (invalid amounts dropped
    /// and counted).
    #[inline]
    pub(crate) fn add_float_to(&self, series: &FloatSeries, amount: f64) {
        if valid_measurement(amount) {
            series.add(amount);
        } else {
            self.drop_measurement();
        }
    }

    /// The gauge series of `values`, for callers that move it over and over;
    /// `None` past the limit (reported) or if `id` is not a gauge.
    pub(crate) fn gauge_series(&self, id: MetricId, values: &[&str]) -> Option<Arc<GaugeSeries>> {
        let Instrument::Gauge(gauge) = self.instrument(id) else {
            return None;
        };
        match gauge.series(values) {
            Ok(series) => Some(series),
            Err(_) => {
                self.series_limit_reached(id);
                None
            }
        }
    }

    /// Adds `n` to a kept counter series (drops what does not fit below `u64::MAX`).
    #[inline]
    pub(crate) fn add_to(&self, series: &CounterSeries, n: u64) {
        if !series.add(n) {
            self.drop_measurement();
        }
    }

    /// Records into a kept histogram series (invalid values dropped and counted).
    #[inline]
    pub(crate) fn record_to(&self, series: &HistogramSeries, value: f64) {
        if valid_measurement(value) {
            series.record(value);
        } else {
            self.drop_measurement();
        }
    }

    /// Moves a kept gauge series by `delta`.
    #[inline]
    pub(crate) fn adjust_series(&self, series: &GaugeSeries, delta: f64) {
        if !series.update(|old| old + delta) {
            self.drop_measurement();
        }
    }

    /// Reports that `id` reached its series limit: the health flag and
    /// `autobot_otel_series_limit_reached{metric}` from now on, and, the first
    /// time, a warning under [`diagnostics::CARDINALITY`] naming the metric and
    /// the label that grows (the one with the most distinct values among the
    /// series kept). Every recording path that meets the limit comes here.
    pub(crate) fn series_limit_reached(&self, id: MetricId) {
        if self.diagnostics.reach_limit(id) {
            let def = id.def();
            let growing = self
                .instrument(id)
                .growing_label()
                .map_or("unknown", |i| def.labels[i]);
            tracing::warn!(
                target: diagnostics::CARDINALITY,
                metric = def.name,
                label = growing,
                limit = self.limits.get(id),
                "series limit reached: label `{growing}` of `{}` has too many distinct values; \
                 further label sets are folded into one overflow series (otel_metric_overflow=\"true\")",
                def.name
            );
        }
    }

    /// The series limit of `id` in force (the catalog's, or the one set with
    /// [`crate::TelemetryBuilder::with_series_limit`]).
    ///
    /// ```
    /// use autobot_otel::catalog::MetricId;
    /// let t = autobot_otel::Telemetry::builder()
    ///     .without_otlp()
    ///     .with_series_limit(MetricId::LlmRequestsTotal, 50)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(t.metrics().series_limit(MetricId::LlmRequestsTotal), 50);
    /// assert_eq!(t.metrics().series_limit(MetricId::LlmErrorsTotal), MetricId::LlmErrorsTotal.def().max_series);
    /// ```
    pub fn series_limit(&self, id: MetricId) -> usize {
        self.limits.get(id)
    }

    /// The bucket boundaries of histogram `id` in force (the catalog's, or the
    /// ones set with [`crate::TelemetryBuilder::with_buckets`]); empty for the
    /// other kinds.
    ///
    /// ```
    /// use autobot_otel::catalog::MetricId;
    /// let t = autobot_otel::Telemetry::builder()
    ///     .without_otlp()
    ///     .with_buckets(MetricId::LlmRequestLatencySeconds, &[0.5, 1.0, 5.0])
    ///     .build()?;
    /// assert_eq!(t.metrics().buckets(MetricId::LlmRequestLatencySeconds), [0.5, 1.0, 5.0]);
    /// assert_eq!(t.metrics().buckets(MetricId::LlmErrorsTotal), [] as [f64; 0]);
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn buckets(&self, id: MetricId) -> &[f64] {
        self.buckets.get(id)
    }

    /// Whether `id` reached its series limit, so that new label sets were folded
    /// into its overflow series or dropped (also shown by the health report, as
    /// `autobot_otel_series_limit_reached{metric}`, and logged once under
    /// [`diagnostics::CARDINALITY`]).
    ///
    /// ```
    /// use autobot_otel::catalog::MetricId;
    /// let t = autobot_otel::Telemetry::builder()
    ///     .without_otlp()
    ///     .with_series_limit(MetricId::KnowledgeCacheHitsTotal, 1)
    ///     .build()
    ///     .unwrap();
    /// t.metrics().record_cache_hit("embedding");
    /// assert!(!t.metrics().series_limit_hit(MetricId::KnowledgeCacheHitsTotal));
    /// t.metrics().record_cache_hit("llm");
    /// assert!(t.metrics().series_limit_hit(MetricId::KnowledgeCacheHitsTotal));
    /// ```
    pub fn series_limit_hit(&self, id: MetricId) -> bool {
        self.diagnostics.limit_reached(id)
    }
}

/// Recording calls pass exactly one value per label (a bug of this crate
/// otherwise, caught in tests).
#[inline]
pub(super) fn debug_check(def: &MetricDef, values: &[&str]) {
    debug_assert_eq!(
        values.len(),
        def.labels.len(),
        "label count of {}",
        def.name
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_gauges_end_with_time_window() {
        for def in CATALOG
            .iter()
            .filter(|d| d.vocabulary("time_window").is_some())
        {
            assert_eq!(def.labels.last(), Some(&"time_window"), "{}", def.name);
        }
    }

    #[test]
    fn label_constants_are_the_documented_ones() {
        assert_eq!(crate::labels::EMPTY_LABEL_VALUE, "unknown");
        assert_eq!(crate::labels::MAX_LABEL_VALUE_BYTES, 256);
    }
}
