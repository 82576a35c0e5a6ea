//! The outcome of every export, which the health report and the self-metrics
//! show: [`ExportStatus`], and the exporter wrappers that record into it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use serde::Serialize;

use super::settings::redact_userinfo;
use crate::diagnostics::{self, EXPORT as LOG_TARGET};

/// Outcome counters of one exporter, shown by the health endpoint.
///
/// ```
/// use autobot_otel::otlp::ExportStatus;
/// let status = ExportStatus::default();
/// status.record(&Err("connection refused".to_string()));
/// let snap = status.snapshot();
/// assert_eq!(snap.exports_failed, 1);
/// assert_eq!(snap.last_error.unwrap().message, "connection refused");
/// ```
#[derive(Debug, Default)]
pub struct ExportStatus {
    succeeded: AtomicU64,
    failed: AtomicU64,
    last_success_ms: AtomicU64,
    last_error: Mutex<Option<ExportError>>,
    last_logged_ms: AtomicU64,
}

/// The last export error.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportError {
    /// What the exporter reported, with URL user information redacted.
    pub message: String,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
}

/// A copy of an [`ExportStatus`] at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportStatusSnapshot {
    /// Exports that the collector accepted.
    pub exports_succeeded: u64,
    /// Exports that failed (after the exporter's own retries).
    pub exports_failed: u64,
    /// When the last export succeeded, ms since the Unix epoch.
    pub last_success_unix_ms: Option<u64>,
    /// The last failure, if any.
    pub last_error: Option<ExportError>,
    /// Whether the most recent export failed.
    pub failing: bool,
}

impl ExportStatus {
    /// Records the result of one export; failures are logged under [`diagnostics::EXPORT`]
    /// at most once a minute. User information of URLs in the message
    /// (`http://user:password@host`) is redacted before it is stored or logged.
    ///
    /// ```
    /// use autobot_otel::otlp::ExportStatus;
    /// let status = ExportStatus::default();
    /// status.record(&Err("error sending request for url (http://u:pa/ss@h/v1/metrics)".into()));
    /// let message = status.snapshot().last_error.unwrap().message;
    /// assert_eq!(message, "<redacted>@h/v1/metrics)");
    /// ```
    pub fn record(&self, result: &Result<(), String>) {
        let now = diagnostics::unix_ms();
        match result {
            Ok(()) => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
                self.last_success_ms.store(now, Ordering::Relaxed);
            }
            Err(message) => {
                let message = redact_userinfo(message);
                let failures = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
                if let Ok(mut last) = self.last_error.lock() {
                    *last = Some(ExportError {
                        message: message.to_string(),
                        at_unix_ms: now,
                    });
                }
                if diagnostics::once_a_minute(&self.last_logged_ms) {
                    tracing::warn!(target: LOG_TARGET, failures, error = %message, "OTLP export failed");
                }
            }
        }
    }

    /// The current counters.
    pub fn snapshot(&self) -> ExportStatusSnapshot {
        let last_success = self.last_success_ms.load(Ordering::Relaxed);
        let last_error = self.last_error.lock().ok().and_then(|e| e.clone());
        let failing = match (&last_error, last_success) {
            (Some(err), ok) => err.at_unix_ms >= ok,
            (None, _) => false,
        };
        ExportStatusSnapshot {
            exports_succeeded: self.succeeded.load(Ordering::Relaxed),
            exports_failed: self.failed.load(Ordering::Relaxed),
            last_success_unix_ms: (last_success > 0).then_some(last_success),
            last_error,
            failing,
        }
    }

    /// Records `result` and passes it on with URL user information redacted
    /// from its error.
    fn recorded(&self, result: OTelSdkResult) -> OTelSdkResult {
        self.record(&result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        redact_error(result)
    }
}

/// A metric exporter that records each export's outcome in an [`ExportStatus`].
pub(crate) struct StatusMetricExporter<E> {
    pub(crate) inner: E,
    pub(crate) status: Arc<ExportStatus>,
}

impl<E: PushMetricExporter> PushMetricExporter for StatusMetricExporter<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        self.status.recorded(self.inner.export(metrics).await)
    }

    fn force_flush(&self) -> OTelSdkResult {
        redact_error(self.inner.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        redact_error(self.inner.shutdown_with_timeout(timeout))
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}

/// A span exporter that records each export's outcome in an [`ExportStatus`].
pub(crate) struct StatusSpanExporter<E> {
    pub(crate) inner: E,
    pub(crate) status: Arc<ExportStatus>,
}

// Not the inner exporter: its `Debug` may print the export headers' values.
impl<E> fmt::Debug for StatusSpanExporter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusSpanExporter").finish_non_exhaustive()
    }
}

impl<E: SpanExporter> SpanExporter for StatusSpanExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.status.recorded(self.inner.export(batch).await)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        redact_error(self.inner.shutdown_with_timeout(timeout))
    }

    fn force_flush(&self) -> OTelSdkResult {
        redact_error(self.inner.force_flush())
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource)
    }
}

/// An exporter's result with URL user information redacted from its error,
/// which flush and shutdown errors pass on to the application.
fn redact_error(result: OTelSdkResult) -> OTelSdkResult {
    match result {
        Err(OTelSdkError::InternalFailure(message)) => Err(OTelSdkError::InternalFailure(
            redact_userinfo(&message).into_owned(),
        )),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_tracks_recovery() {
        let status = ExportStatus::default();
        status.record(&Err("down".into()));
        assert!(status.snapshot().failing);
        std::thread::sleep(Duration::from_millis(2));
        status.record(&Ok(()));
        let snap = status.snapshot();
        assert!(!snap.failing);
        assert_eq!((snap.exports_succeeded, snap.exports_failed), (1, 1));
    }
}
