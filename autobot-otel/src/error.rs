//! Errors of initialisation and shutdown. Recording itself never returns an error.
//!
//! ```
//! use autobot_otel::InitError;
//! let err = InitError::Config("OTEL_EXPORTER_OTLP_PROTOCOL".into());
//! assert!(err.to_string().contains("OTEL_EXPORTER_OTLP_PROTOCOL"));
//! ```

use std::fmt;
use std::time::Duration;

/// Why the telemetry pipeline could not be built or installed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitError {
    /// A configuration value (builder or `OTEL_*` variable) is invalid.
    Config(String),
    /// An OTLP exporter could not be built (e.g. a malformed endpoint URL).
    Exporter(String),
    /// The Prometheus exporter could not be registered.
    Prometheus(String),
    /// The export runtime (a thread) could not be started.
    Runtime(String),
    /// The global pipeline exists already: [`crate::init`] was called twice, or
    /// after [`crate::get_metrics_manager`] had created the default one.
    AlreadyInitialized,
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Config(msg) => write!(f, "invalid telemetry configuration: {msg}"),
            InitError::Exporter(msg) => write!(f, "cannot build the OTLP exporter: {msg}"),
            InitError::Prometheus(msg) => {
                write!(f, "cannot register the Prometheus exporter: {msg}")
            }
            InitError::Runtime(msg) => write!(f, "cannot start the export runtime: {msg}"),
            InitError::AlreadyInitialized => f.write_str(
                "autobot-otel is already initialised: call autobot_otel::init() once, \
                 before the first get_metrics_manager()",
            ),
        }
    }
}

impl std::error::Error for InitError {}

/// Why a flush or shutdown did not complete cleanly. The application goes on
/// either way; nothing here is fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShutdownError {
    /// The operation did not finish within its timeout; it was abandoned (the
    /// thread doing it is left to finish on its own).
    Timeout(Duration),
    /// An exporter reported an error (e.g. the collector was unreachable).
    Export(String),
}

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShutdownError::Timeout(t) => {
                write!(f, "telemetry flush/shutdown timed out after {t:?}")
            }
            ShutdownError::Export(msg) => write!(f, "telemetry flush/shutdown failed: {msg}"),
        }
    }
}

impl std::error::Error for ShutdownError {}
