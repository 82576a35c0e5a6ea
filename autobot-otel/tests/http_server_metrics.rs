//! `http::ServerMetricsLayer` against a real axum app on 127.0.0.1 (raw
//! HTTP/1.1 over TCP): routes with path parameters are one `http_route`
//! template, a 404 has no route, a 500 has `error_type="500"`, a panicking
//! handler `error_type="panic"`, a request whose client went away
//! `error_type="cancelled"` and its active count back at 0, an unknown method
//! `_OTHER`, a failing inner service its error's type; past the series limit
//! the overflow series; and the two monitoring endpoints record their own
//! requests. Loopback only, bounded in count and time.

mod http_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use autobot_otel::catalog::http_server::{HttpServerMetric, REQUEST_DURATION_BUCKETS};
use autobot_otel::http::{EndpointOptions, MetricsServer, ServerMetricsLayer};
use autobot_otel::testing::Scrape;
use autobot_otel::{Exposition, Telemetry};
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use http_support::{get as get_request, send};

const DURATION: &str = "http_server_request_duration_seconds";
const ACTIVE: &str = "http_server_active_requests";

fn telemetry() -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .with_process_metrics(false)
        .build()
        .unwrap()
}

fn scrape(t: &Telemetry) -> Scrape {
    Scrape::parse(&t.render(Exposition::Text)).expect("valid scrape")
}

/// The `_count` of the duration series with exactly `labels`.
fn count(t: &Telemetry, labels: &[(&str, &str)]) -> Option<f64> {
    scrape(t).value(&format!("{DURATION}_count"), labels)
}

/// Polls (bounded) until `f` holds.
async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Answers with the status code of the path.
async fn status(Path(code): Path<u16>) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT)
}

/// The app of these tests, with the layer around every route and the fallback.
async fn serve_app(t: &Telemetry, release: Arc<tokio::sync::Notify>) -> SocketAddr {
    let app = Router::new()
        .route(
            "/users/{id}",
            get(|Path(id): Path<u32>| async move { format!("user {id}") }),
        )
        .route("/boom", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/status/{code}", get(status).post(status))
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("handler panicked on purpose");
                }
                "never"
            }),
        )
        .route(
            "/slow",
            get(move || async move {
                release.notified().await;
                "released"
            }),
        )
        .layer(ServerMetricsLayer::new(t));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_statuses_errors_and_methods_follow_the_conventions() {
    let t = telemetry();
    let addr = serve_app(&t, Arc::default()).await;
    for id in [1, 2, 3] {
        assert_eq!(
            send(addr, &get_request(&format!("/users/{id}"), ""))
                .await
                .0,
            200
        );
    }
    assert_eq!(send(addr, &get_request("/nope/at/all", "")).await.0, 404);
    assert_eq!(send(addr, &get_request("/boom", "")).await.0, 500);
    let brew = b"BREW /users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_eq!(send(addr, brew).await.0, 405);

    let method = ("http_request_method", "GET");
    let scheme = ("url_scheme", "http");
    // One template for every id; the raw path appears nowhere.
    let users = [
        method,
        ("http_response_status_code", "200"),
        ("http_route", "/users/{id}"),
        scheme,
    ];
    assert_eq!(count(&t, &users), Some(3.0));
    let text = t.render(Exposition::Text);
    assert!(!text.contains("/users/1"), "{text}");
    assert!(!text.contains("/nope"), "{text}");
    // Unmatched: no route at all (the conventions: only when available).
    assert_eq!(
        count(&t, &[method, ("http_response_status_code", "404"), scheme]),
        Some(1.0)
    );
    // 5xx: error.type is the status code.
    let boom = [
        ("error_type", "500"),
        method,
        ("http_response_status_code", "500"),
        ("http_route", "/boom"),
        scheme,
    ];
    assert_eq!(count(&t, &boom), Some(1.0));
    // An unknown method is `_OTHER` (axum's 405 is inside the route).
    let other = [
        ("http_request_method", "_OTHER"),
        ("http_response_status_code", "405"),
        ("http_route", "/users/{id}"),
        scheme,
    ];
    assert_eq!(count(&t, &other), Some(1.0));
    // Everything answered: nothing active.
    let s = scrape(&t);
    assert_eq!(s.value(ACTIVE, &[method, scheme]), Some(0.0));
    assert_eq!(
        s.value(ACTIVE, &[("http_request_method", "_OTHER"), scheme]),
        Some(0.0)
    );
    // The conventions' buckets, in seconds.
    let family = s.family(DURATION).unwrap();
    assert_eq!(family.kind, "histogram");
    let les: Vec<String> = family
        .samples
        .iter()
        .filter(|x| {
            x.name.ends_with("_bucket")
                && x.labels.get("http_route").map(String::as_str) == Some("/boom")
        })
        .map(|x| x.labels["le"].clone())
        .collect();
    let mut want: Vec<String> = REQUEST_DURATION_BUCKETS
        .iter()
        .map(|b| b.to_string())
        .collect();
    want.push("+Inf".into());
    assert_eq!(les, want);
    assert_eq!(
        s.family(ACTIVE).unwrap().kind,
        "gauge",
        "an up-down counter is a gauge in Prometheus"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_recorded_and_its_request_ends() {
    let t = telemetry();
    let addr = serve_app(&t, Arc::default()).await;
    // The connection closes without a response.
    assert_eq!(send(addr, &get_request("/panic", "")).await.0, 0);
    let labels = [
        ("error_type", "panic"),
        ("http_request_method", "GET"),
        ("http_route", "/panic"),
        ("url_scheme", "http"),
    ];
    eventually("the panic recorded", || count(&t, &labels) == Some(1.0)).await;
    assert_eq!(
        scrape(&t).value(
            ACTIVE,
            &[("http_request_method", "GET"), ("url_scheme", "http")]
        ),
        Some(0.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_ends_its_active_count() {
    use tokio::io::AsyncWriteExt as _;
    let t = telemetry();
    let release = Arc::new(tokio::sync::Notify::new());
    let addr = serve_app(&t, release.clone()).await;
    let active = [("http_request_method", "GET"), ("url_scheme", "http")];
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client.write_all(&get_request("/slow", "")).await.unwrap();
    eventually("the request is active", || {
        scrape(&t).value(ACTIVE, &active) == Some(1.0)
    })
    .await;
    // The client goes away before the answer.
    drop(client);
    eventually("the request is no longer active", || {
        scrape(&t).value(ACTIVE, &active) == Some(0.0)
    })
    .await;
    let cancelled = [
        ("error_type", "cancelled"),
        ("http_request_method", "GET"),
        ("http_route", "/slow"),
        ("url_scheme", "http"),
    ];
    assert_eq!(count(&t, &cancelled), Some(1.0));
    // A released request is a plain 200.
    let answered = tokio::spawn(async move { send(addr, &get_request("/slow", "")).await.0 });
    eventually("the second request is active", || {
        scrape(&t).value(ACTIVE, &active) == Some(1.0)
    })
    .await;
    release.notify_one();
    assert_eq!(answered.await.unwrap(), 200);
    let ok = [
        ("http_request_method", "GET"),
        ("http_response_status_code", "200"),
        ("http_route", "/slow"),
        ("url_scheme", "http"),
    ];
    assert_eq!(count(&t, &ok), Some(1.0));
}

#[derive(Debug)]
struct UpstreamDown;

#[tokio::test]
async fn a_failing_service_records_its_error_type_and_https_its_scheme() {
    use tower::{Layer as _, ServiceExt as _};
    let t = telemetry();
    let failing = tower::service_fn(|_req: axum::http::Request<axum::body::Body>| async {
        Err::<axum::http::Response<axum::body::Body>, _>(UpstreamDown)
    });
    let service = ServerMetricsLayer::new(&t).https().layer(failing);
    let request = axum::http::Request::put("/x")
        .body(axum::body::Body::empty())
        .unwrap();
    assert!(service.oneshot(request).await.is_err());
    let labels = [
        ("error_type", std::any::type_name::<UpstreamDown>()),
        ("http_request_method", "PUT"),
        ("url_scheme", "https"),
    ];
    assert_eq!(count(&t, &labels), Some(1.0));
    assert!(std::any::type_name::<UpstreamDown>().ends_with("UpstreamDown"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_series_limit_new_label_sets_go_to_the_overflow_series() {
    let t = telemetry();
    let addr = serve_app(&t, Arc::default()).await;
    let limit = HttpServerMetric::RequestDuration.def().max_series;
    // Distinct status codes: one label set each (bounded: limit + 5 requests).
    let mut sent = 0;
    for code in 200u16..=999 {
        if sent == limit + 5 {
            break;
        }
        for method in ["GET", "POST"] {
            if sent == limit + 5 {
                break;
            }
            let req = format!(
                "{method} /status/{code} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            assert_ne!(send(addr, req.as_bytes()).await.0, 0);
            sent += 1;
        }
    }
    let s = scrape(&t);
    let overflow = s.value(
        &format!("{DURATION}_count"),
        &[("otel_metric_overflow", "true")],
    );
    assert_eq!(overflow, Some(5.0), "the 5 past the limit");
    let series = s
        .samples()
        .filter(|x| x.name == format!("{DURATION}_count"))
        .count();
    assert_eq!(series, limit + 1);
    assert!(t.health().runtime[1].metrics[0].at_series_limit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitoring_endpoints_record_their_own_requests() {
    let t = telemetry();
    let server = MetricsServer::bind("127.0.0.1:0", t.clone())
        .await
        .unwrap()
        .with_options(EndpointOptions::default());
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));
    let (status, _, first) = send(addr, &get_request("/api/monitoring/metrics", "")).await;
    assert_eq!(status, 200);
    // The first scrape sees itself active.
    let first = Scrape::parse(&first).unwrap();
    assert_eq!(
        first.value(
            ACTIVE,
            &[("http_request_method", "GET"), ("url_scheme", "http")]
        ),
        Some(1.0)
    );
    assert_eq!(
        send(addr, &get_request("/api/monitoring/health/metrics", ""))
            .await
            .0,
        200
    );
    let (_, _, second) = send(addr, &get_request("/api/monitoring/metrics", "")).await;
    let second = Scrape::parse(&second).unwrap();
    let route = |path| {
        [
            ("http_request_method", "GET"),
            ("http_response_status_code", "200"),
            ("http_route", path),
            ("url_scheme", "http"),
        ]
    };
    let name = format!("{DURATION}_count");
    assert_eq!(
        second.value(&name, &route("/api/monitoring/metrics")),
        Some(1.0)
    );
    assert_eq!(
        second.value(&name, &route("/api/monitoring/health/metrics")),
        Some(1.0)
    );
    // Unknown paths are the app's (matched routes only: no series for them).
    assert_eq!(
        send(addr, &get_request("/api/monitoring/nope", "")).await.0,
        404
    );
    let s = scrape(&t);
    assert!(s.samples().all(|x| {
        x.labels
            .get("http_response_status_code")
            .map(String::as_str)
            != Some("404")
    }));
}
