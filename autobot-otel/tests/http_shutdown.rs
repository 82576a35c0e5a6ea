//! The standalone server against clients that stall: half-sent request heads,
//! heads dripped byte by byte, idle keep-alive connections, silent connections,
//! slow bodies and pending TLS handshakes. Each is closed after the header read
//! timeout, and `MetricsServer::run_until` returns within the shutdown grace
//! period whatever they do, while a request in flight at shutdown is still
//! answered. Upper bounds are the documented bound plus 3 s of slack: behaviour,
//! not speed. Loopback only, bounded in count and time.

mod http_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use autobot_otel::http::{DEFAULT_SHUTDOWN_GRACE, MetricsServer};
use http_support::{
    HALF_SENT_HEAD, KEEP_ALIVE_GET, Running, SLOW_BODY_HEAD, closed_within, get, not_yet_read,
    read_one_response, send, server_read_everything, telemetry,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Slack on top of a documented bound.
const SLACK: Duration = Duration::from_secs(3);

async fn server() -> MetricsServer {
    MetricsServer::bind("127.0.0.1:0", telemetry())
        .await
        .unwrap()
}

/// A connection that sent `bytes` and then nothing.
async fn stalled(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

/// A keep-alive connection that got one whole response and then sends nothing.
async fn idle_keep_alive(addr: SocketAddr) -> TcpStream {
    let mut stream = stalled(addr, KEEP_ALIVE_GET).await;
    assert_eq!(read_one_response(&mut stream).await, 200);
    stream
}

/// The local address of a client's connection, as the server's side sees it.
fn local(stream: &TcpStream) -> SocketAddr {
    stream.local_addr().unwrap()
}

/// Before shutdown is requested, the server must have accepted every client
/// connection and read what it sent: unread bytes leave a connection idle, which
/// closes at once, so shutting down earlier could only make a test easier (with
/// this wait, the old server failed these tests).
async fn read_by_server(addr: SocketAddr, clients: &[&TcpStream]) {
    let clients: Vec<SocketAddr> = clients.iter().map(|s| local(s)).collect();
    server_read_everything(addr, &clients).await;
}

/// Sends the body of a request whose head `stream` sent, one byte every 100 ms
/// (at most 1,000 bytes, 100 s), until the server closes the connection.
fn slow_body(mut stream: TcpStream) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        for sent in 0..1000 {
            if stream.write_all(b"x").await.is_err() {
                return sent;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        1000
    })
}

/// The wait of [`read_by_server`] sees a connection not yet accepted and bytes
/// not yet read (a listener that accepts and reads only when told to).
#[tokio::test]
async fn the_wait_for_the_server_sees_unaccepted_connections_and_unread_bytes() {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = stalled(addr, HALF_SENT_HEAD).await;
    let pending = not_yet_read(addr, &[local(&client)]);
    assert!(pending.is_some(), "not accepted yet");
    let (mut accepted, _) = listener.accept().await.unwrap();
    let pending = not_yet_read(addr, &[local(&client)]);
    assert!(pending.is_some(), "accepted, not read yet");
    let mut head = vec![0; HALF_SENT_HEAD.len()];
    accepted.read_exact(&mut head).await.unwrap();
    read_by_server(addr, &[&client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_returns_within_the_grace_period_whatever_clients_do() {
    let grace = Duration::from_secs(1);
    let running = Running::start(server().await.with_shutdown_grace(grace));
    let addr = running.addr;
    let mut half_sent = vec![
        stalled(addr, HALF_SENT_HEAD).await,
        stalled(addr, HALF_SENT_HEAD).await,
    ];
    let mut silent = stalled(addr, b"").await;
    let slow_head = stalled(addr, SLOW_BODY_HEAD).await;
    let mut idle = idle_keep_alive(addr).await;
    read_by_server(
        addr,
        &[&half_sent[0], &half_sent[1], &silent, &slow_head, &idle],
    )
    .await;
    let slow = slow_body(slow_head);

    let took = running.stop(grace + SLACK).await;
    println!("figure: run_until returned {took:?} after shutdown (grace {grace:?})");

    // Everything is closed; the half-sent requests got no answer.
    for stream in &mut half_sent {
        assert_eq!(closed_within(stream, SLACK).await, b"");
    }
    closed_within(&mut silent, SLACK).await;
    closed_within(&mut idle, SLACK).await;
    let sent = tokio::time::timeout(SLACK, slow)
        .await
        .expect("the slow body's connection is closed")
        .unwrap();
    assert!(sent < 1000, "{sent}");
    println!("figure: the slow body's connection was closed after {sent} body bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_silent_connections_do_not_wait_for_the_grace_period() {
    let grace = Duration::from_secs(30);
    let running = Running::start(server().await.with_shutdown_grace(grace));
    let addr = running.addr;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(idle_keep_alive(addr).await);
        open.push(stalled(addr, b"").await);
    }
    read_by_server(addr, &open.iter().collect::<Vec<_>>()).await;
    // Closed at once rather than after the grace period (bounded well below it).
    let took = running.stop(Duration::from_secs(10)).await;
    println!("figure: run_until returned {took:?} with only idle and silent connections");
    for stream in &mut open {
        closed_within(stream, SLACK).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_at_shutdown_is_still_answered() {
    use opentelemetry::metrics::MeterProvider as _;
    let t = telemetry();
    let entered = Arc::new(tokio::sync::Notify::new());
    let e = entered.clone();
    let _slow = t
        .meter_provider()
        .unwrap()
        .meter("app")
        .u64_observable_gauge("app_slow")
        .with_callback(move |o| {
            e.notify_one();
            // A slow collection: the request is still in flight at shutdown.
            std::thread::sleep(Duration::from_millis(500));
            o.observe(1, &[]);
        })
        .build();
    let grace = Duration::from_secs(10);
    let server = MetricsServer::bind("127.0.0.1:0", t)
        .await
        .unwrap()
        .with_shutdown_grace(grace);
    let running = Running::start(server);
    let addr = running.addr;
    let request =
        tokio::spawn(async move { send(addr, &get("/api/monitoring/metrics", "")).await });
    tokio::time::timeout(Duration::from_secs(10), entered.notified())
        .await
        .expect("the request reached the collection within 10 s");
    let took = running.stop(grace).await;
    let (status, _, body) = request.await.unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("app_slow 1"), "{body}");
    println!("figure: run_until returned {took:?}, after the in-flight scrape was answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_requests_and_idle_connections_are_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_millis(500);
    let running = Running::start(server().await.with_header_read_timeout(timeout));
    let addr = running.addr;
    let started = Instant::now();
    let mut half_sent = stalled(addr, HALF_SENT_HEAD).await;
    let mut idle = idle_keep_alive(addr).await;
    // A head dripped one byte every 50 ms: the timeout runs from the head's
    // start, it is not renewed by each byte.
    let drip = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        for byte in HALF_SENT_HEAD.iter().cycle().take(400) {
            if stream.write_all(&[*byte]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    });

    assert_eq!(closed_within(&mut half_sent, timeout + SLACK).await, b"");
    let closed = started.elapsed();
    assert!(closed >= timeout, "closed before the timeout: {closed:?}");
    println!("figure: half-sent head closed {closed:?} after connecting (timeout {timeout:?})");
    closed_within(&mut idle, timeout + SLACK).await;
    println!(
        "figure: idle keep-alive connection closed {:?} after connecting",
        started.elapsed()
    );
    let dripped = tokio::time::timeout(timeout + SLACK, drip)
        .await
        .expect("the dripped head is cut off");
    assert!(dripped.unwrap(), "the dripped head was never cut off");
    // Others are still served, and shutdown is prompt.
    assert_eq!(send(addr, &get("/api/monitoring/metrics", "")).await.0, 200);
    running.stop(SLACK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_defaults_a_half_sent_head_delays_shutdown_by_at_most_the_default_grace() {
    let running = Running::start(server().await);
    let mut half_sent = stalled(running.addr, HALF_SENT_HEAD).await;
    read_by_server(running.addr, &[&half_sent]).await;
    let took = running.stop(DEFAULT_SHUTDOWN_GRACE + SLACK).await;
    println!("figure: with the defaults, run_until returned {took:?} after shutdown");
    assert_eq!(closed_within(&mut half_sent, SLACK).await, b"");
}

#[cfg(feature = "tls")]
mod tls {
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    use tokio_rustls::client::TlsStream;

    use super::http_support::tls::{connect_tls, tls_config};
    use super::http_support::{
        HALF_SENT_HEAD, KEEP_ALIVE_GET, Running, closed_within, get, read_one_response,
        server_read_everything,
    };
    use super::{SLACK, local, server};

    /// Two TLS sessions: one that sent half a request head, one idle after a
    /// whole response.
    async fn half_sent_and_idle(addr: SocketAddr) -> (TlsStream<TcpStream>, TlsStream<TcpStream>) {
        let mut half_sent = connect_tls(addr).await;
        half_sent.write_all(HALF_SENT_HEAD).await.unwrap();
        let mut idle = connect_tls(addr).await;
        idle.write_all(KEEP_ALIVE_GET).await.unwrap();
        assert_eq!(read_one_response(&mut idle).await, 200);
        (half_sent, idle)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_tls_shutdown_returns_within_the_grace_period_whatever_clients_do() {
        let grace = Duration::from_secs(1);
        let running = Running::start(
            server()
                .await
                .with_tls(tls_config())
                .with_shutdown_grace(grace),
        );
        let addr = running.addr;
        let (mut half_sent, mut idle) = half_sent_and_idle(addr).await;
        // Stuck before its handshake (handshake timeout: 10 s).
        let mut handshaking = TcpStream::connect(addr).await.unwrap();
        // Accepted, and the TLS records of the others read (see `read_by_server`).
        let clients = [
            local(half_sent.get_ref().0),
            local(idle.get_ref().0),
            local(&handshaking),
        ];
        server_read_everything(addr, &clients).await;

        let took = running.stop(grace + SLACK).await;
        println!("figure: over TLS, run_until returned {took:?} after shutdown (grace {grace:?})");
        assert_eq!(closed_within(&mut half_sent, SLACK).await, b"");
        closed_within(&mut idle, SLACK).await;
        closed_within(&mut handshaking, SLACK).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_tls_a_half_sent_head_is_closed_after_the_header_read_timeout() {
        let timeout = Duration::from_millis(500);
        let running = Running::start(
            server()
                .await
                .with_tls(tls_config())
                .with_header_read_timeout(timeout),
        );
        let addr = running.addr;
        let started = Instant::now();
        let (mut half_sent, mut idle) = half_sent_and_idle(addr).await;

        assert_eq!(closed_within(&mut half_sent, timeout + SLACK).await, b"");
        let closed = started.elapsed();
        assert!(closed >= timeout, "closed before the timeout: {closed:?}");
        println!("figure: over TLS, half-sent head closed {closed:?} after connecting");
        closed_within(&mut idle, timeout + SLACK).await;
        assert_eq!(
            super::http_support::tls::send_tls(addr, &get("/api/monitoring/metrics", ""))
                .await
                .0,
            200
        );
        running.stop(SLACK).await;
    }
}
