//! The series limit of every catalog metric: the catalog's `max_series`, with the
//! overrides of [`crate::TelemetryBuilder::with_series_limit`]. One value per
//! metric feeds both the SDK's cardinality limit (the view in the pipeline) and
//! the series tables, so the two always agree. Likewise the bucket boundaries of
//! every histogram: the catalog's, with the overrides of
//! [`crate::TelemetryBuilder::with_buckets`], read by the view and the health
//! report.

use std::sync::Arc;

use crate::catalog::{CATALOG, MetricId};

/// The series limit of every catalog metric, in catalog order.
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

/// The bucket boundaries of every catalog histogram, in catalog order (empty for
/// other kinds).
#[derive(Clone, Debug)]
pub(crate) struct Buckets(Arc<[Arc<[f64]>]>);

impl Buckets {
    /// The catalog's boundaries, with every objective's latency threshold
    /// added (`autobot_otel_catalog::objectives::boundaries`), then `overrides`
    /// applied (validated by the builder: histograms only, finite, strictly
    /// increasing).
    pub(crate) fn new(overrides: &[(MetricId, Vec<f64>)]) -> Self {
        let mut buckets: Vec<Arc<[f64]>> = CATALOG
            .iter()
            .map(|d| Arc::from(&*autobot_otel_catalog::objectives::boundaries(d.id)))
            .collect();
        for (id, bounds) in overrides {
            buckets[*id as usize] = Arc::from(bounds.as_slice());
        }
        Buckets(buckets.into())
    }

    /// The boundaries of `id`.
    pub(crate) fn get(&self, id: MetricId) -> &[f64] {
        &self.0[id as usize]
    }

    /// The boundaries of `id`, shared.
    pub(crate) fn shared(&self, id: MetricId) -> Arc<[f64]> {
        self.0[id as usize].clone()
    }

    /// The boundaries of `id` when they differ from the catalog's (by an
    /// override or an objective's added threshold): the view then sets them.
    pub(crate) fn overridden(&self, id: MetricId) -> Option<&[f64]> {
        Some(self.get(id)).filter(|b| *b != id.def().buckets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_are_at_least_one() {
        let limits =
            SeriesLimits::new(&[(MetricId::LlmTokensTotal, 7), (MetricId::ActiveTasks, 0)]);
        assert_eq!(limits.get(MetricId::LlmTokensTotal), 7);
        assert_eq!(limits.get(MetricId::ActiveTasks), 1);
        assert_eq!(
            limits.get(MetricId::LlmErrorsTotal),
            MetricId::LlmErrorsTotal.def().max_series
        );
    }

    #[test]
    fn bucket_overrides_replace_the_catalogs() {
        let id = MetricId::LlmRequestLatencySeconds;
        let buckets = Buckets::new(&[(id, vec![1.0, 2.0])]);
        assert_eq!(buckets.get(id), [1.0, 2.0]);
        assert_eq!(buckets.overridden(id), Some(&[1.0, 2.0][..]));
        let other = MetricId::WorkflowDurationSeconds;
        assert_eq!(buckets.get(other), other.def().buckets);
        assert_eq!(buckets.overridden(other), None);
    }

    #[test]
    fn default_buckets_are_the_catalogs_with_objective_thresholds() {
        // Every objective's latency threshold is a boundary of what the SDK
        // uses; the shipped thresholds already were, so no view is needed.
        let buckets = Buckets::new(&[]);
        for def in CATALOG {
            assert_eq!(
                buckets.get(def.id),
                &*autobot_otel_catalog::objectives::boundaries(def.id),
                "{}",
                def.name
            );
            assert_eq!(buckets.overridden(def.id), None, "{}", def.name);
        }
        for objective in autobot_otel_catalog::objectives::OBJECTIVES {
            if let autobot_otel_catalog::objectives::Sli::Latency {
                histogram,
                threshold,
                ..
            } = objective.sli
            {
                assert!(
                    buckets.get(histogram).contains(&threshold),
                    "{}",
                    objective.name
                );
            }
        }
    }
}
