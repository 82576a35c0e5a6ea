//! The telemetry pipeline: one meter provider with one reader, which the
//! Prometheus endpoint renders from and, when a collector is configured, the OTLP
//! metric push exports from; plus OTLP span export for `tracing` spans.
//!
//! [`Telemetry::builder`] configures it in code; [`TelemetryBuilder::from_env`]
//! starts from the environment variables of [`ENV_VARIABLES`], the one table of
//! every variable this crate reads: the standard `OTEL_*` ones (OTLP, see
//! [`crate::otlp`]; `OTEL_SDK_DISABLED`: nothing is exported, recording is a
//! no-op; `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`: the resource, the
//! service name defaulting to `autobot`; the exemplar filter), and
//! `AUTOBOT_OTEL_GENAI_METRICS` / `OTEL_SEMCONV_STABILITY_OPT_IN` (the GenAI
//! conventions' metrics, see [`TelemetryBuilder::with_genai_metrics`]). [`crate::builder!`]
//! starts the same way and sets `service.version` to the application's crate
//! version.
//!
//! ```
//! use autobot_otel::{labels::Outcome, Telemetry};
//!
//! let telemetry = Telemetry::builder().without_otlp().build()?;
//! telemetry.metrics().record_workflow_execution("deploy", Outcome::Success, 3.0);
//! let text = telemetry.render(autobot_otel::Exposition::Text);
//! assert!(text.contains("# TYPE autobot_workflow_duration_seconds histogram"));
//! telemetry.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//
// The files: `builder.rs` (TelemetryBuilder and the build), `env.rs` (the
// configuration table and its one reader), `resource.rs` (the resource
// policy), `view.rs` (bucket checks, the meter provider's view),
// `telemetry.rs` (Telemetry, the renderings), `guard.rs` (TelemetryGuard, the
// bounded shutdown).

mod builder;
mod env;
mod guard;
mod resource;
mod telemetry;
mod view;

pub use builder::TelemetryBuilder;
pub use env::{ENV_VARIABLES, EnvVariable};
pub use guard::{DEFAULT_SHUTDOWN_TIMEOUT, TelemetryGuard};
pub use telemetry::Telemetry;
