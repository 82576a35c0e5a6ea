//! Errors of initialisation and shutdown. Recording itself never returns an error.
//!
//! ```
//! use autobot_otel::InitError;
//! let err = InitError::Config("OTEL_EXPORTER_OTLP_PROTOCOL".into());
//! assert!(err.to_string().contains("OTEL_EXPORTER_OTLP_PROTOCOL"));
//! ```

use std::time::Duration;

/// Why the telemetry pipeline could not be built or installed.
///
/// Exporter errors carry the exporter's message with credentials removed, not
/// the exporter's error itself (whose message may quote an endpoint's password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A configuration value (builder or `OTEL_*` variable) is invalid.
    #[error("invalid telemetry configuration: {0}")]
    Config(String),
    /// Bucket boundaries given with [`crate::TelemetryBuilder::with_buckets`] are
    /// not usable: the metric is not a histogram, or the boundaries are empty, not
    /// finite or not strictly increasing.
    #[error("invalid buckets for {metric}: {reason}")]
    InvalidBuckets {
        /// The metric's Prometheus name.
        metric: &'static str,
        /// What is wrong, naming the offending boundary.
        reason: String,
    },
    /// The price table ([`crate::pricing::Pricing`], its file or
    /// `AUTOBOT_OTEL_PRICING_FILE`) is not usable: a negative or non-finite
    /// price, a model priced twice, overlapping tiers, an unknown key, a file
    /// that cannot be read or parsed.
    #[error("invalid price table entry {entry}: {reason}")]
    Pricing {
        /// The entry (`provider/model`, a tier of it), or the file.
        entry: String,
        /// What is wrong.
        reason: String,
    },
    /// An OTLP exporter could not be built (e.g. a malformed endpoint URL).
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
    /// The export runtime (a thread) could not be started.
    #[error("cannot start the export runtime")]
    Runtime(#[source] std::io::Error),
    /// The global pipeline exists already: [`crate::init()`] was called twice, or
    /// a recording call ran before it and created the default pipeline.
    #[error(
        "autobot-otel is already initialised, by {created_by}: call autobot_otel::init() \
         once, at the start of main, before any instrumented function, \
         get_metrics_manager() or global() runs"
    )]
    AlreadyInitialized {
        /// What created the global pipeline (`init()`, or the call that created
        /// the default pipeline, with its location).
        created_by: String,
    },
}

/// Why a flush or shutdown did not complete cleanly. The application goes on
/// either way; nothing here is fatal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShutdownError {
    /// The operation did not finish within its timeout; it was abandoned (the
    /// thread doing it is left to finish on its own).
    #[error("telemetry flush/shutdown timed out after {0:?}")]
    Timeout(Duration),
    /// An exporter reported an error (e.g. the collector was unreachable), with
    /// credentials removed from its message.
    #[error("telemetry flush/shutdown failed: {0}")]
    Export(String),
}
