//! The series of one family: read from the SDK's data points in collection
//! order, their label text written once, then put in the scrape's order.
//!
//! Each series' labels (`k="v",k2="v2"`, without braces) are written into one
//! buffer shared by the family as the data points are read, so the label
//! keys and values are touched once, in the order the SDK lays them out in
//! memory. The series are then sorted by that text and written from it: the
//! order is deterministic (it depends only on the label sets) and costs one
//! comparison of short byte strings per step, without a second walk over the
//! SDK's attributes.

use autobot_otel_catalog::naming::compare_label_names;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::{HistogramDataPoint, MetricData};

use crate::catalog::MetricId;
use crate::exemplars::{Exemplar, ExemplarSource};

use super::labels::push_label_body;

/// The value of one series.
#[derive(Clone, Copy)]
pub(super) enum Point<'a> {
    Counter(f64),
    Gauge(f64),
    HistF64(&'a HistogramDataPoint<f64>),
    HistU64(&'a HistogramDataPoint<u64>),
    HistI64(&'a HistogramDataPoint<i64>),
}

/// One series of a family: its label text is `text[start..start + len]` of
/// its [`Family`]; `seq` is its position in collection order (ties keep it).
///
/// Offsets are `u32` to keep this small; a family too large for them is
/// refused before they are used ([`Family::fits`]).
pub(super) struct Series<'a> {
    pub(super) point: Point<'a>,
    start: u32,
    len: u32,
    seq: u32,
    /// Its exemplars: `exemplars[ex..ex + ex_len]` of its [`Family`].
    ex: u32,
    ex_len: u32,
}

/// A number as the SDK's integer instruments report it, converted to `f64`
/// (lossy beyond 2^53).
pub(super) trait Number: Copy {
    fn as_f64(self) -> f64;
    fn histogram(dp: &HistogramDataPoint<Self>) -> Point<'_>;
}

impl Number for f64 {
    fn as_f64(self) -> f64 {
        self
    }
    fn histogram(dp: &HistogramDataPoint<f64>) -> Point<'_> {
        Point::HistF64(dp)
    }
}

impl Number for u64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
    fn histogram(dp: &HistogramDataPoint<u64>) -> Point<'_> {
        Point::HistU64(dp)
    }
}

impl Number for i64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
    fn histogram(dp: &HistogramDataPoint<i64>) -> Point<'_> {
        Point::HistI64(dp)
    }
}

/// Per-family buffers, reused from one family to the next.
#[derive(Default)]
pub(super) struct Family<'a> {
    pub(super) series: Vec<Series<'a>>,
    /// The label text of every series, back to back.
    pub(super) text: String,
    /// The series written first whatever their labels (`target_info` from
    /// the resource).
    pinned: usize,
    /// One data point's attributes, sorted by label name.
    scratch: Vec<&'a KeyValue>,
    /// A merged label's joined values.
    tmp: String,
    /// The exemplars of every series, back to back.
    exemplars: Vec<Option<Exemplar>>,
    /// Where this family's exemplars come from: the source and the catalog
    /// metric (catalog families in OpenMetrics only).
    source: Option<(&'a dyn ExemplarSource, MetricId)>,
    /// The family is a histogram: `le` is reserved for the buckets.
    pub(super) histogram: bool,
}

impl<'a> Family<'a> {
    /// Empties the buffers for a family of kind `histogram`, keeping their
    /// allocations.
    pub(super) fn start(
        &mut self,
        histogram: bool,
        source: Option<(&'a dyn ExemplarSource, MetricId)>,
    ) {
        self.series.clear();
        self.text.clear();
        self.exemplars.clear();
        self.pinned = 0;
        self.histogram = histogram;
        self.source = source;
    }

    /// Adds the series of one data point (or of the resource).
    pub(super) fn push(
        &mut self,
        attributes: impl Iterator<Item = &'a KeyValue>,
        point: Point<'a>,
    ) {
        let histogram = self.histogram;
        let own = &mut self.scratch;
        own.clear();
        own.extend(attributes);
        // Keys are unique per data point and per resource, so this is total.
        own.sort_unstable_by(|a, b| {
            compare_label_names(a.key.as_str(), b.key.as_str(), histogram)
                .then_with(|| a.key.as_str().cmp(b.key.as_str()))
        });
        let start = self.text.len();
        push_label_body(&mut self.text, own, &mut self.tmp, histogram);
        let ex = self.exemplars.len();
        if let Some((source, id)) = self.source {
            source.exemplars(id, own, &mut self.exemplars);
        }
        self.series.push(Series {
            point,
            // Truncation is caught by `fits` before any offset is used.
            start: start as u32,
            len: (self.text.len() - start) as u32,
            seq: self.series.len() as u32,
            ex: ex as u32,
            ex_len: (self.exemplars.len() - ex) as u32,
        });
    }

    /// Adds the series of one data point, kept first in the family.
    pub(super) fn push_pinned(
        &mut self,
        attributes: impl Iterator<Item = &'a KeyValue>,
        point: Point<'a>,
    ) {
        self.push(attributes, point);
        self.pinned = self.series.len();
    }

    /// Adds every data point of one instrument.
    pub(super) fn push_data<T: Number>(&mut self, data: &'a MetricData<T>) {
        match data {
            MetricData::Gauge(gauge) => {
                for dp in gauge.data_points() {
                    self.push(dp.attributes(), Point::Gauge(dp.value().as_f64()));
                }
            }
            MetricData::Sum(sum) => {
                let monotonic = sum.is_monotonic();
                for dp in sum.data_points() {
                    let value = dp.value().as_f64();
                    let point = if monotonic {
                        Point::Counter(value)
                    } else {
                        Point::Gauge(value)
                    };
                    self.push(dp.attributes(), point);
                }
            }
            MetricData::Histogram(histogram) => {
                for dp in histogram.data_points() {
                    self.push(dp.attributes(), T::histogram(dp));
                }
            }
            MetricData::ExponentialHistogram(_) => {}
        }
    }

    /// Adds one series without labels: the sum of the instrument's data points
    /// (a counter or gauge; a histogram has no such sum and adds nothing).
    pub(super) fn push_summed<T: Number>(&mut self, data: &'a MetricData<T>) {
        let point = match data {
            MetricData::Gauge(gauge) => {
                Point::Gauge(gauge.data_points().map(|dp| dp.value().as_f64()).sum())
            }
            MetricData::Sum(sum) => {
                let total = sum.data_points().map(|dp| dp.value().as_f64()).sum();
                if sum.is_monotonic() {
                    Point::Counter(total)
                } else {
                    Point::Gauge(total)
                }
            }
            MetricData::Histogram(_) | MetricData::ExponentialHistogram(_) => return,
        };
        self.push(std::iter::empty(), point);
    }

    /// Whether every offset fits the `u32`s of [`Series`].
    pub(super) fn fits(&self) -> bool {
        u32::try_from(self.text.len()).is_ok()
            && u32::try_from(self.series.len()).is_ok()
            && u32::try_from(self.exemplars.len()).is_ok()
    }

    /// The scrape's order: the pinned series first, then by label text (byte
    /// order), then in collection order.
    pub(super) fn sort(&mut self) {
        let text = self.text.as_bytes();
        let key = |s: &Series<'_>| text.get(s.start as usize..(s.start + s.len) as usize);
        self.series[self.pinned..]
            .sort_unstable_by(|x, y| key(x).cmp(&key(y)).then(x.seq.cmp(&y.seq)));
    }

    /// The exemplar slots of `series` (empty when it has none).
    pub(super) fn exemplars(&self, series: &Series<'_>) -> &[Option<Exemplar>] {
        self.exemplars
            .get(series.ex as usize..(series.ex + series.ex_len) as usize)
            .unwrap_or_default()
    }

    /// The label text of `series` (`k="v",k2="v2"`, empty without labels).
    pub(super) fn labels(&self, series: &Series<'_>) -> &str {
        self.text
            .get(series.start as usize..(series.start + series.len) as usize)
            .unwrap_or_default()
    }
}
