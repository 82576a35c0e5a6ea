//! Shared helpers of the HTTP endpoint tests (`http_endpoints.rs`,
//! `http_shutdown.rs`): a server on 127.0.0.1 that can be stopped and timed, raw
//! HTTP/1.1 exchanges over TCP and TLS, and the fixture certificate.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use autobot_otel::Telemetry;
use autobot_otel::http::{EndpointOptions, MetricsServer};
use autobot_otel::labels::Outcome;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A telemetry without OTLP, with one recorded workflow.
pub fn telemetry() -> Telemetry {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    t.metrics()
        .record_workflow_execution("http", Outcome::Success, 1.0);
    t
}

/// A plain-HTTP server on 127.0.0.1 with `options`, running until the test ends.
pub async fn serve(telemetry: Telemetry, options: EndpointOptions) -> SocketAddr {
    let server = MetricsServer::bind("127.0.0.1:0", telemetry)
        .await
        .unwrap()
        .with_options(options);
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));
    addr
}

/// A server running on its own task until [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Runs `server` until `stop`.
    pub fn start(server: MetricsServer) -> Running {
        let addr = server.local_addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Running { addr, stop, task }
    }

    /// Requests shutdown and returns how long `run_until` took to return; fails
    /// when it has not returned within `bound`.
    pub async fn stop(self, bound: Duration) -> Duration {
        let started = Instant::now();
        self.stop.send(()).unwrap();
        match tokio::time::timeout(bound, self.task).await {
            Ok(result) => result.unwrap().unwrap(),
            Err(_) => panic!("run_until has not returned {bound:?} after shutdown was requested"),
        }
        started.elapsed()
    }
}

/// Sends a raw HTTP/1.1 request and returns (status, raw headers, body).
pub async fn send(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let request = request.to_vec();
    exchange(async move {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        (stream, request)
    })
    .await
}

/// Writes the request on the stream that `connect` opens, reads to the end
/// (bounded in time), and splits the response into (status, raw headers, body).
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    connect: impl std::future::Future<Output = (S, Vec<u8>)>,
) -> (u16, String, String) {
    let exchange = async {
        let (mut stream, request) = connect.await;
        stream.write_all(&request).await.unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response).await;
        response
    };
    let response = tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("answers in time");
    split_response(&response)
}

/// (status, raw headers, body) of a raw response; status 0 when there is none.
pub fn split_response(response: &[u8]) -> (u16, String, String) {
    let text = String::from_utf8_lossy(response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// A `GET` of `path` with `extra` header lines, closing the connection after it.
pub fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n")
        .into_bytes()
}

/// Reads one whole response (headers and a `Content-Length` body) from a
/// keep-alive connection, bounded in time; returns its status.
pub async fn read_one_response<S: AsyncRead + Unpin>(stream: &mut S) -> u16 {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed before a whole response");
            buf.extend_from_slice(&chunk[..n]);
            let (status, head, body) = split_response(&buf);
            if let Some(length) = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            }) && body.len() >= length
            {
                return status;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("answers in time")
}

/// Waits (bounded) until the peer closes `stream`; returns the bytes it sent
/// before closing. Fails when the stream is still open after `bound`.
pub async fn closed_within<S: AsyncRead + Unpin>(stream: &mut S, bound: Duration) -> Vec<u8> {
    let read = async {
        let mut received = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return received,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read)
        .await
        .unwrap_or_else(|_| panic!("the server kept the connection open for {bound:?}"))
}

/// One socket of the kernel's TCP table (a line of Linux `/proc/net/tcp`).
#[derive(Debug)]
struct TcpRow {
    local_port: u16,
    remote_port: u16,
    /// `06` is TIME_WAIT, `0A` LISTEN.
    state: u8,
    /// Bytes written and not yet acknowledged by the peer's kernel.
    tx_queue: u32,
    /// Bytes received and not yet read by the application; on a LISTEN socket,
    /// connections established and not yet accepted.
    rx_queue: u32,
}

const TCP_TIME_WAIT: u8 = 0x06;
const TCP_LISTEN: u8 = 0x0A;

/// The IPv4 TCP table of this network namespace (Linux `/proc/net/tcp`).
fn tcp_table() -> Vec<TcpRow> {
    let text = std::fs::read_to_string("/proc/net/tcp").unwrap_or_else(|e| {
        panic!("reading /proc/net/tcp, which tells whether the server read a connection: {e}")
    });
    let port =
        |address: &str| u16::from_str_radix(address.rsplit(':').next().unwrap(), 16).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (tx, rx) = fields[4].split_once(':').unwrap();
            TcpRow {
                local_port: port(fields[1]),
                remote_port: port(fields[2]),
                state: u8::from_str_radix(fields[3], 16).unwrap(),
                tx_queue: u32::from_str_radix(tx, 16).unwrap(),
                rx_queue: u32::from_str_radix(rx, 16).unwrap(),
            }
        })
        .collect()
}

/// What the server listening on `server` has not yet done with the connections
/// from `clients` (their local addresses), or `None` when it has accepted each
/// and read every byte each sent (or already closed it). Sockets in TIME_WAIT
/// are earlier connections on the same ports, never these.
pub fn not_yet_read(server: SocketAddr, clients: &[SocketAddr]) -> Option<String> {
    // The clients' side first: nothing left unacknowledged means every byte
    // they sent is at the server's socket by now, so an empty receive queue
    // seen afterwards means the server read them.
    let first = tcp_table();
    for client in clients {
        let row = first.iter().find(|r| {
            r.state != TCP_TIME_WAIT
                && r.local_port == client.port()
                && r.remote_port == server.port()
        });
        match row {
            None => return Some(format!("no socket of the client {client}")),
            Some(r) if r.tx_queue > 0 => {
                return Some(format!(
                    "{} bytes of {client} not yet at the server",
                    r.tx_queue
                ));
            }
            Some(_) => {}
        }
    }
    let then = tcp_table();
    let listening = then
        .iter()
        .find(|r| r.local_port == server.port() && r.state == TCP_LISTEN);
    match listening {
        None => return Some(format!("no listening socket on {server}")),
        Some(r) if r.rx_queue > 0 => {
            return Some(format!("{} connections not yet accepted", r.rx_queue));
        }
        Some(_) => {}
    }
    for client in clients {
        let row = then.iter().find(|r| {
            r.state != TCP_TIME_WAIT
                && r.local_port == server.port()
                && r.remote_port == client.port()
        });
        match row {
            None => return Some(format!("no server socket for {client}")),
            Some(r) if r.rx_queue > 0 => {
                return Some(format!("{} bytes from {client} not yet read", r.rx_queue));
            }
            Some(_) => {}
        }
    }
    None
}

/// Waits until the server listening on `server` has accepted the connections
/// from `clients` (their local addresses) and read every byte they sent, as the
/// kernel's TCP table shows it (Linux `/proc/net/tcp`: the listening socket's
/// accept queue, the clients' unacknowledged bytes, the server sockets' unread
/// bytes). Fails when that has not happened within 10 s.
pub async fn server_read_everything(server: SocketAddr, clients: &[SocketAddr]) {
    let bound = Duration::from_secs(10);
    let deadline = Instant::now() + bound;
    loop {
        let Some(pending) = not_yet_read(server, clients) else {
            return;
        };
        assert!(
            Instant::now() < deadline,
            "the server on {server} had not accepted and read the connections from \
             {clients:?} {bound:?} after they sent their bytes: {pending}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The beginning of a request head that never ends.
pub const HALF_SENT_HEAD: &[u8] = b"GET /api/monitoring/metrics HTTP/1.1\r\nHost: x\r\n";

/// A complete request that keeps the connection alive.
pub const KEEP_ALIVE_GET: &[u8] = b"GET /api/monitoring/metrics HTTP/1.1\r\nHost: x\r\n\r\n";

/// The head of a request whose 1,000-byte body is then sent slowly.
pub const SLOW_BODY_HEAD: &[u8] =
    b"POST /api/monitoring/metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n";

#[cfg(feature = "tls")]
pub mod tls {
    //! HTTPS with the fixed self-signed certificate for `localhost`/`127.0.0.1`
    //! of `tests/fixtures/` (see the README there), trusted by a rustls client
    //! built here.

    use std::net::SocketAddr;
    use std::sync::Arc;

    use autobot_otel::Telemetry;
    use autobot_otel::http::{EndpointOptions, MetricsServer, TlsConfig};
    use tokio::net::TcpStream;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::client::TlsStream;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

    pub const CERT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls-cert.pem");
    pub const KEY_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls-key.pem");

    pub fn tls_config() -> TlsConfig {
        TlsConfig::from_pem_files(CERT_PATH, KEY_PATH).expect("fixture certificate and key")
    }

    /// An HTTPS server on 127.0.0.1 with `options`, running until the test ends.
    pub async fn serve_tls(
        telemetry: Telemetry,
        options: EndpointOptions,
        tls: TlsConfig,
    ) -> SocketAddr {
        let server = MetricsServer::bind("127.0.0.1:0", telemetry)
            .await
            .unwrap()
            .with_options(options)
            .with_tls(tls);
        let addr = server.local_addr();
        tokio::spawn(server.run_until(std::future::pending()));
        addr
    }

    /// A client that trusts `roots_pem` only.
    pub fn connector(roots_pem: &[u8]) -> TlsConnector {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(roots_pem) {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        TlsConnector::from(Arc::new(config))
    }

    /// A TLS session with `addr`, trusting the fixture certificate.
    pub async fn connect_tls(addr: SocketAddr) -> TlsStream<TcpStream> {
        let cert = std::fs::read(CERT_PATH).unwrap();
        let tcp = TcpStream::connect(addr).await.unwrap();
        connector(&cert)
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .expect("handshake")
    }

    /// Sends a raw HTTP/1.1 request over TLS and returns (status, raw headers, body).
    pub async fn send_tls(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
        let request = request.to_vec();
        super::exchange(async move { (connect_tls(addr).await, request) }).await
    }
}
