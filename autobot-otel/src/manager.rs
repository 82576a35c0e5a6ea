//! The [`MetricsManager`]: one OpenTelemetry instrument per catalog entry, and the
//! shared recording primitives that the per-category methods use.
//!
//! The recording methods themselves live in the module of their category
//! (`workflow.rs`, `github.rs`, `task.rs`, `performance.rs`, `knowledge.rs`,
//! `llm.rs`, `websocket.rs`, `redis.rs`).
//!
//! # Input that is not valid
//!
//! Recording never panics and never blocks on I/O. What happens to bad input is
//! fixed and documented here:
//!
//! | input | outcome |
//! |---|---|
//! | empty label value | recorded as `unknown` (an empty Prometheus label would change the label set) |
//! | label value longer than [`MAX_LABEL_VALUE_BYTES`] | truncated at a character boundary |
//! | NaN, infinite or negative duration / amount / gauge value | that measurement is dropped and counted in [`MetricsManager::dropped_measurements`]; the other series of the same call (e.g. the execution counter) are still recorded |
//!
//! ```
//! use autobot_otel::{labels::Outcome, Telemetry};
//!
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! let m = telemetry.metrics();
//! m.record_workflow_execution("code_review", Outcome::Success, f64::NAN);
//! assert_eq!(m.dropped_measurements(), 1);
//! let text = telemetry.render_prometheus();
//! assert!(text.contains(r#"autobot_workflow_executions_total{status="success",workflow_type="code_review"} 1"#));
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{
    BoundCounter, BoundGauge, BoundHistogram, Counter, Gauge, Histogram, Meter, ObservableGauge,
};

use crate::bound::BoundCache;
use crate::catalog::{CATALOG, Kind, MetricDef, MetricId};
use crate::rolling::{Clock, RollingRates};

/// Longest label value kept; longer values are truncated at a character boundary.
pub const MAX_LABEL_VALUE_BYTES: usize = 256;

/// Log target of the once-per-metric series limit warning.
pub const CARDINALITY_LOG_TARGET: &str = "autobot_otel::cardinality";

/// Log target of failures inside the crate's observable callbacks.
pub const COLLECT_LOG_TARGET: &str = "autobot_otel::collect";

/// Label value written in place of an empty one.
pub const EMPTY_LABEL_VALUE: &str = "unknown";

/// A duration or amount in seconds: `f64`/`f32` seconds, or a [`std::time::Duration`].
///
/// ```
/// use autobot_otel::IntoSeconds;
/// use std::time::Duration;
/// assert_eq!(Duration::from_millis(1500).into_seconds(), 1.5);
/// assert_eq!(2.0_f64.into_seconds(), 2.0);
/// ```
pub trait IntoSeconds {
    /// The value in seconds.
    fn into_seconds(self) -> f64;
}

impl IntoSeconds for f64 {
    fn into_seconds(self) -> f64 {
        self
    }
}

impl IntoSeconds for f32 {
    fn into_seconds(self) -> f64 {
        f64::from(self)
    }
}

impl IntoSeconds for std::time::Duration {
    fn into_seconds(self) -> f64 {
        self.as_secs_f64()
    }
}

enum Instrument {
    Counter(Counter<u64>, BoundCache<BoundCounter<u64>>),
    FloatCounter(Counter<f64>, BoundCache<BoundCounter<f64>>),
    Histogram(Histogram<f64>, BoundCache<BoundHistogram<f64>>),
    Gauge(Gauge<f64>),
    Observed(#[allow(dead_code)] ObservableGauge<f64>),
}

type LabelKey = Box<[Box<str>]>;

/// The state of one gauge series: its last value and its bound handle.
pub(crate) struct GaugeCell {
    value: Mutex<f64>,
    bound: BoundGauge<f64>,
}

/// The series limit of every catalog metric: the catalog's `max_series`, with
/// overrides.
#[derive(Clone, Debug)]
pub(crate) struct SeriesLimits(Arc<[usize]>);

impl SeriesLimits {
    /// The catalog's limits with `overrides` applied (a limit is at least 1).
    pub(crate) fn new(overrides: &[(MetricId, usize)]) -> Self {
        let mut limits: Vec<usize> = CATALOG.iter().map(|d| d.max_series).collect();
        for (id, limit) in overrides {
            limits[*id as usize] = (*limit).max(1);
        }
        SeriesLimits(limits.into())
    }

    /// The limit of `id`.
    pub(crate) fn get(&self, id: MetricId) -> usize {
        self.0[id as usize]
    }
}

/// A shared handle on a gauge series' cell.
pub(crate) struct GaugeSeries(Arc<GaugeCell>);

/// The recording API: a method for every recording call of the usage guide, plus
/// methods for the metrics the guide shows none for.
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
    limits: SeriesLimits,
    instruments: Vec<Instrument>,
    /// Last value of each gauge series, so that increments and absolute sets mix.
    gauge_values: Vec<Mutex<HashMap<LabelKey, Arc<GaugeCell>>>>,
    pub(crate) timeout_rates: Arc<RollingRates>,
    pub(crate) success_rates: Arc<RollingRates>,
    dropped: Arc<AtomicU64>,
    limit_warned: Arc<[AtomicBool]>,
    callback_failures: Arc<AtomicU64>,
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
    /// Builds every catalog instrument on `meter`. The two rolling-rate gauges are
    /// observable gauges computed at collection time from `clock`.
    /// `limits` holds the series limit of every catalog metric, in catalog order.
    pub(crate) fn new(meter: &Meter, clock: Arc<dyn Clock>, limits: SeriesLimits) -> Self {
        // Each label set of a rolling rate is three series (one per window).
        let limit = |id: MetricId| (limits.get(id) / crate::rolling::WINDOWS.len()).max(1);
        let timeout_rates = Arc::new(RollingRates::with_limit(
            clock.clone(),
            limit(MetricId::TimeoutRate),
        ));
        let success_rates = Arc::new(RollingRates::with_limit(
            clock,
            limit(MetricId::RedisSuccessRate),
        ));
        let callback_failures = Arc::new(AtomicU64::new(0));
        let rates = RateSources {
            timeout: timeout_rates.clone(),
            success: success_rates.clone(),
            failures: callback_failures.clone(),
        };
        let instruments = CATALOG
            .iter()
            .map(|def| build_instrument(meter, def, &rates, limits.get(def.id)))
            .collect();
        MetricsManager {
            limits,
            instruments,
            gauge_values: CATALOG.iter().map(|_| Mutex::default()).collect(),
            timeout_rates,
            success_rates,
            dropped: Arc::new(AtomicU64::new(0)),
            limit_warned: CATALOG.iter().map(|_| AtomicBool::new(false)).collect(),
            callback_failures,
        }
    }

    /// Collections in which one of the crate's observable callbacks (the rolling
    /// rates) panicked. The panic is caught: that gauge reports nothing in that
    /// collection, every other metric is collected as usual, and the failure is
    /// logged at most once a minute under [`COLLECT_LOG_TARGET`]. Also shown by
    /// the health endpoint and as `autobot_otel_callback_failures_total`.
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// assert_eq!(t.metrics().callback_failures(), 0);
    /// ```
    pub fn callback_failures(&self) -> u64 {
        self.callback_failures.load(Ordering::Relaxed)
    }

    /// The shared state that the self-metrics report.
    pub(crate) fn diagnostics(&self) -> crate::self_metrics::Sources {
        crate::self_metrics::Sources {
            dropped: self.dropped.clone(),
            limit_reached: self.limit_warned.clone(),
            callback_failures: self.callback_failures.clone(),
        }
    }

    /// Measurements dropped because their value was NaN, infinite or negative
    /// (see the module docs). Also shown by the health endpoint.
    ///
    /// ```
    /// let m = autobot_otel::get_metrics_manager();
    /// let before = m.dropped_measurements();
    /// m.record_github_operation("get_repo", autobot_otel::labels::Outcome::Success, -1.0);
    /// assert_eq!(m.dropped_measurements(), before + 1);
    /// ```
    pub fn dropped_measurements(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The shared counter of dropped measurements (for handles).
    pub(crate) fn dropped_counter(&self) -> Arc<AtomicU64> {
        self.dropped.clone()
    }

    pub(crate) fn drop_measurement(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n` to a counter.
    pub(crate) fn count<const N: usize>(&self, id: MetricId, n: u64, values: [&str; N]) {
        if let Instrument::Counter(c, cache) = &self.instruments[id as usize] {
            self.record_cached(
                id,
                cache,
                values,
                |a| c.bind(a),
                |b| b.add(n),
                |a| c.add(n, a),
            );
        }
    }

    /// Adds a non-negative, finite amount to a float counter.
    pub(crate) fn count_f64<const N: usize>(&self, id: MetricId, amount: f64, values: [&str; N]) {
        if !(amount.is_finite() && amount >= 0.0) {
            return self.drop_measurement();
        }
        if let Instrument::FloatCounter(c, cache) = &self.instruments[id as usize] {
            let (bound, unbound) = (
                |b: &BoundCounter<f64>| b.add(amount),
                |a: &[KeyValue]| c.add(amount, a),
            );
            self.record_cached(id, cache, values, |a| c.bind(a), bound, unbound);
        }
    }

    /// Records a non-negative, finite value into a histogram.
    pub(crate) fn observe<const N: usize>(&self, id: MetricId, value: f64, values: [&str; N]) {
        if !(value.is_finite() && value >= 0.0) {
            return self.drop_measurement();
        }
        if let Instrument::Histogram(h, cache) = &self.instruments[id as usize] {
            let (bound, unbound) = (
                |b: &BoundHistogram<f64>| b.record(value),
                |a: &[KeyValue]| h.record(value, a),
            );
            self.record_cached(id, cache, values, |a| h.bind(a), bound, unbound);
        }
    }

    /// Records through the cached bound handle of `values`, or unbound (into the
    /// SDK's overflow series) once the metric's series limit is reached.
    fn record_cached<H, const N: usize>(
        &self,
        id: MetricId,
        cache: &BoundCache<H>,
        values: [&str; N],
        bind: impl FnOnce(&[KeyValue]) -> H,
        bound: impl FnOnce(&H),
        unbound: impl FnOnce(&[KeyValue]),
    ) {
        let def = id.def();
        if !cache.with(def, &values, |a| Some(bind(a)), bound) {
            self.series_limit_reached(id);
            unbound(&attributes(def, values));
        }
    }

    /// Sets a gauge series to an absolute, finite value. Past the metric's series
    /// limit the value goes to the SDK unbound, which folds it into the overflow
    /// series.
    pub(crate) fn set<const N: usize>(&self, id: MetricId, value: f64, values: [&str; N]) {
        match self.gauge_series(id, &values) {
            Some(series) => self.update_series(&series, |_| value),
            None => {
                if let Instrument::Gauge(gauge) = &self.instruments[id as usize] {
                    if value.is_finite() {
                        gauge.record(value, &attributes(id.def(), values));
                    } else {
                        self.drop_measurement();
                    }
                }
            }
        }
    }

    /// Moves a gauge series by `delta` from its last value (0 if never set). Past
    /// the metric's series limit there is no last value to move: the measurement
    /// is dropped and counted.
    pub(crate) fn adjust(&self, id: MetricId, delta: f64, values: &[&str]) {
        match self.gauge_series(id, values) {
            Some(series) => self.update_series(&series, |old| old + delta),
            None => self.drop_measurement(),
        }
    }

    /// Logs, once per metric, that its series limit was reached, naming the
    /// metric and the label that grows (the one with the most distinct values
    /// among the series kept).
    pub(crate) fn series_limit_reached(&self, id: MetricId) {
        if !self.limit_warned[id as usize].swap(true, Ordering::Relaxed) {
            let def = id.def();
            let growing = self.growing_label(id).map_or("unknown", |i| def.labels[i]);
            tracing::warn!(
                target: CARDINALITY_LOG_TARGET,
                metric = def.name,
                label = growing,
                limit = self.limits.get(id),
                "series limit reached: label `{growing}` of `{}` has too many distinct values; \
                 further label sets are folded into one overflow series (otel_metric_overflow=\"true\")",
                def.name
            );
        }
    }

    /// The position of the label with the most distinct values among the kept
    /// series of `id`.
    fn growing_label(&self, id: MetricId) -> Option<usize> {
        match &self.instruments[id as usize] {
            Instrument::Counter(_, cache) => cache.growing_label(),
            Instrument::FloatCounter(_, cache) => cache.growing_label(),
            Instrument::Histogram(_, cache) => cache.growing_label(),
            Instrument::Gauge(_) => {
                let cells = match self.gauge_values[id as usize].lock() {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                crate::bound::most_distinct(cells.keys().map(|k| k.as_ref()))
            }
            Instrument::Observed(_) => match id {
                MetricId::TimeoutRate => self.timeout_rates.growing_label(),
                _ => self.success_rates.growing_label(),
            },
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

    /// Whether `id` reached its series limit, so that new label sets were folded
    /// into its overflow series (also shown by the health report, and logged once
    /// under [`CARDINALITY_LOG_TARGET`]).
    ///
    /// ```
    /// use autobot_otel::catalog::MetricId;
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// assert!(!t.metrics().series_limit_hit(MetricId::KnowledgeCacheHitsTotal));
    /// ```
    pub fn series_limit_hit(&self, id: MetricId) -> bool {
        self.limit_warned[id as usize].load(Ordering::Relaxed)
    }

    /// The cell of a gauge series (its last value and bound handle), created on
    /// first use. Call sites that adjust the same series over and over keep it.
    pub(crate) fn gauge_series(&self, id: MetricId, values: &[&str]) -> Option<GaugeSeries> {
        let Instrument::Gauge(gauge) = &self.instruments[id as usize] else {
            return None;
        };
        let def = id.def();
        debug_assert_eq!(
            values.len(),
            def.labels.len(),
            "label count of {}",
            def.name
        );
        let key: LabelKey = values
            .iter()
            .map(|v| Box::<str>::from(clean_label_value(v).as_ref()))
            .collect();
        let mut cells = match self.gauge_values[id as usize].lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(cell) = cells.get(&key) {
            return Some(GaugeSeries(cell.clone()));
        }
        if cells.len() >= self.limits.get(id) {
            drop(cells);
            self.series_limit_reached(id);
            return None;
        }
        let attrs: Vec<KeyValue> = def
            .labels
            .iter()
            .zip(key.iter())
            .map(|(k, v)| label(k, v))
            .collect();
        let cell = Arc::new(GaugeCell {
            value: Mutex::new(0.0),
            bound: gauge.bind(&attrs),
        });
        cells.insert(key, cell.clone());
        Some(GaugeSeries(cell))
    }

    /// Moves a prepared gauge series by `delta`.
    pub(crate) fn adjust_series(&self, series: &GaugeSeries, delta: f64) {
        self.update_series(series, |old| old + delta);
    }

    fn update_series(&self, series: &GaugeSeries, next: impl FnOnce(f64) -> f64) {
        // The cell's lock spans the read, the write and the record, so concurrent
        // increments can neither be lost nor reach the SDK out of order.
        let mut value = match series.0.value.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let new = next(*value);
        if !new.is_finite() {
            drop(value);
            return self.drop_measurement();
        }
        *value = new;
        series.0.bound.record(new);
    }

    /// Adds `n` to a counter with prebuilt attributes (see [`attributes_of`]).
    pub(crate) fn count_with(&self, id: MetricId, n: u64, attrs: &[KeyValue]) {
        if let Instrument::Counter(c, _) = &self.instruments[id as usize] {
            c.add(n, attrs);
        }
    }

    /// Records a non-negative, finite value with prebuilt attributes.
    pub(crate) fn observe_with(&self, id: MetricId, value: f64, attrs: &[KeyValue]) {
        if !(value.is_finite() && value >= 0.0) {
            return self.drop_measurement();
        }
        if let Instrument::Histogram(h, _) = &self.instruments[id as usize] {
            h.record(value, attrs);
        }
    }

    /// A counter handle with its attributes resolved once.
    pub(crate) fn bind_counter(
        &self,
        id: MetricId,
        attrs: &[KeyValue],
    ) -> Option<BoundCounter<u64>> {
        match &self.instruments[id as usize] {
            Instrument::Counter(c, _) => Some(c.bind(attrs)),
            _ => None,
        }
    }

    /// A histogram handle with its attributes resolved once.
    pub(crate) fn bind_histogram(
        &self,
        id: MetricId,
        attrs: &[KeyValue],
    ) -> Option<BoundHistogram<f64>> {
        match &self.instruments[id as usize] {
            Instrument::Histogram(h, _) => Some(h.bind(attrs)),
            _ => None,
        }
    }
}

/// Cleaned attributes of metric `id` for label `values` in catalog order.
pub(crate) fn attributes_of(id: MetricId, values: &[&str]) -> Vec<KeyValue> {
    let def = id.def();
    debug_assert_eq!(
        values.len(),
        def.labels.len(),
        "label count of {}",
        def.name
    );
    def.labels
        .iter()
        .zip(values)
        .map(|(k, v)| label(k, v))
        .collect()
}

/// The attribute `key = value`, its value cleaned ([`clean_label_value`]) and
/// shared: the SDK clones a series' attributes into every collection, and a
/// shared string makes that clone a reference-count increment instead of an
/// allocation and a copy.
pub(crate) fn label(key: &'static str, value: &str) -> KeyValue {
    shared_label(key, Arc::from(clean_label_value(value).as_ref()))
}

/// The attribute `key = value` for an already cleaned, shared value.
pub(crate) fn shared_label(key: &'static str, value: Arc<str>) -> KeyValue {
    KeyValue::new(key, opentelemetry::Value::String(value.into()))
}

/// Label value as written: empty becomes [`EMPTY_LABEL_VALUE`], long values are
/// truncated to [`MAX_LABEL_VALUE_BYTES`] at a character boundary.
pub(crate) fn clean_label_value(value: &str) -> Cow<'_, str> {
    if value.is_empty() {
        return Cow::Borrowed(EMPTY_LABEL_VALUE);
    }
    if value.len() <= MAX_LABEL_VALUE_BYTES {
        return Cow::Borrowed(value);
    }
    let mut end = MAX_LABEL_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Borrowed(&value[..end])
}

fn attributes<const N: usize>(def: &MetricDef, values: [&str; N]) -> [KeyValue; N] {
    debug_assert_eq!(N, def.labels.len(), "label count of {}", def.name);
    std::array::from_fn(|i| label(def.labels[i], values[i]))
}

/// What the two rolling-rate callbacks read, and where they count a panic.
struct RateSources {
    timeout: Arc<RollingRates>,
    success: Arc<RollingRates>,
    failures: Arc<AtomicU64>,
}

/// Observes every rate of `rates` on `observer`. Runs inside the SDK's collection,
/// under its pipeline lock, where a panic would poison that lock and fail every
/// later collection of every metric: so a panic is caught here, counted in
/// `failures` and logged at most once a minute.
fn observe_rates(
    def: &'static MetricDef,
    rates: &RollingRates,
    failures: &AtomicU64,
    observer: &dyn opentelemetry::metrics::AsyncInstrument<f64>,
) {
    let observed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for (values, windows) in rates.snapshot() {
            for (window, rate) in windows {
                let Some(rate) = rate else { continue };
                let mut attrs: Vec<KeyValue> = def.labels[..def.labels.len() - 1]
                    .iter()
                    .zip(&values)
                    .map(|(k, v)| KeyValue::new(*k, v.clone()))
                    .collect();
                attrs.push(KeyValue::new("time_window", window));
                observer.observe(rate, &attrs);
            }
        }
    }));
    if let Err(panic) = observed {
        let failures = failures.fetch_add(1, Ordering::Relaxed) + 1;
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if crate::log_limit::once_a_minute(&LAST_CALLBACK_LOG_MS) {
            tracing::error!(
                target: COLLECT_LOG_TARGET,
                metric = def.name,
                failures,
                panic = %message,
                "observable callback panicked; its gauge is skipped in this collection"
            );
        }
    }
}

static LAST_CALLBACK_LOG_MS: AtomicU64 = AtomicU64::new(0);

fn build_instrument(
    meter: &Meter,
    def: &'static MetricDef,
    sources: &RateSources,
    limit: usize,
) -> Instrument {
    let name = def.otel_name();
    match def.kind {
        Kind::Counter => Instrument::Counter(
            meter
                .u64_counter(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .build(),
            BoundCache::new(limit),
        ),
        Kind::FloatCounter => Instrument::FloatCounter(
            meter
                .f64_counter(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .build(),
            BoundCache::new(limit),
        ),
        Kind::Histogram => Instrument::Histogram(
            meter
                .f64_histogram(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .with_boundaries(def.buckets.to_vec())
                .build(),
            BoundCache::new(limit),
        ),
        Kind::Gauge => {
            let rates = match def.id {
                MetricId::TimeoutRate => Some(sources.timeout.clone()),
                MetricId::RedisSuccessRate => Some(sources.success.clone()),
                _ => None,
            };
            match rates {
                Some(rates) => {
                    let failures = sources.failures.clone();
                    Instrument::Observed(
                        meter
                            .f64_observable_gauge(name)
                            .with_unit(def.unit)
                            .with_description(def.help)
                            .with_callback(move |observer| {
                                observe_rates(def, &rates, &failures, observer)
                            })
                            .build(),
                    )
                }
                None => Instrument::Gauge(
                    meter
                        .f64_gauge(name)
                        .with_unit(def.unit)
                        .with_description(def.help)
                        .build(),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_cleaned() {
        assert_eq!(clean_label_value(""), "unknown");
        assert_eq!(clean_label_value("ok"), "ok");
        let long = "é".repeat(200); // 400 bytes
        let cleaned = clean_label_value(&long);
        assert!(cleaned.len() <= MAX_LABEL_VALUE_BYTES);
        assert_eq!(cleaned.len(), 256);
        let odd = format!("a{}", "é".repeat(200)); // boundary falls inside a char
        assert_eq!(clean_label_value(&odd).len(), 255);
    }

    #[test]
    fn rolling_gauges_end_with_time_window() {
        for id in [MetricId::TimeoutRate, MetricId::RedisSuccessRate] {
            assert_eq!(id.def().labels.last(), Some(&"time_window"));
        }
    }
}
