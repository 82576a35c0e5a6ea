//! A tiny HTTP server that records every request it is sent: the webhook
//! receiver of the Alertmanager test, and a byte counter for OTLP/HTTP pushes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Result, err};
use crate::process::poll;

/// Largest request body accepted (larger ones are answered 413 and not recorded).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Largest request head (request line and headers).
const MAX_HEAD: usize = 64 * 1024;

/// One request the sink received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkRequest {
    /// When it arrived.
    pub received: Instant,
    /// `POST`, `GET`, ...
    pub method: String,
    /// The request target, e.g. `/alerts/critical`.
    pub path: String,
    /// Headers in the order received, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl SinkRequest {
    /// The body as JSON (e.g. an Alertmanager webhook notification).
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            err!(
                "{} body is not JSON ({e}): {}",
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }
}

/// An HTTP/1.1 server on `127.0.0.1:<free port>` that answers every request with
/// `200 OK`, an empty body and `Connection: close`, and records it. An empty body is
/// a valid answer both for an Alertmanager webhook and for an OTLP/HTTP export (an
/// empty `Export*ServiceResponse`). Stopped (and its thread joined) on drop.
///
/// ```no_run
/// use autobot_otel_tests::HttpSink;
/// let sink = HttpSink::start().unwrap();
/// println!("webhook url: {}/alerts", sink.base_url());
/// let _requests = sink.requests();
/// ```
#[derive(Debug)]
pub struct HttpSink {
    port: u16,
    requests: Arc<Mutex<Vec<SinkRequest>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpSink {
    /// Binds a free loopback port and starts serving.
    pub fn start() -> Result<HttpSink> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| err!("cannot bind 127.0.0.1:0: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| err!("no local address: {e}"))?
            .port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let requests = Arc::clone(&requests);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("http-sink".into())
                .spawn(move || serve(listener, requests, stop))
                .map_err(|e| err!("cannot start the sink thread: {e}"))?
        };
        Ok(HttpSink {
            port,
            requests,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<SinkRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Polls [`Self::requests`] until `pred` holds for them (bounded).
    pub fn wait_for(
        &self,
        mut pred: impl FnMut(&[SinkRequest]) -> bool,
        timeout: Duration,
        what: &str,
    ) -> Result<Vec<SinkRequest>> {
        poll(
            timeout,
            Duration::from_millis(100),
            || {
                let r = self.requests();
                Ok(pred(&r).then_some(r))
            },
            || format!("{what}; received {} requests", self.requests().len()),
        )
    }
}

impl Drop for HttpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(listener: TcpListener, requests: Arc<Mutex<Vec<SinkRequest>>>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let requests = Arc::clone(&requests);
        // One short-lived thread per connection; each reads one request with
        // timeouts, so none outlives the sink by more than those timeouts.
        let _ = std::thread::Builder::new()
            .name("http-sink-conn".into())
            .spawn(move || {
                if let Ok(Some(req)) = handle(stream) {
                    requests.lock().unwrap_or_else(|p| p.into_inner()).push(req);
                }
            });
    }
}

fn handle(mut stream: TcpStream) -> std::io::Result<Option<SinkRequest>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut head_len = 0;
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    head_len += line.len();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        head_len += n;
        if n == 0 || head_len > MAX_HEAD {
            return Ok(None);
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        stream.write_all(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(None);
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let received = Instant::now();
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.as_str())
        .unwrap_or("text/plain");
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(reply.as_bytes())?;
    stream.flush()?;
    Ok(Some(SinkRequest {
        received,
        method,
        path,
        headers,
        body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::http_post;

    #[test]
    fn records_posts_and_answers_200() {
        let sink = HttpSink::start().unwrap();
        let r = http_post(
            &format!("{}/hook/a", sink.base_url()),
            "application/json",
            r#"{"x":1}"#,
        )
        .unwrap();
        assert_eq!(r.status, 200);
        let got = sink
            .wait_for(|r| r.len() == 1, Duration::from_secs(5), "one request")
            .unwrap();
        assert_eq!(got[0].method, "POST");
        assert_eq!(got[0].path, "/hook/a");
        assert_eq!(got[0].json().unwrap()["x"], 1);
        assert_eq!(got[0].header("Content-Type"), Some("application/json"));
    }
}
