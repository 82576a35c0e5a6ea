//! The exemplars of the recording tables, for the OpenMetrics exposition.

use opentelemetry::{KeyValue, Value};

use super::MetricsManager;
use super::instruments::{Bound, Exemplars, Instrument};
use super::series::Series;
use crate::catalog::MetricId;
use crate::exemplars::{Exemplar, ExemplarSource};

impl ExemplarSource for MetricsManager {
    fn exemplars(&self, id: MetricId, attributes: &[&KeyValue], out: &mut Vec<Option<Exemplar>>) {
        match self.instrument(id) {
            Instrument::Counter(b) => copy(b, id, attributes, out),
            Instrument::FloatCounter(b) => copy(b, id, attributes, out),
            Instrument::Histogram(b) => copy(b, id, attributes, out),
            Instrument::Gauge(_) | Instrument::Rolling(..) => {}
        }
    }
}

/// Appends the exemplars of the series of `bound` whose attributes are
/// `attributes` (the SDK's data point: the catalog labels sorted by key, or the
/// overflow attribute).
fn copy<I: super::instruments::Bind<S>, S: Series + Exemplars>(
    bound: &Bound<I, S>,
    id: MetricId,
    attributes: &[&KeyValue],
    out: &mut Vec<Option<Exemplar>>,
) {
    if let [kv] = attributes
        && kv.key.as_str() == autobot_otel_catalog::attributes::METRIC_OVERFLOW
    {
        if let Some(series) = bound.existing_overflow() {
            series.exemplars().copy_to(out);
        }
        return;
    }
    let labels = id.def().labels;
    // Catalog metrics have at most a handful of labels: no allocation per series.
    let mut values = [""; 8];
    if labels.len() > values.len() || attributes.len() != labels.len() {
        return;
    }
    for (slot, label) in values.iter_mut().zip(labels) {
        let found = attributes.iter().find(|kv| kv.key.as_str() == *label);
        match found.map(|kv| &kv.value) {
            Some(Value::String(v)) => *slot = v.as_str(),
            _ => return,
        }
    }
    if let Some(series) = bound.existing(&values[..labels.len()]) {
        series.exemplars().copy_to(out);
    }
}
