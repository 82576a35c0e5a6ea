//! The endpoints under abuse and load: proper HTTP errors for wrong methods,
//! unknown paths and oversized headers; bearer-token auth, and tokens that would
//! leave the endpoints open refused at configuration; a cap on concurrent
//! scrapes; 200 concurrent scrapes while recording all answer complete and valid;
//! a hanging or failed collection answers 503 instead of hanging or lying.
//! Loopback only, bounded in count and time.

mod http_support;

use std::time::Duration;

use autobot_otel::http::{EndpointOptions, InvalidToken, MetricsServer};
use autobot_otel::labels::Outcome;
use autobot_otel::testing::Scrape;
use http_support::{get, send, serve, telemetry};

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
async fn a_hanging_collection_gets_503_in_time_and_holds_its_slot() {
    use opentelemetry::metrics::MeterProvider as _;
    use std::sync::{Mutex, mpsc};

    let t = telemetry();
    // Dropping `release` lets the callback return (its receiver disconnects).
    let (release, released) = mpsc::channel::<()>();
    let released = Mutex::new(released);
    let _hanging = t
        .meter_provider()
        .unwrap()
        .meter("app")
        .u64_observable_gauge("app_hanging")
        .with_callback(move |o| {
            // Hangs until released; bounded so the test always ends (a
            // callback still hanging then fails the assertions below).
            let _ = released
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(20));
            o.observe(1, &[]);
        })
        .build();
    let options = EndpointOptions::default()
        .with_collect_timeout(Duration::from_millis(300))
        .with_max_concurrent_scrapes(2);
    let addr = serve(t, options).await;
    let started = std::time::Instant::now();
    let (status, head, body) = send(addr, &get("/api/monitoring/metrics", "")).await;
    assert_eq!(status, 503, "{head}");
    assert!(body.contains("collection timed out"));
    assert!(head.to_ascii_lowercase().contains("retry-after: 1"));
    assert!(started.elapsed() < Duration::from_secs(5));
    // The stuck collection keeps its slot: one more times out, then the cap answers.
    assert_eq!(
        send(addr, &get("/api/monitoring/health/metrics", ""))
            .await
            .0,
        503
    );
    let (_, _, body) = send(addr, &get("/api/monitoring/metrics", "")).await;
    assert!(body.contains("too many concurrent scrapes"), "{body}");
    drop(release);
    // Once the callback returns, scrapes are served again.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, body) = send(addr, &get("/api/monitoring/metrics", "")).await;
        if status == 200 {
            assert!(body.contains("app_hanging 1"), "{body}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_collection_is_503_not_an_empty_scrape() {
    use opentelemetry::metrics::MeterProvider as _;
    let t = telemetry();
    let _panicking = t
        .meter_provider()
        .unwrap()
        .meter("app")
        .u64_observable_gauge("app_panicking")
        .with_callback(|_| panic!("application callback fault"))
        .build();
    let addr = serve(t, EndpointOptions::default()).await;
    let (status, _, body) = send(addr, &get("/api/monitoring/metrics", "")).await;
    assert_eq!(status, 503);
    assert!(body.contains("collection failed"), "{body}");
    let (status, _, body) = send(addr, &get("/api/monitoring/health/metrics", "")).await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["collection_ok"], false);
}

/// The `Authorization` header forms a token-guarded endpoint accepts (scheme in
/// any case, spaces around the token) and refuses (no header, another scheme, a
/// wrong or differently long token, a token in another case, two headers).
const AUTH_CASES: &[(&str, u16)] = &[
    ("", 401),
    ("Authorization: Bearer s3cres\r\n", 401),
    ("Authorization: Bearer s3cret-and-more\r\n", 401),
    ("Authorization: Bearer S3CRET\r\n", 401),
    ("Authorization: Basic s3cret\r\n", 401),
    ("Authorization: s3cret\r\n", 401),
    ("Authorization: Bearer\r\n", 401),
    ("Authorization: Bearer \r\n", 401),
    ("Authorization: \r\n", 401),
    (
        "Authorization: Bearer s3cret\r\nAuthorization: Bearer s3cret\r\n",
        401,
    ),
    (
        "Authorization: Bearer wrong\r\nAuthorization: Bearer s3cret\r\n",
        401,
    ),
    ("Authorization: Bearer s3cret\r\n", 200),
    ("Authorization: bearer s3cret\r\n", 200),
    ("Authorization: BEARER s3cret\r\n", 200),
    ("Authorization: Bearer    s3cret   \r\n", 200),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_is_required_when_configured() {
    let options = EndpointOptions::default()
        .with_bearer_token("s3cret")
        .unwrap();
    let addr = serve(telemetry(), options).await;
    for path in ["/api/monitoring/metrics", "/api/monitoring/health/metrics"] {
        let (status, head, _) = send(addr, &get(path, "")).await;
        assert_eq!(status, 401, "{path}");
        assert!(
            head.to_ascii_lowercase()
                .contains("www-authenticate: bearer")
        );
        for (headers, expected) in AUTH_CASES {
            let (status, _, _) = send(addr, &get(path, headers)).await;
            assert_eq!(status, *expected, "{path} with {headers:?}");
        }
    }
}

#[test]
fn empty_whitespace_and_unsendable_tokens_are_refused_where_configured() {
    for empty in ["", " ", "\t", " \r\n ", "\u{a0}"] {
        let err = EndpointOptions::default()
            .with_bearer_token(empty)
            .unwrap_err();
        assert!(
            matches!(err, InvalidToken::Empty { .. }),
            "{empty:?}: {err:?}"
        );
        assert!(
            err.to_string().contains("empty or only whitespace"),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("`EndpointOptions::with_bearer_token`"),
            "{err}"
        );
    }
    for unsendable in [
        "my secret",
        "s3cret\n",
        " s3cret",
        "s3cr\u{e9}t",
        "s3\u{0}cret",
    ] {
        let err = EndpointOptions::default()
            .with_bearer_token(unsendable)
            .unwrap_err();
        assert!(
            matches!(err, InvalidToken::Unsendable { .. }),
            "{unsendable:?}: {err:?}"
        );
        // Neither the message nor Debug quotes the token.
        let secret = unsendable.trim();
        assert!(!err.to_string().contains(secret), "{err}");
        assert!(!format!("{err:?}").contains(secret), "{err:?}");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
        assert!(!io.to_string().contains(secret));
    }
    // Visible ASCII tokens, including base64 and punctuation, are accepted and
    // never shown.
    for ok in [
        "s3cret",
        "a",
        "dG9rZW4+Lz0=",
        "!#$%&'()*+,-./:;<=>?@[]^_`{|}~",
    ] {
        let options = EndpointOptions::default().with_bearer_token(ok).unwrap();
        assert!(format!("{options:?}").contains("<redacted>"));
        if ok.len() > 1 {
            assert!(!format!("{options:?}").contains(ok));
        }
    }
}

/// The README's old pattern, `with_bearer_token(env::var(..).unwrap_or_default())`,
/// with the variable unset: it used to configure an empty token that let
/// requests without `Authorization` through. Now it is a start-up error, as is
/// the README's `with_bearer_token_from_env`, and nothing is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_pattern_with_the_variable_unset_cannot_start_an_open_server() {
    const UNSET: &str = "AUTOBOT_TEST_METRICS_TOKEN_NEVER_SET";
    assert!(std::env::var_os(UNSET).is_none());
    let old_pattern = EndpointOptions::default()
        .with_bearer_token(std::env::var(UNSET).unwrap_or_default())
        .map(|options| options.with_max_concurrent_scrapes(4));
    assert!(matches!(old_pattern, Err(InvalidToken::Empty { .. })));

    // The README's code, as a function returning `std::io::Result`.
    async fn readme(variable: &str) -> std::io::Result<()> {
        let options = EndpointOptions::default()
            .with_bearer_token_from_env(variable)?
            .with_max_concurrent_scrapes(4);
        MetricsServer::bind("127.0.0.1:0", telemetry())
            .await?
            .with_options(options)
            .run_until(std::future::pending())
            .await
    }
    let err = tokio::time::timeout(Duration::from_secs(10), readme(UNSET))
        .await
        .expect("fails at once instead of serving")
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains(UNSET), "{err}");
    assert!(err.to_string().contains("is not set"), "{err}");
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
    let final_scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    assert_eq!(
        final_scrape.sum("autobot_workflow_executions_total"),
        Some(200_001.0)
    );
}

/// HTTPS on the standalone server (cargo feature `tls`): the certificate is a
/// fixed self-signed one for `localhost`/`127.0.0.1` in `tests/fixtures/` (see the
/// README there), trusted by a rustls client built here.
#[cfg(feature = "tls")]
mod tls {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use autobot_otel::http::{EndpointOptions, MetricsServer, TlsConfig};
    use autobot_otel::testing::Scrape;
    use tokio::io::AsyncReadExt;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::rustls::pki_types::ServerName;
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

    use super::http_support::server_read_everything;
    use super::http_support::tls::{CERT_PATH, KEY_PATH, send_tls, serve_tls, tls_config};
    use super::{get, send, telemetry};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn https_serves_the_scrape_and_the_health_report() {
        let addr = serve_tls(telemetry(), EndpointOptions::default(), tls_config()).await;
        let (status, head, body) = send_tls(addr, &get("/api/monitoring/metrics", "")).await;
        assert_eq!(status, 200, "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
            "{head}"
        );
        let scrape = Scrape::parse(&body).expect("valid exposition");
        assert!(scrape.family("autobot_workflow_executions_total").is_some());
        let (status, _, body) = send_tls(addr, &get("/api/monitoring/health/metrics", "")).await;
        assert_eq!(status, 200);
        let health: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(health["status"], "healthy");
        // Errors over TLS are the same HTTP errors.
        assert_eq!(
            send_tls(addr, &get("/api/monitoring/nope", "")).await.0,
            404
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn https_requires_the_bearer_token_and_keeps_the_concurrency_cap() {
        let options = EndpointOptions::default()
            .with_bearer_token("s3cret")
            .unwrap();
        let addr = serve_tls(telemetry(), options, tls_config()).await;
        for path in ["/api/monitoring/metrics", "/api/monitoring/health/metrics"] {
            let (status, head, _) = send_tls(addr, &get(path, "")).await;
            assert_eq!(status, 401, "{path}");
            assert!(
                head.to_ascii_lowercase()
                    .contains("www-authenticate: bearer")
            );
            for (headers, expected) in super::AUTH_CASES {
                let (status, _, _) = send_tls(addr, &get(path, headers)).await;
                assert_eq!(status, *expected, "{path} with {headers:?}");
            }
        }

        let capped = serve_tls(
            telemetry(),
            EndpointOptions::default().with_max_concurrent_scrapes(0),
            tls_config(),
        )
        .await;
        let (status, head, _) = send_tls(capped, &get("/api/monitoring/metrics", "")).await;
        assert_eq!(status, 503);
        assert!(head.to_ascii_lowercase().contains("retry-after: 1"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn plaintext_and_failed_handshakes_get_no_200_and_the_server_keeps_serving() {
        let addr = serve_tls(telemetry(), EndpointOptions::default(), tls_config()).await;
        // Plain HTTP to the TLS port: no HTTP answer, and no panic.
        let (status, _, _) = send(addr, &get("/api/monitoring/metrics", "")).await;
        assert_ne!(status, 200);
        // Garbage and a truncated record.
        for junk in [
            &b"\x16\x03\x01\x00\x05hello"[..],
            &[0u8; 64][..],
            b"\x16\x03\x01\xff\xff",
        ] {
            let (status, _, _) = send(addr, junk).await;
            assert_ne!(status, 200);
        }
        // A client that does not trust the server's certificate aborts the handshake.
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let untrusting = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth();
        let refused = TlsConnector::from(Arc::new(untrusting))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await;
        assert!(refused.is_err());
        // Still serving.
        let (status, _, body) = send_tls(addr, &get("/api/monitoring/metrics", "")).await;
        assert_eq!(status, 200);
        Scrape::parse(&body).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_sends_nothing_is_dropped_after_the_handshake_timeout() {
        let timeout = Duration::from_millis(300);
        let addr = serve_tls(
            telemetry(),
            EndpointOptions::default(),
            tls_config().with_handshake_timeout(timeout),
        )
        .await;
        // Before connecting: the server's clock starts no earlier than this.
        let started = Instant::now();
        let mut silent = Vec::new();
        for _ in 0..4 {
            silent.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        for mut stream in silent {
            let mut buf = [0u8; 64];
            let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
                .await
                .expect("the server closes the connection");
            // EOF (or a reset): the server gave up on the handshake.
            assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        }
        let waited = started.elapsed();
        assert!(waited >= timeout, "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        // Meanwhile and afterwards, others are served.
        assert_eq!(
            send_tls(addr, &get("/api/monitoring/metrics", "")).await.0,
            200
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_returns_with_a_handshake_pending() {
        let server = MetricsServer::bind("127.0.0.1:0", telemetry())
            .await
            .unwrap()
            .with_tls(tls_config());
        let addr = server.local_addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        assert_eq!(
            send_tls(addr, &get("/api/monitoring/metrics", "")).await.0,
            200
        );
        // A connection stuck before its handshake (default timeout: 10 s).
        let silent = tokio::net::TcpStream::connect(addr).await.unwrap();
        // Accepted, so in its handshake: not merely queued in the listen backlog,
        // which closing the listener would drop at once.
        server_read_everything(addr, &[silent.local_addr().unwrap()]).await;
        stop.send(()).unwrap();
        let result = tokio::time::timeout(Duration::from_secs(5), running)
            .await
            .expect("shutdown does not wait for the handshake timeout");
        result.unwrap().unwrap();
    }

    #[test]
    fn bad_certificates_and_keys_are_errors_that_do_not_quote_the_key() {
        let cert = std::fs::read(CERT_PATH).unwrap();
        let key = std::fs::read(KEY_PATH).unwrap();
        assert!(TlsConfig::from_pem(&cert, &key).is_ok());
        let no_cert = TlsConfig::from_pem(b"", &key).unwrap_err();
        assert!(no_cert.to_string().contains("no CERTIFICATE"), "{no_cert}");
        // The key where the certificate goes, and vice versa.
        assert!(TlsConfig::from_pem(&key, &key).is_err());
        let swapped = TlsConfig::from_pem(&cert, &cert).unwrap_err();
        assert!(swapped.to_string().contains("private key"), "{swapped}");
        // A damaged key: the error says nothing of its content.
        let key_text = String::from_utf8(key).unwrap();
        let body_line = key_text.lines().nth(1).unwrap();
        let damaged = key_text.replace(body_line, &format!("{body_line}!!"));
        let err = TlsConfig::from_pem(&cert, damaged.as_bytes()).unwrap_err();
        assert!(!err.to_string().contains(body_line), "{err}");
        assert!(!format!("{err:?}").contains(body_line));
        let missing = TlsConfig::from_pem_files(CERT_PATH, "/nonexistent/key.pem").unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        assert!(missing.to_string().contains("/nonexistent/key.pem"));
        // Debug shows no key material.
        let debug = format!("{:?}", tls_config());
        assert!(
            !debug.contains(body_line) && !debug.contains("PRIVATE"),
            "{debug}"
        );
    }
}
