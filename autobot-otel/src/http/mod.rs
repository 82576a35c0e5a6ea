//! The two monitoring endpoints, as an axum [`Router`](axum::Router) to mount in
//! your app ([`router`], [`router_with`]) or as a standalone server
//! ([`MetricsServer`], default `127.0.0.1:8001`, as in the guide).
//!
//! - `GET /api/monitoring/metrics`: the Prometheus text format
//!   (`text/plain; version=0.0.4; charset=utf-8`), or OpenMetrics 1.0
//!   ([`Exposition::OpenMetrics`](crate::Exposition), with exemplars: see [`crate::exemplars`])
//!   when the request's `Accept` header prefers it (see [`negotiate`]).
//! - `GET /api/monitoring/health/metrics`: the [`crate::health::HealthReport`] as JSON.
//!
//! Both record the HTTP server conventions' metrics of their own requests
//! ([`ServerMetricsLayer`], which your own axum app can use too).
//!
//! With the `tls` cargo feature, `MetricsServer::with_tls` serves HTTPS instead
//! (rustls with the `ring` provider; see `TlsConfig`).
//!
//! # Guards and their defaults
//!
//! | what | default | set with |
//! |---|---|---|
//! | listen address | `127.0.0.1:8001` (loopback only) | [`MetricsServer::bind`] |
//! | bearer token | none | [`EndpointOptions::with_bearer_token_from_env`], [`EndpointOptions::with_bearer_token`] |
//! | requests served at once (`503` past it) | 8 | [`EndpointOptions::with_max_concurrent_scrapes`] |
//! | one collection (`503` past it) | 10 s | [`EndpointOptions::with_collect_timeout`] |
//! | a request's headers, from connection start or the previous response (closed past it) | 10 s | [`MetricsServer::with_header_read_timeout`] |
//! | shutdown: open connections may finish for | 5 s, then closed | [`MetricsServer::with_shutdown_grace`] |
//! | TLS handshake (closed past it) | 10 s | `TlsConfig::with_handshake_timeout` |
//!
//! A bearer token that is empty, whitespace or not visible ASCII is refused where
//! it is configured ([`InvalidToken`]); once one is set, a request without
//! `Authorization: Bearer <token>` always gets `401`. The header rules are on
//! [`EndpointOptions`].
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use autobot_otel::http;
//!
//! let telemetry = autobot_otel::global().clone();
//! // Mount into an existing app...
//! let app = axum::Router::new().merge(http::router(telemetry.clone()));
//! # drop(app);
//! // ...or run the standalone server until Ctrl-C (then at most 5 s more).
//! let server = http::MetricsServer::bind(http::DEFAULT_ADDR, telemetry).await?;
//! println!("metrics on http://{}", server.local_addr());
//! server.run_until(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

mod negotiate;
mod options;
mod router;
mod server;
mod server_metrics;
#[cfg(feature = "tls")]
mod tls;

pub use negotiate::negotiate;
pub use options::{
    DEFAULT_COLLECT_TIMEOUT, DEFAULT_MAX_CONCURRENT_SCRAPES, EndpointOptions, InvalidToken,
};
pub use router::{router, router_with};
pub use server::{
    DEFAULT_ADDR, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_SHUTDOWN_GRACE, MetricsServer,
};
pub use server_metrics::{
    CANCELLED_ERROR_TYPE, PANIC_ERROR_TYPE, ServerMetrics, ServerMetricsFuture, ServerMetricsLayer,
};
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use tls::{DEFAULT_TLS_HANDSHAKE_TIMEOUT, TlsConfig};
