//! The bucket checks of [`TelemetryBuilder::with_buckets`] and the one view of
//! the meter provider: every catalog instrument's series limit and buckets, the
//! GenAI metrics' and the self-metrics' limits.
//!
//! [`TelemetryBuilder::with_buckets`]: super::TelemetryBuilder::with_buckets

use opentelemetry_sdk::metrics::{Aggregation, Instrument, Stream};

use crate::catalog::genai::GenAiMetricId;
use crate::catalog::{CATALOG, Kind, MetricId};
use crate::error::InitError;
use crate::manager::{Buckets, SeriesLimits};
use crate::self_metrics;

/// Checks boundaries given for `id`: a histogram's, at least one, finite, not
/// negative, strictly increasing.
///
/// Negative boundaries are refused: a catalog histogram's values are never
/// negative (a negative duration or amount is dropped), so a bucket below 0
/// would stay empty, and OpenMetrics 1.0 forbids the `_sum` of a histogram with
/// negative thresholds, which the exposition always writes.
pub(super) fn check_buckets(id: MetricId, boundaries: &[f64]) -> Result<(), InitError> {
    let def = id.def();
    let fail = |reason: String| {
        Err(InitError::InvalidBuckets {
            metric: def.name,
            reason,
        })
    };
    if def.kind != Kind::Histogram {
        return fail(format!("it is a {}, not a histogram", def.kind));
    }
    if boundaries.is_empty() {
        return fail("no boundaries; give at least one".into());
    }
    if let Some(i) = boundaries.iter().position(|b| !b.is_finite()) {
        return fail(format!(
            "boundary {} ({}) is not finite; the +Inf bucket is implicit",
            i + 1,
            boundaries[i]
        ));
    }
    if let Some(i) = boundaries.iter().position(|b| *b < 0.0) {
        return fail(format!(
            "boundary {} ({}) is negative; the metric's values are never negative \
             (negative ones are dropped), so start at 0 or above",
            i + 1,
            boundaries[i]
        ));
    }
    if let Some(i) = boundaries.windows(2).position(|w| w[0] >= w[1]) {
        return fail(format!(
            "boundary {} ({}) is not greater than boundary {} ({}); boundaries must be \
             strictly increasing",
            i + 2,
            boundaries[i + 1],
            i + 1,
            boundaries[i]
        ));
    }
    Ok(())
}

/// A view giving every catalog instrument its own series limit instead of the
/// SDK's global default of 2000 (which the SDK pre-allocates) and its buckets
/// when [`TelemetryBuilder::with_buckets`] changed them, the GenAI metrics their
/// series limits, and the self-metrics a small one.
pub(super) fn catalog_view(
    limits: SeriesLimits,
    buckets: Buckets,
) -> impl Fn(&Instrument) -> Option<Stream> + Send + Sync {
    move |instrument: &Instrument| {
        let mut stream = Stream::builder();
        let limit = match CATALOG.iter().find(|d| d.otel_name() == instrument.name()) {
            Some(def) => {
                if let Some(boundaries) = buckets.overridden(def.id) {
                    stream = stream.with_aggregation(Aggregation::ExplicitBucketHistogram {
                        boundaries: boundaries.to_vec(),
                        record_min_max: true,
                    });
                }
                limits.get(def.id)
            }
            None => match GenAiMetricId::from_name(instrument.name()) {
                Some(id) => id.def().max_series,
                None if self_metrics::is_self_metric(instrument.name()) => {
                    self_metrics::SELF_METRIC_SERIES_LIMIT
                }
                None => return None,
            },
        };
        stream.with_cardinality_limit(limit).build().ok()
    }
}
