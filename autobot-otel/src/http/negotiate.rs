//! Which exposition a scrape gets, from its `Accept` header.

use axum::http::{HeaderMap, header};

/// The format a request's `Accept` headers ask for: `true` for OpenMetrics
/// 1.0, `false` for the text format 0.0.4.
///
/// OpenMetrics is served when a media range `application/openmetrics-text`
/// without a `version` or with `version=1.0.0` has a quality (`q`, default 1)
/// above 0 and at least that of the best range the text format matches
/// (`text/plain` without a version or with `version=0.0.4`, `text/*`,
/// `*/*`). Everything else — no header, only `text/plain`, only
/// OpenMetrics 0.0.1, a header that cannot be read — gets the text format,
/// byte for byte as before. Prometheus lists OpenMetrics 1.0.0 first in its
/// `Accept` header by default (2.42 always; from 2.49 as `scrape_protocols`
/// says), so a Prometheus scrape gets OpenMetrics and with it the exemplars.
///
/// ```
/// use autobot_otel::http::negotiate;
/// use axum::http::{HeaderMap, HeaderValue, header::ACCEPT};
///
/// let accept = |value: &'static str| {
///     let mut headers = HeaderMap::new();
///     headers.insert(ACCEPT, HeaderValue::from_static(value));
///     negotiate(&headers)
/// };
/// // Prometheus 2.42's header, and the default of later versions.
/// assert!(accept(
///     "application/openmetrics-text;version=1.0.0,\
///      application/openmetrics-text;version=0.0.1;q=0.75,\
///      text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
/// ));
/// assert!(accept(
///     "application/openmetrics-text;version=1.0.0;q=0.5,\
///      application/openmetrics-text;version=0.0.1;q=0.4,\
///      text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
/// ));
/// assert!(accept("application/openmetrics-text"));
/// assert!(!accept("text/plain;version=0.0.4"));
/// assert!(!accept("application/openmetrics-text;version=0.0.1"));
/// assert!(!accept("text/plain, application/openmetrics-text;q=0.5"));
/// assert!(!negotiate(&HeaderMap::new()));
/// ```
pub fn negotiate(headers: &HeaderMap) -> bool {
    let (mut openmetrics, mut text) = (0.0f32, 0.0f32);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        for range in value.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let (mut q, mut version) = (1.0f32, None);
            for param in parts {
                let Some((key, val)) = param.split_once('=') else {
                    continue;
                };
                let val = val.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "q" => {
                        q = val
                            .parse()
                            .ok()
                            .filter(|q| (0.0..=1.0).contains(q))
                            .unwrap_or(0.0)
                    }
                    "version" => version = Some(val),
                    _ => {}
                }
            }
            match (media.as_str(), version) {
                ("application/openmetrics-text", None | Some("1.0.0")) => {
                    openmetrics = openmetrics.max(q);
                }
                ("text/plain", None | Some("0.0.4")) | ("text/*" | "*/*", _) => text = text.max(q),
                _ => {}
            }
        }
    }
    openmetrics > 0.0 && openmetrics >= text
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(values: &[&'static str]) -> bool {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::ACCEPT, HeaderValue::from_static(v));
        }
        negotiate(&headers)
    }

    #[test]
    fn quality_and_version_decide() {
        assert!(accept(&[
            "application/OpenMetrics-Text; version=\"1.0.0\"; q=0.9"
        ]));
        assert!(accept(&[
            "text/plain;q=0.2",
            "application/openmetrics-text;q=0.2"
        ]));
        assert!(!accept(&["application/openmetrics-text;q=0"]));
        assert!(!accept(&["application/openmetrics-text;q=abc"]));
        assert!(!accept(&[
            "application/openmetrics-text;q=0.4",
            "*/*;q=0.5"
        ]));
        assert!(!accept(&["application/json"]));
        assert!(accept(&["application/json, application/openmetrics-text"]));
        assert!(!accept(&["application/openmetrics-text;version=2.0.0"]));
        assert!(!accept(&[""]));
    }
}
