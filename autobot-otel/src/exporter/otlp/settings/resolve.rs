//! [`resolve`]: the OTLP settings the standard variables describe, the only
//! code of this crate that names `OTEL_EXPORTER_OTLP_*` (the configuration
//! table, `crate::ENV_VARIABLES`, refers to the names defined here, and
//! `crate::pipeline`'s `EnvConfig::read` is what calls [`resolve`], over the
//! variables it read through the builder's lookup).
//!
//! The resolution follows the OpenTelemetry Specification 1.55.0, "OpenTelemetry
//! Protocol Exporter" (configuration options, endpoint URLs for OTLP/HTTP) and
//! "Environment Variable Specification" (empty values are unset, booleans,
//! `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_*_EXPORTER`).

use std::time::Duration;

use super::{
    DEFAULT_EXPORT_INTERVAL, DEFAULT_EXPORT_TIMEOUT, Lookup, OtlpHeaders, OtlpProtocol,
    OtlpSettings, Signal, SignalOverrides,
};
use crate::error::InitError;

/// The variables of one OTLP option: general, then per signal.
pub(crate) struct OptionVars {
    pub(crate) general: &'static str,
    pub(crate) metrics: &'static str,
    pub(crate) traces: &'static str,
}

impl OptionVars {
    fn signal(&self, signal: Signal) -> &'static str {
        match signal {
            Signal::Metrics => self.metrics,
            Signal::Traces => self.traces,
        }
    }
}

pub(crate) const ENDPOINT: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_ENDPOINT",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    traces: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
};
pub(crate) const PROTOCOL: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_PROTOCOL",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    traces: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
};
pub(crate) const HEADERS: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_HEADERS",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    traces: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
};
pub(crate) const TIMEOUT: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_TIMEOUT",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    traces: "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
};
pub(crate) const INSECURE: OptionVars = OptionVars {
    general: "OTEL_EXPORTER_OTLP_INSECURE",
    metrics: "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
    traces: "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
};
pub(crate) const EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
pub(crate) const METRICS_EXPORTER: &str = "OTEL_METRICS_EXPORTER";
pub(crate) const TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";

impl Signal {
    /// `OTEL_METRICS_EXPORTER` / `OTEL_TRACES_EXPORTER`.
    fn exporter_var(self) -> &'static str {
        match self {
            Signal::Metrics => METRICS_EXPORTER,
            Signal::Traces => TRACES_EXPORTER,
        }
    }
}

impl OtlpHeaders {
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
pub(crate) fn parse_bool(value: Option<String>) -> Option<bool> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().eq_ignore_ascii_case("true"))
}
