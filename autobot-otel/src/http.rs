//! The two monitoring endpoints, as an axum [`Router`] to mount in your app or as
//! a standalone server (default `127.0.0.1:8001`, as in the guide).
//!
//! - `GET /api/monitoring/metrics`: the Prometheus text format
//!   (`text/plain; version=0.0.4; charset=utf-8`).
//! - `GET /api/monitoring/health/metrics`: the [`crate::health::HealthReport`] as JSON.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use autobot_otel::http;
//!
//! let telemetry = autobot_otel::global().clone();
//! // Mount into an existing app...
//! let app = axum::Router::new().merge(http::router(telemetry.clone()));
//! # drop(app);
//! // ...or run the standalone server.
//! let server = http::MetricsServer::bind(http::DEFAULT_ADDR, telemetry).await?;
//! println!("metrics on http://{}", server.local_addr());
//! server.run_until(std::future::pending()).await
//! # }
//! ```

use std::future::Future;
use std::net::SocketAddr;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::health::{HEALTH_PATH, METRICS_PATH};
use crate::pipeline::{PROMETHEUS_CONTENT_TYPE, Telemetry};

/// Default listen address of the standalone server (loopback only).
pub const DEFAULT_ADDR: &str = "127.0.0.1:8001";

/// Default cap on scrapes and health checks served at the same time.
pub const DEFAULT_MAX_CONCURRENT_SCRAPES: usize = 8;

/// How the endpoints guard themselves.
///
/// - `bearer_token`: when set, requests must send `Authorization: Bearer <token>`
///   (compared in constant time); others get `401` with `WWW-Authenticate: Bearer`.
///   The token never appears in `Debug` output.
/// - `max_concurrent_scrapes`: requests past it get `503` with `Retry-After: 1`
///   instead of queueing CPU work (default [`DEFAULT_MAX_CONCURRENT_SCRAPES`]).
///
/// Wrong methods get `405`, unknown paths `404`, oversized headers `431` (hyper's
/// limits), and nothing a client sends can make a handler panic.
///
/// ```
/// use autobot_otel::http::EndpointOptions;
/// let options = EndpointOptions::default().with_bearer_token("s3cret").with_max_concurrent_scrapes(4);
/// assert!(!format!("{options:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct EndpointOptions {
    bearer_token: Option<Arc<[u8]>>,
    max_concurrent_scrapes: usize,
}

impl Default for EndpointOptions {
    fn default() -> Self {
        EndpointOptions {
            bearer_token: None,
            max_concurrent_scrapes: DEFAULT_MAX_CONCURRENT_SCRAPES,
        }
    }
}

impl std::fmt::Debug for EndpointOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointOptions")
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .field("max_concurrent_scrapes", &self.max_concurrent_scrapes)
            .finish()
    }
}

impl EndpointOptions {
    /// Requires `Authorization: Bearer <token>`.
    pub fn with_bearer_token(mut self, token: impl AsRef<str>) -> Self {
        self.bearer_token = Some(Arc::from(token.as_ref().as_bytes()));
        self
    }

    /// Serves at most `n` requests at once (503 past it).
    pub fn with_max_concurrent_scrapes(mut self, n: usize) -> Self {
        self.max_concurrent_scrapes = n;
        self
    }
}

#[derive(Clone)]
struct AppState {
    telemetry: Telemetry,
    token: Option<Arc<[u8]>>,
    permits: Arc<tokio::sync::Semaphore>,
}

/// A router serving both endpoints for `telemetry`, with the default options.
///
/// ```
/// let app: axum::Router = autobot_otel::http::router(autobot_otel::global().clone());
/// # drop(app);
/// ```
pub fn router(telemetry: Telemetry) -> Router {
    router_with(telemetry, EndpointOptions::default())
}

/// A router serving both endpoints for `telemetry`, guarded as `options` says.
///
/// ```
/// use autobot_otel::http::{router_with, EndpointOptions};
/// let app = router_with(autobot_otel::global().clone(), EndpointOptions::default().with_bearer_token("t"));
/// # drop(app);
/// ```
pub fn router_with(telemetry: Telemetry, options: EndpointOptions) -> Router {
    let state = AppState {
        telemetry,
        token: options.bearer_token,
        permits: Arc::new(tokio::sync::Semaphore::new(options.max_concurrent_scrapes)),
    };
    Router::new()
        .route(METRICS_PATH, get(metrics_handler))
        .route(HEALTH_PATH, get(health_handler))
        .with_state(state)
}

/// Compares in time that depends on the lengths only, not on where bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a request is turned away.
enum Rejection {
    Unauthorized,
    Busy,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response(),
            Rejection::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "1")],
            )
                .into_response(),
        }
    }
}

/// A permit to serve, or why not (unauthorised, over capacity).
fn admit(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<tokio::sync::OwnedSemaphorePermit, Rejection> {
    if let Some(token) = &state.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .unwrap_or_default();
        if !constant_time_eq(given, token) {
            return Err(Rejection::Unauthorized);
        }
    }
    state
        .permits
        .clone()
        .try_acquire_owned()
        .map_err(|_| Rejection::Busy)
}

async fn metrics_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let permit = match admit(&state, &headers) {
        Ok(permit) => permit,
        Err(rejection) => return rejection.into_response(),
    };
    // Rendering is CPU work proportional to the series count: keep it off the
    // async worker threads.
    let telemetry = state.telemetry;
    let rendered = tokio::task::spawn_blocking(move || telemetry.render_prometheus()).await;
    drop(permit);
    match rendered {
        Ok(body) => ([(header::CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn health_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let permit = match admit(&state, &headers) {
        Ok(permit) => permit,
        Err(rejection) => return rejection.into_response(),
    };
    let telemetry = state.telemetry;
    let report = tokio::task::spawn_blocking(move || telemetry.health()).await;
    drop(permit);
    match report {
        Ok(report) => Json(report).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The standalone metrics server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
/// let server = autobot_otel::http::MetricsServer::bind("127.0.0.1:0", telemetry).await?;
/// assert!(server.local_addr().ip().is_loopback());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MetricsServer {
    listener: tokio::net::TcpListener,
    telemetry: Telemetry,
    options: EndpointOptions,
}

impl MetricsServer {
    /// Binds `addr` (e.g. [`DEFAULT_ADDR`], loopback only; port 0 picks a free
    /// port). Bind `0.0.0.0:8001` only behind a firewall or with a bearer token.
    pub async fn bind(addr: &str, telemetry: Telemetry) -> std::io::Result<MetricsServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(MetricsServer {
            listener,
            telemetry,
            options: EndpointOptions::default(),
        })
    }

    /// Guards the endpoints as `options` says (token, concurrency cap).
    pub fn with_options(mut self, options: EndpointOptions) -> Self {
        self.options = options;
        self
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, router_with(self.telemetry, self.options))
            .with_graceful_shutdown(shutdown)
            .await
    }
}
