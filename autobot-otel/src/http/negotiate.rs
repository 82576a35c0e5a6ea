//! Which exposition a scrape gets, from its `Accept` header.

use axum::http::{HeaderMap, header};

use crate::Exposition;

/// The format a request's `Accept` headers ask for: [`Exposition::OpenMetrics`]
/// (OpenMetrics 1.0) or [`Exposition::Text`] (the text format 0.0.4).
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
/// use autobot_otel::Exposition;
/// use autobot_otel::http::negotiate;
/// use axum::http::{HeaderMap, HeaderValue, header::ACCEPT};
///
/// let accept = |value: &'static str| {
///     let mut headers = HeaderMap::new();
///     headers.insert(ACCEPT, HeaderValue::from_static(value));
///     negotiate(&headers) == Exposition::OpenMetrics
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
/// assert_eq!(negotiate(&HeaderMap::new()), Exposition::Text);
/// ```
pub fn negotiate(headers: &HeaderMap) -> Exposition {
    if prefers_openmetrics(headers) {
        Exposition::OpenMetrics
    } else {
        Exposition::Text
    }
}

/// Whether the `Accept` headers rank OpenMetrics 1.0 at least as high as the
/// text format, and above 0.
fn prefers_openmetrics(headers: &HeaderMap) -> bool {
    let (mut openmetrics, mut text) = (0.0f32, 0.0f32);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        for range in media_ranges(value) {
            match (range.media.as_str(), range.version.as_deref()) {
                ("application/openmetrics-text", None | Some("1.0.0")) => {
                    openmetrics = openmetrics.max(range.q);
                }
                ("text/plain", None | Some("0.0.4")) | ("text/*" | "*/*", _) => {
                    text = text.max(range.q)
                }
                _ => {}
            }
        }
    }
    openmetrics > 0.0 && openmetrics >= text
}

/// One media range of an `Accept` header: its type (lower case), its `version`
/// parameter (unquoted) and its weight.
#[derive(Debug, PartialEq)]
struct MediaRange {
    media: String,
    version: Option<String>,
    q: f32,
}

/// The media ranges of one `Accept` field value, per RFC 9110 §12.5.1 and
/// §5.6: ranges are separated by commas and parameters by semicolons, both
/// outside quoted strings (`"..."`, with `\` escaping the next character), so
/// a quoted parameter value may hold either. Parameter names are
/// case-insensitive. A `q` that is not a valid weight (`0` to `1`, at most
/// three decimals) counts as 0: that range is not acceptable.
fn media_ranges(value: &str) -> Vec<MediaRange> {
    split_unquoted(value, ',')
        .into_iter()
        .filter_map(|range| {
            let mut parts = split_unquoted(range, ';').into_iter();
            let media = parts.next()?.trim().to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            let (mut q, mut version) = (1.0f32, None);
            for param in parts {
                let Some((key, val)) = param.split_once('=') else {
                    continue;
                };
                let val = unquote(val.trim());
                match key.trim().to_ascii_lowercase().as_str() {
                    "q" => q = weight(&val).unwrap_or(0.0),
                    "version" => version = Some(val),
                    _ => {}
                }
            }
            Some(MediaRange { media, version, q })
        })
        .collect()
}

/// `value` split at `sep` where it stands outside a quoted string.
fn split_unquoted(value: &str, sep: char) -> Vec<&str> {
    let (mut parts, mut start) = (Vec::new(), 0);
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&value[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// A parameter value: a token as it is, a quoted string without its quotes
/// and with its escapes resolved.
fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                out.push(if c == '\\' {
                    chars.next().unwrap_or(c)
                } else {
                    c
                });
            }
            out
        }
        None => value.to_string(),
    }
}

/// An RFC 9110 weight: `0` to `1` with at most three decimals.
fn weight(value: &str) -> Option<f32> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    let valid = matches!(int, "0" | "1")
        && frac.len() <= 3
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || frac.bytes().all(|b| b == b'0'));
    valid.then(|| value.parse().ok()).flatten()
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
        prefers_openmetrics(&headers)
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

    #[test]
    fn commas_and_semicolons_inside_quoted_strings_do_not_split() {
        // Split on every comma, the quoted note would end the first range early
        // and leave `application/openmetrics-text;q=1"` as a range of its own.
        assert!(!accept(&[
            "text/plain;note=\"a, application/openmetrics-text;q=1\""
        ]));
        assert!(accept(&[
            "application/openmetrics-text;note=\"x;q=0\";version=1.0.0, text/plain;q=0.5"
        ]));
        assert!(accept(&[
            "application/openmetrics-text;note=\"esc \\\" , q=0\", text/plain;q=0.9"
        ]));
    }

    #[test]
    fn media_ranges_follow_rfc_9110() {
        let ranges = media_ranges(
            "Application/OpenMetrics-Text ; VERSION=\"1.0.0\" ; Q=0.5, text/plain;version=0.0.4",
        );
        assert_eq!(
            ranges,
            [
                MediaRange {
                    media: "application/openmetrics-text".into(),
                    version: Some("1.0.0".into()),
                    q: 0.5
                },
                MediaRange {
                    media: "text/plain".into(),
                    version: Some("0.0.4".into()),
                    q: 1.0
                },
            ]
        );
        assert!(media_ranges(" , ,").is_empty());
    }

    #[test]
    fn weights_are_rfc_9110_qvalues() {
        for (q, w) in [
            ("0", Some(0.0)),
            ("1", Some(1.0)),
            ("1.000", Some(1.0)),
            ("0.125", Some(0.125)),
        ] {
            assert_eq!(weight(q), w, "{q}");
        }
        for bad in [
            "1.5", "2", "-0.1", "0.1234", "abc", "", ".5", "1.001", "0.5x",
        ] {
            assert_eq!(weight(bad), None, "{bad}");
        }
    }
}
