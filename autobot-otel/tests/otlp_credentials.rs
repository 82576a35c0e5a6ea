//! OTLP credentials never leak: header values (set with `OtlpSettings::with_header`
//! or the `OTEL_EXPORTER_OTLP_*HEADERS` variables) and the user information of the
//! endpoint URL appear in no `Debug` output, no log line (captured at `TRACE`, all
//! targets, so the exporter's own diagnostics are included), no flush or shutdown
//! error and nowhere in the health report, while exports against a refusing port
//! fail. And they do reach the collector: a loopback OTLP/HTTP server records the
//! request headers.
//!
//! The environment-variable case runs in a child process (this test binary run
//! again with the variables set), since tests share the environment and
//! `unsafe_code` is forbidden here (`std::env::set_var` is `unsafe`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::labels::Outcome;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use opentelemetry::trace::{Tracer, TracerProvider};

const HEADER_SECRET: &str = "hdr-5ecret-7f3a91";
const URL_PASSWORD: &str = "url-pa55-c4e2d8";
const URL_USER: &str = "otlp-user-b61e";

/// Set in the child process; holds the secrets the parent passed in variables.
const CHILD_VAR: &str = "AUTOBOT_OTEL_CREDENTIALS_CHILD";
const ENV_SECRET: &str = "env-5ecret-0d9c44";
const ENV_TRACES_SECRET: &str = "env-traces-5ecret-e57b";
const ENV_PASSWORD: &str = "env-pa55-91aa3f";

/// Everything any subscriber-visible code logs in this process, all levels.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        buffer
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured_logs() -> String {
    String::from_utf8_lossy(&logs().lock().unwrap()).into_owned()
}

/// A loopback port with nothing listening (connections are refused).
fn refusing_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Fails with the places `secrets` showed up in.
fn assert_nowhere(secrets: &[&str], places: &[(&str, String)]) {
    let mut leaks = Vec::new();
    for (what, text) in places {
        for secret in secrets {
            if text.contains(secret) {
                leaks.push(format!("{what} contains {secret:?}"));
            }
        }
    }
    assert!(leaks.is_empty(), "credentials leaked: {leaks:#?}");
}

/// Records a metric and a span, flushes (failing), and gathers everything the
/// application could print or serve.
fn exercise_failing(telemetry: &Telemetry) -> Vec<(&'static str, String)> {
    telemetry
        .metrics()
        .record_workflow_execution("credentials", Outcome::Success, 1.0);
    let tracer = telemetry
        .tracer_provider()
        .expect("spans are exported")
        .tracer("credentials-test");
    tracer.in_span("export-me", |_| {});
    let flushed = telemetry.force_flush();
    assert!(flushed.is_err(), "the collector port refuses connections");
    let health = telemetry.health();
    let metrics = health.exporters.otlp_metrics.as_ref().unwrap();
    assert!(metrics.status.exports_failed > 0, "{health:?}");
    assert!(metrics.status.last_error.is_some());
    let traces = health.exporters.otlp_traces.as_ref().unwrap();
    assert!(traces.status.exports_failed > 0, "{health:?}");
    assert_eq!(health.status, "degraded");
    vec![
        (
            "force_flush error (Display)",
            flushed.as_ref().unwrap_err().to_string(),
        ),
        ("force_flush error (Debug)", format!("{flushed:?}")),
        ("Telemetry Debug", format!("{telemetry:?}")),
        (
            "otlp_settings Debug",
            format!("{:?}", telemetry.otlp_settings()),
        ),
        ("health JSON", serde_json::to_string(&health).unwrap()),
        ("health Debug", format!("{health:?}")),
        (
            "tracer provider Debug",
            format!("{:?}", telemetry.tracer_provider()),
        ),
    ]
}

fn settings(protocol: OtlpProtocol, port: u16) -> OtlpSettings {
    OtlpSettings::new(
        format!("http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{port}"),
        protocol,
    )
    .with_export_interval(Duration::from_secs(3600))
    .with_header("x-api-key", HEADER_SECRET)
}

fn builder_credentials_never_leak(protocol: OtlpProtocol) {
    logs();
    let settings = settings(protocol, refusing_port());
    let builder = Telemetry::builder()
        .with_otlp(settings.clone())
        .with_shutdown_timeout(Duration::from_secs(10));
    let mut places = vec![
        ("OtlpSettings Debug", format!("{settings:?}")),
        ("OtlpSettings pretty Debug", format!("{settings:#?}")),
        ("headers Debug", format!("{:?}", settings.headers)),
        ("TelemetryBuilder Debug", format!("{builder:?}")),
        ("metrics_endpoint", settings.metrics_endpoint()),
        ("traces_endpoint", settings.traces_endpoint()),
    ];
    let telemetry = builder.build().unwrap();
    places.extend(exercise_failing(&telemetry));
    let shutdown = telemetry.shutdown();
    places.push(("shutdown result", format!("{shutdown:?}")));
    let logs = captured_logs();
    assert!(
        logs.contains("OTLP export failed"),
        "logs are captured: {logs}"
    );
    places.push(("logs", logs));
    assert_nowhere(&[HEADER_SECRET, URL_PASSWORD, URL_USER], &places);
    // The redacted Debug still says that credentials are configured.
    assert!(places[0].1.contains("x-api-key") && places[0].1.contains("<redacted>"));
}

#[test]
fn builder_credentials_never_leak_over_http() {
    builder_credentials_never_leak(OtlpProtocol::HttpProtobuf);
}

#[test]
fn builder_credentials_never_leak_over_grpc() {
    builder_credentials_never_leak(OtlpProtocol::Grpc);
}

#[test]
fn an_invalid_header_fails_the_build_without_showing_its_value() {
    let settings = OtlpSettings::new("http://127.0.0.1:4318", OtlpProtocol::HttpProtobuf)
        .with_header("x-api-key", format!("{HEADER_SECRET}\r\nx-injected: 1"));
    let err = Telemetry::builder()
        .with_otlp(settings)
        .build()
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("x-api-key"), "{text}");
    assert!(!text.contains(HEADER_SECRET), "{text}");
}

/// One request an OTLP/HTTP collector received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    /// Lower-cased names.
    headers: Vec<(String, String)>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback OTLP/HTTP collector that answers 200 with an empty body and
/// records each request's path and headers.
fn capture_collector() -> (SocketAddr, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let sink = sink.clone();
            std::thread::spawn(move || serve_otlp_connection(stream, &sink));
        }
    });
    (addr, received)
}

fn serve_otlp_connection(stream: TcpStream, sink: &Mutex<Vec<Received>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        sink.lock().unwrap().push(Received { path, headers });
        let response =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn basic(user: &str, password: &str) -> String {
    // Test-side encoder, independent of the crate's.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

#[test]
fn builder_headers_and_url_credentials_reach_the_http_collector() {
    logs();
    let (addr, received) = capture_collector();
    let telemetry = Telemetry::builder()
        .with_otlp(settings(OtlpProtocol::HttpProtobuf, addr.port()))
        .with_shutdown_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    record_a_metric_and_a_span_and_flush(&telemetry);
    let health = serde_json::to_string(&telemetry.health()).unwrap();
    assert!(health.contains("\"failing\":false"), "{health}");
    let received = received.lock().unwrap().clone();
    for path in ["/v1/metrics", "/v1/traces"] {
        let request = received
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("no request to {path}: {received:?}"));
        assert_eq!(request.header("x-api-key"), Some(HEADER_SECRET), "{path}");
        assert_eq!(
            request.header("authorization"),
            Some(basic(URL_USER, URL_PASSWORD).as_str()),
            "{path}"
        );
    }
    assert_nowhere(
        &[HEADER_SECRET, URL_PASSWORD, URL_USER],
        &[("health JSON", health), ("logs", captured_logs())],
    );
    telemetry.shutdown().unwrap();
}

/// Runs [`child_env_credentials`] in a child process with the `OTEL_*` variables
/// set, and checks it passed and printed no secret.
#[test]
fn env_credentials_never_leak_and_reach_the_collector() {
    if std::env::var_os(CHILD_VAR).is_some() {
        return; // Only the parent runs this.
    }
    let (addr, received) = capture_collector();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_env_credentials",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, "1")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://envuser:{ENV_PASSWORD}@{addr}"),
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            format!("x-env-key={ENV_SECRET}"),
        )
        .env(
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            format!("x-env-traces-key={ENV_TRACES_SECRET}"),
        )
        .env("OTEL_METRIC_EXPORT_INTERVAL", "3600000")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_METRICS_HEADERS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{stderr}"
    );
    assert_nowhere(
        &[ENV_SECRET, ENV_TRACES_SECRET, ENV_PASSWORD],
        &[
            ("child stdout", stdout.into_owned()),
            ("child stderr", stderr.into_owned()),
        ],
    );
    // The variables' headers reached the collector: the general one with metrics,
    // the per-signal one (which replaces it) with spans.
    let received = received.lock().unwrap().clone();
    let metrics = received.iter().find(|r| r.path == "/v1/metrics");
    let metrics = metrics.unwrap_or_else(|| panic!("no metrics export: {received:?}"));
    assert_eq!(metrics.header("x-env-key"), Some(ENV_SECRET));
    assert_eq!(
        metrics.header("authorization"),
        Some(basic("envuser", ENV_PASSWORD).as_str())
    );
    let traces = received.iter().find(|r| r.path == "/v1/traces");
    let traces = traces.unwrap_or_else(|| panic!("no span export: {received:?}"));
    assert_eq!(traces.header("x-env-traces-key"), Some(ENV_TRACES_SECRET));
}

/// The child half of [`env_credentials_never_leak_and_reach_the_collector`]: a
/// no-op unless [`CHILD_VAR`] is set.
#[test]
fn child_env_credentials() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    logs();
    let secrets = [ENV_SECRET, ENV_TRACES_SECRET, ENV_PASSWORD];
    // From the environment, against the parent's collector.
    let builder = Telemetry::builder().with_shutdown_timeout(Duration::from_secs(10));
    let telemetry = builder.clone().build().unwrap();
    record_a_metric_and_a_span_and_flush(&telemetry);
    let mut places = vec![
        ("TelemetryBuilder Debug", format!("{builder:?}")),
        ("Telemetry Debug", format!("{telemetry:?}")),
        (
            "otlp_settings Debug",
            format!("{:?}", telemetry.otlp_settings()),
        ),
        (
            "health JSON",
            serde_json::to_string(&telemetry.health()).unwrap(),
        ),
    ];
    telemetry.shutdown().unwrap();
    // The same variables' headers, against a refusing port (the exporter reads the
    // headers from the environment whatever the endpoint).
    let refusing = Telemetry::builder()
        .with_otlp(OtlpSettings::new(
            format!(
                "http://envuser:{ENV_PASSWORD}@127.0.0.1:{}",
                refusing_port()
            ),
            OtlpProtocol::HttpProtobuf,
        ))
        .with_shutdown_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    places.extend(exercise_failing(&refusing));
    let _ = refusing.shutdown();
    let logs = captured_logs();
    assert!(logs.contains("OTLP export failed"), "logs are captured");
    places.push(("logs", logs));
    assert_nowhere(&secrets, &places);
    println!("child: no credentials leaked");
}

/// Records one metric and one span and flushes both to the collector.
fn record_a_metric_and_a_span_and_flush(telemetry: &Telemetry) {
    telemetry
        .metrics()
        .record_workflow_execution("credentials", Outcome::Success, 1.0);
    telemetry
        .tracer_provider()
        .unwrap()
        .tracer("credentials-test")
        .in_span("export-me", |_| {});
    telemetry.force_flush().expect("the collector accepts");
}
