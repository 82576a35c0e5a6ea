//! # autobot-otel
//!
//! The AutoBot metrics of the Prometheus usage guide, built on OpenTelemetry: all
//! 56 `autobot_*` metrics with their exact names and label sets, a typed recording
//! API, a Prometheus endpoint pulled over HTTP and an OTLP push to a collector,
//! configured by the standard `OTEL_*` variables.
//!
//! ```
//! use autobot_otel::labels::{Outcome, Priority, TokenType};
//!
//! // The guide's get_metrics_manager(): the global recording API.
//! let metrics = autobot_otel::get_metrics_manager();
//! metrics.record_workflow_execution("code_review", Outcome::Success, 12.5);
//! metrics.update_task_queue_size(Priority::High, 10);
//! metrics.record_llm_tokens("openai", "gpt-4", 1200, 350);
//!
//! let scrape = autobot_otel::global().render_prometheus();
//! assert!(scrape.contains(r#"autobot_task_queue_size{priority="high"} 10"#));
//! assert!(scrape.contains(r#"autobot_llm_tokens_total{model="gpt-4",provider="openai",token_type="output"} 350"#));
//! ```
//!
//! In a service, call [`init`] once at start-up (it reads `OTEL_EXPORTER_OTLP_ENDPOINT`
//! and friends and returns a guard that flushes on drop), and serve the endpoints
//! with [`http::router`] or [`http::MetricsServer`].
//!
//! ## Modules
//! - [`catalog`]: the table of all metrics; everything else derives from it.
//! - [`instrument`]: `#[instrument_workflow]`, `#[instrument_llm]`, ... attributes.
//! - [`labels`]: enums for label values from a fixed vocabulary.
//! - [`MetricsManager`]: the recording methods, one module per category
//!   (`workflow`, `github`, `task`, `performance`, `knowledge`, `llm`,
//!   `websocket`, `redis`).
//! - [`pipeline`]: [`Telemetry`], its builder and guard; [`otlp`]: push settings.
//! - [`http`]: the endpoints; [`health`]: the health report.
//! - [`rolling`]: the rolling-window rates; [`scrape`]: a parser of the text format.
//! - [`self_metrics`]: the pipeline's own `autobot_otel_*` metrics (drops, limits, exports).

pub mod diagnostics;
mod error;
mod exporter;
mod global;
pub mod health;
#[cfg(feature = "http-server")]
pub mod http;
pub mod instrument;
pub mod labels;
mod manager;
pub mod pipeline;
pub mod scope;
pub mod self_metrics;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

mod github;
mod knowledge;
mod llm;
mod performance;
mod redis;
mod task;
mod websocket;
mod workflow;

#[doc(hidden)]
pub mod __private;

pub use autobot_otel_catalog as catalog;
/// The attributes (`#[instrument_workflow]`, ...): see [`instrument`].
pub use autobot_otel_macros::{
    instrument_github, instrument_knowledge, instrument_llm, instrument_redis, instrument_task,
    instrument_workflow,
};
pub use error::{InitError, ShutdownError};
pub use exporter::otlp;
#[cfg(feature = "prometheus")]
pub use exporter::prometheus;
pub use global::{CurrentMetrics, get_metrics_manager, global, init};
pub use labels::{EMPTY_LABEL_VALUE, MAX_LABEL_VALUE_BYTES};
pub use manager::{
    CounterHandle, HistogramHandle, IntoSeconds, MAX_MEASUREMENT, MetricsManager, OptionalSeconds,
};
pub use pipeline::{Telemetry, TelemetryBuilder, TelemetryGuard};

/// The README's Rust examples, compiled as doctests so they stay correct.
#[doc = include_str!("../../README.md")]
#[cfg(all(
    doctest,
    feature = "http-server",
    feature = "otlp-grpc",
    feature = "otlp-http"
))]
pub struct ReadmeDoctests;
