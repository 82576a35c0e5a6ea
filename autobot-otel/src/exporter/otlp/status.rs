//! The outcome of every export, which the health report and the self-metrics
//! show: [`ExportStatus`] (the exporter wrappers that record into it are in
//! `exporters.rs`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::settings::redact_userinfo;
use crate::diagnostics::{self, EXPORT as LOG_TARGET};

/// Outcome counters of one exporter; the health endpoint shows their
/// [`ExportStatusSnapshot`].
#[derive(Debug, Default)]
pub(crate) struct ExportStatus {
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

/// One exporter's export counters at one moment (the health report's `otlp_*` entries).
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
    pub(crate) fn record(&self, result: &Result<(), String>) {
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
    pub(crate) fn snapshot(&self) -> ExportStatusSnapshot {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_tracks_recovery() {
        let status = ExportStatus::default();
        status.record(&Err("down".into()));
        assert!(status.snapshot().failing);
        std::thread::sleep(std::time::Duration::from_millis(2));
        status.record(&Ok(()));
        let snap = status.snapshot();
        assert!(!snap.failing);
        assert_eq!((snap.exports_succeeded, snap.exports_failed), (1, 1));
    }
}
