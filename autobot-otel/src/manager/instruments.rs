//! One OpenTelemetry instrument per catalog entry, with the table of its series.
//!
//! Every series is a bound OpenTelemetry instrument (its attributes resolved
//! once) plus what the recording rules need:
//!
//! | kind | series | rule |
//! |---|---|---|
//! | counter (`u64`) | [`CounterSeries`] | the total saturates at `u64::MAX`: an increment that would wrap is cut to what fits, the rest dropped and counted |
//! | float counter, histogram | [`FloatSeries`], [`HistogramSeries`] | a value above [`MAX_MEASUREMENT`] is dropped and counted, so a sum stays finite for 2^64 measurements |
//! | gauge | [`GaugeSeries`] | the last value, so absolute sets and moves mix |
//!
//! Past a metric's series limit, measurements of new label sets go to one
//! overflow series per metric, bound to the attribute `otel.metric.overflow =
//! true` that the SDK gives its own overflow series (`otel_metric_overflow="true"`
//! in Prometheus), so sums stay exact.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use opentelemetry::metrics::{
    BoundCounter, BoundGauge, BoundHistogram, Counter, Gauge, Histogram, Meter, ObservableGauge,
};
use opentelemetry::{KeyValue, Value};

use super::rolling::RollingRates;
use super::series::{Full, Key, Series, SeriesTable};
use crate::catalog::{Kind, MetricDef};
use crate::diagnostics::Diagnostics;
use crate::exemplars::{Exemplar, ExemplarFilter, ExemplarSlots};

/// Largest histogram value or float-counter amount recorded; larger ones are
/// dropped and counted. `2^64` of them still sum to less than `f64::MAX`, so no
/// `_sum` or counter total can become infinite.
pub const MAX_MEASUREMENT: f64 = 1e288;

/// Whether a histogram value or float-counter amount is recorded.
#[inline]
pub(crate) fn valid_measurement(value: f64) -> bool {
    (0.0..=MAX_MEASUREMENT).contains(&value)
}

/// The attributes of a series: its cleaned values under the metric's label
/// keys, sorted by key (the SDK keeps one copy of an attribute set that comes
/// sorted, two otherwise). A value of the label's vocabulary is the catalog's
/// `&'static str`; any other is the SDK's own copy, so a collection clones it
/// from memory the SDK owns, and nothing it hands over points back into the
/// series table.
fn attributes(def: &MetricDef, key: &Key) -> Vec<KeyValue> {
    let mut attrs: Vec<KeyValue> = Vec::with_capacity(def.labels.len());
    attrs.extend(
        def.labels
            .iter()
            .zip(def.vocabularies.iter().chain(std::iter::repeat(&None)))
            .zip(key.values())
            .map(|((label, vocabulary), value)| {
                let fixed = vocabulary.and_then(|v| v.iter().find(|known| **known == value));
                let value = match fixed {
                    Some(known) => Value::from(*known),
                    None => Value::from(value.to_owned()),
                };
                KeyValue::new(*label, value)
            }),
    );
    attrs.sort_unstable_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    attrs
}

/// The attributes of a metric's overflow series.
fn overflow_attributes() -> [KeyValue; 1] {
    [KeyValue::new(
        autobot_otel_catalog::attributes::METRIC_OVERFLOW,
        true,
    )]
}

/// What every series of one instrument shares: which measurements keep an
/// exemplar, and the histogram's bucket bounds (the pipeline's, see
/// [`crate::TelemetryBuilder::with_buckets`]; empty for other kinds).
#[derive(Clone)]
pub(crate) struct SeriesConfig {
    pub(crate) exemplars: ExemplarFilter,
    pub(crate) bounds: Arc<[f64]>,
}

/// A `u64` counter series whose total saturates instead of wrapping.
pub(crate) struct CounterSeries {
    key: Key,
    bound: BoundCounter<u64>,
    total: AtomicU64,
    exemplar: ExemplarSlots,
    filter: ExemplarFilter,
}

impl CounterSeries {
    /// Makes the series exist at its current total (0 for a new one) without
    /// adding to it: the next collection exports it.
    pub(crate) fn touch(&self) {
        self.bound.add(0);
    }

    /// Adds `n`, or what is left below `u64::MAX`; `false` when part of `n` was
    /// dropped for that reason.
    #[inline]
    pub(crate) fn add(&self, n: u64) -> bool {
        let mut current = self.total.load(Ordering::Relaxed);
        loop {
            let next = current.saturating_add(n);
            match self.total.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    if next > current {
                        self.bound.add(next - current);
                        if let Some(e) = Exemplar::capture(self.filter, (next - current) as f64) {
                            self.exemplar.keep(1, 0, e);
                        }
                    }
                    return next - current == n;
                }
                Err(actual) => current = actual,
            }
        }
    }
}

/// A float counter series (amounts checked by the caller).
pub(crate) struct FloatSeries {
    key: Key,
    bound: BoundCounter<f64>,
    exemplar: ExemplarSlots,
    filter: ExemplarFilter,
}

impl FloatSeries {
    #[inline]
    pub(crate) fn add(&self, amount: f64) {
        self.bound.add(amount);
        if let Some(e) = Exemplar::capture(self.filter, amount) {
            self.exemplar.keep(1, 0, e);
        }
    }
}

/// A histogram series (values checked by the caller).
pub(crate) struct HistogramSeries {
    key: Key,
    bound: BoundHistogram<f64>,
    /// One exemplar per bucket (`bounds.len() + 1`).
    exemplars: ExemplarSlots,
    filter: ExemplarFilter,
    bounds: Arc<[f64]>,
    /// The series of the counter recorded with this histogram (same labels,
    /// plus one from a vocabulary, e.g. `status`), by vocabulary position;
    /// resolved on first use, so a call that records both looks its labels up once.
    siblings: OnceLock<Box<[OnceLock<Arc<CounterSeries>>]>>,
}

impl HistogramSeries {
    #[inline]
    pub(crate) fn record(&self, value: f64) {
        self.bound.record(value);
        if let Some(e) = Exemplar::capture(self.filter, value) {
            // The bucket the SDK counts it in: the first bound >= value.
            let bucket = self.bounds.partition_point(|b| *b < value);
            self.exemplars.keep(self.bounds.len() + 1, bucket, e);
        }
    }

    /// The sibling counter series at vocabulary position `slot` (of `slots`),
    /// resolved with `resolve` the first time.
    #[inline]
    pub(crate) fn sibling(
        &self,
        slot: usize,
        slots: usize,
        resolve: impl FnOnce() -> Option<Arc<CounterSeries>>,
    ) -> Option<&CounterSeries> {
        let siblings = self
            .siblings
            .get_or_init(|| (0..slots).map(|_| OnceLock::new()).collect());
        let cell = siblings.get(slot)?;
        if let Some(series) = cell.get() {
            return Some(series);
        }
        let series = resolve()?;
        Some(cell.get_or_init(|| series))
    }
}

/// A gauge series: its last value and its bound handle.
pub(crate) struct GaugeSeries {
    key: Key,
    value: Mutex<f64>,
    bound: BoundGauge<f64>,
}

impl GaugeSeries {
    /// Sets the value to `next(last)` if that is finite; `false` (nothing
    /// recorded) otherwise. The lock spans the read, the write and the record, so
    /// concurrent moves are neither lost nor reach the SDK out of order.
    pub(crate) fn update(&self, next: impl FnOnce(f64) -> f64) -> bool {
        let mut value = self.value.lock().unwrap_or_else(|p| p.into_inner());
        let new = next(*value);
        if !new.is_finite() {
            return false;
        }
        *value = new;
        self.bound.record(new);
        true
    }
}

/// The exemplar slots of a series, for the exposition.
#[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
pub(crate) trait Exemplars {
    fn exemplars(&self) -> &ExemplarSlots;
}

macro_rules! series_exemplars {
    ($($t:ty => $field:ident),*) => {$(
        impl Exemplars for $t {
            fn exemplars(&self) -> &ExemplarSlots {
                &self.$field
            }
        }
    )*};
}
series_exemplars!(CounterSeries => exemplar, FloatSeries => exemplar, HistogramSeries => exemplars);

macro_rules! series_key {
    ($($t:ty),*) => {$(
        impl Series for $t {
            fn key(&self) -> &Key {
                &self.key
            }
        }
    )*};
}
series_key!(CounterSeries, FloatSeries, HistogramSeries, GaugeSeries);

/// An instrument, the table of its series and its overflow series.
pub(crate) struct Bound<I, S> {
    def: &'static MetricDef,
    config: SeriesConfig,
    instrument: I,
    table: SeriesTable<S>,
    overflow: OnceLock<Arc<S>>,
}

/// How an instrument makes a series from attributes.
pub(crate) trait Bind<S> {
    fn make(&self, key: Key, attrs: &[KeyValue], config: &SeriesConfig) -> S;
}

impl Bind<CounterSeries> for Counter<u64> {
    fn make(&self, key: Key, attrs: &[KeyValue], config: &SeriesConfig) -> CounterSeries {
        CounterSeries {
            key,
            bound: self.bind(attrs),
            total: AtomicU64::new(0),
            exemplar: ExemplarSlots::default(),
            filter: config.exemplars,
        }
    }
}

impl Bind<FloatSeries> for Counter<f64> {
    fn make(&self, key: Key, attrs: &[KeyValue], config: &SeriesConfig) -> FloatSeries {
        FloatSeries {
            key,
            bound: self.bind(attrs),
            exemplar: ExemplarSlots::default(),
            filter: config.exemplars,
        }
    }
}

impl Bind<HistogramSeries> for Histogram<f64> {
    fn make(&self, key: Key, attrs: &[KeyValue], config: &SeriesConfig) -> HistogramSeries {
        HistogramSeries {
            key,
            bound: self.bind(attrs),
            exemplars: ExemplarSlots::default(),
            filter: config.exemplars,
            bounds: config.bounds.clone(),
            siblings: OnceLock::new(),
        }
    }
}

impl Bind<GaugeSeries> for Gauge<f64> {
    fn make(&self, key: Key, attrs: &[KeyValue], _: &SeriesConfig) -> GaugeSeries {
        GaugeSeries {
            key,
            value: Mutex::new(0.0),
            bound: self.bind(attrs),
        }
    }
}

impl<I: Bind<S>, S: Series> Bound<I, S> {
    fn new(def: &'static MetricDef, instrument: I, limit: usize, config: SeriesConfig) -> Self {
        Bound {
            def,
            config,
            instrument,
            table: SeriesTable::new(limit),
            overflow: OnceLock::new(),
        }
    }

    fn make(&self, key: Key) -> S {
        let attrs = attributes(self.def, &key);
        self.instrument.make(key, &attrs, &self.config)
    }

    /// Runs `f` on the series of `values`; `Err(Full)` when the limit is reached.
    #[inline]
    pub(crate) fn with<R>(&self, values: &[&str], f: impl FnOnce(&S) -> R) -> Result<R, Full> {
        self.table.with(values, |key| self.make(key), f)
    }

    /// The series of `values`, kept by the caller; `Err(Full)` past the limit.
    pub(crate) fn series(&self, values: &[&str]) -> Result<Arc<S>, Full> {
        self.table.get_or_insert(values, |key| self.make(key))
    }

    /// The series of `values` if it exists (never created here).
    #[cfg(feature = "prometheus")]
    pub(crate) fn existing(&self, values: &[&str]) -> Option<Arc<S>> {
        self.table.get(values)
    }

    /// The metric's overflow series, if it was made.
    #[cfg(feature = "prometheus")]
    pub(crate) fn existing_overflow(&self) -> Option<&Arc<S>> {
        self.overflow.get()
    }

    /// The metric's overflow series.
    pub(crate) fn overflow(&self) -> &Arc<S> {
        self.overflow.get_or_init(|| {
            Arc::new(self.instrument.make(
                Key::default(),
                overflow_attributes().as_slice(),
                &self.config,
            ))
        })
    }
}

/// A catalog instrument.
pub(crate) enum Instrument {
    Counter(Bound<Counter<u64>, CounterSeries>),
    FloatCounter(Bound<Counter<f64>, FloatSeries>),
    Histogram(Bound<Histogram<f64>, HistogramSeries>),
    Gauge(Bound<Gauge<f64>, GaugeSeries>),
    /// A rolling rate, computed at collection time (kept alive here).
    Rolling(#[allow(dead_code)] ObservableGauge<f64>, Arc<RollingRates>),
}

impl Instrument {
    /// The label that grows: the one with the most distinct values among the
    /// series kept.
    pub(crate) fn growing_label(&self) -> Option<usize> {
        match self {
            Instrument::Counter(b) => b.table.growing_label(),
            Instrument::FloatCounter(b) => b.table.growing_label(),
            Instrument::Histogram(b) => b.table.growing_label(),
            Instrument::Gauge(b) => b.table.growing_label(),
            Instrument::Rolling(_, rates) => rates.growing_label(),
        }
    }
}

/// Builds the instrument of `def` on `meter`, with `limit` series. The rolling
/// rates (a label set is one series per window) keep `limit / windows` label
/// sets; their callbacks report panics to `diagnostics`.
pub(crate) fn build(
    meter: &Meter,
    def: &'static MetricDef,
    limit: usize,
    clock: &Arc<dyn super::rolling::Clock>,
    diagnostics: &Arc<Diagnostics>,
    config: SeriesConfig,
) -> Instrument {
    let name = def.otel_name();
    match def.kind {
        Kind::Counter => Instrument::Counter(Bound::new(
            def,
            meter
                .u64_counter(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .build(),
            limit,
            config.clone(),
        )),
        Kind::FloatCounter => Instrument::FloatCounter(Bound::new(
            def,
            meter
                .f64_counter(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .build(),
            limit,
            config.clone(),
        )),
        Kind::Histogram => Instrument::Histogram(Bound::new(
            def,
            meter
                .f64_histogram(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .with_boundaries(def.buckets.to_vec())
                .build(),
            limit,
            config.clone(),
        )),
        Kind::Gauge if def.vocabulary("time_window").is_some() => {
            let label_sets = (limit / super::rolling::WINDOWS.len()).max(1);
            let rates = Arc::new(RollingRates::with_limit(clock.clone(), label_sets));
            let (observed, diagnostics) = (rates.clone(), diagnostics.clone());
            let gauge = meter
                .f64_observable_gauge(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .with_callback(move |observer| {
                    super::rolling::observe(def, &observed, &diagnostics, observer)
                })
                .build();
            Instrument::Rolling(gauge, rates)
        }
        Kind::Gauge => Instrument::Gauge(Bound::new(
            def,
            meter
                .f64_gauge(name)
                .with_unit(def.unit)
                .with_description(def.help)
                .build(),
            limit,
            config.clone(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::metrics::MeterProvider as _;

    #[test]
    fn counter_totals_saturate_instead_of_wrapping() {
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
        let counter = provider.meter("t").u64_counter("c").build();
        let config = SeriesConfig {
            exemplars: ExemplarFilter::AlwaysOff,
            bounds: Arc::from([]),
        };
        let series = counter.make(Key::default(), &[], &config);
        assert!(series.add(u64::MAX - 1));
        assert!(!series.add(5), "only 1 of 5 fits");
        assert_eq!(series.total.load(Ordering::Relaxed), u64::MAX);
        assert!(!series.add(1));
        assert!(series.add(0));
    }

    #[test]
    fn measurements_past_the_maximum_are_refused() {
        assert!(valid_measurement(0.0));
        assert!(valid_measurement(MAX_MEASUREMENT));
        for bad in [
            -0.5,
            f64::NAN,
            f64::INFINITY,
            f64::MAX,
            MAX_MEASUREMENT * 2.0,
        ] {
            assert!(!valid_measurement(bad), "{bad}");
        }
        // 2^64 maximal measurements still have a finite sum.
        assert!((MAX_MEASUREMENT * 2f64.powi(64)).is_finite());
    }
}
