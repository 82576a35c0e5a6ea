//! The demo stops on its own deadline even while a client holds a half-sent
//! request open: the metrics server's shutdown is bounded by its grace period
//! (`autobot_otel::http::DEFAULT_SHUTDOWN_GRACE`), so one stalled connection can
//! no longer keep a service from exiting. Loopback only, bounded in time.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use autobot_otel::http::DEFAULT_SHUTDOWN_GRACE;
use autobot_otel_tests::http_get;

#[test]
fn the_demo_stops_on_its_deadline_with_a_half_sent_request_open() {
    let duration = Duration::from_secs(5);
    let demo = autobot_otel_tests::spawn_demo!(&[(
        "AUTOBOT_DEMO_DURATION_SECS",
        &duration.as_secs().to_string()
    )])
    .unwrap();
    let mut half_sent = TcpStream::connect(demo.target()).unwrap();
    half_sent
        .write_all(b"GET /api/monitoring/metrics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let connected = Instant::now();
    // Still serving after that connection was accepted: its deadline is ahead.
    let health = http_get(&format!(
        "{}/api/monitoring/health/metrics",
        demo.base_url()
    ))
    .unwrap();
    assert_eq!(health.status, 200);

    let bound = duration + DEFAULT_SHUTDOWN_GRACE + Duration::from_secs(10);
    let status = demo.wait_exit(bound).unwrap();
    assert!(status.success(), "{status}; log:\n{}", demo.log());
    println!(
        "figure: the demo ({duration:?} deadline) exited {:?} after the half-sent request was sent",
        connected.elapsed()
    );
    assert!(demo.log().contains("workload stopped; shutting down"));
}
