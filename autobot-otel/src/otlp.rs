//! OTLP push: configuration from the standard `OTEL_*` variables, the metric and
//! span exporters (gRPC or HTTP/protobuf), and the export status that the health
//! endpoint reports.
//!
//! | variable | effect | default |
//! |---|---|---|
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | base URL of the collector; unset or empty: no OTLP push | unset |
//! | `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | per-signal URL, used as is | base + `/v1/metrics`, `/v1/traces` for HTTP |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` (and `..._METRICS_`/`..._TRACES_PROTOCOL`) | `grpc` or `http/protobuf` | `http/protobuf` |
//! | `OTEL_EXPORTER_OTLP_TIMEOUT` | per-export timeout, ms | 10000 |
//! | `OTEL_EXPORTER_OTLP_HEADERS` | `key=value,...` sent with every export | none |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | metric push interval, ms | 60000 |
//! | `OTEL_METRICS_EXPORTER`, `OTEL_TRACES_EXPORTER` | `none` turns that signal's push off | `otlp` |
//!
//! gRPC exports run on a small runtime of this crate's own (one worker thread), so
//! they work the same whether the application runs Tokio, which flavour, or none.
//!
//! ```
//! use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
//! let settings = OtlpSettings::new("http://127.0.0.1:4317", OtlpProtocol::Grpc);
//! assert_eq!(settings.metrics_endpoint(), "http://127.0.0.1:4317");
//! let http = OtlpSettings::new("http://127.0.0.1:4318/", OtlpProtocol::HttpProtobuf);
//! assert_eq!(http.metrics_endpoint(), "http://127.0.0.1:4318/v1/metrics");
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use serde::Serialize;

use crate::error::InitError;

/// Target that export failures are logged under (filter it with `RUST_LOG`).
pub const LOG_TARGET: &str = "autobot_otel::export";

/// The OTLP transport.
///
/// ```
/// use autobot_otel::otlp::OtlpProtocol;
/// assert_eq!("grpc".parse::<OtlpProtocol>().unwrap(), OtlpProtocol::Grpc);
/// assert_eq!(OtlpProtocol::HttpProtobuf.as_str(), "http/protobuf");
/// assert!("http/json".parse::<OtlpProtocol>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum OtlpProtocol {
    /// OTLP/gRPC (default port 4317).
    #[serde(rename = "grpc")]
    Grpc,
    /// OTLP/HTTP with protobuf bodies (default port 4318).
    #[serde(rename = "http/protobuf")]
    HttpProtobuf,
}

impl OtlpProtocol {
    /// The `OTEL_EXPORTER_OTLP_PROTOCOL` spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            OtlpProtocol::Grpc => "grpc",
            OtlpProtocol::HttpProtobuf => "http/protobuf",
        }
    }
}

impl std::str::FromStr for OtlpProtocol {
    type Err = InitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "grpc" => Ok(OtlpProtocol::Grpc),
            "http/protobuf" | "" => Ok(OtlpProtocol::HttpProtobuf),
            other => Err(InitError::Config(format!(
                "OTLP protocol `{other}` is not supported: use `grpc` or `http/protobuf`"
            ))),
        }
    }
}

/// Where and how to push OTLP.
///
/// ```
/// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
/// use std::time::Duration;
/// let s = OtlpSettings::new("http://collector:4318", OtlpProtocol::HttpProtobuf)
///     .with_export_interval(Duration::from_secs(10));
/// assert_eq!(s.traces_endpoint(), "http://collector:4318/v1/traces");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct OtlpSettings {
    /// Base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub endpoint: String,
    /// Per-signal override for metrics, used as is.
    pub metrics_endpoint: Option<String>,
    /// Per-signal override for traces, used as is.
    pub traces_endpoint: Option<String>,
    /// Transport.
    pub protocol: OtlpProtocol,
    /// Metric push interval.
    pub export_interval: Duration,
    /// Push metrics (false when `OTEL_METRICS_EXPORTER=none`).
    pub metrics: bool,
    /// Push spans (false when `OTEL_TRACES_EXPORTER=none`).
    pub traces: bool,
}

impl OtlpSettings {
    /// Push both signals to `endpoint` every 60 s.
    pub fn new(endpoint: impl Into<String>, protocol: OtlpProtocol) -> Self {
        OtlpSettings {
            endpoint: endpoint.into(),
            metrics_endpoint: None,
            traces_endpoint: None,
            protocol,
            export_interval: Duration::from_secs(60),
            metrics: true,
            traces: true,
        }
    }

    /// Sets the metric push interval.
    pub fn with_export_interval(mut self, interval: Duration) -> Self {
        self.export_interval = interval;
        self
    }

    /// Reads the standard variables; `Ok(None)` when no endpoint is configured.
    pub(crate) fn from_env() -> Result<Option<Self>, InitError> {
        let base = env_nonempty("OTEL_EXPORTER_OTLP_ENDPOINT");
        let metrics_endpoint = env_nonempty("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        let traces_endpoint = env_nonempty("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if base.is_none() && metrics_endpoint.is_none() && traces_endpoint.is_none() {
            return Ok(None);
        }
        let protocol = env_nonempty("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")
            .or_else(|| env_nonempty("OTEL_EXPORTER_OTLP_PROTOCOL"))
            .map(|p| p.parse())
            .transpose()?
            .unwrap_or(OtlpProtocol::HttpProtobuf);
        let default_base = match protocol {
            OtlpProtocol::Grpc => "http://localhost:4317",
            OtlpProtocol::HttpProtobuf => "http://localhost:4318",
        };
        let export_interval = match env_nonempty("OTEL_METRIC_EXPORT_INTERVAL") {
            Some(ms) => Duration::from_millis(ms.trim().parse().map_err(|_| {
                InitError::Config(format!(
                    "OTEL_METRIC_EXPORT_INTERVAL must be milliseconds, got `{ms}`"
                ))
            })?),
            None => Duration::from_secs(60),
        };
        if export_interval.is_zero() {
            return Err(InitError::Config(
                "OTEL_METRIC_EXPORT_INTERVAL must be greater than 0".into(),
            ));
        }
        let enabled = |var: &str| env_nonempty(var).is_none_or(|v| v.trim() != "none");
        Ok(Some(OtlpSettings {
            metrics: enabled("OTEL_METRICS_EXPORTER")
                && (base.is_some() || metrics_endpoint.is_some()),
            traces: enabled("OTEL_TRACES_EXPORTER")
                && (base.is_some() || traces_endpoint.is_some()),
            endpoint: base.unwrap_or_else(|| default_base.to_string()),
            metrics_endpoint,
            traces_endpoint,
            protocol,
            export_interval,
        }))
    }

    /// The URL metrics are pushed to.
    pub fn metrics_endpoint(&self) -> String {
        self.signal_endpoint(self.metrics_endpoint.as_deref(), "/v1/metrics")
    }

    /// The URL spans are pushed to.
    pub fn traces_endpoint(&self) -> String {
        self.signal_endpoint(self.traces_endpoint.as_deref(), "/v1/traces")
    }

    fn signal_endpoint(&self, specific: Option<&str>, path: &str) -> String {
        if let Some(url) = specific {
            return url.to_string();
        }
        let base = self.endpoint.trim_end_matches('/');
        match self.protocol {
            OtlpProtocol::Grpc => base.to_string(),
            OtlpProtocol::HttpProtobuf => format!("{base}{path}"),
        }
    }
}

pub(crate) fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn otlp_protocol(p: OtlpProtocol) -> Protocol {
    match p {
        OtlpProtocol::Grpc => Protocol::Grpc,
        OtlpProtocol::HttpProtobuf => Protocol::HttpBinary,
    }
}

/// Builds the OTLP metric exporter. For gRPC, call inside the export runtime.
pub(crate) fn metric_exporter(
    settings: &OtlpSettings,
) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    let endpoint = settings.metrics_endpoint();
    let built = match settings.protocol {
        OtlpProtocol::Grpc => opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build(),
        OtlpProtocol::HttpProtobuf => opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(otlp_protocol(settings.protocol))
            .with_endpoint(endpoint)
            .build(),
    };
    built.map_err(|e| InitError::Exporter(e.to_string()))
}

/// Builds the OTLP span exporter. For gRPC, call inside the export runtime.
pub(crate) fn span_exporter(
    settings: &OtlpSettings,
) -> Result<opentelemetry_otlp::SpanExporter, InitError> {
    let endpoint = settings.traces_endpoint();
    let built = match settings.protocol {
        OtlpProtocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build(),
        OtlpProtocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(otlp_protocol(settings.protocol))
            .with_endpoint(endpoint)
            .build(),
    };
    built.map_err(|e| InitError::Exporter(e.to_string()))
}

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
    /// What the exporter reported.
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
    /// Records the result of one export; failures are logged under [`LOG_TARGET`]
    /// at most once a minute.
    pub fn record(&self, result: &Result<(), String>) {
        let now = unix_ms();
        match result {
            Ok(()) => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
                self.last_success_ms.store(now, Ordering::Relaxed);
            }
            Err(message) => {
                let failures = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
                if let Ok(mut last) = self.last_error.lock() {
                    *last = Some(ExportError {
                        message: message.clone(),
                        at_unix_ms: now,
                    });
                }
                let last_logged = self.last_logged_ms.load(Ordering::Relaxed);
                if (last_logged == 0 || now.saturating_sub(last_logged) >= 60_000)
                    && self
                        .last_logged_ms
                        .compare_exchange(last_logged, now, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
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
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A metric exporter that records each export's outcome in an [`ExportStatus`].
pub(crate) struct StatusMetricExporter<E> {
    pub(crate) inner: E,
    pub(crate) status: Arc<ExportStatus>,
}

impl<E: PushMetricExporter> PushMetricExporter for StatusMetricExporter<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let result = self.inner.export(metrics).await;
        self.status
            .record(&result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        result
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
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

impl<E: fmt::Debug> fmt::Debug for StatusSpanExporter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusSpanExporter")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<E: SpanExporter> SpanExporter for StatusSpanExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        self.status
            .record(&result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_endpoints() {
        let grpc = OtlpSettings::new("http://h:4317/", OtlpProtocol::Grpc);
        assert_eq!(grpc.metrics_endpoint(), "http://h:4317");
        assert_eq!(grpc.traces_endpoint(), "http://h:4317");
        let mut http = OtlpSettings::new("http://h:4318", OtlpProtocol::HttpProtobuf);
        assert_eq!(http.metrics_endpoint(), "http://h:4318/v1/metrics");
        http.metrics_endpoint = Some("http://other/m".into());
        assert_eq!(http.metrics_endpoint(), "http://other/m");
        assert_eq!(http.traces_endpoint(), "http://h:4318/v1/traces");
    }

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
