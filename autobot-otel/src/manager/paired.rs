//! A counter and a histogram recorded by one call on one label set (an
//! execution counter and its duration), looked up once: the histogram's series
//! keeps the counter's series of each `status` value beside it.

use super::instruments::{Instrument, valid_measurement};
use super::{MetricsManager, debug_check};
use crate::catalog::MetricId;

impl MetricsManager {
    /// Adds `n` to counter `counter` and records `value` into histogram
    /// `histogram`, whose labels are `values`; the counter's are `values` plus
    /// `extra` when it has one more label (a vocabulary label such as `status`:
    /// the value and its position in the vocabulary; `None` when the two have
    /// the same labels). The label set is looked up once: the histogram's series
    /// keeps the counter's series of each `extra` value. Series limits, overflow
    /// and invalid values are as for [`Self::count_values`] and
    /// [`Self::observe_values`].
    pub(crate) fn count_and_observe(
        &self,
        counter: MetricId,
        extra: Option<(usize, &str)>,
        n: u64,
        histogram: MetricId,
        value: f64,
        values: &[&str],
    ) {
        debug_check(histogram.def(), values);
        debug_assert!(
            Self::shares_labels(counter, histogram, extra.is_some()),
            "{} does not extend the labels of {}",
            counter.def().name,
            histogram.def().name
        );
        if !valid_measurement(value) {
            // No histogram series for a dropped measurement.
            return self.count_and_observe_apart(counter, extra, n, histogram, value, values);
        }
        let cdef = counter.def();
        let slots = match extra {
            Some((slot, _)) => match cdef.vocabularies.last().copied().flatten() {
                Some(vocabulary) if slot < vocabulary.len() => vocabulary.len(),
                _ => {
                    return self
                        .count_and_observe_apart(counter, extra, n, histogram, value, values);
                }
            },
            None => 1,
        };
        let Instrument::Histogram(table) = self.instrument(histogram) else {
            return;
        };
        let recorded = table.with(values, |series| {
            series.record(value);
            let resolve = || with_extra(values, extra, |all| self.counter_series(counter, all));
            let slot = extra.map_or(0, |(slot, _)| slot);
            if let Some(c) = series.sibling(slot, slots, resolve) {
                self.add_to(c, n);
            }
        });
        if recorded.is_err() {
            self.count_and_observe_apart(counter, extra, n, histogram, value, values);
        }
    }

    /// Whether counter `counter`'s labels are histogram `histogram`'s, plus one
    /// trailing vocabulary label when `extra` (the shape
    /// [`Self::count_and_observe`] needs).
    pub(crate) fn shares_labels(counter: MetricId, histogram: MetricId, extra: bool) -> bool {
        let (c, h) = (counter.def(), histogram.def());
        c.labels.len() == h.labels.len() + usize::from(extra)
            && c.labels[..h.labels.len()] == *h.labels
            && (!extra || c.vocabularies.last().copied().flatten().is_some())
    }

    /// [`Self::count_and_observe`] as two separate lookups (past the histogram's
    /// series limit, for a value outside the vocabulary, or for an invalid
    /// measurement, which creates no histogram series).
    #[cold]
    fn count_and_observe_apart(
        &self,
        counter: MetricId,
        extra: Option<(usize, &str)>,
        n: u64,
        histogram: MetricId,
        value: f64,
        values: &[&str],
    ) {
        with_extra(values, extra, |all| self.count_values(counter, n, all));
        self.observe_values(histogram, value, values);
    }
}

/// Runs `f` on `values` followed by the value of `extra`, if any (a counter's
/// labels: its histogram's plus one), without allocating for up to 8 labels.
fn with_extra<R>(values: &[&str], extra: Option<(usize, &str)>, f: impl FnOnce(&[&str]) -> R) -> R {
    let all = values.iter().copied().chain(extra.map(|(_, v)| v));
    let mut buf = [""; 8];
    let len = values.len() + usize::from(extra.is_some());
    if len > buf.len() {
        return f(&all.collect::<Vec<_>>());
    }
    for (slot, v) in buf.iter_mut().zip(all) {
        *slot = v;
    }
    f(&buf[..len])
}
