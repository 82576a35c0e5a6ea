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
//! assert_eq!(report.metrics_count, 64);
//! assert!(!report.genai_metrics);
//! let workflow = &report.categories[0];
//! assert_eq!(workflow.key, "workflow");
//! assert_eq!(workflow.metrics[0].name, "autobot_workflow_executions_total");
//! assert_eq!(workflow.metrics[0].series, 2);
//! ```

use std::collections::HashMap;

use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use serde::Serialize;

use crate::catalog::genai::GenAiMetricId;
use crate::catalog::{Category, Kind, in_category};
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
    /// Where the metrics are served ([`METRICS_PATH`]).
    pub endpoint: &'static str,
    /// The exposition format, in words.
    pub format: &'static str,
    /// Metrics in the catalog: the 56 of the guide and the extensions.
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
    /// Whether the OpenTelemetry GenAI conventions' metrics are recorded
    /// ([`crate::TelemetryBuilder::with_genai_metrics`]).
    pub genai_metrics: bool,
    /// The price table and the models it did not price ([`crate::pricing`]).
    pub pricing: PricingHealth,
    /// Every category with its metrics and live series counts.
    pub categories: Vec<CategoryHealth>,
    /// The families beyond the catalog that the pipeline records itself, as
    /// categories of their own: `process` (the process metrics, Linux, unless
    /// turned off: their series are 0 where they are not recorded) and, with
    /// the `http-server` feature, `http_server` (the HTTP server conventions'
    /// metrics of [`crate::http::ServerMetricsLayer`]). Names are the scrape's.
    pub runtime: Vec<CategoryHealth>,
    /// State of each exporter.
    pub exporters: ExportersHealth,
}

/// The price table's part of the report.
///
/// ```
/// use autobot_otel::instrument::LlmUsage;
/// struct Usage;
/// impl LlmUsage for Usage {
///     fn input_tokens(&self) -> u64 { 10 }
///     fn output_tokens(&self) -> u64 { 5 }
/// }
/// let t = autobot_otel::Telemetry::builder().without_otlp().build()?;
/// t.in_scope(|| autobot_otel::llm::LlmCall::start("openai", "gpt-4o", "chat").succeed(Some(&Usage)));
/// let pricing = t.health().pricing;
/// assert!(!pricing.configured, "no table: every call without a cost of its own is unpriced");
/// assert_eq!(pricing.unpriced_models[0].model, "gpt-4o");
/// assert_eq!(pricing.unpriced_models[0].calls, 1);
/// # Ok::<(), autobot_otel::InitError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct PricingHealth {
    /// Whether a price table is configured. Without one, every LLM call that
    /// reports usage but no cost of its own records no cost and is unpriced.
    pub configured: bool,
    /// Models (provider and model entries) the table prices.
    pub models: usize,
    /// The (provider, model) pairs whose calls recorded no cost, with their
    /// unpriced calls (also `autobot_otel_unpriced_llm_calls_total`), sorted;
    /// at most 64.
    pub unpriced_models: Vec<UnpricedModel>,
    /// Unpriced calls of pairs past those 64 (the self-metric's overflow series).
    pub unpriced_overflow_calls: u64,
}

/// A model that had unpriced calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnpricedModel {
    /// The `provider` label.
    pub provider: String,
    /// The `model` label (the request's model).
    pub model: String,
    /// Its unpriced calls so far.
    pub calls: u64,
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
    /// `guide` (one of the usage guide's 56) or `extension`.
    pub source: &'static str,
    /// The bucket boundaries in force (histograms only: the catalog's, or those
    /// of [`crate::TelemetryBuilder::with_buckets`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<f64>>,
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
    /// The Prometheus pull endpoint.
    pub prometheus: PrometheusHealth,
    /// OTLP metric push; the key is absent when metrics are not pushed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp_metrics: Option<OtlpHealth>,
    /// OTLP span push; the key is absent when spans are not pushed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp_traces: Option<OtlpHealth>,
}

/// State of the Prometheus pull endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct PrometheusHealth {
    /// Whether scrapes are served (false under `OTEL_SDK_DISABLED`).
    pub enabled: bool,
    /// The exposition format served: `prometheus-text/0.0.4`.
    pub protocol: &'static str,
    /// The path scrapes are served on.
    pub endpoint: &'static str,
    /// Families a scrape holds now, by kind.
    pub families: FamilyCounts,
    /// Renders of the scrape (`GET` of the endpoint, [`Telemetry::render`]):
    /// how many succeeded and failed, the last success and the last error.
    #[serde(flatten)]
    pub scrapes: ScrapeStatusSnapshot,
}

/// Families in a scrape, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FamilyCounts {
    /// Every family (the sum of the others).
    pub total: usize,
    /// Catalog families with at least one series (as [`HealthReport::metrics_with_data`]).
    pub catalog: usize,
    /// `autobot_otel_*` self-metric families.
    pub self_metrics: usize,
    /// The OpenTelemetry GenAI conventions' families (`gen_ai_client_*`) with
    /// at least one series.
    pub genai: usize,
    /// The process metrics' families (`process_*`) with a series.
    pub process: usize,
    /// The HTTP server conventions' families (`http_server_*`) with a series.
    pub http_server: usize,
    /// `target_info` and instruments of the application's own.
    pub other: usize,
}

/// State of one OTLP exporter (user information of the endpoint URL is never
/// shown).
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

/// The last failed scrape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScrapeError {
    /// Why it failed.
    pub message: String,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
}

/// Scrape counters at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScrapeStatusSnapshot {
    /// Scrapes rendered.
    pub scrapes_succeeded: u64,
    /// Scrapes that failed (the collection failed; the endpoint answered `503`).
    pub scrapes_failed: u64,
    /// When the last scrape succeeded, ms since the Unix epoch (`null`: never).
    pub last_success_unix_ms: Option<u64>,
    /// The last failure (`null`: none).
    pub last_error: Option<ScrapeError>,
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
                        source: def.source.as_str(),
                        buckets: (def.kind == Kind::Histogram)
                            .then(|| self.metrics().buckets(def.id).to_vec()),
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
        let runtime = runtime_categories(self, &series);
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
        let book = self.metrics().pricing();
        let (unpriced, unpriced_overflow_calls) = book.unpriced.snapshot();
        let pricing = PricingHealth {
            configured: book.configured(),
            models: book.models(),
            unpriced_models: unpriced
                .into_iter()
                .map(|(provider, model, calls)| UnpricedModel {
                    provider,
                    model,
                    calls,
                })
                .collect(),
            unpriced_overflow_calls,
        };
        HealthReport {
            status,
            pricing,
            endpoint: METRICS_PATH,
            format: "Prometheus text format 0.0.4",
            metrics_count: crate::catalog::CATALOG.len(),
            metrics_with_data: all().filter(|m| m.series > 0).count(),
            series_count: all().map(|m| m.series).sum(),
            dropped_measurements: self.metrics().dropped_measurements(),
            callback_failures: self.metrics().callback_failures(),
            collection_ok,
            genai_metrics: self.metrics().genai_metrics_enabled(),
            exporters: ExportersHealth {
                prometheus: PrometheusHealth {
                    enabled: self.is_enabled(),
                    protocol: "prometheus-text/0.0.4",
                    endpoint: METRICS_PATH,
                    families: collected
                        .as_ref()
                        .map(|rm| family_counts(rm, &series))
                        .unwrap_or_default(),
                    scrapes: scrape_snapshot(self.scrape_status()),
                },
                otlp_metrics,
                otlp_traces,
            },
            categories,
            runtime,
        }
    }
}

/// The `process` and `http_server` categories of the report.
fn runtime_categories(t: &Telemetry, series: &HashMap<String, usize>) -> Vec<CategoryHealth> {
    use crate::catalog::process::PROCESS_METRICS;
    let category = |key, title, metrics: Vec<MetricHealth>| CategoryHealth {
        key,
        title,
        series: metrics.iter().map(|m| m.series).sum(),
        metrics,
    };
    let process = PROCESS_METRICS
        .iter()
        .map(|def| MetricHealth {
            name: def.fixed_prometheus_name.unwrap_or(def.name),
            kind: def.kind.as_str(),
            labels: &[],
            source: def.source.as_str(),
            buckets: None,
            // The scrape sums the data points into one series.
            series: usize::from(series.contains_key(def.name)),
            series_limit: 1,
            at_series_limit: false,
        })
        .collect();
    let out = vec![category("process", "Process Metrics", process)];
    #[cfg(feature = "http-server")]
    let out = {
        let mut out = out;
        use crate::catalog::http_server::HTTP_SERVER_METRICS;
        static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| {
            HTTP_SERVER_METRICS
                .iter()
                .map(|d| d.prometheus_name())
                .collect()
        });
        let http = t.metrics().http_server();
        let metrics = HTTP_SERVER_METRICS
            .iter()
            .zip(names)
            .map(|(def, name)| MetricHealth {
                name: name.as_str(),
                kind: def.kind.as_str(),
                labels: def.labels,
                source: def.source.as_str(),
                buckets: (def.kind == Kind::Histogram).then(|| def.buckets.to_vec()),
                series: series.get(def.name).copied().unwrap_or(0),
                series_limit: def.max_series,
                at_series_limit: http.at_limit(def.id),
            })
            .collect();
        out.push(category("http_server", "HTTP Server Metrics", metrics));
        out
    };
    #[cfg(not(feature = "http-server"))]
    let _ = t;
    out
}

/// The scrape counters as the report shows them.
fn scrape_snapshot(status: &crate::diagnostics::ScrapeStatus) -> ScrapeStatusSnapshot {
    let (scrapes_succeeded, scrapes_failed) = status.counts();
    ScrapeStatusSnapshot {
        scrapes_succeeded,
        scrapes_failed,
        last_success_unix_ms: status.last_success_ms(),
        last_error: status
            .last_error()
            .map(|(message, at_unix_ms)| ScrapeError {
                message,
                at_unix_ms,
            }),
    }
}

/// The families a scrape of `rm` holds, by kind (`series`: data points by name).
fn family_counts(rm: &ResourceMetrics, series: &HashMap<String, usize>) -> FamilyCounts {
    let catalog = crate::catalog::CATALOG
        .iter()
        .filter(|d| series.contains_key(d.otel_name()))
        .count();
    let self_metrics = series
        .keys()
        .filter(|name| crate::self_metrics::is_self_metric(name))
        .count();
    let genai = series
        .keys()
        .filter(|name| GenAiMetricId::from_name(name).is_some())
        .count();
    let process = crate::catalog::process::PROCESS_METRICS
        .iter()
        .filter(|d| series.contains_key(d.name))
        .count();
    let http_server = crate::catalog::http_server::HTTP_SERVER_METRICS
        .iter()
        .filter(|d| series.contains_key(d.name))
        .count();
    let target_info = usize::from(!rm.resource().is_empty());
    let other = series.len() - catalog - self_metrics - genai - process - http_server + target_info;
    FamilyCounts {
        total: catalog + self_metrics + genai + process + http_server + other,
        catalog,
        self_metrics,
        genai,
        process,
        http_server,
        other,
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
