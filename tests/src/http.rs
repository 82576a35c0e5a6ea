//! A tiny blocking HTTP client for tests.

use std::time::Duration;

use crate::error::{Result, err};

/// Timeout for one request made by [`http_get`] / [`http_post`].
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A complete HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code, e.g. 200.
    pub status: u16,
    /// Headers in the order received, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, decoded as UTF-8 (lossily).
    pub body: String,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// `GET url`, blocking, with a 10 s timeout; any status is `Ok`.
///
/// Usable from plain `#[test]`s. It runs on its own thread, so it does not
/// panic inside a tokio runtime, but it does block the calling thread: in a
/// `#[tokio::test]` that serves the URL from the same runtime use
/// `flavor = "multi_thread"` or `tokio::task::spawn_blocking`.
pub fn http_get(url: &str) -> Result<HttpResponse> {
    request(reqwest::Method::GET, url, &[], None)
}

/// [`http_get`] with request headers, e.g. `&[("accept", "text/plain")]`.
pub fn http_get_with_headers(url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse> {
    request(reqwest::Method::GET, url, headers, None)
}

/// `POST url` with the given `Content-Type` and body, blocking, like
/// [`http_get`].
pub fn http_post(url: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Result<HttpResponse> {
    request(
        reqwest::Method::POST,
        url,
        &[],
        Some((content_type.to_string(), body.into())),
    )
}

/// The first value of header `name` (case-insensitive) among lower-cased `headers`.
pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    headers
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

fn request(
    method: reqwest::Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<(String, Vec<u8>)>,
) -> Result<HttpResponse> {
    let url = url.to_string();
    // reqwest::blocking owns a runtime; running it on a fresh thread keeps it
    // out of any runtime the caller may be inside.
    std::thread::scope(|s| {
        s.spawn(move || blocking_request(method, &url, headers, body))
            .join()
            .unwrap_or_else(|_| Err(err!("HTTP client thread panicked")))
    })
}

fn blocking_request(
    method: reqwest::Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<(String, Vec<u8>)>,
) -> Result<HttpResponse> {
    let client = reqwest::blocking::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .no_proxy()
        .build()
        .map_err(|e| err!("cannot build HTTP client: {e}"))?;
    let mut req = client.request(method.clone(), url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some((content_type, bytes)) = body {
        req = req
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes);
    }
    let resp = req
        .send()
        .map_err(|e| err!("{method} {url} failed: {}", error_chain(&e)))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = resp
        .bytes()
        .map_err(|e| err!("{method} {url}: reading body failed: {}", error_chain(&e)))?;
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn get_and_post_against_a_raw_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for _ in 0..2 {
                let (mut s, _) = listener.accept().unwrap();
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).unwrap();
                seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                s.write_all(
                    b"HTTP/1.1 201 Created\r\nX-Thing: Yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                )
                .unwrap();
            }
            seen
        });
        let r = http_get_with_headers(&format!("http://{addr}/a"), &[("accept", "x/y")]).unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.header("x-thing"), Some("Yes"));
        assert_eq!(r.header("X-THING"), Some("Yes"));
        assert_eq!(r.body, "ok");
        let r = http_post(&format!("http://{addr}/b"), "text/plain", "hi").unwrap();
        assert_eq!(r.status, 201);
        let seen = server.join().unwrap();
        assert!(seen[0].starts_with("GET /a "));
        assert!(
            seen[0].to_ascii_lowercase().contains("\r\naccept: x/y\r\n"),
            "{}",
            seen[0]
        );
        assert!(seen[1].starts_with("POST /b "));
    }

    #[test]
    fn connection_refused_is_an_error() {
        let port = crate::free_port().unwrap();
        let e = http_get(&format!("http://127.0.0.1:{port}/")).unwrap_err();
        assert!(e.message().contains("failed"), "{e}");
    }
}
