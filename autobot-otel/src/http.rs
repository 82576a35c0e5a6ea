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

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::health::{HEALTH_PATH, METRICS_PATH};
use crate::pipeline::{PROMETHEUS_CONTENT_TYPE, Telemetry};

/// Default listen address of the standalone server (loopback only).
pub const DEFAULT_ADDR: &str = "127.0.0.1:8001";

/// A router serving both endpoints for `telemetry`.
///
/// ```
/// let app: axum::Router = autobot_otel::http::router(autobot_otel::global().clone());
/// # drop(app);
/// ```
pub fn router(telemetry: Telemetry) -> Router {
    Router::new()
        .route(METRICS_PATH, get(metrics_handler))
        .route(HEALTH_PATH, get(health_handler))
        .with_state(telemetry)
}

async fn metrics_handler(State(telemetry): State<Telemetry>) -> Response {
    // Rendering is CPU work proportional to the series count: keep it off the
    // async worker threads.
    match tokio::task::spawn_blocking(move || telemetry.render_prometheus()).await {
        Ok(body) => ([(header::CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn health_handler(State(telemetry): State<Telemetry>) -> Response {
    match tokio::task::spawn_blocking(move || telemetry.health()).await {
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
}

impl MetricsServer {
    /// Binds `addr` (e.g. [`DEFAULT_ADDR`]; port 0 picks a free port).
    pub async fn bind(addr: &str, telemetry: Telemetry) -> std::io::Result<MetricsServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(MetricsServer {
            listener,
            telemetry,
        })
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
        axum::serve(self.listener, router(self.telemetry))
            .with_graceful_shutdown(shutdown)
            .await
    }
}
