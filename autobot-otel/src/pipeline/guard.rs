//! [`TelemetryGuard`], and the bounded shutdown: [`Telemetry::force_flush`]
//! and [`Telemetry::shutdown`] stop the providers on a thread of their own and
//! wait at most the shutdown timeout for it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::telemetry::{Inner, Telemetry};
use crate::diagnostics;
use crate::error::ShutdownError;
use crate::otlp::redact_userinfo;

/// Default bound on [`Telemetry::shutdown`] and [`Telemetry::force_flush`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

impl Telemetry {
    /// Exports what has been recorded now, within the shutdown timeout.
    pub fn force_flush(&self) -> Result<(), ShutdownError> {
        let inner = self.inner.clone();
        run_bounded(self.inner.shutdown_timeout, move || {
            inner.providers(Stop::Flush)
        })
    }

    /// Flushes and stops every exporter, within the shutdown timeout (default
    /// [`DEFAULT_SHUTDOWN_TIMEOUT`]). Values recorded before the call are pushed.
    /// Later calls return `Ok(())` at once; recording afterwards is a no-op.
    pub fn shutdown(&self) -> Result<(), ShutdownError> {
        if self.inner.shutdown_started.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let inner = self.inner.clone();
        run_bounded(self.inner.shutdown_timeout, move || {
            inner.providers(Stop::Shutdown)
        })
    }
}

#[derive(Clone, Copy)]
enum Stop {
    Flush,
    Shutdown,
}

impl Inner {
    /// Flushes or shuts down the OTLP push (spans, then a last metric export),
    /// then the meter provider; the errors.
    fn providers(&self, stop: Stop) -> Vec<String> {
        let shutdown = matches!(stop, Stop::Shutdown);
        let pushed = self
            .otlp
            .as_ref()
            .map(|o| o.stop(shutdown))
            .unwrap_or_default();
        let metrics = self.meter_provider.as_ref().map(|mp| match stop {
            Stop::Flush => mp.force_flush(),
            Stop::Shutdown => mp.shutdown(),
        });
        pushed
            .into_iter()
            .chain(metrics)
            .filter_map(|r| {
                r.err()
                    .map(|e| redact_userinfo(&e.to_string()).into_owned())
            })
            .collect()
    }
}

/// Runs `work` on its own thread and waits at most `timeout` for it.
fn run_bounded(
    timeout: Duration,
    work: impl FnOnce() -> Vec<String> + Send + 'static,
) -> Result<(), ShutdownError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("autobot-otel-shutdown".into())
        .spawn(move || {
            let _ = tx.send(work());
        });
    if let Err(e) = spawned {
        return Err(ShutdownError::Export(format!("cannot spawn thread: {e}")));
    }
    match rx.recv_timeout(timeout) {
        Ok(errors) if errors.is_empty() => Ok(()),
        Ok(errors) => Err(ShutdownError::Export(errors.join("; "))),
        Err(_) => Err(ShutdownError::Timeout(timeout)),
    }
}

/// Keeps the global pipeline alive; dropping it (or calling
/// [`TelemetryGuard::shutdown`]) flushes and stops the exporters.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let guard = autobot_otel::Telemetry::builder().without_otlp().install()?;
/// autobot_otel::get_metrics_manager().record_cache_miss("embedding");
/// guard.shutdown()?;
/// # Ok(()) }
/// ```
#[must_use = "dropping the guard shuts the telemetry pipeline down"]
#[derive(Debug)]
pub struct TelemetryGuard {
    telemetry: Telemetry,
}

impl TelemetryGuard {
    pub(crate) fn new(telemetry: Telemetry) -> Self {
        TelemetryGuard { telemetry }
    }

    /// Flushes and stops the exporters now (see [`Telemetry::shutdown`]).
    pub fn shutdown(self) -> Result<(), ShutdownError> {
        self.telemetry.shutdown()
    }
}

impl std::ops::Deref for TelemetryGuard {
    type Target = Telemetry;
    fn deref(&self) -> &Telemetry {
        &self.telemetry
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(err) = self.telemetry.shutdown() {
            tracing::warn!(target: diagnostics::EXPORT, error = %err, "telemetry shutdown incomplete");
        }
    }
}
