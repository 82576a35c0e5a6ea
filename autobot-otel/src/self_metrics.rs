//! Registers the self-metrics of [`crate::catalog::self_metrics`] on a
//! pipeline's meter: observable instruments read from its diagnostics, export
//! status and conflict counts.

use std::sync::Arc;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{AsyncInstrument, Meter};

use crate::catalog::CATALOG;
use crate::catalog::Kind;
use crate::catalog::self_metrics::{PREFIX, SelfMetric};
#[cfg(feature = "prometheus")]
use crate::diagnostics::Conflicts;
use crate::diagnostics::Diagnostics;
use crate::otlp::ExportStatus;
use crate::pricing::PriceBook;

/// Whether `name` (Prometheus or OpenTelemetry) is a self-metric's.
pub(crate) fn is_self_metric(name: &str) -> bool {
    name.starts_with(PREFIX)
}

/// Series limit of each self-metric (the widest has one series per catalog
/// metric): the table's [`MetricDef::max_series`](crate::catalog::MetricDef::max_series).
pub(crate) const SELF_METRIC_SERIES_LIMIT: usize = autobot_otel_catalog::self_metrics::SERIES_LIMIT;

/// The OTLP export outcome counters, present when a collector is configured.
pub(crate) struct Exports {
    pub(crate) metrics: Option<Arc<ExportStatus>>,
    pub(crate) traces: Option<Arc<ExportStatus>>,
}

/// Registers self-metric `id` on `meter` as an observable `u64` instrument of its
/// kind, reporting what `observe` observes at each collection.
fn register_one(
    meter: &Meter,
    id: SelfMetric,
    observe: impl Fn(&dyn AsyncInstrument<u64>) + Send + Sync + 'static,
) {
    let def = id.def();
    match def.kind {
        Kind::Counter | Kind::FloatCounter => {
            meter
                .u64_observable_counter(def.otel_name())
                .with_unit(def.unit)
                .with_description(def.help)
                .with_callback(observe)
                .build();
        }
        Kind::Gauge | Kind::Histogram => {
            meter
                .u64_observable_gauge(def.otel_name())
                .with_unit(def.unit)
                .with_description(def.help)
                .with_callback(observe)
                .build();
        }
    }
}

/// Registers the self-metrics on `meter`. Their callbacks only load atomics or
/// copy a small map under a lock no collection holds, so they cannot panic or
/// block. `conflicts` is what the Prometheus reader left out of its last render.
pub(crate) fn register(meter: &Meter, diagnostics: Arc<Diagnostics>, exports: Exports) {
    let d = diagnostics.clone();
    register_one(meter, SelfMetric::MeasurementsDropped, move |o| {
        o.observe(d.dropped(), &[])
    });
    let d = diagnostics.clone();
    register_one(meter, SelfMetric::SeriesLimitReached, move |o| {
        for def in CATALOG {
            if d.limit_reached(def.id) {
                o.observe(1, &[KeyValue::new("metric", def.name)]);
            }
        }
    });
    register_one(meter, SelfMetric::CallbackFailures, move |o| {
        o.observe(diagnostics.callback_failures(), &[])
    });
    let signals: Vec<(&'static str, Arc<ExportStatus>)> =
        [("metrics", exports.metrics), ("traces", exports.traces)]
            .into_iter()
            .filter_map(|(signal, status)| status.map(|s| (signal, s)))
            .collect();
    if signals.is_empty() {
        return;
    }
    register_one(meter, SelfMetric::Exports, move |o| {
        for (signal, status) in &signals {
            let snap = status.snapshot();
            for (outcome, n) in [
                ("success", snap.exports_succeeded),
                ("failure", snap.exports_failed),
            ] {
                o.observe(
                    n,
                    &[
                        KeyValue::new("signal", *signal),
                        KeyValue::new("outcome", outcome),
                    ],
                );
            }
        }
    });
}

/// Registers `autobot_otel_unpriced_llm_calls_total`, reading the price
/// book's counters (a small map copied under a read lock that recording holds
/// only for a lookup).
pub(crate) fn register_unpriced(meter: &Meter, book: Arc<PriceBook>) {
    register_one(meter, SelfMetric::UnpricedLlmCalls, move |o| {
        let (series, overflow) = book.unpriced.snapshot();
        for (provider, model, calls) in series {
            o.observe(
                calls,
                &[
                    KeyValue::new("provider", provider),
                    KeyValue::new("model", model),
                ],
            );
        }
        if overflow > 0 {
            o.observe(
                overflow,
                &[KeyValue::new(
                    autobot_otel_catalog::attributes::METRIC_OVERFLOW,
                    true,
                )],
            );
        }
    });
}

/// Registers `autobot_otel_instrument_conflicts`, reading what the Prometheus
/// reader left out of its last render (a map copied under a lock no collection
/// holds, so the callback cannot block on one).
#[cfg(feature = "prometheus")]
pub(crate) fn register_conflicts(meter: &Meter, conflicts: Arc<Conflicts>) {
    register_one(meter, SelfMetric::InstrumentConflicts, move |o| {
        for (family, n) in conflicts.snapshot() {
            o.observe(n, &[KeyValue::new("metric", family)]);
        }
    });
}
