//! The process-wide pipeline: [`init`], [`get_metrics_manager`] and [`global`].
//!
//! [`init`] builds the pipeline from the environment, installs it as the global
//! one (the OpenTelemetry global meter and tracer providers too) and, unless a
//! `tracing` subscriber is set already, installs one that prints logs to
//! **stderr** (`RUST_LOG`, default `info`; stdout stays the application's) and
//! exports spans at `INFO` and above, whatever `RUST_LOG` says (it filters only
//! the printed logs). Call it once at start-up and keep the guard until exit.
//!
//! [`get_metrics_manager`] is the counterpart of the guide's
//! `get_metrics_manager()`: the recording API of the current pipeline (an
//! enclosing [scope](crate::scope), else the global one), creating a
//! Prometheus-only global pipeline on first use if [`init`] was not called.
//! [`global`] is that same current pipeline (to render it, or serve it).
//!
//! ```
//! use autobot_otel::labels::Outcome;
//!
//! let metrics = autobot_otel::get_metrics_manager();
//! metrics.record_workflow_execution("code_review", Outcome::Success, 1.5);
//! let scrape = autobot_otel::global().render(autobot_otel::Exposition::Text);
//! assert!(scrape.contains("autobot_workflow_executions_total"));
//! ```

use std::panic::Location;
use std::sync::OnceLock;

use crate::error::InitError;
use crate::manager::MetricsManager;
use crate::pipeline::{Telemetry, TelemetryBuilder, TelemetryGuard};

static GLOBAL: OnceLock<Telemetry> = OnceLock::new();

/// What created the global pipeline, for the error of a later [`init`].
static CREATED_BY: OnceLock<String> = OnceLock::new();

/// What asks for the global pipeline (named in [`InitError::AlreadyInitialized`]
/// if that creates the default one).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Origin {
    /// A call of a public function, at the caller's location.
    Call(&'static str, &'static Location<'static>),
    /// An instrumented function (its attribute and path).
    Attribute(&'static str),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Call(function, at) => write!(f, "`{function}` called at {at}"),
            Origin::Attribute(what) => write!(f, "the instrumented function {what}"),
        }
    }
}

/// Builds the pipeline from the `OTEL_*` environment and installs it globally.
///
/// Returns [`InitError::AlreadyInitialized`] if a global pipeline exists already:
/// a second `init`, or a recording call (an instrumented function,
/// [`get_metrics_manager`], [`global`]) that ran before it and created the
/// default pipeline; the error names which.
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
            return Err(already_initialized());
        }
        // Configuration warnings are logged once the subscriber is installed,
        // so the subscriber this call installs (or the application's) sees them.
        let mut warnings = Vec::new();
        let mut env = self.read_env();
        let log_filter = env.log_filter.take();
        let telemetry = match self.build_collecting(env, &mut warnings) {
            Ok(telemetry) => telemetry,
            Err(err) => {
                crate::diagnostics::ConfigWarning::log_all(warnings);
                return Err(err);
            }
        };
        if GLOBAL.set(telemetry.clone()).is_err() {
            crate::diagnostics::ConfigWarning::log_all(warnings);
            return Err(already_initialized());
        }
        let _ = CREATED_BY.set("an earlier `init()` or `install()`".to_string());
        if let Some(mp) = telemetry.meter_provider() {
            opentelemetry::global::set_meter_provider(mp.clone());
        }
        #[cfg(feature = "_otlp")]
        if let Some(tp) = telemetry.tracer_provider() {
            opentelemetry::global::set_tracer_provider(tp.clone());
        }
        if subscriber {
            install_subscriber(&telemetry, log_filter);
        }
        crate::diagnostics::ConfigWarning::log_all(warnings);
        Ok(TelemetryGuard::new(telemetry))
    }
}

/// Installs the `tracing` subscriber of [`init`], unless the application set one:
/// logs to stderr filtered by `log_filter`, the builder's `RUST_LOG` (default
/// `info`, also when it does not parse; feature `subscriber`), and spans at
/// `INFO` and above exported over OTLP whatever `RUST_LOG` says (instrumented
/// calls open `INFO` spans; features `otlp-grpc`, `otlp-http`).
#[cfg(any(feature = "subscriber", feature = "_otlp"))]
fn install_subscriber(telemetry: &Telemetry, log_filter: Option<String>) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    #[cfg(feature = "subscriber")]
    let logs = {
        // As `EnvFilter::try_from_default_env`, over the value the builder read.
        let log_filter = log_filter
            .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
            .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(log_filter)
    };
    #[cfg(not(feature = "subscriber"))]
    let logs = {
        let _ = log_filter;
        tracing_subscriber::layer::Identity::new()
    };
    #[cfg(feature = "_otlp")]
    let spans = telemetry
        .tracing_layer()
        .map(|l| l.with_filter(tracing_subscriber::filter::LevelFilter::INFO));
    #[cfg(not(feature = "_otlp"))]
    let spans = {
        let _ = telemetry;
        None::<tracing_subscriber::layer::Identity>
    };
    // Fails only if the application installed a subscriber already: keep it.
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(spans)
        .try_init();
}

/// Without the `subscriber` and OTLP features there is nothing to install.
#[cfg(not(any(feature = "subscriber", feature = "_otlp")))]
fn install_subscriber(_telemetry: &Telemetry, _log_filter: Option<String>) {}

fn already_initialized() -> InitError {
    InitError::AlreadyInitialized {
        created_by: CREATED_BY
            .get()
            .cloned()
            .unwrap_or_else(|| "another thread".to_string()),
    }
}

/// The current pipeline, the one [`get_metrics_manager`] records into: that of
/// an enclosing [`Telemetry::in_scope`] / [`Telemetry::scope`] (see
/// [`crate::scope`]), else the global one, created on first use (Prometheus
/// only, no OTLP) when [`init`] was not called. A clone (cheap: shared), so
/// code under test that records or renders through `global()` sees its test's
/// scope, as the attributes and [`get_metrics_manager`] do.
///
/// ```
/// let telemetry = autobot_otel::global();
/// assert!(telemetry.render(autobot_otel::Exposition::Text).is_ascii());
///
/// let scoped = autobot_otel::Telemetry::builder().without_otlp().build()?;
/// scoped.in_scope(|| autobot_otel::global().metrics().record_cache_hit("in_scope"));
/// assert!(scoped.render(autobot_otel::Exposition::Text).contains(r#"cache_type="in_scope""#));
/// assert!(!autobot_otel::global().render(autobot_otel::Exposition::Text).contains(r#"cache_type="in_scope""#));
/// # Ok::<(), autobot_otel::InitError>(())
/// ```
#[track_caller]
pub fn global() -> Telemetry {
    match current(Origin::Call("autobot_otel::global()", Location::caller())) {
        Current::Global(telemetry) => telemetry.clone(),
        Current::Scoped(telemetry) => telemetry,
    }
}

/// The global pipeline, created by `origin` if it does not exist yet.
pub(crate) fn global_for(origin: Origin) -> &'static Telemetry {
    if let Some(telemetry) = GLOBAL.get() {
        return telemetry;
    }
    GLOBAL.get_or_init(|| {
        let _ = CREATED_BY.set(format!(
            "{origin}, which created the default pipeline (Prometheus only)"
        ));
        TelemetryBuilder::from_env()
            .without_otlp()
            .build()
            .unwrap_or_else(|err| {
                tracing::error!(target: crate::diagnostics::EXPORT, error = %err, "telemetry disabled");
                Telemetry::disabled()
            })
    })
}

/// The recording API of the current pipeline (the guide's
/// `get_metrics_manager()`): the one of an enclosing
/// [`Telemetry::in_scope`]/[`Telemetry::scope`], else the global one.
///
/// ```
/// use autobot_otel::labels::Priority;
/// autobot_otel::get_metrics_manager().update_task_queue_size(Priority::Normal, 25);
/// ```
#[track_caller]
pub fn get_metrics_manager() -> CurrentMetrics {
    let origin = Origin::Call("autobot_otel::get_metrics_manager()", Location::caller());
    CurrentMetrics::new(current(origin))
}

/// The pipeline current on this thread.
pub(crate) enum Current {
    /// The global pipeline.
    Global(&'static Telemetry),
    /// The pipeline of an enclosing scope.
    Scoped(Telemetry),
}

impl Current {
    /// Its recording API.
    #[inline]
    pub(crate) fn metrics(&self) -> &MetricsManager {
        match self {
            Current::Global(t) => t.metrics(),
            Current::Scoped(t) => t.metrics(),
        }
    }
}

/// The current pipeline: an enclosing scope's ([`crate::scope`]), else the
/// global one; `origin` names what asks, should this create the default global
/// pipeline (see [`crate::InitError::AlreadyInitialized`]).
#[inline]
pub(crate) fn current(origin: Origin) -> Current {
    match crate::scope::scoped() {
        Some(t) => Current::Scoped(t),
        None => Current::Global(global_for(origin)),
    }
}

/// The recording API of the current pipeline, as [`crate::get_metrics_manager`]
/// returns it: derefs to [`MetricsManager`].
///
/// ```
/// let metrics: autobot_otel::CurrentMetrics = autobot_otel::get_metrics_manager();
/// metrics.record_cache_hit("embedding"); // a MetricsManager method
/// ```
pub struct CurrentMetrics(Current);

impl CurrentMetrics {
    pub(crate) fn new(current: Current) -> CurrentMetrics {
        CurrentMetrics(current)
    }
}

impl std::ops::Deref for CurrentMetrics {
    type Target = MetricsManager;

    #[inline]
    fn deref(&self) -> &MetricsManager {
        self.0.metrics()
    }
}

impl std::fmt::Debug for CurrentMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scope = match self.0 {
            Current::Global(_) => "global",
            Current::Scoped(_) => "scoped",
        };
        f.debug_tuple("CurrentMetrics").field(&scope).finish()
    }
}
