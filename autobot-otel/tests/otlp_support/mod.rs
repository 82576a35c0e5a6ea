//! Shared by the OTLP test files: a loopback OTLP/HTTP collector that records
//! each request's path, headers and body, a refusing port, every log line of the
//! process, and the leak assertions.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use autobot_otel::labels::Outcome;
use autobot_otel::{Telemetry, TelemetryBuilder};
use opentelemetry::trace::{Tracer, TracerProvider};

/// Everything any subscriber-visible code logs in this process, all levels and
/// targets (so the exporters' own diagnostics are included).
pub fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        buffer
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What has been logged so far (see [`logs`]).
pub fn captured_logs() -> String {
    captured_logs_since(0)
}

/// How many bytes have been logged so far.
pub fn logged_bytes() -> usize {
    logs().lock().unwrap().len()
}

/// What has been logged after the first `offset` bytes.
pub fn captured_logs_since(offset: usize) -> String {
    let logs = logs().lock().unwrap();
    String::from_utf8_lossy(logs.get(offset..).unwrap_or_default()).into_owned()
}

/// A builder that reads the `OTEL_*` variables from `vars` instead of the
/// process environment, with a 10 s shutdown bound.
pub fn with_variables(vars: &[(&str, &str)]) -> TelemetryBuilder {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Telemetry::builder()
        .with_env_lookup(move |name| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
        .with_shutdown_timeout(Duration::from_secs(10))
}

/// Records one metric and one span, and flushes both to the collector, which
/// must accept them.
pub fn record_a_metric_and_a_span_and_flush(telemetry: &Telemetry) {
    telemetry
        .metrics()
        .record_workflow_execution("otlp-test", Outcome::Success, 1.0);
    telemetry
        .tracer_provider()
        .expect("spans are exported")
        .tracer("otlp-test")
        .in_span("export-me", |_| {});
    telemetry.force_flush().expect("the collector accepts");
}

/// A loopback port with nothing listening (connections are refused).
pub fn refusing_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The forms in which `secret` could show: as is, percent-decoded,
/// percent-encoded, and each of those escaped as `Debug` and JSON escape them.
pub fn forms(secret: &str) -> Vec<String> {
    use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
    let plain = [
        secret.to_string(),
        percent_decode_str(secret).decode_utf8_lossy().into_owned(),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
    ];
    let mut out = Vec::new();
    for form in plain {
        let json = serde_json::to_string(&form).unwrap();
        out.push(json[1..json.len() - 1].to_string());
        out.push(form.escape_debug().to_string());
        out.push(form);
    }
    out.sort();
    out.dedup();
    out
}

/// Fails with the places any form (see [`forms`]) of `secrets` showed up in.
pub fn assert_nowhere(secrets: &[&str], places: &[(&str, String)]) {
    let mut leaks = Vec::new();
    for (what, text) in places {
        for secret in secrets {
            for form in forms(secret) {
                if text.contains(&form) {
                    leaks.push(format!("{what} contains {form:?} (of {secret:?})"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "credentials leaked: {leaks:#?}");
}

/// `Basic base64(user:password)`, with an encoder of the test's own.
pub fn basic(user: &str, password: &str) -> String {
    basic_bytes(format!("{user}:{password}").as_bytes())
}

/// `Basic base64(plain)`, with an encoder of the test's own.
pub fn basic_bytes(plain: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in plain.chunks(3) {
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

/// One request an OTLP/HTTP collector received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Lower-cased names, in the order received.
    pub headers: Vec<(String, String)>,
    /// The request body (an encoded OTLP export request).
    pub body: Vec<u8>,
}

impl Received {
    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The header names, sorted, without those of the HTTP transport itself.
    pub fn names(&self) -> Vec<&str> {
        let transport = ["host", "content-length", "content-type", "accept"];
        let mut names: Vec<&str> = self
            .headers
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !transport.contains(n))
            .collect();
        names.sort();
        names
    }
}

/// A loopback OTLP/HTTP collector that answers every request `200` with an
/// empty body and records each request's path, headers and body (before answering,
/// so a flush that returned has been recorded).
pub struct Collector {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Collector {
    pub fn start() -> Collector {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = sink.clone();
                std::thread::spawn(move || serve(stream, &sink));
            }
        });
        Collector { addr, received }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Every request so far, forgetting them.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }

    /// The body of the last request to `path`.
    pub fn last_body(&self, path: &str) -> Vec<u8> {
        let received = self.received();
        let paths: Vec<&str> = received.iter().map(|r| r.path.as_str()).collect();
        received
            .iter()
            .rev()
            .find(|r| r.path == path)
            .map(|r| r.body.clone())
            .unwrap_or_else(|| panic!("nothing posted to {path}: {paths:?}"))
    }

    /// The first request to `path`.
    pub fn request_to(&self, path: &str) -> Received {
        let received = self.received();
        received
            .iter()
            .find(|r| r.path == path)
            .cloned()
            .unwrap_or_else(|| panic!("no request to {path}: {received:?}"))
    }
}

fn serve(stream: TcpStream, sink: &Mutex<Vec<Received>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
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
        sink.lock().unwrap().push(Received {
            path,
            headers,
            body,
        });
        let response =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}
