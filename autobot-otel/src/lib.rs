//! # autobot-otel
//!
//! The AutoBot metrics of the Prometheus usage guide, built on OpenTelemetry: all
//! 56 `autobot_*` metrics with their exact names and label sets, a typed recording
//! API, a Prometheus endpoint pulled over HTTP and an OTLP push to a collector,
//! configured by the standard `OTEL_*` variables. Beyond the guide: streaming LLM
//! calls timed over their whole life ([`llm`]), and the OpenTelemetry GenAI
//! conventions' metrics alongside ([`TelemetryBuilder::with_genai_metrics`]).
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
//! let scrape = autobot_otel::global().render(autobot_otel::Exposition::Text);
//! assert!(scrape.contains(r#"autobot_task_queue_size{priority="high"} 10"#));
//! assert!(scrape.contains(r#"autobot_llm_tokens_total{model="gpt-4",provider="openai",token_type="output"} 350"#));
//! ```
//!
//! In a service, call [`init()`] once at start-up (it reads `OTEL_EXPORTER_OTLP_ENDPOINT`
//! and friends and returns a guard that flushes on drop), and serve the endpoints
//! with [`http::router`] or [`http::MetricsServer`].
//!
//! ## Modules
//! - [`catalog`]: the table of all metrics, label vocabularies, attributes and
//!   self-metrics; everything else derives from it.
//! - [`MetricsManager`]: the recording methods, one file per category
//!   (`workflow`, `github`, `task`, `performance`, `knowledge`, `llm`,
//!   `websocket`, `redis`); [`labels`]: the enums of fixed label values.
//! - [`instrument`]: the attributes (`#[instrument_workflow]`, ...) and their traits.
//! - [`llm`]: LLM calls and streams timed by hand ([`llm::LlmCall`]) and the
//!   stream wrapper the attributes share ([`llm::LlmStream`]).
//! - [`agent`]: agent invocations and tool calls timed by hand
//!   ([`agent::AgentRun`], [`agent::ToolCall`]), what `#[instrument_agent]` and
//!   `#[instrument_tool]` record.
//! - [`Telemetry`], its builder and guard, [`ENV_VARIABLES`] (every variable
//!   read); [`scope`]: pipelines
//!   for tests; [`otlp`]: push settings; `prometheus`: the text reader.
//! - `http`: the endpoints; [`health`]: the health report; [`catalog::self_metrics`] and
//!   [`diagnostics`]: what the pipeline reports about itself.
//! - `testing`: a text-format parser and a manual clock (feature `testing`).
//!
//! ## Cargo features
//!
//! | feature | turns on | default |
//! |---|---|---|
//! | `prometheus` | the text exposition (`Telemetry::render`, `Exposition`, `prometheus`) | yes |
//! | `http-server` | the two endpoints (`http::router`, `http::MetricsServer`) | yes |
//! | `tls` | HTTPS for the standalone server (rustls) | no |
//! | `otlp-grpc`, `otlp-http` | OTLP push over gRPC / HTTP-protobuf | yes |
//! | `subscriber` | the `tracing` subscriber [`init()`] installs (logs to stderr) | yes |
//! | `testing` | `testing::Scrape`, `testing::ManualClock` | no |
//!
//! A build without the OTLP features refuses a configured OTLP endpoint with an
//! error that names them. See `docs/architecture.md` for the module map and how a
//! measurement reaches both outputs.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod agent;
mod call;
pub mod catalog;
pub mod diagnostics;
mod error;
pub mod exemplars;
mod exporter;
mod global;
pub mod health;
#[cfg(feature = "http-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "http-server")))]
pub mod http;
pub mod instrument;
pub mod labels;
pub mod llm;
mod manager;
mod pipeline;
pub mod pricing;
#[cfg(target_os = "linux")]
mod process;
pub mod scope;
mod self_metrics;
#[cfg(any(test, feature = "testing"))]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

mod github;
mod knowledge;

mod performance;
mod redis;
mod task;
mod websocket;
mod workflow;

#[doc(hidden)]
pub mod __private;

/// The attributes (`#[instrument_workflow]`, ...): see [`instrument`].
pub use autobot_otel_macros::{
    instrument_agent, instrument_github, instrument_knowledge, instrument_llm, instrument_redis,
    instrument_task, instrument_tool, instrument_workflow, no_instrument,
};
pub use error::{InitError, ShutdownError};
pub use exporter::otlp;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub use exporter::prometheus;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub use exporter::prometheus::exposition::Exposition;
pub use global::{CurrentMetrics, get_metrics_manager, global, init};
pub use manager::{
    CounterHandle, HistogramHandle, IntoSeconds, MAX_MEASUREMENT, MetricsManager, OptionalSeconds,
};
pub use pipeline::{
    DEFAULT_SHUTDOWN_TIMEOUT, ENV_VARIABLES, EnvVariable, Telemetry, TelemetryBuilder,
    TelemetryGuard,
};

/// [`Telemetry::builder`] with `service.version` defaulting to the calling
/// crate's version (`env!("CARGO_PKG_VERSION")`, read where the macro is
/// written: in your application's crate). `OTEL_RESOURCE_ATTRIBUTES` with a
/// `service.version` wins over that default; so does
/// [`TelemetryBuilder::with_service_version`].
///
/// ```
/// let t = autobot_otel::builder!().without_otlp().build()?;
/// let version = env!("CARGO_PKG_VERSION");
/// assert!(t.render(autobot_otel::Exposition::Text).contains(&format!(r#"service_version="{version}""#)));
/// # Ok::<(), autobot_otel::InitError>(())
/// ```
#[macro_export]
macro_rules! builder {
    () => {
        $crate::TelemetryBuilder::from_env()
            .with_default_service_version(::core::env!("CARGO_PKG_VERSION"))
    };
}

/// [`init()`](fn@crate::init), with `service.version` defaulting to the calling
/// crate's version (see [`builder!`]): `autobot_otel::init!()?` in `main`.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let _guard = autobot_otel::init!()?; // service.version = this crate's version
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! init {
    () => {
        $crate::builder!().install()
    };
}

/// The README's Rust examples, compiled as doctests so they stay correct.
#[doc = include_str!("../../README.md")]
#[cfg(all(
    doctest,
    feature = "http-server",
    feature = "otlp-grpc",
    feature = "otlp-http"
))]
pub struct ReadmeDoctests;
