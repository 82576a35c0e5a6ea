//! The two monitoring endpoints, as an axum [`Router`] to mount in your app or as
//! a standalone server (default `127.0.0.1:8001`, as in the guide).
//!
//! - `GET /api/monitoring/metrics`: the Prometheus text format
//!   (`text/plain; version=0.0.4; charset=utf-8`).
//! - `GET /api/monitoring/health/metrics`: the [`crate::health::HealthReport`] as JSON.
//!
//! With the `tls` cargo feature, `MetricsServer::with_tls` serves HTTPS instead
//! (rustls with the `ring` provider; see `TlsConfig`).
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
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::health::{HEALTH_PATH, METRICS_PATH};
use crate::pipeline::{PROMETHEUS_CONTENT_TYPE, Telemetry};

/// Default listen address of the standalone server (loopback only).
pub const DEFAULT_ADDR: &str = "127.0.0.1:8001";

/// Default bound on one collection behind a request (see
/// [`EndpointOptions::with_collect_timeout`]).
pub const DEFAULT_COLLECT_TIMEOUT: Duration = Duration::from_secs(10);

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
    collect_timeout: Duration,
}

impl Default for EndpointOptions {
    fn default() -> Self {
        EndpointOptions {
            bearer_token: None,
            max_concurrent_scrapes: DEFAULT_MAX_CONCURRENT_SCRAPES,
            collect_timeout: DEFAULT_COLLECT_TIMEOUT,
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
            .field("collect_timeout", &self.collect_timeout)
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

    /// Answers `503` when a collection takes longer than `timeout` (default
    /// [`DEFAULT_COLLECT_TIMEOUT`]), e.g. behind an observable callback of the
    /// application that hangs. The stuck collection keeps its concurrency permit
    /// until it ends, so hanging collections never pile up past the cap.
    ///
    /// ```
    /// use autobot_otel::http::EndpointOptions;
    /// let options = EndpointOptions::default().with_collect_timeout(std::time::Duration::from_secs(3));
    /// assert!(format!("{options:?}").contains("3s"));
    /// ```
    pub fn with_collect_timeout(mut self, timeout: Duration) -> Self {
        self.collect_timeout = timeout;
        self
    }
}

#[derive(Clone)]
struct AppState {
    telemetry: Telemetry,
    token: Option<Arc<[u8]>>,
    permits: Arc<tokio::sync::Semaphore>,
    collect_timeout: Duration,
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
        collect_timeout: options.collect_timeout,
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
            Rejection::Busy => unavailable("too many concurrent scrapes"),
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
    match collect_off_thread(&state, &headers, |t| t.try_render_prometheus()).await {
        Ok(Some(body)) => ([(header::CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)], body).into_response(),
        Ok(None) => unavailable("collection failed; see the health endpoint"),
        Err(response) => response,
    }
}

async fn health_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match collect_off_thread(&state, &headers, |t| t.health()).await {
        Ok(report) => Json(report).into_response(),
        Err(response) => response,
    }
}

/// Admits the request, then runs `work` (CPU work proportional to the series
/// count) on a blocking thread, bounded by the collection timeout. The permit
/// stays with the work, so a stuck collection holds its slot until it ends.
async fn collect_off_thread<T: Send + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    work: impl FnOnce(&Telemetry) -> T + Send + 'static,
) -> Result<T, Response> {
    let permit = admit(state, headers).map_err(IntoResponse::into_response)?;
    let telemetry = state.telemetry.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&telemetry)
    });
    match tokio::time::timeout(state.collect_timeout, task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Err(_) => Err(unavailable("collection timed out")),
    }
}

/// `503` with `Retry-After` and a one-line reason.
fn unavailable(reason: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "1")],
        reason,
    )
        .into_response()
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
    #[cfg(feature = "tls")]
    tls: Option<TlsConfig>,
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
            #[cfg(feature = "tls")]
            tls: None,
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

    /// Serves HTTPS with `tls` instead of plain HTTP (cargo feature `tls`). The
    /// bearer token and the concurrency cap of [`MetricsServer::with_options`]
    /// apply the same way.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// use autobot_otel::http::{EndpointOptions, MetricsServer, TlsConfig};
    ///
    /// let tls = TlsConfig::from_pem_files("/etc/autobot/tls/cert.pem", "/etc/autobot/tls/key.pem")?;
    /// let server = MetricsServer::bind("0.0.0.0:8001", autobot_otel::global().clone())
    ///     .await?
    ///     .with_options(EndpointOptions::default().with_bearer_token("s3cret"))
    ///     .with_tls(tls);
    /// println!("metrics on https://{}", server.local_addr());
    /// server.run_until(std::future::pending()).await
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = router_with(self.telemetry, self.options);
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls {
            return tls::serve(self.listener, app, tls, shutdown).await;
        }
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

#[cfg(feature = "tls")]
pub use tls::{DEFAULT_TLS_HANDSHAKE_TIMEOUT, TlsConfig};

#[cfg(feature = "tls")]
mod tls {
    use std::future::Future;
    use std::path::Path;
    use std::pin::pin;
    use std::sync::Arc;
    use std::time::Duration;

    use axum::Router;
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;
    use tokio::net::TcpListener;
    use tokio::sync::watch;
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::crypto::ring;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    /// Default bound on a TLS handshake: a client that connects and does not
    /// complete the handshake in this time is disconnected.
    pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

    /// How long a connection may take to send a request's headers once the TLS
    /// session is up (hyper's header read timeout).
    const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

    /// The certificate and key [`MetricsServer`](super::MetricsServer) serves HTTPS with
    /// (cargo feature `tls`; rustls with the `ring` provider, TLS 1.2 and 1.3,
    /// HTTP/1.1).
    ///
    /// The certificate chain is PEM (`CERTIFICATE` sections, leaf first); the key
    /// is PEM PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1
    /// (`EC PRIVATE KEY`). Handshakes are bounded by
    /// [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`] (see [`TlsConfig::with_handshake_timeout`]);
    /// failed handshakes and plaintext clients are dropped (logged at `debug`)
    /// without affecting other connections. The key never appears in `Debug`
    /// output or in errors.
    ///
    /// ```
    /// use autobot_otel::http::TlsConfig;
    /// use std::time::Duration;
    ///
    /// let cert = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls-cert.pem"))?;
    /// let key = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls-key.pem"))?;
    /// let tls = TlsConfig::from_pem(&cert, &key)?.with_handshake_timeout(Duration::from_secs(5));
    /// assert!(!format!("{tls:?}").contains("PRIVATE"));
    /// assert!(TlsConfig::from_pem(&cert, b"not a key").is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[derive(Clone)]
    pub struct TlsConfig {
        acceptor: TlsAcceptor,
        handshake_timeout: Duration,
    }

    impl std::fmt::Debug for TlsConfig {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("TlsConfig")
                .field("handshake_timeout", &self.handshake_timeout)
                .finish_non_exhaustive()
        }
    }

    fn invalid(message: String) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, message)
    }

    impl TlsConfig {
        /// A configuration from a PEM certificate chain and a PEM private key.
        ///
        /// Fails (`InvalidData`) when the chain holds no certificate, the key
        /// cannot be parsed, or the key does not match the certificate.
        pub fn from_pem(cert_chain_pem: &[u8], private_key_pem: &[u8]) -> std::io::Result<Self> {
            let certs = CertificateDer::pem_slice_iter(cert_chain_pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| invalid(format!("cannot parse the PEM certificate chain: {e}")))?;
            if certs.is_empty() {
                return Err(invalid(
                    "the PEM certificate chain holds no CERTIFICATE section".into(),
                ));
            }
            // The parser's error may quote the input: say nothing about the key's content.
            let key = PrivateKeyDer::from_pem_slice(private_key_pem).map_err(|_| {
                invalid(
                    "cannot parse the PEM private key (expected a PRIVATE KEY, \
                     RSA PRIVATE KEY or EC PRIVATE KEY section)"
                        .into(),
                )
            })?;
            let mut config =
                ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
                    .with_safe_default_protocol_versions()
                    .map_err(|e| invalid(format!("TLS configuration: {e}")))?
                    .with_no_client_auth()
                    .with_single_cert(certs, key)
                    .map_err(|e| invalid(format!("unusable certificate or private key: {e}")))?;
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(TlsConfig {
                acceptor: TlsAcceptor::from(Arc::new(config)),
                handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            })
        }

        /// Reads the PEM certificate chain and private key from files (see
        /// [`TlsConfig::from_pem`]).
        pub fn from_pem_files(
            cert_chain_path: impl AsRef<Path>,
            private_key_path: impl AsRef<Path>,
        ) -> std::io::Result<Self> {
            let read = |path: &Path, what: &str| {
                std::fs::read(path).map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!("cannot read the TLS {what} `{}`: {e}", path.display()),
                    )
                })
            };
            let certs = read(cert_chain_path.as_ref(), "certificate chain")?;
            let key = read(private_key_path.as_ref(), "private key")?;
            TlsConfig::from_pem(&certs, &key)
        }

        /// Disconnects clients that have not completed the TLS handshake within
        /// `timeout` (default [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`]).
        pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
            self.handshake_timeout = timeout;
            self
        }
    }

    /// Accepts TCP connections, runs the TLS handshake (bounded) and serves the
    /// router over HTTP/1.1 on each session, until `shutdown`; then lets
    /// in-flight requests finish.
    pub(super) async fn serve(
        listener: TcpListener,
        app: Router,
        tls: TlsConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // `stop`: tells the connections to wind down. `open`: each connection holds a
        // receiver; `open_tx.closed()` resolves once they are all gone.
        let (stop_tx, stop_rx) = watch::channel(false);
        let (open_tx, open_rx) = watch::channel(());
        let mut shutdown = pin!(shutdown);
        loop {
            let tcp = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _peer)) => tcp,
                    Err(err) => {
                        // Per-connection failures (reset before accept) and resource
                        // exhaustion (EMFILE): never fatal; back off on the latter.
                        tracing::debug!(error = %err, "accept failed");
                        if !is_connection_error(&err) {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let acceptor = tls.acceptor.clone();
            let handshake_timeout = tls.handshake_timeout;
            let service = TowerToHyperService::new(app.clone());
            let mut stop = stop_rx.clone();
            let open = open_rx.clone();
            tokio::spawn(async move {
                let _open = open;
                let handshake = tokio::time::timeout(handshake_timeout, acceptor.accept(tcp));
                let stream = tokio::select! {
                    done = handshake => match done {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(err)) => {
                            tracing::debug!(error = %err, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(timeout = ?handshake_timeout, "TLS handshake timed out");
                            return;
                        }
                    },
                    _ = stop.wait_for(|stopping| *stopping) => return,
                };
                let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
                builder
                    .http1()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT);
                let mut conn = pin!(builder.serve_connection(TokioIo::new(stream), service));
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(err) = result {
                            tracing::debug!(error = %err, "HTTPS connection ended with an error");
                        }
                        return;
                    }
                    _ = stop.wait_for(|stopping| *stopping) => conn.as_mut().graceful_shutdown(),
                }
                if let Err(err) = conn.await {
                    tracing::debug!(error = %err, "HTTPS connection ended with an error");
                }
            });
        }
        drop(listener);
        let _ = stop_tx.send(true);
        drop(open_rx);
        open_tx.closed().await;
        Ok(())
    }

    fn is_connection_error(err: &std::io::Error) -> bool {
        use std::io::ErrorKind::*;
        matches!(
            err.kind(),
            ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted
        )
    }
}
