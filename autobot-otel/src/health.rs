//! The report behind `GET /api/monitoring/health/metrics`: proof that collection
//! works, per category and metric, and the state of each exporter.
//!
//! `status` is `healthy` when a collection succeeded and no exporter's latest
//! export failed, `degraded` when the latest OTLP export failed or the collection
//! itself failed (or the pipeline was shut down), and `disabled` under
//! `OTEL_SDK_DISABLED`.
//!
//! ```
//! use autobot_otel::{labels::Outcome, Telemetry};
//!
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! telemetry.metrics().record_workflow_execution("a", Outcome::Success, 1.0);
//! telemetry.metrics().record_workflow_execution("b", Outcome::Failed, 1.0);
//! let report = telemetry.health();
//! assert_eq!(report.status, "healthy");
//! assert_eq!(report.metrics_count, 56);
//! let workflow = &report.categories[0];
//! assert_eq!(workflow.key, "workflow");
//! assert_eq!(workflow.metrics[0].name, "autobot_workflow_executions_total");
//! assert_eq!(workflow.metrics[0].series, 2);
//! ```

use std::collections::HashMap;

use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use serde::Serialize;

use crate::catalog::{Category, in_category};
use crate::otlp::{ExportStatusSnapshot, OtlpProtocol};
use crate::pipeline::Telemetry;

/// Path of the metrics endpoint.
pub const METRICS_PATH: &str = "/api/monitoring/metrics";
/// Path of the health endpoint.
pub const HEALTH_PATH: &str = "/api/monitoring/health/metrics";

/// The health report (serialised as the endpoint's JSON).
#[derive(Clone, Debug, Serialize)]
pub struct HealthReport {
    /// `healthy`, `degraded` or `disabled`.
    pub status: &'static str,
    /// Where the metrics are served.
    pub endpoint: &'static str,
    /// The exposition format.
    pub format: &'static str,
    /// Metrics in the catalog (56).
    pub metrics_count: usize,
    /// Catalog metrics that have at least one series now.
    pub metrics_with_data: usize,
    /// Series across all catalog metrics.
    pub series_count: usize,
    /// Measurements dropped for invalid values (also `autobot_otel_measurements_dropped_total`).
    pub dropped_measurements: u64,
    /// Collections in which an observable callback of this crate panicked (also
    /// `autobot_otel_callback_failures_total`).
    pub callback_failures: u64,
    /// Whether this report's own collection succeeded (false also makes the
    /// status `degraded`; after shutdown nothing is collected and it is false).
    pub collection_ok: bool,
    /// Every category with its metrics and live series counts.
    pub categories: Vec<CategoryHealth>,
    /// State of each exporter.
    pub exporters: ExportersHealth,
}

/// One category of the report.
#[derive(Clone, Debug, Serialize)]
pub struct CategoryHealth {
    /// Machine name, e.g. `llm`.
    pub key: &'static str,
    /// The guide's title.
    pub title: &'static str,
    /// Series across the category.
    pub series: usize,
    /// The category's metrics.
    pub metrics: Vec<MetricHealth>,
}

/// One metric of the report.
#[derive(Clone, Debug, Serialize)]
pub struct MetricHealth {
    /// Prometheus family name.
    pub name: &'static str,
    /// `counter`, `gauge` or `histogram`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Label keys.
    pub labels: &'static [&'static str],
    /// Live series (label sets) now.
    pub series: usize,
    /// The series limit of the metric.
    pub series_limit: usize,
    /// Whether new label sets have been folded into the overflow series (the
    /// limit was reached: look for unbounded label values).
    pub at_series_limit: bool,
}

/// Exporter states.
#[derive(Clone, Debug, Serialize)]
pub struct ExportersHealth {
    /// The Prometheus pull reader.
    pub prometheus: PrometheusHealth,
    /// OTLP metric push (absent when not configured).
    pub otlp_metrics: Option<OtlpHealth>,
    /// OTLP span push (absent when not configured).
    pub otlp_traces: Option<OtlpHealth>,
}

/// State of the Prometheus reader.
#[derive(Clone, Debug, Serialize)]
pub struct PrometheusHealth {
    /// Whether scrapes are served.
    pub enabled: bool,
    /// Families in the last collection (catalog and `target_info`).
    pub families: usize,
}

/// State of one OTLP exporter.
#[derive(Clone, Debug, Serialize)]
pub struct OtlpHealth {
    /// Transport.
    pub protocol: OtlpProtocol,
    /// URL pushed to (never with user information: see
    /// [`crate::otlp::OtlpSettings::metrics_endpoint`]).
    pub endpoint: String,
    /// Push interval for metrics, ms (absent for traces).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_interval_ms: Option<u128>,
    /// Export counters and last error.
    #[serde(flatten)]
    pub status: ExportStatusSnapshot,
}

impl Telemetry {
    /// Collects once and reports what the health endpoint serves.
    pub fn health(&self) -> HealthReport {
        let collected = self.collect();
        let series = collected.as_ref().map(series_by_name).unwrap_or_default();
        let categories: Vec<CategoryHealth> = Category::ALL
            .iter()
            .map(|cat| {
                let metrics: Vec<MetricHealth> = in_category(*cat)
                    .map(|def| MetricHealth {
                        name: def.name,
                        kind: def.kind.as_str(),
                        labels: def.labels,
                        series: series.get(def.otel_name()).copied().unwrap_or(0),
                        series_limit: self.metrics().series_limit(def.id),
                        at_series_limit: self.metrics().series_limit_hit(def.id),
                    })
                    .collect();
                CategoryHealth {
                    key: cat.key(),
                    title: cat.title(),
                    series: metrics.iter().map(|m| m.series).sum(),
                    metrics,
                }
            })
            .collect();
        let all = || categories.iter().flat_map(|c| c.metrics.iter());
        let otlp = self.otlp_state();
        let otlp_metrics = otlp.filter(|o| o.settings.metrics).map(|o| OtlpHealth {
            protocol: o.settings.metrics_protocol(),
            endpoint: o.settings.metrics_endpoint(),
            export_interval_ms: Some(o.settings.export_interval.as_millis()),
            status: o.metrics_status.snapshot(),
        });
        let otlp_traces = otlp.filter(|o| o.settings.traces).map(|o| OtlpHealth {
            protocol: o.settings.traces_protocol(),
            endpoint: o.settings.traces_endpoint(),
            export_interval_ms: None,
            status: o.traces_status.snapshot(),
        });
        let failing = [&otlp_metrics, &otlp_traces]
            .iter()
            .any(|o| o.as_ref().is_some_and(|o| o.status.failing));
        let collection_ok = collected.is_some();
        let status = if !self.is_enabled() {
            "disabled"
        } else if failing || !collection_ok {
            "degraded"
        } else {
            "healthy"
        };
        HealthReport {
            status,
            endpoint: METRICS_PATH,
            format: "Prometheus text format 0.0.4",
            metrics_count: crate::catalog::CATALOG.len(),
            metrics_with_data: all().filter(|m| m.series > 0).count(),
            series_count: all().map(|m| m.series).sum(),
            dropped_measurements: self.metrics().dropped_measurements(),
            callback_failures: self.metrics().callback_failures(),
            collection_ok,
            exporters: ExportersHealth {
                prometheus: PrometheusHealth {
                    enabled: self.is_enabled(),
                    families: collected
                        .as_ref()
                        .map(|rm| series.len() + usize::from(!rm.resource().is_empty()))
                        .unwrap_or(0),
                },
                otlp_metrics,
                otlp_traces,
            },
            categories,
        }
    }
}

/// Data points (series) of every metric in a collection, by OTel name.
fn series_by_name(rm: &ResourceMetrics) -> HashMap<String, usize> {
    fn points<T>(data: &MetricData<T>) -> usize {
        match data {
            MetricData::Gauge(g) => g.data_points().count(),
            MetricData::Sum(s) => s.data_points().count(),
            MetricData::Histogram(h) => h.data_points().count(),
            MetricData::ExponentialHistogram(h) => h.data_points().count(),
        }
    }
    let mut out = HashMap::new();
    for scope in rm.scope_metrics() {
        for metric in scope.metrics() {
            let n = match metric.data() {
                AggregatedMetrics::F64(d) => points(d),
                AggregatedMetrics::U64(d) => points(d),
                AggregatedMetrics::I64(d) => points(d),
            };
            if n > 0 {
                *out.entry(metric.name().to_string()).or_default() += n;
            }
        }
    }
    out
}
