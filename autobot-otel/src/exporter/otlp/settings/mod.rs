//! Where and how to push: [`OtlpSettings`] built in code (this file: the
//! settings model, [`OtlpProtocol`], [`SignalOverrides`], [`OtlpHeaders`] in
//! `headers.rs`), or resolved from the standard variables by [`resolve`]
//! (`resolve.rs`, the only code of this crate that names
//! `OTEL_EXPORTER_OTLP_*`); the per-signal [`SignalConfig`] the exporters are
//! built from; and [`redact_userinfo`] (`redact.rs`), the one function that
//! removes URL user information from anything printed.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::error::InitError;

mod headers;
mod redact;
mod resolve;
#[cfg(test)]
mod tests;

pub use headers::OtlpHeaders;
pub(crate) use redact::redact_userinfo;
use redact::{basic_authorization, split_userinfo};
pub(crate) use resolve::{
    ENDPOINT, EXPORT_INTERVAL, HEADERS, INSECURE, METRICS_EXPORTER, PROTOCOL, TIMEOUT,
    TRACES_EXPORTER, parse_bool, resolve,
};

/// Default per-export timeout (that of `OTEL_EXPORTER_OTLP_TIMEOUT`).
pub(crate) const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default metric push interval (that of `OTEL_METRIC_EXPORT_INTERVAL`).
pub(crate) const DEFAULT_EXPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Reads one configuration variable: what the pipeline's `EnvConfig::read` read
/// through the builder's lookup (the process environment, or a map in tests).
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One of the two signals pushed over OTLP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    Metrics,
    Traces,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Metrics => "metrics",
            Signal::Traces => "traces",
        }
    }

    /// The path appended to the general endpoint for OTLP/HTTP.
    fn http_path(self) -> &'static str {
        match self {
            Signal::Metrics => "/v1/metrics",
            Signal::Traces => "/v1/traces",
        }
    }
}

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

    /// The specification's default endpoint of the transport.
    const fn default_endpoint(self) -> &'static str {
        match self {
            OtlpProtocol::Grpc => "http://localhost:4317",
            OtlpProtocol::HttpProtobuf => "http://localhost:4318",
        }
    }
}

impl std::str::FromStr for OtlpProtocol {
    type Err = InitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "grpc" => Ok(OtlpProtocol::Grpc),
            "http/protobuf" => Ok(OtlpProtocol::HttpProtobuf),
            other => Err(InitError::Config(format!(
                "OTLP protocol `{}` is not supported: use `grpc` or `http/protobuf`",
                other.escape_debug()
            ))),
        }
    }
}

/// Values for one signal that replace the general ones of [`OtlpSettings`] (the
/// `OTEL_EXPORTER_OTLP_METRICS_*` and `OTEL_EXPORTER_OTLP_TRACES_*` variables).
/// `None` keeps the general value.
///
/// ```
/// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings, SignalOverrides};
/// let mut s = OtlpSettings::new("http://collector:4317", OtlpProtocol::Grpc);
/// s.traces_overrides = SignalOverrides {
///     protocol: Some(OtlpProtocol::HttpProtobuf),
///     endpoint: Some("http://traces:4318/v1/traces".into()),
///     ..SignalOverrides::default()
/// };
/// assert_eq!(s.traces_endpoint(), "http://traces:4318/v1/traces");
/// assert_eq!(s.metrics_endpoint(), "http://collector:4317");
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct SignalOverrides {
    /// The signal's URL, used as is (nothing appended).
    pub endpoint: Option<String>,
    /// The signal's transport.
    pub protocol: Option<OtlpProtocol>,
    /// The signal's headers; they replace the general headers (not merged).
    pub headers: Option<OtlpHeaders>,
    /// The signal's per-export timeout.
    pub timeout: Option<Duration>,
    /// For a gRPC endpoint without a scheme: `true` connects over `http://`,
    /// `false` over `https://`.
    pub insecure: Option<bool>,
}

impl fmt::Debug for SignalOverrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalOverrides")
            .field("endpoint", &self.endpoint.as_deref().map(redact_userinfo))
            .field("protocol", &self.protocol)
            .field("headers", &self.headers)
            .field("timeout", &self.timeout)
            .field("insecure", &self.insecure)
            .finish()
    }
}

/// Where and how to push OTLP: general values, and per-signal overrides.
///
/// User information in an endpoint URL (`https://user:password@collector:4318`)
/// is sent as an `Authorization: Basic` header (unless an `authorization`
/// header is set) and is never part of the URL pushed to. Everything before the
/// last `@` of an endpoint (after its `http://` or `https://`) is user
/// information, so a password may contain `/`, `?`, `#`, `@` or `:`; write an
/// `@` of a path as `%40`. `Debug` output shows neither header values nor user
/// information.
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
    /// General endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`). For OTLP/HTTP,
    /// `/v1/metrics` and `/v1/traces` are appended to it; for gRPC it is used as
    /// is. A gRPC endpoint without a scheme gets `https://`, or `http://` when
    /// [`OtlpSettings::insecure`] is set.
    pub endpoint: String,
    /// General transport.
    pub protocol: OtlpProtocol,
    /// General headers sent with every export.
    pub headers: OtlpHeaders,
    /// General per-export timeout (connect, send, answer); default 10 s.
    pub timeout: Duration,
    /// For a gRPC endpoint without a scheme: connect over `http://` (default
    /// `false`: `https://`).
    pub insecure: bool,
    /// Metric push interval; default 60 s.
    pub export_interval: Duration,
    /// Push metrics (false when `OTEL_METRICS_EXPORTER=none`).
    pub metrics: bool,
    /// Push spans (false when `OTEL_TRACES_EXPORTER=none`).
    pub traces: bool,
    /// What differs for metrics.
    pub metrics_overrides: SignalOverrides,
    /// What differs for spans.
    pub traces_overrides: SignalOverrides,
}

impl fmt::Debug for OtlpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpSettings")
            .field("endpoint", &redact_userinfo(&self.endpoint))
            .field("protocol", &self.protocol)
            .field("headers", &self.headers)
            .field("timeout", &self.timeout)
            .field("insecure", &self.insecure)
            .field("export_interval", &self.export_interval)
            .field("metrics", &self.metrics)
            .field("traces", &self.traces)
            .field("metrics_overrides", &self.metrics_overrides)
            .field("traces_overrides", &self.traces_overrides)
            .finish()
    }
}

impl OtlpSettings {
    /// Push both signals to `endpoint` over `protocol` every 60 s, each export
    /// bounded by 10 s.
    pub fn new(endpoint: impl Into<String>, protocol: OtlpProtocol) -> Self {
        OtlpSettings {
            endpoint: endpoint.into(),
            protocol,
            headers: OtlpHeaders::default(),
            timeout: DEFAULT_EXPORT_TIMEOUT,
            insecure: false,
            export_interval: DEFAULT_EXPORT_INTERVAL,
            metrics: true,
            traces: true,
            metrics_overrides: SignalOverrides::default(),
            traces_overrides: SignalOverrides::default(),
        }
    }

    /// Sends header `name: value` with every export (gRPC metadata for
    /// [`OtlpProtocol::Grpc`]), e.g. an API key. The value never appears in
    /// `Debug` output, logs or the health report. A signal with headers of its
    /// own ([`SignalOverrides::headers`]) sends those instead.
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

    /// Bounds each export (connect, send, answer); default 10 s. Keep it below
    /// the shutdown timeout ([`crate::TelemetryBuilder::with_shutdown_timeout`],
    /// default 5 s) so the last export at shutdown can finish against a slow
    /// collector.
    ///
    /// ```
    /// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    /// use std::time::Duration;
    /// let s = OtlpSettings::new("http://127.0.0.1:4317", OtlpProtocol::Grpc)
    ///     .with_timeout(Duration::from_secs(2));
    /// assert_eq!(s.timeout, Duration::from_secs(2));
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the metric push interval (greater than 0).
    pub fn with_export_interval(mut self, interval: Duration) -> Self {
        self.export_interval = interval;
        self
    }

    /// Pushes metrics to `endpoint`, used as is (as
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`).
    pub fn with_metrics_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.metrics_overrides.endpoint = Some(endpoint.into());
        self
    }

    /// Pushes spans to `endpoint`, used as is (as
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
    pub fn with_traces_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.traces_overrides.endpoint = Some(endpoint.into());
        self
    }

    /// Pushes metrics over `protocol` (as `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`).
    pub fn with_metrics_protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.metrics_overrides.protocol = Some(protocol);
        self
    }

    /// Pushes spans over `protocol` (as `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`).
    ///
    /// ```
    /// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    /// let s = OtlpSettings::new("http://collector:4317", OtlpProtocol::Grpc)
    ///     .with_traces_protocol(OtlpProtocol::HttpProtobuf)
    ///     .with_traces_endpoint("http://collector:4318/v1/traces");
    /// assert_eq!(s.metrics_protocol(), OtlpProtocol::Grpc);
    /// assert_eq!(s.traces_protocol(), OtlpProtocol::HttpProtobuf);
    /// ```
    pub fn with_traces_protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.traces_overrides.protocol = Some(protocol);
        self
    }

    /// The URL metrics are pushed to. It never contains user information:
    /// that of the configured URL (`http://user:password@host`) is sent as an
    /// `Authorization: Basic` header instead. Safe to log and show.
    ///
    /// ```
    /// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    /// let s = OtlpSettings::new("https://user:pa/ss@collector:4318", OtlpProtocol::HttpProtobuf);
    /// assert_eq!(s.metrics_endpoint(), "https://collector:4318/v1/metrics");
    /// ```
    pub fn metrics_endpoint(&self) -> String {
        self.target(Signal::Metrics).url
    }

    /// The URL spans are pushed to (without user information, as
    /// [`OtlpSettings::metrics_endpoint`]).
    pub fn traces_endpoint(&self) -> String {
        self.target(Signal::Traces).url
    }

    /// The transport of metrics.
    pub fn metrics_protocol(&self) -> OtlpProtocol {
        self.target(Signal::Metrics).protocol
    }

    /// The transport of spans.
    pub fn traces_protocol(&self) -> OtlpProtocol {
        self.target(Signal::Traces).protocol
    }

    /// Whether `signal` is pushed.
    pub(crate) fn enabled(&self, signal: Signal) -> bool {
        match signal {
            Signal::Metrics => self.metrics,
            Signal::Traces => self.traces,
        }
    }

    fn overrides(&self, signal: Signal) -> &SignalOverrides {
        match signal {
            Signal::Metrics => &self.metrics_overrides,
            Signal::Traces => &self.traces_overrides,
        }
    }

    /// Where `signal` goes: its transport, its URL without user information,
    /// and that user information.
    fn target(&self, signal: Signal) -> Target<'_> {
        let overrides = self.overrides(signal);
        let protocol = overrides.protocol.unwrap_or(self.protocol);
        let (endpoint, per_signal) = match &overrides.endpoint {
            Some(endpoint) => (endpoint.trim(), true),
            None => (self.endpoint.trim(), false),
        };
        let (mut url, userinfo) = split_userinfo(endpoint);
        if protocol == OtlpProtocol::Grpc && !has_scheme(&url) {
            let insecure = overrides.insecure.unwrap_or(self.insecure);
            let scheme = if insecure { "http://" } else { "https://" };
            url.insert_str(0, scheme);
        }
        if !per_signal {
            url.truncate(url.trim_end_matches('/').len());
            if protocol == OtlpProtocol::HttpProtobuf {
                url.push_str(signal.http_path());
            }
        }
        Target {
            protocol,
            url,
            userinfo,
        }
    }

    /// Everything the exporter of `signal` is built from, checked: an OTLP/HTTP
    /// URL must be `http://` or `https://`; header names and values must be
    /// valid HTTP (the error names the header, never its value).
    pub(crate) fn signal(&self, signal: Signal) -> Result<SignalConfig, InitError> {
        let Target {
            protocol,
            url,
            userinfo,
        } = self.target(signal);
        let lower = url.to_ascii_lowercase();
        if protocol == OtlpProtocol::HttpProtobuf
            && !(lower.starts_with("http://") || lower.starts_with("https://"))
        {
            return Err(InitError::Config(format!(
                "the OTLP {} endpoint `{}` is not an http:// or https:// URL",
                signal.name(),
                redact_userinfo(&url).escape_debug()
            )));
        }
        let overrides = self.overrides(signal);
        let headers = overrides.headers.as_ref().unwrap_or(&self.headers);
        let mut map = HeaderMap::with_capacity(headers.len() + 1);
        for (name, value) in &headers.entries {
            let parsed = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            );
            let (Ok(name), Ok(mut value)) = parsed else {
                return Err(InitError::Config(format!(
                    "OTLP header `{}` has an invalid name or value (value not shown)",
                    name.escape_debug()
                )));
            };
            value.set_sensitive(true);
            map.insert(name, value);
        }
        if let Some(userinfo) = userinfo.filter(|_| !headers.contains("authorization")) {
            let mut value = basic_authorization(userinfo).map_err(|_| {
                InitError::Config(format!(
                    "the OTLP {} endpoint's user information is invalid (not shown)",
                    signal.name()
                ))
            })?;
            value.set_sensitive(true);
            map.insert(http::header::AUTHORIZATION, value);
        }
        Ok(SignalConfig {
            protocol,
            url,
            headers: map,
            timeout: overrides.timeout.unwrap_or(self.timeout),
        })
    }
}

/// Where one signal goes.
struct Target<'a> {
    protocol: OtlpProtocol,
    /// Without user information.
    url: String,
    userinfo: Option<&'a str>,
}

/// Everything one signal's exporter is built from; nothing is left for the
/// exporter to read from the environment.
pub(crate) struct SignalConfig {
    pub(crate) protocol: OtlpProtocol,
    /// The URL pushed to, without user information.
    pub(crate) url: String,
    /// Exactly the headers to send (values marked sensitive), including
    /// `Authorization: Basic` from the endpoint's user information.
    pub(crate) headers: HeaderMap,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for SignalConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalConfig")
            .field("protocol", &self.protocol)
            .field("url", &self.url)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Whether `text` starts with `scheme://` (scheme: a letter, then letters,
/// digits, `+`, `-` or `.`).
fn has_scheme(text: &str) -> bool {
    let Some(end) = text.find("://") else {
        return false;
    };
    let mut chars = text[..end].chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}
