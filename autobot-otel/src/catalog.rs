//! The metric catalog: every metric the SDK records, its Prometheus and
//! OpenTelemetry names, kind, unit, labels and their vocabularies, help text,
//! buckets, series limit and category. Everything else (the instruments, the
//! README reference, the health report, the dashboards, the conformance tests)
//! is derived from these tables or checked against them.
//!
//! Five tables, one shape ([`MetricDef`]): [`CATALOG`] (the guide's 56 and the
//! extensions), [`genai::GENAI_METRICS`] (the OpenTelemetry GenAI conventions'
//! metrics, opt-in), [`self_metrics::SELF_METRICS`] (the pipeline's account
//! of itself), [`process::PROCESS_METRICS`] (the process's CPU, memory, file
//! descriptors, threads and start time, Linux) and
//! [`http_server::HTTP_SERVER_METRICS`] (the HTTP server conventions', recorded
//! by `http::ServerMetricsLayer`). The label enums are [`crate::labels`].
//!
//! ```
//! use autobot_otel::catalog::{self, Category, MetricId, Source, CATALOG};
//!
//! assert_eq!(catalog::guide().count(), catalog::GUIDE_METRICS);
//! let def = MetricId::WorkflowExecutionsTotal.def();
//! assert_eq!(def.name, "autobot_workflow_executions_total");
//! assert_eq!(def.labels, ["workflow_type", "status"]);
//! assert_eq!(def.category, Some(Category::Workflow));
//! assert!(CATALOG.iter().any(|d| d.source == Source::Extension));
//! ```

pub use autobot_otel_catalog::{
    CATALOG, Category, GUIDE_METRICS, Kind, MetricDef, MetricId, Naming, SCOPE_NAME, Source, guide,
    in_category,
};

/// The OpenTelemetry GenAI conventions' client metrics, recorded next to the
/// `autobot_llm_*` families when turned on
/// ([`TelemetryBuilder::with_genai_metrics`](crate::TelemetryBuilder::with_genai_metrics)).
///
/// ```
/// use autobot_otel::catalog::genai::{GENAI_METRICS, GenAiMetricId};
/// assert_eq!(GenAiMetricId::OperationDuration.def().name, "gen_ai.client.operation.duration");
/// assert_eq!(GENAI_METRICS.len(), 7);
/// ```
pub mod genai {
    pub use autobot_otel_catalog::genai::{
        COMMON_ATTRIBUTES, DURATION_BUCKETS, GENAI_METRICS, GenAiMetricId, OTHER_ERROR,
        TOKEN_BUCKETS,
    };
}

/// The self-metrics: the pipeline's account of itself, exported next to the
/// catalog metrics on both paths (Prometheus scrape and OTLP push), so that lost
/// data can be alerted on and not only looked up in the health endpoint.
///
/// They share the `autobot_otel_` prefix ([`self_metrics::PREFIX`]),
/// which no catalog metric uses, so `{__name__=~"autobot_otel_.*"}` selects
/// exactly them, and `{__name__=~"autobot_.+", __name__!~"autobot_otel_.+"}`
/// exactly the catalog's. `autobot_otel_instrument_conflicts` is explained in
/// [`crate::prometheus`] ("Conflicts").
///
/// ```
/// use autobot_otel::Telemetry;
///
/// let telemetry = Telemetry::builder().without_otlp().build().unwrap();
/// telemetry.metrics().record_workflow_execution("deploy", autobot_otel::labels::Outcome::Success, f64::NAN);
/// let text = telemetry.render(autobot_otel::Exposition::Text);
/// assert!(text.contains("autobot_otel_measurements_dropped_total 1\n"));
/// assert!(text.contains("autobot_otel_callback_failures_total 0\n"));
/// ```
pub mod self_metrics {
    pub use autobot_otel_catalog::self_metrics::{PREFIX, SELF_METRICS, SERIES_LIMIT, SelfMetric};
}

/// The process metrics (Linux, on by default,
/// [`TelemetryBuilder::with_process_metrics`](crate::TelemetryBuilder::with_process_metrics)):
/// a Prometheus name and an OpenTelemetry name per family, both fixed.
///
/// ```
/// use autobot_otel::catalog::process::{ProcessMetric, PROCESS_METRICS};
/// assert_eq!(ProcessMetric::ResidentMemory.def().name, "process.memory.usage");
/// assert_eq!(ProcessMetric::ResidentMemory.def().prometheus_name(), "process_resident_memory_bytes");
/// assert_eq!(PROCESS_METRICS.len(), 7);
/// ```
pub mod process {
    pub use autobot_otel_catalog::process::{CPU_MODES, PROCESS_METRICS, ProcessMetric};
}

/// The OpenTelemetry HTTP server conventions' metrics, recorded by
/// `http::ServerMetricsLayer` (feature `http-server`).
///
/// ```
/// use autobot_otel::catalog::http_server::{request_method, HttpServerMetric};
/// assert_eq!(HttpServerMetric::RequestDuration.def().name, "http.server.request.duration");
/// assert_eq!(request_method("BREW"), "_OTHER");
/// ```
pub mod http_server {
    pub use autobot_otel_catalog::http_server::{
        HTTP_SERVER_METRICS, HttpServerMetric, KNOWN_METHODS, OTHER_METHOD,
        REQUEST_DURATION_BUCKETS, request_method,
    };
}

// The attributes' specs, which the crate itself reads (the expansions name
// them through `__private::specs`).
pub(crate) use autobot_otel_catalog::instrument;
