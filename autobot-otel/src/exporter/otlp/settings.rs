//! Where and how to push: [`OtlpSettings`] built in code, or resolved from the
//! standard variables by [`resolve`], the only code of this crate that reads
//! `OTEL_EXPORTER_OTLP_*`; the per-signal [`SignalConfig`] the exporters are
//! built from; and [`redact_userinfo`], the one function that removes URL user
//! information from anything printed.
//!
//! The resolution follows the OpenTelemetry Specification 1.55.0, "OpenTelemetry
//! Protocol Exporter" (configuration options, endpoint URLs for OTLP/HTTP) and
//! "Environment Variable Specification" (empty values are unset, booleans,
//! `OTEL_SDK_DISABLED`, `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_*_EXPORTER`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::error::InitError;

/// Default per-export timeout (that of `OTEL_EXPORTER_OTLP_TIMEOUT`).
pub(crate) const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default metric push interval (that of `OTEL_METRIC_EXPORT_INTERVAL`).
pub(crate) const DEFAULT_EXPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Reads one configuration variable (the process environment, or a map in tests).
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment as a [`Lookup`] (values that are not Unicode are unset).
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The variables of one OTLP option: general, then per signal.
struct OptionVars {
    general: &'static str,
    metrics: &'static str,
    traces: &'static str,
}

impl OptionVars {
    fn signal(&self, signal: Signal) -> &'static str {
        match signal {
            Signal::Metrics => self.metrics,
            Signal::Traces => self.traces,
        }
    }
}

const ENDPOINT: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_ENDPOINT",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    traces: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
};
const PROTOCOL: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_PROTOCOL",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    traces: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
};
const HEADERS: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_HEADERS",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    traces: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
};
const TIMEOUT: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_TIMEOUT",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    traces: "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
};
const INSECURE: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_INSECURE",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
    traces: "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
};
const SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
const EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
const METRICS_EXPORTER: &str = "OTEL_METRICS_EXPORTER";
const TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";

/// Every variable [`resolve`] and [`sdk_disabled`] read (the README's
/// configuration table lists each; the tests check both).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const VARIABLES: [&str; 19] = [
    ENDPOINT.general,
    ENDPOINT.metrics,
    ENDPOINT.traces,
    PROTOCOL.general,
    PROTOCOL.metrics,
    PROTOCOL.traces,
    HEADERS.general,
    HEADERS.metrics,
    HEADERS.traces,
    TIMEOUT.general,
    TIMEOUT.metrics,
    TIMEOUT.traces,
    INSECURE.general,
    INSECURE.metrics,
    INSECURE.traces,
    EXPORT_INTERVAL,
    METRICS_EXPORTER,
    TRACES_EXPORTER,
    SDK_DISABLED,
];

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

    /// `OTEL_METRICS_EXPORTER` / `OTEL_TRACES_EXPORTER`.
    fn exporter_var(self) -> &'static str {
        match self {
            Signal::Metrics => METRICS_EXPORTER,
            Signal::Traces => TRACES_EXPORTER,
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

    /// Parses `name=value,name2=value2` (the W3C Baggage shape the
    /// specification gives the `..._HEADERS` variables): whitespace around
    /// entries, names and values is ignored, values are percent-decoded, empty
    /// entries are skipped. An entry without `=`, an empty name or a value that
    /// does not decode to UTF-8 is an error naming `var` (and the header name),
    /// never the value.
    fn parse(var: &str, text: &str) -> Result<OtlpHeaders, InitError> {
        let mut headers = OtlpHeaders::default();
        for (index, entry) in text.split(',').enumerate() {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let Some((name, value)) = entry.split_once('=') else {
                return Err(InitError::Config(format!(
                    "{var}: entry {} is not `name=value` (entry not shown)",
                    index + 1
                )));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(InitError::Config(format!(
                    "{var}: entry {} has an empty header name (entry not shown)",
                    index + 1
                )));
            }
            let value = percent_encoding::percent_decode_str(value.trim())
                .decode_utf8()
                .map_err(|_| {
                    InitError::Config(format!(
                        "{var}: the value of header `{}` is not UTF-8 once percent-decoded \
                         (value not shown)",
                        name.escape_debug()
                    ))
                })?;
            headers.insert(name, value);
        }
        Ok(headers)
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

/// Whether `OTEL_SDK_DISABLED` is `true` (case-insensitive).
pub(crate) fn sdk_disabled(lookup: Lookup<'_>) -> bool {
    parse_bool(lookup(SDK_DISABLED)).unwrap_or(false)
}

/// The OTLP settings the variables describe, or `None` when no endpoint
/// variable is set (then nothing is pushed). Per-signal variables replace the
/// general ones; an empty value is unset; an invalid value is an error naming
/// the variable (header values are never shown).
///
/// Our own decisions on top of the specification: a signal is pushed only when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` or its own endpoint variable is set, and
/// `OTEL_METRICS_EXPORTER` / `OTEL_TRACES_EXPORTER` is not `none`.
pub(crate) fn resolve(lookup: Lookup<'_>) -> Result<Option<OtlpSettings>, InitError> {
    let var = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let base = var(ENDPOINT.general);
    let has_endpoint = |signal: Signal| base.is_some() || var(ENDPOINT.signal(signal)).is_some();
    if !has_endpoint(Signal::Metrics) && !has_endpoint(Signal::Traces) {
        return Ok(None);
    }
    let protocol_of = |name: &str| {
        var(name)
            .map(|p| p.parse::<OtlpProtocol>())
            .transpose()
            .map_err(|e| match e {
                InitError::Config(message) => InitError::Config(format!("{name}: {message}")),
                other => other,
            })
    };
    let headers = |name: &str| {
        var(name)
            .map(|text| OtlpHeaders::parse(name, &text))
            .transpose()
    };
    let overrides = |signal: Signal| -> Result<SignalOverrides, InitError> {
        Ok(SignalOverrides {
            endpoint: var(ENDPOINT.signal(signal)),
            protocol: protocol_of(PROTOCOL.signal(signal))?,
            headers: headers(HEADERS.signal(signal))?,
            timeout: parse_millis(TIMEOUT.signal(signal), var(TIMEOUT.signal(signal)))?,
            insecure: parse_bool(var(INSECURE.signal(signal))),
        })
    };
    let protocol = protocol_of(PROTOCOL.general)?.unwrap_or(OtlpProtocol::HttpProtobuf);
    let pushed = |signal: Signal| {
        has_endpoint(signal)
            && var(signal.exporter_var()).is_none_or(|v| !v.eq_ignore_ascii_case("none"))
    };
    Ok(Some(OtlpSettings {
        endpoint: base
            .clone()
            .unwrap_or_else(|| protocol.default_endpoint().to_string()),
        protocol,
        headers: headers(HEADERS.general)?.unwrap_or_default(),
        timeout: parse_millis(TIMEOUT.general, var(TIMEOUT.general))?
            .unwrap_or(DEFAULT_EXPORT_TIMEOUT),
        insecure: parse_bool(var(INSECURE.general)).unwrap_or(false),
        export_interval: parse_millis(EXPORT_INTERVAL, var(EXPORT_INTERVAL))?
            .unwrap_or(DEFAULT_EXPORT_INTERVAL),
        metrics: pushed(Signal::Metrics),
        traces: pushed(Signal::Traces),
        metrics_overrides: overrides(Signal::Metrics)?,
        traces_overrides: overrides(Signal::Traces)?,
    }))
}

/// A whole number of milliseconds greater than 0.
fn parse_millis(name: &str, value: Option<String>) -> Result<Option<Duration>, InitError> {
    let Some(value) = value else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms))),
        _ => Err(InitError::Config(format!(
            "{name} must be a whole number of milliseconds greater than 0, got `{}`",
            value.escape_debug()
        ))),
    }
}

/// The specification's boolean: `true` (any case) is true, anything else false.
fn parse_bool(value: Option<String>) -> Option<bool> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().eq_ignore_ascii_case("true"))
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

/// Where the user information of `text` is: from after a leading `http://` or
/// `https://` (any case; from the start when `text` does not start with one)
/// to the last `@`. It contains every `user:password@` of `text`, however
/// malformed (user information with `/ ? # @ :`, whitespace or
/// percent-escapes, no scheme, another scheme, several URLs, a URL inside an
/// error message): user information always ends at an `@` no later than the
/// last one, and never starts before a leading `http://`. Other schemes are not
/// skipped, since `user:x://y@host` may as well be user information. The span
/// may contain more (a path with an unencoded `@`, the text before a URL): we
/// redact too much rather than too little.
fn userinfo_span(text: &str) -> Option<Range<usize>> {
    let at = text.rfind('@')?;
    let starts_with = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let start = if starts_with("http://") {
        7
    } else if starts_with("https://") {
        8
    } else {
        0
    };
    (start < at).then_some(start..at)
}

/// `text` with its user information (see [`userinfo_span`]) replaced by
/// `<redacted>`: `http://user:pa/ss@host/x` becomes `http://<redacted>@host/x`.
/// Every endpoint, and every error or log text that may quote one, goes through
/// this before it is printed.
pub(crate) fn redact_userinfo(text: &str) -> Cow<'_, str> {
    match userinfo_span(text) {
        Some(span) => Cow::Owned(format!(
            "{}<redacted>{}",
            &text[..span.start],
            &text[span.end..]
        )),
        None => Cow::Borrowed(text),
    }
}

/// Splits an endpoint into the URL without user information (see
/// [`userinfo_span`]) and that user information.
fn split_userinfo(endpoint: &str) -> (String, Option<&str>) {
    match userinfo_span(endpoint) {
        Some(span) => (
            format!("{}{}", &endpoint[..span.start], &endpoint[span.end + 1..]),
            Some(&endpoint[span]),
        ),
        None => (endpoint.to_string(), None),
    }
}

/// `Basic base64(user:password)` from percent-encoded URL user information
/// (the user ends at the first `:`).
fn basic_authorization(userinfo: &str) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    use base64::Engine as _;
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let mut plain: Vec<u8> = percent_encoding::percent_decode_str(user).collect();
    plain.push(b':');
    plain.extend(percent_encoding::percent_decode_str(password));
    let encoded = base64::engine::general_purpose::STANDARD.encode(plain);
    HeaderValue::try_from(format!("Basic {encoded}"))
}

#[cfg(test)]
mod tests;
