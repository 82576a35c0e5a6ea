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
//! | `OTEL_EXPORTER_OTLP_HEADERS` (and `..._METRICS_`/`..._TRACES_HEADERS`) | `key=value,...` sent with every export | none |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | metric push interval, ms | 60000 |
//! | `OTEL_METRICS_EXPORTER`, `OTEL_TRACES_EXPORTER` | `none` turns that signal's push off | `otlp` |
//!
//! gRPC exports run on a small runtime of this crate's own (one worker thread), so
//! they work the same whether the application runs Tokio, which flavour, or none.
//!
//! Credentials stay secret: header values ([`OtlpSettings::with_header`] or the
//! `..._HEADERS` variables) and the user information of an endpoint URL
//! (`https://user:password@collector:4318`, sent as `Authorization: Basic`) never
//! appear in `Debug` output, in the health report or in logged and recorded export
//! errors.
//!
//! ```
//! use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
//! let settings = OtlpSettings::new("http://127.0.0.1:4317", OtlpProtocol::Grpc);
//! assert_eq!(settings.metrics_endpoint(), "http://127.0.0.1:4317");
//! let http = OtlpSettings::new("http://127.0.0.1:4318/", OtlpProtocol::HttpProtobuf);
//! assert_eq!(http.metrics_endpoint(), "http://127.0.0.1:4318/v1/metrics");
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use serde::Serialize;

use crate::error::InitError;

use crate::diagnostics::{self, EXPORT as LOG_TARGET};

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
/// `Debug` output shows neither header values nor the user information of the
/// endpoint URLs.
///
/// ```
/// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
/// use std::time::Duration;
/// let s = OtlpSettings::new("http://collector:4318", OtlpProtocol::HttpProtobuf)
///     .with_export_interval(Duration::from_secs(10))
///     .with_header("x-api-key", "s3cret");
/// assert_eq!(s.traces_endpoint(), "http://collector:4318/v1/traces");
/// assert!(!format!("{s:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq)]
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
    /// Headers sent with every export, in addition to (and overridden by) the
    /// `OTEL_EXPORTER_OTLP_HEADERS` variables, which the exporter reads itself.
    pub headers: OtlpHeaders,
    /// Per-export timeout; `None` leaves it to `OTEL_EXPORTER_OTLP_TIMEOUT` (and
    /// the per-signal variables), which the exporter reads itself (default 10 s).
    pub timeout: Option<Duration>,
}

impl fmt::Debug for OtlpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpSettings")
            .field("endpoint", &redact_userinfo(&self.endpoint))
            .field(
                "metrics_endpoint",
                &self.metrics_endpoint.as_deref().map(redact_userinfo),
            )
            .field(
                "traces_endpoint",
                &self.traces_endpoint.as_deref().map(redact_userinfo),
            )
            .field("protocol", &self.protocol)
            .field("export_interval", &self.export_interval)
            .field("metrics", &self.metrics)
            .field("traces", &self.traces)
            .field("headers", &self.headers)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Headers (gRPC metadata) sent with every OTLP export, typically credentials.
///
/// Values are write-only: no method returns them, and `Debug` prints
/// `<redacted>` in their place. Names are case-insensitive; inserting a name
/// again replaces its value.
///
/// ```
/// use autobot_otel::otlp::OtlpHeaders;
/// let mut headers = OtlpHeaders::default();
/// headers.insert("Authorization", "Bearer s3cret");
/// headers.insert("x-tenant", "team-a");
/// headers.insert("authorization", "Bearer n3w");
/// assert_eq!(headers.names().collect::<Vec<_>>(), ["authorization", "x-tenant"]);
/// let debug = format!("{headers:?}");
/// assert_eq!(debug, r#"{"authorization": <redacted>, "x-tenant": <redacted>}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OtlpHeaders {
    /// (lower-cased name, value), in insertion order.
    entries: Vec<(String, String)>,
}

impl OtlpHeaders {
    /// Sets header `name` (lower-cased) to `value`, replacing an earlier value.
    /// Names and values that HTTP does not allow make the pipeline's build fail
    /// with an error that names the header, never its value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into().trim().to_ascii_lowercase();
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// The header names, lower-cased, in insertion order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_str())
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }
}

impl fmt::Debug for OtlpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
        f.debug_map()
            .entries(self.entries.iter().map(|(name, _)| (name, Redacted)))
            .finish()
    }
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
            headers: OtlpHeaders::default(),
            timeout: None,
        }
    }

    /// Sends header `name: value` with every export (gRPC metadata for
    /// [`OtlpProtocol::Grpc`]), e.g. an API key. The value never appears in
    /// `Debug` output, logs or the health report. A header of the same name in
    /// `OTEL_EXPORTER_OTLP_HEADERS` (or the per-signal variable) takes precedence.
    ///
    /// ```
    /// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    /// let s = OtlpSettings::new("https://collector:4318", OtlpProtocol::HttpProtobuf)
    ///     .with_header("authorization", "Bearer s3cret");
    /// assert_eq!(s.headers.names().collect::<Vec<_>>(), ["authorization"]);
    /// assert!(!format!("{s:?}").contains("s3cret"));
    /// ```
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Bounds each export (connect, send, answer), overriding
    /// `OTEL_EXPORTER_OTLP_TIMEOUT`. Keep it below the shutdown timeout
    /// ([`crate::TelemetryBuilder::with_shutdown_timeout`], default 5 s) so the
    /// last export at shutdown can finish against a slow collector.
    ///
    /// ```
    /// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    /// use std::time::Duration;
    /// let s = OtlpSettings::new("http://127.0.0.1:4317", OtlpProtocol::Grpc)
    ///     .with_timeout(Duration::from_secs(2));
    /// assert_eq!(s.timeout, Some(Duration::from_secs(2)));
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
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
            headers: OtlpHeaders::default(),
            timeout: None,
        }))
    }

    /// The URL metrics are pushed to. User information in the configured URL
    /// (`http://user:password@host`) is not part of it: it is sent as an
    /// `Authorization: Basic` header instead.
    ///
    /// ```
    /// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    /// let s = OtlpSettings::new("https://user:pa55@collector:4318", OtlpProtocol::HttpProtobuf);
    /// assert_eq!(s.metrics_endpoint(), "https://collector:4318/v1/metrics");
    /// ```
    pub fn metrics_endpoint(&self) -> String {
        self.metrics_target().0
    }

    /// The URL spans are pushed to (without user information, as
    /// [`OtlpSettings::metrics_endpoint`]).
    pub fn traces_endpoint(&self) -> String {
        self.traces_target().0
    }

    fn metrics_target(&self) -> (String, Option<String>) {
        self.signal_target(self.metrics_endpoint.as_deref(), "/v1/metrics")
    }

    fn traces_target(&self) -> (String, Option<String>) {
        self.signal_target(self.traces_endpoint.as_deref(), "/v1/traces")
    }

    /// The signal's URL without user information, and the `Authorization`
    /// header value that carries it, if any.
    fn signal_target(&self, specific: Option<&str>, path: &str) -> (String, Option<String>) {
        let (url, userinfo) = split_userinfo(specific.unwrap_or(&self.endpoint));
        let url = match (specific, self.protocol) {
            (Some(_), _) => url,
            (None, OtlpProtocol::Grpc) => url.trim_end_matches('/').to_string(),
            (None, OtlpProtocol::HttpProtobuf) => {
                format!("{}{path}", url.trim_end_matches('/'))
            }
        };
        (url, userinfo.map(basic_authorization))
    }

    /// The headers to send: ours, plus `Authorization: Basic` from the URL's user
    /// information unless an `authorization` header is set. Fails, naming the
    /// header but not its value, on names or values HTTP does not allow.
    fn export_headers(
        &self,
        basic: Option<String>,
    ) -> Result<Vec<(axum::http::HeaderName, axum::http::HeaderValue)>, InitError> {
        let mut out = Vec::with_capacity(self.headers.len() + 1);
        for (name, value) in &self.headers.entries {
            let parsed_name = axum::http::HeaderName::from_bytes(name.as_bytes());
            let parsed_value = axum::http::HeaderValue::from_str(value);
            match (parsed_name, parsed_value) {
                (Ok(n), Ok(mut v)) => {
                    v.set_sensitive(true);
                    out.push((n, v));
                }
                _ => {
                    return Err(InitError::Config(format!(
                        "OTLP header `{}` has an invalid name or value (value not shown)",
                        name.escape_debug()
                    )));
                }
            }
        }
        if let Some(basic) = basic.filter(|_| !self.headers.contains("authorization")) {
            let mut value = axum::http::HeaderValue::from_str(&basic).map_err(|_| {
                InitError::Config("the OTLP endpoint's user information is invalid".into())
            })?;
            value.set_sensitive(true);
            out.push((axum::http::header::AUTHORIZATION, value));
        }
        Ok(out)
    }
}

/// Splits `scheme://userinfo@host...` into the URL without user information and
/// the user information (if any).
fn split_userinfo(url: &str) -> (String, Option<&str>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), None);
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => (
            format!("{}{}", &url[..authority_start], &rest[at + 1..]),
            Some(&rest[..at]),
        ),
        None => (url.to_string(), None),
    }
}

/// `Basic base64(user:password)` from percent-encoded URL user information.
fn basic_authorization(userinfo: &str) -> String {
    use base64::Engine as _;
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let mut plain: Vec<u8> = percent_encoding::percent_decode_str(user).collect();
    plain.push(b':');
    plain.extend(percent_encoding::percent_decode_str(password));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(plain)
    )
}

/// Replaces the user information of every URL in `text` (`scheme://user:pass@`)
/// with `<redacted>`. Errs on the side of redacting too much.
pub(crate) fn redact_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        out.push_str(&rest[..authority_start]);
        rest = &rest[authority_start..];
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '/' | '?' | '#' | '"' | '<' | '>' | '`' | '\\')
            })
            .unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            out.push_str("<redacted>");
            rest = &rest[at..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// An exporter's error text, safe to show: URL user information redacted, and
/// any `secrets` (raw endpoint strings a malformed URL may echo) replaced whole.
fn scrub(message: &str, settings: &OtlpSettings) -> String {
    let mut message = redact_userinfo(message).into_owned();
    let raw = [
        Some(settings.endpoint.as_str()),
        settings.metrics_endpoint.as_deref(),
        settings.traces_endpoint.as_deref(),
    ];
    for url in raw.into_iter().flatten() {
        if url.contains('@') && message.contains(url) {
            message = message.replace(url, "<redacted endpoint>");
        }
    }
    message
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

/// Headers for the HTTP exporter, which percent-decodes values: encode `%` so
/// values arrive as given.
fn http_headers(
    headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
) -> HashMap<String, String> {
    headers
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?.replace('%', "%25");
            Some((name.as_str().to_string(), value))
        })
        .collect()
}

/// Metadata for the gRPC exporter.
fn grpc_metadata(
    headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
) -> opentelemetry_otlp::tonic_types::metadata::MetadataMap {
    opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(
        headers.into_iter().collect(),
    )
}

/// Applies a per-export timeout when one is set (else the exporter's own
/// resolution from `OTEL_EXPORTER_OTLP_*TIMEOUT` stands).
trait OptionalTimeout: WithExportConfig + Sized {
    fn with_optional_timeout(self, timeout: Option<Duration>) -> Self {
        match timeout {
            Some(t) => self.with_timeout(t),
            None => self,
        }
    }
}

impl<B: WithExportConfig> OptionalTimeout for B {}

/// Builds the OTLP metric exporter. For gRPC, call inside the export runtime.
pub(crate) fn metric_exporter(
    settings: &OtlpSettings,
) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    use opentelemetry_otlp::{WithHttpConfig, WithTonicConfig};
    let (endpoint, basic) = settings.metrics_target();
    let headers = settings.export_headers(basic)?;
    let built = match settings.protocol {
        OtlpProtocol::Grpc => opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .with_metadata(grpc_metadata(headers))
            .with_optional_timeout(settings.timeout)
            .build(),
        OtlpProtocol::HttpProtobuf => opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(otlp_protocol(settings.protocol))
            .with_endpoint(endpoint)
            .with_headers(http_headers(headers))
            .with_optional_timeout(settings.timeout)
            .build(),
    };
    built.map_err(|e| InitError::Exporter(scrub(&e.to_string(), settings)))
}

/// Builds the OTLP span exporter. For gRPC, call inside the export runtime.
pub(crate) fn span_exporter(
    settings: &OtlpSettings,
) -> Result<opentelemetry_otlp::SpanExporter, InitError> {
    use opentelemetry_otlp::{WithHttpConfig, WithTonicConfig};
    let (endpoint, basic) = settings.traces_target();
    let headers = settings.export_headers(basic)?;
    let built = match settings.protocol {
        OtlpProtocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .with_metadata(grpc_metadata(headers))
            .with_optional_timeout(settings.timeout)
            .build(),
        OtlpProtocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(otlp_protocol(settings.protocol))
            .with_endpoint(endpoint)
            .with_headers(http_headers(headers))
            .with_optional_timeout(settings.timeout)
            .build(),
    };
    built.map_err(|e| InitError::Exporter(scrub(&e.to_string(), settings)))
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
    /// Records the result of one export; failures are logged under [`diagnostics::EXPORT`]
    /// at most once a minute. User information of URLs in the message
    /// (`http://user:password@host`) is redacted before it is stored or logged.
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
        redact_error(result)
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

// Not the inner exporter: its `Debug` prints the export headers' values.
impl<E> fmt::Debug for StatusSpanExporter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusSpanExporter").finish_non_exhaustive()
    }
}

/// An exporter's result with URL user information redacted from its error,
/// which flush and shutdown errors pass on to the application.
fn redact_error(result: OTelSdkResult) -> OTelSdkResult {
    use opentelemetry_sdk::error::OTelSdkError;
    match result {
        Err(OTelSdkError::InternalFailure(message)) => Err(OTelSdkError::InternalFailure(
            redact_userinfo(&message).into_owned(),
        )),
        other => other,
    }
}

impl<E: SpanExporter> SpanExporter for StatusSpanExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        self.status
            .record(&result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        redact_error(result)
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
    fn userinfo_becomes_basic_auth_and_is_redacted() {
        let s = OtlpSettings::new("http://us%40er:p%3Ass@h:4318/", OtlpProtocol::HttpProtobuf);
        let (url, basic) = s.metrics_target();
        assert_eq!(url, "http://h:4318/v1/metrics");
        // base64("us@er:p:ss")
        assert_eq!(basic.as_deref(), Some("Basic dXNAZXI6cDpzcw=="));
        let debug = format!("{s:?}");
        assert!(debug.contains("http://<redacted>@h:4318/"), "{debug}");
        assert!(!debug.contains("p%3Ass"), "{debug}");
        let grpc = OtlpSettings::new("https://token@h:4317", OtlpProtocol::Grpc);
        assert_eq!(grpc.traces_endpoint(), "https://h:4317");
        assert_eq!(grpc.traces_target().1.as_deref(), Some("Basic dG9rZW46"));
        // An explicit authorization header wins over the URL's.
        let explicit = grpc.clone().with_header("Authorization", "Bearer x");
        let headers = explicit.export_headers(explicit.traces_target().1).unwrap();
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[0].1, "Bearer x");
        assert!(headers[0].1.is_sensitive());
    }

    #[test]
    fn redaction_of_free_text() {
        assert_eq!(
            redact_userinfo("error sending request for url (http://u:p@h:1/v1/metrics)"),
            "error sending request for url (http://<redacted>@h:1/v1/metrics)"
        );
        assert_eq!(
            redact_userinfo("invalid endpoint 'grpc://a:b@c' and https://x@y z://w"),
            "invalid endpoint 'grpc://<redacted>@c' and https://<redacted>@y z://w"
        );
        assert_eq!(
            redact_userinfo("mail me@host, see http://h/a@b"),
            "mail me@host, see http://h/a@b"
        );
        let s = OtlpSettings::new("http://u:p/w@h", OtlpProtocol::HttpProtobuf);
        assert_eq!(
            scrub("invalid endpoint 'http://u:p/w@h/v1/metrics': bad port", &s),
            "invalid endpoint '<redacted endpoint>/v1/metrics': bad port"
        );
        let bad = OtlpSettings::new("http://h", OtlpProtocol::Grpc).with_header("x-key", "s3cr\nt");
        let err = bad.export_headers(None).unwrap_err().to_string();
        assert!(err.contains("x-key") && !err.contains("s3cr"), "{err}");
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
