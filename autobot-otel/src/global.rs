//! The process-wide pipeline: [`init`], [`get_metrics_manager`] and [`global`].
//!
//! [`init`] builds the pipeline from the environment, installs it as the global
//! one (the OpenTelemetry global meter and tracer providers too) and, unless a
//! `tracing` subscriber is set already, installs one that prints logs
//! (`RUST_LOG`, default `info`) and exports spans at `INFO` and above, whatever
//! `RUST_LOG` says (it filters only the printed logs). Call it once at start-up
//! and keep the guard until exit.
//!
//! [`get_metrics_manager`] is the counterpart of the guide's
//! `get_metrics_manager()`: it returns the global recording API, creating a
//! Prometheus-only pipeline on first use if [`init`] was not called.
//!
//! ```
//! use autobot_otel::labels::Outcome;
//!
//! let metrics = autobot_otel::get_metrics_manager();
//! metrics.record_workflow_execution("code_review", Outcome::Success, 1.5);
//! let scrape = autobot_otel::global().render_prometheus();
//! assert!(scrape.contains("autobot_workflow_executions_total"));
//! ```

use std::sync::OnceLock;

use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::error::InitError;
use crate::manager::MetricsManager;
use crate::pipeline::{Telemetry, TelemetryBuilder, TelemetryGuard};

static GLOBAL: OnceLock<Telemetry> = OnceLock::new();

/// Builds the pipeline from the `OTEL_*` environment and installs it globally.
///
/// Returns [`InitError::AlreadyInitialized`] if a global pipeline exists already
/// (a second `init`, or `init` after [`get_metrics_manager`] created the default).
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let _guard = autobot_otel::init()?; // flushes and shuts down when dropped
/// autobot_otel::get_metrics_manager().record_cache_hit("embedding");
/// # Ok(()) }
/// ```
pub fn init() -> Result<TelemetryGuard, InitError> {
    TelemetryBuilder::from_env().install()
}

impl TelemetryBuilder {
    /// Builds the pipeline and installs it as the global one (see [`init`]).
    pub fn install(self) -> Result<TelemetryGuard, InitError> {
        self.install_with(true)
    }

    /// As [`TelemetryBuilder::install`], but leaves the `tracing` subscriber to
    /// you: add [`Telemetry::tracing_layer`] to yours.
    pub fn install_without_subscriber(self) -> Result<TelemetryGuard, InitError> {
        self.install_with(false)
    }

    fn install_with(self, subscriber: bool) -> Result<TelemetryGuard, InitError> {
        if GLOBAL.get().is_some() {
            return Err(InitError::AlreadyInitialized);
        }
        let telemetry = self.build()?;
        GLOBAL
            .set(telemetry.clone())
            .map_err(|_| InitError::AlreadyInitialized)?;
        if let Some(mp) = telemetry.meter_provider() {
            opentelemetry::global::set_meter_provider(mp.clone());
        }
        if let Some(tp) = telemetry.tracer_provider() {
            opentelemetry::global::set_tracer_provider(tp.clone());
        }
        if subscriber {
            // RUST_LOG filters the printed logs only; spans at INFO and above are
            // exported whatever the log level (instrumented calls open INFO spans).
            let log_filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            let span_filter = tracing_subscriber::filter::LevelFilter::INFO;
            // Fails only if the application installed a subscriber already: keep it.
            let _ = tracing_subscriber::registry()
                .with(tracing_subscriber::fmt::layer().with_filter(log_filter))
                .with(
                    telemetry
                        .tracing_layer()
                        .map(|l| l.with_filter(span_filter)),
                )
                .try_init();
        }
        Ok(TelemetryGuard::new(telemetry))
    }
}

/// The global pipeline; created on first use (Prometheus only, no OTLP) when
/// [`init`] was not called.
///
/// ```
/// let telemetry = autobot_otel::global();
/// assert!(telemetry.render_prometheus().is_ascii());
/// ```
pub fn global() -> &'static Telemetry {
    GLOBAL.get_or_init(|| {
        TelemetryBuilder::from_env()
            .without_otlp()
            .build()
            .unwrap_or_else(|err| {
                tracing::error!(target: crate::otlp::LOG_TARGET, error = %err, "telemetry disabled");
                Telemetry::disabled()
            })
    })
}

/// The global recording API (the guide's `get_metrics_manager()`).
///
/// ```
/// use autobot_otel::labels::Priority;
/// autobot_otel::get_metrics_manager().update_task_queue_size(Priority::Normal, 25);
/// ```
pub fn get_metrics_manager() -> &'static MetricsManager {
    global().metrics()
}
