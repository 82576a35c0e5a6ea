//! The metrics endpoint's format follows `Accept`, parsed per RFC 9110 (quoted
//! strings, weights), and every response says it varies by it (`Vary: Accept`),
//! so a cache or reverse proxy never serves one client's format to another.

mod http_support;

use autobot_otel::http::EndpointOptions;
use http_support::{get, send, serve, telemetry};

fn header<'h>(head: &'h str, name: &str) -> Vec<&'h str> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metrics_response_varies_by_accept() {
    let addr = serve(telemetry(), EndpointOptions::default()).await;
    for (accept, content_type) in [
        ("", "text/plain; version=0.0.4; charset=utf-8"),
        (
            "Accept: application/openmetrics-text;version=1.0.0\r\n",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        ),
        (
            "Accept: text/plain;version=0.0.4\r\n",
            "text/plain; version=0.0.4; charset=utf-8",
        ),
    ] {
        let (status, head, _) = send(addr, &get("/api/monitoring/metrics", accept)).await;
        assert_eq!(status, 200, "{head}");
        assert_eq!(header(&head, "content-type"), [content_type], "{head}");
        assert_eq!(header(&head, "vary"), ["accept"], "{accept:?}: {head}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quoted_comma_does_not_change_the_format() {
    let addr = serve(telemetry(), EndpointOptions::default()).await;
    // One range, text/plain, whose quoted parameter holds a comma and what
    // looks like a second range: split on every comma, it would pick OpenMetrics.
    let accept = "Accept: text/plain;note=\"a, application/openmetrics-text;q=1\"\r\n";
    let (status, head, body) = send(addr, &get("/api/monitoring/metrics", accept)).await;
    assert_eq!(status, 200, "{head}");
    assert_eq!(
        header(&head, "content-type"),
        ["text/plain; version=0.0.4; charset=utf-8"]
    );
    assert!(!body.contains("# EOF"), "a text body");
    // A quoted semicolon neither: `q=0` inside the quotes is no weight.
    let accept =
        "Accept: application/openmetrics-text;note=\"x;q=0\";version=1.0.0, text/plain;q=0.5\r\n";
    let (_, head, body) = send(addr, &get("/api/monitoring/metrics", accept)).await;
    assert_eq!(
        header(&head, "content-type"),
        ["application/openmetrics-text; version=1.0.0; charset=utf-8"]
    );
    assert!(body.ends_with("# EOF\n"), "an OpenMetrics body");
}
