//! The endpoints under abuse and load: proper HTTP errors for wrong methods,
//! unknown paths and oversized headers; bearer-token auth; a cap on concurrent
//! scrapes; 200 concurrent scrapes while recording all answer complete and valid.
//! Loopback only, bounded in count and time.

use std::net::SocketAddr;
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::http::{EndpointOptions, MetricsServer};
use autobot_otel::labels::Outcome;
use autobot_otel::scrape::Scrape;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn serve(telemetry: Telemetry, options: EndpointOptions) -> SocketAddr {
    let server = MetricsServer::bind("127.0.0.1:0", telemetry)
        .await
        .unwrap()
        .with_options(options);
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));
    addr
}

/// Sends a raw HTTP/1.1 request and returns (status, raw headers, body).
async fn send(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response).await;
        response
    };
    let response = tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("answers in time");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n")
        .into_bytes()
}

fn telemetry() -> Telemetry {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    t.metrics()
        .record_workflow_execution("http", Outcome::Success, 1.0);
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_methods_unknown_paths_and_huge_headers_get_http_errors() {
    let addr = serve(telemetry(), EndpointOptions::default()).await;
    let post = b"POST /api/monitoring/metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    assert_eq!(send(addr, post).await.0, 405);
    assert_eq!(send(addr, &get("/api/monitoring/nope", "")).await.0, 404);
    let huge = format!("X-Filler: {}\r\n", "a".repeat(1 << 20));
    assert_eq!(
        send(addr, &get("/api/monitoring/metrics", &huge)).await.0,
        431
    );
    // Still serving after the abuse.
    let (status, head, body) = send(addr, &get("/api/monitoring/metrics", "")).await;
    assert_eq!(status, 200);
    assert!(head.contains("text/plain; version=0.0.4"));
    Scrape::parse(&body).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_is_required_when_configured() {
    let addr = serve(
        telemetry(),
        EndpointOptions::default().with_bearer_token("s3cret"),
    )
    .await;
    for path in ["/api/monitoring/metrics", "/api/monitoring/health/metrics"] {
        let (status, head, _) = send(addr, &get(path, "")).await;
        assert_eq!(status, 401, "{path}");
        assert!(
            head.to_ascii_lowercase()
                .contains("www-authenticate: bearer")
        );
        assert_eq!(
            send(addr, &get(path, "Authorization: Bearer s3cres\r\n"))
                .await
                .0,
            401
        );
        assert_eq!(
            send(
                addr,
                &get(path, "Authorization: Bearer s3cret-and-more\r\n")
            )
            .await
            .0,
            401
        );
        assert_eq!(
            send(addr, &get(path, "Authorization: Basic s3cret\r\n"))
                .await
                .0,
            401
        );
        assert_eq!(
            send(addr, &get(path, "Authorization: Bearer s3cret\r\n"))
                .await
                .0,
            200
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_the_concurrency_cap_get_503() {
    let addr = serve(
        telemetry(),
        EndpointOptions::default().with_max_concurrent_scrapes(0),
    )
    .await;
    let (status, head, _) = send(addr, &get("/api/monitoring/metrics", "")).await;
    assert_eq!(status, 503);
    assert!(head.to_ascii_lowercase().contains("retry-after: 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_scrapes_while_recording_are_complete_and_valid() {
    let t = telemetry();
    let addr = serve(
        t.clone(),
        EndpointOptions::default().with_max_concurrent_scrapes(256),
    )
    .await;
    let recorder = {
        let t = t.clone();
        std::thread::spawn(move || {
            for i in 0..200_000u32 {
                t.metrics().record_workflow_execution(
                    ["a", "b", "c"][(i % 3) as usize],
                    Outcome::Success,
                    0.1,
                );
            }
        })
    };
    let scrapes: Vec<_> = (0..200)
        .map(|_| {
            let request = get("/api/monitoring/metrics", "");
            tokio::spawn(async move { send(addr, &request).await })
        })
        .collect();
    for scrape in scrapes {
        let (status, head, body) = scrape.await.unwrap();
        assert_eq!(status, 200);
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("content-length");
        assert_eq!(body.len(), length, "complete body");
        let parsed = Scrape::parse(&body).expect("valid exposition");
        assert!(parsed.family("autobot_workflow_executions_total").is_some());
    }
    recorder.join().unwrap();
    let final_scrape = Scrape::parse(&t.render_prometheus()).unwrap();
    assert_eq!(
        final_scrape.sum("autobot_workflow_executions_total"),
        200_001.0
    );
}
