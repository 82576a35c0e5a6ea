//! [`MetricsServer`]: the standalone server. One accept loop serves plain HTTP
//! and TLS alike: hyper's HTTP/1.1 connections with a header read timeout,
//! tracked by hyper-util's [`GracefulShutdown`], closed after a bounded grace
//! period at shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

#[cfg(feature = "tls")]
use super::TlsConfig;
use super::{EndpointOptions, router_with};
use crate::pipeline::Telemetry;

/// Default listen address of the standalone server (loopback only).
///
/// ```
/// let addr: std::net::SocketAddr = autobot_otel::http::DEFAULT_ADDR.parse().unwrap();
/// assert!(addr.ip().is_loopback());
/// ```
pub const DEFAULT_ADDR: &str = "127.0.0.1:8001";

/// Default bound on receiving a request's headers (see
/// [`MetricsServer::with_header_read_timeout`]).
///
/// ```
/// assert_eq!(autobot_otel::http::DEFAULT_HEADER_READ_TIMEOUT, std::time::Duration::from_secs(10));
/// ```
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time [`MetricsServer::run_until`] lets open connections finish after
/// shutdown is requested, before it closes them (see
/// [`MetricsServer::with_shutdown_grace`]).
///
/// ```
/// assert_eq!(autobot_otel::http::DEFAULT_SHUTDOWN_GRACE, std::time::Duration::from_secs(5));
/// ```
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The standalone metrics server (HTTP/1.1; HTTPS with `MetricsServer::with_tls`,
/// cargo feature `tls`).
///
/// It is bounded against clients that stall: a connection must send each
/// request's headers within the header read timeout ([`DEFAULT_HEADER_READ_TIMEOUT`]),
/// counted from the connection's start (after the TLS handshake over HTTPS) and
/// from its previous response, or it is closed without an answer; so half-sent
/// requests and idle keep-alive connections are closed after it. Shutdown
/// ([`MetricsServer::run_until`]) is bounded by the grace period
/// ([`DEFAULT_SHUTDOWN_GRACE`]) whatever clients do.
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
    listener: TcpListener,
    telemetry: Telemetry,
    options: EndpointOptions,
    header_read_timeout: Duration,
    shutdown_grace: Duration,
    #[cfg(feature = "tls")]
    tls: Option<TlsConfig>,
}

impl MetricsServer {
    /// Binds `addr` (e.g. [`DEFAULT_ADDR`], loopback only; port 0 picks a free
    /// port). Bind `0.0.0.0:8001` only behind a firewall or with a bearer token
    /// ([`EndpointOptions::with_bearer_token_from_env`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let server = autobot_otel::http::MetricsServer::bind("127.0.0.1:0", telemetry).await?;
    /// assert_ne!(server.local_addr().port(), 0);
    /// # Ok(()) }
    /// ```
    pub async fn bind(addr: &str, telemetry: Telemetry) -> std::io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr).await?;
        Ok(MetricsServer {
            listener,
            telemetry,
            options: EndpointOptions::default(),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            #[cfg(feature = "tls")]
            tls: None,
        })
    }

    /// Guards the endpoints as `options` says (token, concurrency cap,
    /// collection timeout).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use autobot_otel::http::{EndpointOptions, MetricsServer};
    /// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build()?;
    /// let options = EndpointOptions::default().with_bearer_token("4f1c9e0b7d2a")?;
    /// let server = MetricsServer::bind("127.0.0.1:0", telemetry).await?.with_options(options);
    /// assert!(!format!("{server:?}").contains("4f1c9e0b7d2a"));
    /// # Ok(()) }
    /// ```
    pub fn with_options(mut self, options: EndpointOptions) -> Self {
        self.options = options;
        self
    }

    /// Closes, without an answer, a connection that has not sent a request's
    /// complete headers within `timeout` of its start (after the TLS handshake
    /// over HTTPS) or of its previous response (default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`]). This bounds half-sent requests
    /// (slowloris) and idle keep-alive connections; keep it above the scrape
    /// interval if scrapers reuse connections, or they reconnect.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let server = autobot_otel::http::MetricsServer::bind("127.0.0.1:0", telemetry)
    ///     .await?
    ///     .with_header_read_timeout(Duration::from_secs(5));
    /// assert!(format!("{server:?}").contains("header_read_timeout: 5s"));
    /// # Ok(()) }
    /// ```
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long [`MetricsServer::run_until`] lets open connections finish once
    /// shutdown is requested, before closing them (default
    /// [`DEFAULT_SHUTDOWN_GRACE`]; zero closes them at once).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let server = autobot_otel::http::MetricsServer::bind("127.0.0.1:0", telemetry)
    ///     .await?
    ///     .with_shutdown_grace(Duration::from_secs(2));
    /// assert!(format!("{server:?}").contains("shutdown_grace: 2s"));
    /// # Ok(()) }
    /// ```
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The bound address.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let server = autobot_otel::http::MetricsServer::bind("127.0.0.1:0", telemetry).await?;
    /// println!("metrics on http://{}/api/monitoring/metrics", server.local_addr());
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves HTTPS with `tls` instead of plain HTTP (cargo feature `tls`). The
    /// options of [`MetricsServer::with_options`], the header read timeout and
    /// the shutdown grace period apply the same way.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// use autobot_otel::http::{EndpointOptions, MetricsServer, TlsConfig};
    ///
    /// let tls = TlsConfig::from_pem_files("/etc/autobot/tls/cert.pem", "/etc/autobot/tls/key.pem")?;
    /// let options = EndpointOptions::default().with_bearer_token_from_env("AUTOBOT_METRICS_TOKEN")?;
    /// let server = MetricsServer::bind("0.0.0.0:8001", autobot_otel::global().clone())
    ///     .await?
    ///     .with_options(options)
    ///     .with_tls(tls);
    /// println!("metrics on https://{}", server.local_addr());
    /// server.run_until(std::future::pending()).await
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn with_tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Serves until `shutdown` completes, then shuts down within the grace
    /// period ([`MetricsServer::with_shutdown_grace`], default
    /// [`DEFAULT_SHUTDOWN_GRACE`]):
    ///
    /// 1. stops accepting connections and drops those still in their TLS
    ///    handshake;
    /// 2. closes idle keep-alive connections, and each other one as soon as its
    ///    request in flight is answered (a half-sent request is in flight too:
    ///    it is answered if it completes, or closed by the header read timeout);
    /// 3. when the grace period ends, closes every connection still open
    ///    (logged at `warn`) and returns.
    ///
    /// So it returns at most the grace period after `shutdown` completes,
    /// whatever clients do. Accept errors (e.g. out of file descriptors) are
    /// logged at `debug` and retried, never returned: it returns `Ok(())`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let telemetry = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let server = autobot_otel::http::MetricsServer::bind("127.0.0.1:0", telemetry)
    ///     .await?
    ///     .with_shutdown_grace(Duration::from_secs(1));
    /// // Usually `async { let _ = tokio::signal::ctrl_c().await; }`.
    /// server.run_until(tokio::time::sleep(Duration::from_millis(10))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        #[cfg(feature = "tls")]
        let transport = match self.tls {
            Some(tls) => Transport::Tls(tls),
            None => Transport::Plain,
        };
        #[cfg(not(feature = "tls"))]
        let transport = Transport::Plain;
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let service = TowerToHyperService::new(router_with(self.telemetry, self.options));
        serve(
            self.listener,
            Connections {
                transport,
                http,
                service,
            },
            self.shutdown_grace,
            shutdown,
        )
        .await;
        Ok(())
    }
}

/// What runs on an accepted TCP connection before HTTP.
#[derive(Clone)]
enum Transport {
    Plain,
    #[cfg(feature = "tls")]
    Tls(TlsConfig),
}

/// A byte stream HTTP is served on: TCP, or TLS over TCP.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

impl Transport {
    /// The stream to serve HTTP on, or `None` when the TLS handshake failed.
    async fn establish(&self, tcp: TcpStream) -> Option<Box<dyn Io>> {
        match self {
            Transport::Plain => Some(Box::new(tcp)),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => Some(Box::new(tls.handshake(tcp).await?)),
        }
    }
}

/// How each accepted connection is served.
#[derive(Clone)]
struct Connections {
    transport: Transport,
    http: http1::Builder,
    service: TowerToHyperService<Router>,
}

impl Connections {
    /// Serves one connection: the transport (bounded TLS handshake, abandoned
    /// when `stopping` turns true), then HTTP/1.1 watched by `watcher` for the
    /// graceful shutdown.
    async fn serve(self, tcp: TcpStream, watcher: Watcher, mut stopping: watch::Receiver<bool>) {
        let stream = tokio::select! {
            stream = self.transport.establish(tcp) => stream,
            _ = stopping.wait_for(|stopping| *stopping) => None,
        };
        let Some(stream) = stream else {
            return;
        };
        let connection = self
            .http
            .serve_connection(TokioIo::new(stream), self.service);
        if let Err(err) = watcher.watch(connection).await {
            tracing::debug!(error = %err, "metrics connection ended with an error");
        }
    }
}

/// The accept loop: serves each connection on its own task until `shutdown`,
/// then shuts down gracefully within `grace`, then closes what is left.
async fn serve(
    listener: TcpListener,
    connections: Connections,
    grace: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    // Connections still in their TLS handshake have no HTTP connection for
    // `graceful` to shut down: this tells them to give up.
    let (stopping, _) = watch::channel(false);
    let mut tasks = JoinSet::new();
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
            // Reap finished connections so that the set stays small.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        tasks.spawn(
            connections
                .clone()
                .serve(tcp, graceful.watcher(), stopping.subscribe()),
        );
    }
    drop(listener);
    stopping.send_replace(true);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        while tasks.try_join_next().is_some() {}
        tracing::warn!(
            connections = tasks.len(),
            grace = ?grace,
            "closing the metrics connections still open after the shutdown grace period"
        );
    }
    tasks.shutdown().await;
}

fn is_connection_error(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        err.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted
    )
}
