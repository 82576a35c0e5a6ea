//! OTLP push: [`OtlpSettings`] (in code, or from the standard `OTEL_*`
//! variables, which the README's configuration table lists with their
//! defaults), the metric and span exporters (gRPC or HTTP/protobuf, chosen per
//! signal), and the export status that the health endpoint reports.
//!
//! Every setting is resolved once, per signal, by one function over the
//! variables (following the OpenTelemetry Specification 1.55.0, "OpenTelemetry
//! Protocol Exporter"; the variables are read through the builder's lookup with
//! all the others, see [`crate::ENV_VARIABLES`]), and the exporters are
//! built from its result alone:
//! endpoint, protocol, timeout and headers are always passed explicitly, and the
//! headers actually sent are exactly the resolved ones (the exporter library
//! would otherwise add the `OTEL_EXPORTER_OTLP_*HEADERS` variables to every
//! request by itself, even to settings given in code). The library still looks
//! at `OTEL_EXPORTER_OTLP_*COMPRESSION` and `..._INSECURE` on its own; neither
//! can act: it is built without compression support, and it is never given an
//! endpoint without a scheme.
//!
//! gRPC exports run on a small runtime of this crate's own (one worker thread),
//! so they work the same whether the application runs Tokio, which flavour, or
//! none.
//!
//! Credentials stay secret: header values ([`OtlpSettings::with_header`] or the
//! `..._HEADERS` variables) and the user information of an endpoint URL
//! (`https://user:password@collector:4318`, sent as `Authorization: Basic`) never
//! appear in `Debug` output, in the health report, in logged and recorded export
//! errors, or in build and shutdown errors.
//!
//! ```
//! use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
//! let settings = OtlpSettings::new("http://127.0.0.1:4317", OtlpProtocol::Grpc);
//! assert_eq!(settings.metrics_endpoint(), "http://127.0.0.1:4317");
//! let http = OtlpSettings::new("http://127.0.0.1:4318/", OtlpProtocol::HttpProtobuf);
//! assert_eq!(http.metrics_endpoint(), "http://127.0.0.1:4318/v1/metrics");
//! ```

// Built without the OTLP features too (a configured endpoint is then a clear
// error), where the parts only the exporters use are idle.
#[cfg_attr(not(feature = "_otlp"), allow(dead_code))]
mod settings;
#[cfg_attr(not(feature = "_otlp"), allow(dead_code))]
mod status;

#[cfg(feature = "_otlp")]
mod exporters;
#[cfg(feature = "_otlp")]
mod push;

use std::sync::Arc;

pub(crate) use settings::{
    ENDPOINT, EXPORT_INTERVAL, HEADERS, INSECURE, METRICS_EXPORTER, PROTOCOL, TIMEOUT,
    TRACES_EXPORTER, parse_bool, redact_userinfo, resolve,
};
pub use settings::{OtlpHeaders, OtlpProtocol, OtlpSettings, SignalOverrides};
pub(crate) use status::ExportStatus;
pub use status::{ExportError, ExportStatusSnapshot};

#[cfg(feature = "_otlp")]
pub(crate) use exporters::{OtlpPush, start};

/// The OTLP push of a pipeline as the health report and the self-metrics see it.
pub(crate) struct OtlpState {
    pub(crate) settings: OtlpSettings,
    pub(crate) metrics_status: Arc<ExportStatus>,
    pub(crate) traces_status: Arc<ExportStatus>,
}

/// Without the OTLP features there is no push to start: a configured signal is
/// an error that names the features (no silent loss of the configuration).
#[cfg(not(feature = "_otlp"))]
pub(crate) fn start(
    settings: OtlpSettings,
    _resource: &opentelemetry_sdk::Resource,
    _reader: Arc<dyn opentelemetry_sdk::metrics::reader::MetricReader>,
) -> Result<Option<OtlpPush>, crate::error::InitError> {
    if settings.metrics || settings.traces {
        return Err(crate::error::InitError::Config(
            "an OTLP endpoint is configured, but autobot-otel was built without OTLP \
             support: enable its `otlp-grpc` or `otlp-http` feature, or configure no \
             endpoint"
                .into(),
        ));
    }
    Ok(None)
}

/// No push without the OTLP features: a type with no values.
#[cfg(not(feature = "_otlp"))]
pub(crate) enum OtlpPush {}

#[cfg(not(feature = "_otlp"))]
impl OtlpPush {
    pub(crate) fn state(&self) -> &OtlpState {
        match *self {}
    }

    pub(crate) fn stop(&self, _shutdown: bool) -> Vec<opentelemetry_sdk::error::OTelSdkResult> {
        match *self {}
    }
}
