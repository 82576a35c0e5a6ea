//! OTLP push: [`OtlpSettings`] (in code, or from the standard `OTEL_*`
//! variables, which the README's configuration table lists with their
//! defaults), the metric and span exporters (gRPC or HTTP/protobuf, chosen per
//! signal), and the export status that the health endpoint reports.
//!
//! Every setting is resolved once, per signal, by one function over the
//! variables (following the OpenTelemetry Specification 1.55.0, "OpenTelemetry
//! Protocol Exporter"), and the exporters are built from its result alone:
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

mod push;
mod settings;
mod status;

use std::fmt;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::tonic_types::metadata::MetadataMap;
use opentelemetry_otlp::{
    ExporterBuildError, MetricExporter, Protocol, SpanExporter, WithExportConfig, WithHttpConfig,
    WithTonicConfig,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};

use crate::error::InitError;
pub(crate) use push::PushLoop;
pub use settings::{OtlpHeaders, OtlpProtocol, OtlpSettings, SignalOverrides};
use settings::{Signal, SignalConfig};
pub(crate) use settings::{process_env, redact_userinfo, resolve, sdk_disabled};
pub use status::{ExportError, ExportStatus, ExportStatusSnapshot};
use status::{StatusMetricExporter, StatusSpanExporter};

/// The `user-agent` of every export (unless the headers set one).
const USER_AGENT: &str = concat!("autobot-otel/", env!("CARGO_PKG_VERSION"));

/// The OTLP push of a pipeline as the health report and the self-metrics see it.
pub(crate) struct OtlpState {
    pub(crate) settings: OtlpSettings,
    pub(crate) metrics_status: Arc<ExportStatus>,
    pub(crate) traces_status: Arc<ExportStatus>,
}

/// A started OTLP push: what the pipeline keeps and stops.
pub(crate) struct OtlpPush {
    pub(crate) state: OtlpState,
    /// Exports what the reader collects (when metrics are pushed).
    pub(crate) push: Option<PushLoop>,
    /// Exports spans (when spans are pushed).
    pub(crate) tracer_provider: Option<SdkTracerProvider>,
    /// Drives gRPC exports (when a signal uses gRPC).
    pub(crate) runtime: Option<tokio::runtime::Runtime>,
}

/// Builds the exporters `settings` ask for and starts pushing what `reader`
/// collects; `None` when no signal is pushed. Every setting is checked before
/// anything starts.
pub(crate) fn start(
    settings: OtlpSettings,
    resource: &Resource,
    reader: Arc<dyn MetricReader>,
) -> Result<Option<OtlpPush>, InitError> {
    let config = |signal| {
        settings
            .enabled(signal)
            .then(|| settings.signal(signal))
            .transpose()
    };
    let (metrics, traces) = (config(Signal::Metrics)?, config(Signal::Traces)?);
    if metrics.is_none() && traces.is_none() {
        return Ok(None);
    }
    if metrics.is_some() && settings.export_interval.is_zero() {
        return Err(InitError::Config(
            "the OTLP metric export interval must be greater than 0".into(),
        ));
    }
    let grpc = [&metrics, &traces]
        .into_iter()
        .flatten()
        .any(|c| c.protocol == OtlpProtocol::Grpc);
    let runtime = if grpc { Some(export_runtime()?) } else { None };
    let metrics_status = Arc::new(ExportStatus::default());
    let traces_status = Arc::new(ExportStatus::default());
    let started = {
        // tonic's channels need the runtime when they are built.
        let _entered = runtime.as_ref().map(|rt| rt.enter());
        (|| {
            let metric_exporter = metrics.as_ref().map(metric_exporter).transpose()?;
            let span_exporter = traces.as_ref().map(span_exporter).transpose()?;
            let push = metric_exporter
                .map(|inner| {
                    let exporter = StatusMetricExporter {
                        inner,
                        status: metrics_status.clone(),
                    };
                    PushLoop::start(reader, exporter, settings.export_interval)
                })
                .transpose()?;
            let tracer_provider = span_exporter.map(|inner| {
                let exporter = StatusSpanExporter {
                    inner,
                    status: traces_status.clone(),
                };
                SdkTracerProvider::builder()
                    .with_resource(resource.clone())
                    .with_span_processor(BatchSpanProcessor::builder(exporter).build())
                    .build()
            });
            Ok::<_, InitError>((push, tracer_provider))
        })()
    };
    match started {
        Ok((push, tracer_provider)) => Ok(Some(OtlpPush {
            state: OtlpState {
                settings,
                metrics_status,
                traces_status,
            },
            push,
            tracer_provider,
            runtime,
        })),
        Err(err) => {
            // Dropping a runtime inside async code panics.
            if let Some(rt) = runtime {
                rt.shutdown_background();
            }
            Err(err)
        }
    }
}

fn export_runtime() -> Result<tokio::runtime::Runtime, InitError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("autobot-otel-export")
        .enable_all()
        .build()
        .map_err(InitError::Runtime)
}

/// The OTLP metric exporter of `config`. For gRPC, call inside the export runtime.
fn metric_exporter(config: &SignalConfig) -> Result<MetricExporter, InitError> {
    let built = match config.protocol {
        OtlpProtocol::Grpc => tonic(MetricExporter::builder().with_tonic(), config).build(),
        OtlpProtocol::HttpProtobuf => http(MetricExporter::builder().with_http(), config)?.build(),
    };
    built.map_err(exporter_error)
}

/// The OTLP span exporter of `config`. For gRPC, call inside the export runtime.
fn span_exporter(config: &SignalConfig) -> Result<SpanExporter, InitError> {
    let built = match config.protocol {
        OtlpProtocol::Grpc => tonic(SpanExporter::builder().with_tonic(), config).build(),
        OtlpProtocol::HttpProtobuf => http(SpanExporter::builder().with_http(), config)?.build(),
    };
    built.map_err(exporter_error)
}

/// The exporter's build error, with user information redacted (its message may
/// quote the endpoint).
fn exporter_error(error: ExporterBuildError) -> InitError {
    InitError::Exporter(redact_userinfo(&error.to_string()).into_owned())
}

/// A gRPC exporter builder given every value of `config`.
fn tonic<B: WithExportConfig + WithTonicConfig>(builder: B, config: &SignalConfig) -> B {
    builder
        .with_endpoint(config.url.clone())
        .with_timeout(config.timeout)
        .with_interceptor(explicit_metadata(&config.headers))
}

/// A gRPC interceptor that replaces a request's metadata with exactly
/// `headers` (and our `user-agent`), so the metadata the exporter reads from
/// the `OTEL_EXPORTER_OTLP_*HEADERS` variables by itself is never sent.
fn explicit_metadata(
    headers: &HeaderMap,
) -> impl FnMut(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status>
+ Clone
+ Send
+ Sync
+ 'static {
    let metadata = MetadataMap::from_headers(with_user_agent(headers));
    move |mut request| {
        *request.metadata_mut() = metadata.clone();
        Ok(request)
    }
}

/// An OTLP/HTTP exporter builder given every value of `config`, sending through
/// [`ExplicitHeaders`].
fn http<B: WithExportConfig + WithHttpConfig>(
    builder: B,
    config: &SignalConfig,
) -> Result<B, InitError> {
    Ok(builder
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(config.url.clone())
        .with_timeout(config.timeout)
        .with_http_client(ExplicitHeaders::new(config)?))
}

/// `headers` plus our `user-agent` unless they name one.
fn with_user_agent(headers: &HeaderMap) -> HeaderMap {
    let mut headers = headers.clone();
    if !headers.contains_key(header::USER_AGENT) {
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    }
    headers
}

/// The HTTP client of the OTLP/HTTP exporters. It sends exactly the resolved
/// headers: the exporter adds the `OTEL_EXPORTER_OTLP_*HEADERS` variables to
/// every request by itself, so this client keeps only the body's content type
/// and encoding from the request it is given and sets the rest.
struct ExplicitHeaders {
    client: reqwest::blocking::Client,
    headers: HeaderMap,
}

impl ExplicitHeaders {
    fn new(config: &SignalConfig) -> Result<ExplicitHeaders, InitError> {
        let timeout = config.timeout;
        // The blocking client runs a runtime of its own: build it on a thread of
        // its own, outside any async context of the caller (as the exporter does).
        let client = std::thread::Builder::new()
            .name("autobot-otel-http-client".into())
            .spawn(move || {
                reqwest::blocking::Client::builder()
                    .timeout(timeout)
                    .build()
            })
            .map_err(InitError::Runtime)?
            .join()
            .map_err(|_| InitError::Exporter("building the HTTP client panicked".into()))?
            .map_err(|e| {
                let message = format!("cannot build the HTTP client: {e}");
                InitError::Exporter(redact_userinfo(&message).into_owned())
            })?;
        Ok(ExplicitHeaders {
            client,
            headers: with_user_agent(&config.headers),
        })
    }
}

// Names only: the values are credentials.
impl fmt::Debug for ExplicitHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExplicitHeaders")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl HttpClient for ExplicitHeaders {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (mut parts, body) = request.into_parts();
        let from_exporter = std::mem::take(&mut parts.headers);
        for name in [header::CONTENT_TYPE, header::CONTENT_ENCODING] {
            if let Some(value) = from_exporter.get(&name) {
                parts.headers.insert(name, value.clone());
            }
        }
        parts.headers.extend(self.headers.clone());
        self.client
            .send_bytes(Request::from_parts(parts, body))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_requests_carry_exactly_the_resolved_metadata() {
        let mut headers = HeaderMap::new();
        headers.insert("x-key", HeaderValue::from_static("resolved"));
        let mut intercept = explicit_metadata(&headers);
        let mut request = tonic::Request::new(());
        // What the exporter adds from the environment by itself.
        request
            .metadata_mut()
            .insert("x-from-env", "leak".parse().unwrap());
        request
            .metadata_mut()
            .insert("x-key", "from-env".parse().unwrap());
        let sent = intercept(request).unwrap().into_parts().0.into_headers();
        let mut names: Vec<_> = sent.keys().map(|k| k.as_str()).collect();
        names.sort();
        assert_eq!(names, ["user-agent", "x-key"]);
        assert_eq!(sent["x-key"], "resolved");
        assert_eq!(sent["user-agent"], USER_AGENT);
    }
}
