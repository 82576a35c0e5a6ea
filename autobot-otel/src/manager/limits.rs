//! The series limit of every catalog metric: the catalog's `max_series`, with the
//! overrides of [`crate::TelemetryBuilder::with_series_limit`]. One value per
//! metric feeds both the SDK's cardinality limit (the view in the pipeline) and
//! the series tables, so the two always agree.

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
}
