//! [`ServerMetricsLayer`]: the OpenTelemetry HTTP server conventions' metrics
//! for an axum (or any tower) HTTP service.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tokio::time::Instant;

use crate::Telemetry;
use crate::catalog::http_server::{OTHER_METHOD, request_method};
use crate::manager::http_server::{ActiveSeries, Finished};

/// The `error.type` of a request whose handler panicked (the panic goes on
/// unwinding after it is recorded).
pub const PANIC_ERROR_TYPE: &str = "panic";
/// The `error.type` of a request dropped before it was answered (the client
/// went away, a timeout layer outside gave up, the server shut down).
pub const CANCELLED_ERROR_TYPE: &str = "cancelled";

/// A [`tower_layer::Layer`] recording, for every request of the service it
/// wraps, the OpenTelemetry HTTP server conventions' metrics
/// ([`crate::catalog::http_server`]) into a pipeline, for the scrape and the
/// OTLP push like every family:
///
/// - `http.server.request.duration` (unit `s`, the conventions' buckets
///   0.005 … 10; scrape `http_server_request_duration_seconds`), with
///   `http.request.method` (the conventions' known methods, any other
///   `_OTHER`; see [`ServerMetricsLayer::with_known_methods`]), `http.route` (axum's [`MatchedPath`] template, e.g.
///   `/users/{id}`, never the raw path; left out when no route matched, e.g.
///   a `404` from the fallback), `http.response.status_code` (left out when no
///   response was sent), `error.type` (the status code as a string for `5xx`;
///   the inner service's error type name ([`std::any::type_name`]) when it
///   returned `Err`; [`PANIC_ERROR_TYPE`] when its future panicked;
///   [`CANCELLED_ERROR_TYPE`] when the request was dropped unanswered; left
///   out otherwise) and `url.scheme` (the request URI's `http`/`https` when
///   absolute, else the layer's: `http`, or `https` after
///   [`ServerMetricsLayer::https`]);
/// - `http.server.active_requests` (scrape `http_server_active_requests`, a
///   gauge) with `http.request.method` and `url.scheme`: up when the request
///   reaches the layer, down exactly once when it is answered, fails,
///   panics, or is dropped (a guard on drop).
///
/// The duration runs from the call of the service to its response (headers),
/// not to the end of a streamed body. Each metric keeps at most its series
/// limit (1000 and 40 label sets); further ones go to one
/// `otel_metric_overflow="true"` series. Apply it with [`axum::Router::layer`]
/// to count unmatched requests too (they have no `http.route`), or with
/// [`axum::Router::route_layer`] for matched routes only. The monitoring
/// endpoints ([`crate::http::router`]) use it: their requests appear as
/// `http_route="/api/monitoring/metrics"` and
/// `http_route="/api/monitoring/health/metrics"`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use autobot_otel::http::ServerMetricsLayer;
/// use axum::{Router, routing::get, body::Body, http::Request};
/// use tower::ServiceExt as _;
///
/// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
/// let app = Router::new()
///     .route("/users/{id}", get(|| async { "hi" }))
///     .layer(ServerMetricsLayer::new(&telemetry));
/// let response = app.oneshot(Request::get("/users/7").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(response.status(), 200);
/// let text = telemetry.render(autobot_otel::Exposition::Text);
/// assert!(text.contains(r#"http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",url_scheme="http"} 1"#));
/// assert!(text.contains(r#"http_server_active_requests{http_request_method="GET",url_scheme="http"} 0"#));
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct ServerMetricsLayer {
    telemetry: Telemetry,
    scheme: &'static str,
    /// The methods recorded as themselves (`None`: the conventions').
    known_methods: Option<&'static [&'static str]>,
}

impl ServerMetricsLayer {
    /// A layer recording into `telemetry`'s pipeline (a disabled pipeline
    /// records nothing), with `url.scheme` `http` for requests whose URI has
    /// no scheme.
    ///
    /// ```
    /// let layer = autobot_otel::http::ServerMetricsLayer::new(&autobot_otel::global());
    /// # drop(layer);
    /// ```
    pub fn new(telemetry: &Telemetry) -> ServerMetricsLayer {
        ServerMetricsLayer {
            telemetry: telemetry.clone(),
            scheme: "http",
            known_methods: None,
        }
    }

    /// Replaces the known methods (by default the conventions' ten,
    /// [`KNOWN_METHODS`](crate::catalog::http_server::KNOWN_METHODS)): a
    /// request whose method is not in `methods` (compared case-sensitively) is
    /// recorded as `_OTHER`. The conventions require this override for an
    /// instrumentation that may turn valid methods into `_OTHER`. The active
    /// requests' series limit (40) still bounds what a long list can add.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use autobot_otel::http::ServerMetricsLayer;
    /// use axum::{Router, routing::any, body::Body, http::Request};
    /// use tower::ServiceExt as _;
    ///
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let app = Router::new()
    ///     .route("/cache", any(|| async { "purged" }))
    ///     .layer(ServerMetricsLayer::new(&t).with_known_methods(&["GET", "PURGE"]));
    /// let purge = Request::builder().method("PURGE").uri("/cache").body(Body::empty()).unwrap();
    /// app.clone().oneshot(purge).await.unwrap();
    /// let post = Request::post("/cache").body(Body::empty()).unwrap();
    /// app.oneshot(post).await.unwrap();
    /// let text = t.render(autobot_otel::Exposition::Text);
    /// assert!(text.contains(r#"http_server_active_requests{http_request_method="PURGE",url_scheme="http"} 0"#));
    /// assert!(text.contains(r#"http_server_active_requests{http_request_method="_OTHER",url_scheme="http"} 0"#));
    /// # });
    /// ```
    pub fn with_known_methods(mut self, methods: &'static [&'static str]) -> ServerMetricsLayer {
        self.known_methods = Some(methods);
        self
    }

    /// `url.scheme` `https` for requests whose URI has no scheme (a server
    /// behind TLS: the request line of HTTP/1.1 carries only the path).
    ///
    /// ```
    /// let layer = autobot_otel::http::ServerMetricsLayer::new(&autobot_otel::global()).https();
    /// # drop(layer);
    /// ```
    pub fn https(mut self) -> ServerMetricsLayer {
        self.scheme = "https";
        self
    }
}

impl<S> tower_layer::Layer<S> for ServerMetricsLayer {
    type Service = ServerMetrics<S>;

    fn layer(&self, inner: S) -> ServerMetrics<S> {
        ServerMetrics {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`ServerMetricsLayer`] wraps around another.
#[derive(Clone, Debug)]
pub struct ServerMetrics<S> {
    inner: S,
    layer: ServerMetricsLayer,
}

impl<S, B, R> tower_service::Service<Request<B>> for ServerMetrics<S>
where
    S: tower_service::Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = ServerMetricsFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let method = match self.layer.known_methods {
            None => request_method(request.method().as_str()),
            Some(known) => known
                .iter()
                .find(|m| **m == request.method().as_str())
                .copied()
                .unwrap_or(OTHER_METHOD),
        };
        let scheme = match request.uri().scheme_str() {
            Some("https") => "https",
            Some("http") => "http",
            _ => self.layer.scheme,
        };
        let route = request.extensions().get::<MatchedPath>().cloned();
        let telemetry = &self.layer.telemetry;
        let active = telemetry.metrics().http_server().started(method, scheme);
        let guard = Guard {
            telemetry: telemetry.clone(),
            active,
            start: Instant::now(),
            method,
            scheme,
            route,
            done: false,
        };
        ServerMetricsFuture {
            inner: self.inner.call(request),
            guard,
            _error: std::marker::PhantomData,
        }
    }
}

/// Records the request once: when it ends, or when it is dropped.
struct Guard {
    telemetry: Telemetry,
    active: Arc<ActiveSeries>,
    start: Instant,
    method: &'static str,
    scheme: &'static str,
    route: Option<MatchedPath>,
    done: bool,
}

impl Guard {
    fn finish(&mut self, status: Option<u16>, error_type: Option<&str>) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let metrics = self.telemetry.metrics();
        let request = Finished {
            method: self.method,
            route: self.route.as_ref().map(MatchedPath::as_str),
            status,
            error_type,
            scheme: self.scheme,
        };
        let seconds = self.start.elapsed().as_secs_f64();
        metrics
            .http_server()
            .ended(metrics.diagnostics(), &self.active, &request, seconds);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.finish(None, Some(CANCELLED_ERROR_TYPE));
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ServerMetrics`].
    pub struct ServerMetricsFuture<F, E> {
        #[pin]
        inner: F,
        guard: Guard,
        _error: std::marker::PhantomData<fn() -> E>,
    }
}

impl<F, E, R> Future for ServerMetricsFuture<F, E>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx)));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(response))) => {
                let status = response.status();
                let mut code = itoa::Buffer::new();
                let error_type = status
                    .is_server_error()
                    .then(|| code.format(status.as_u16()));
                this.guard.finish(Some(status.as_u16()), error_type);
                Poll::Ready(Ok(response))
            }
            Ok(Poll::Ready(Err(error))) => {
                this.guard.finish(None, Some(std::any::type_name::<E>()));
                Poll::Ready(Err(error))
            }
            Err(panic) => {
                this.guard.finish(None, Some(PANIC_ERROR_TYPE));
                std::panic::resume_unwind(panic)
            }
        }
    }
}

impl<F, E> std::fmt::Debug for ServerMetricsFuture<F, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerMetricsFuture")
            .field("method", &self.guard.method)
            .field("done", &self.guard.done)
            .finish_non_exhaustive()
    }
}
