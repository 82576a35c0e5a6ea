//! Starting the OTLP push (features `otlp-grpc`, `otlp-http`): the exporters
//! built from the resolved settings alone, the wrappers that record each
//! export's outcome, and what the pipeline keeps and stops.

use std::fmt;
use std::sync::Arc;
#[cfg(feature = "otlp-grpc")]
use std::sync::Mutex;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, header};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};

#[cfg(feature = "otlp-http")]
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
#[cfg(feature = "otlp-grpc")]
use opentelemetry_otlp::WithTonicConfig;
#[cfg(feature = "otlp-grpc")]
use opentelemetry_otlp::tonic_types::metadata::MetadataMap;
use opentelemetry_otlp::{ExporterBuildError, MetricExporter, WithExportConfig};
#[cfg(feature = "otlp-http")]
use opentelemetry_otlp::{Protocol, WithHttpConfig};

use super::push::PushLoop;
use super::settings::{Signal, SignalConfig};
use super::{ExportStatus, OtlpProtocol, OtlpSettings, OtlpState, redact_userinfo};
use crate::error::InitError;

/// The `user-agent` of every export (unless the headers set one).
const USER_AGENT: &str = concat!("autobot-otel/", env!("CARGO_PKG_VERSION"));

/// A started OTLP push: what the pipeline keeps and stops.
pub(crate) struct OtlpPush {
    state: OtlpState,
    /// Exports what the reader collects (when metrics are pushed).
    push: Option<PushLoop>,
    /// Exports spans (when spans are pushed).
    tracer_provider: Option<SdkTracerProvider>,
    /// Drives gRPC exports (when a signal uses gRPC).
    #[cfg(feature = "otlp-grpc")]
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

impl OtlpPush {
    /// Settings and export counters.
    pub(crate) fn state(&self) -> &OtlpState {
        &self.state
    }

    /// The tracer provider, when spans are pushed.
    pub(crate) fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.tracer_provider.as_ref()
    }

    /// Flushes (or, with `shutdown`, flushes and stops) the span export, then the
    /// metric push (a last export before the meter provider stops collecting).
    pub(crate) fn stop(&self, shutdown: bool) -> Vec<OTelSdkResult> {
        let traces = self.tracer_provider.as_ref().map(|tp| {
            if shutdown {
                tp.shutdown()
            } else {
                tp.force_flush()
            }
        });
        let pushed = self
            .push
            .as_ref()
            .map(|p| if shutdown { p.shutdown() } else { p.flush() });
        let results = [traces, pushed].into_iter().flatten().collect();
        if shutdown {
            self.release_runtime();
        }
        results
    }

    /// Lets the gRPC runtime go (in the background: dropping a runtime inside
    /// async code panics).
    fn release_runtime(&self) {
        #[cfg(feature = "otlp-grpc")]
        if let Some(rt) = self.runtime.lock().ok().and_then(|mut rt| rt.take()) {
            rt.shutdown_background();
        }
    }
}

impl Drop for OtlpPush {
    fn drop(&mut self) {
        self.release_runtime();
    }
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
        let _entered = runtime.as_ref().map(Runtime::enter);
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
            #[cfg(feature = "otlp-grpc")]
            runtime: Mutex::new(runtime),
        })),
        Err(err) => {
            Runtime::release(runtime);
            Err(err)
        }
    }
}

/// The small runtime gRPC exports run on (one worker thread), so they work the
/// same whether the application runs Tokio, which flavour, or none.
#[cfg(feature = "otlp-grpc")]
type Runtime = tokio::runtime::Runtime;

/// Without gRPC there is no runtime to run.
#[cfg(not(feature = "otlp-grpc"))]
enum Runtime {}

trait ExportRuntime: Sized {
    fn release(runtime: Option<Self>);
}

#[cfg(feature = "otlp-grpc")]
impl ExportRuntime for Runtime {
    /// Lets the runtime go in the background (dropping a runtime inside async
    /// code panics).
    fn release(runtime: Option<Self>) {
        if let Some(rt) = runtime {
            rt.shutdown_background();
        }
    }
}

#[cfg(not(feature = "otlp-grpc"))]
impl ExportRuntime for Runtime {
    fn release(_runtime: Option<Self>) {}
}

#[cfg(not(feature = "otlp-grpc"))]
impl Runtime {
    fn enter(&self) {
        match *self {}
    }
}

#[cfg(feature = "otlp-grpc")]
fn export_runtime() -> Result<Runtime, InitError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("autobot-otel-export")
        .enable_all()
        .build()
        .map_err(InitError::Runtime)
}

#[cfg(not(feature = "otlp-grpc"))]
fn export_runtime() -> Result<Runtime, InitError> {
    Err(missing_transport(OtlpProtocol::Grpc))
}

/// The error of a signal configured for a transport this build lacks.
#[cfg_attr(all(feature = "otlp-grpc", feature = "otlp-http"), allow(dead_code))]
fn missing_transport(protocol: OtlpProtocol) -> InitError {
    let feature = match protocol {
        OtlpProtocol::Grpc => "otlp-grpc",
        OtlpProtocol::HttpProtobuf => "otlp-http",
    };
    InitError::Config(format!(
        "OTLP over `{}` is configured, but autobot-otel was built without its \
         `{feature}` feature",
        protocol.as_str()
    ))
}

/// The OTLP metric exporter of `config`. For gRPC, call inside the export runtime.
fn metric_exporter(config: &SignalConfig) -> Result<MetricExporter, InitError> {
    let built = match config.protocol {
        #[cfg(feature = "otlp-grpc")]
        OtlpProtocol::Grpc => grpc_builder(MetricExporter::builder().with_tonic(), config).build(),
        #[cfg(feature = "otlp-http")]
        OtlpProtocol::HttpProtobuf => {
            http_builder(MetricExporter::builder().with_http(), config)?.build()
        }
        #[allow(unreachable_patterns)]
        other => return Err(missing_transport(other)),
    };
    built.map_err(exporter_error)
}

/// The OTLP span exporter of `config`. For gRPC, call inside the export runtime.
fn span_exporter(config: &SignalConfig) -> Result<opentelemetry_otlp::SpanExporter, InitError> {
    use opentelemetry_otlp::SpanExporter;
    let built = match config.protocol {
        #[cfg(feature = "otlp-grpc")]
        OtlpProtocol::Grpc => grpc_builder(SpanExporter::builder().with_tonic(), config).build(),
        #[cfg(feature = "otlp-http")]
        OtlpProtocol::HttpProtobuf => {
            http_builder(SpanExporter::builder().with_http(), config)?.build()
        }
        #[allow(unreachable_patterns)]
        other => return Err(missing_transport(other)),
    };
    built.map_err(exporter_error)
}

/// The exporter's build error, with user information redacted (its message may
/// quote the endpoint).
fn exporter_error(error: ExporterBuildError) -> InitError {
    InitError::Exporter(redact_userinfo(&error.to_string()).into_owned())
}

/// A gRPC exporter builder given every value of `config`.
#[cfg(feature = "otlp-grpc")]
fn grpc_builder<B: WithExportConfig + WithTonicConfig>(builder: B, config: &SignalConfig) -> B {
    builder
        .with_endpoint(config.url.clone())
        .with_timeout(config.timeout)
        .with_interceptor(explicit_metadata(&config.headers))
}

/// A gRPC interceptor that replaces a request's metadata with exactly
/// `headers` (and our `user-agent`), so the metadata the exporter reads from
/// the `OTEL_EXPORTER_OTLP_*HEADERS` variables by itself is never sent.
#[cfg(feature = "otlp-grpc")]
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
#[cfg(feature = "otlp-http")]
fn http_builder<B: WithExportConfig + WithHttpConfig>(
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
#[cfg(feature = "otlp-http")]
struct ExplicitHeaders {
    client: reqwest::blocking::Client,
    headers: HeaderMap,
}

#[cfg(feature = "otlp-http")]
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
#[cfg(feature = "otlp-http")]
impl fmt::Debug for ExplicitHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExplicitHeaders")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "otlp-http")]
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

/// Records `result` in `status` and passes it on with URL user information
/// redacted from its error.
fn recorded(status: &ExportStatus, result: OTelSdkResult) -> OTelSdkResult {
    status.record(&result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
    redact_error(result)
}

/// A metric exporter that records each export's outcome in an [`ExportStatus`].
pub(crate) struct StatusMetricExporter<E> {
    pub(crate) inner: E,
    pub(crate) status: Arc<ExportStatus>,
}

impl<E: PushMetricExporter> PushMetricExporter for StatusMetricExporter<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        recorded(&self.status, self.inner.export(metrics).await)
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
        recorded(&self.status, self.inner.export(batch).await)
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

    #[cfg(feature = "otlp-grpc")]
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
