//! [`redact_userinfo`], the one function that removes URL user information
//! from anything printed, and the endpoint's user information split off and
//! turned into `Authorization: Basic`.

use std::borrow::Cow;
use std::ops::Range;

use http::HeaderValue;

/// Where the user information of `text` is: from after a leading `http://` or
/// `https://` (any case; from the start when `text` does not start with one)
/// to the last `@`. It contains every `user:password@` of `text`, however
/// malformed (user information with `/ ? # @ :`, whitespace or
/// percent-escapes, no scheme, another scheme, several URLs, a URL inside an
/// error message): user information always ends at an `@` no later than the
/// last one, and never starts before a leading `http://`. Other schemes are not
/// skipped, since `user:x://y@host` may as well be user information. The span
/// may contain more (a path with an unencoded `@`, the text before a URL): we
/// redact too much rather than too little.
fn userinfo_span(text: &str) -> Option<Range<usize>> {
    let at = text.rfind('@')?;
    let starts_with = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let start = if starts_with("http://") {
        7
    } else if starts_with("https://") {
        8
    } else {
        0
    };
    (start < at).then_some(start..at)
}

/// `text` with its user information (see [`userinfo_span`]) replaced by
/// `<redacted>`: `http://user:pa/ss@host/x` becomes `http://<redacted>@host/x`.
/// Every endpoint, and every error or log text that may quote one, goes through
/// this before it is printed.
pub(crate) fn redact_userinfo(text: &str) -> Cow<'_, str> {
    match userinfo_span(text) {
        Some(span) => Cow::Owned(format!(
            "{}<redacted>{}",
            &text[..span.start],
            &text[span.end..]
        )),
        None => Cow::Borrowed(text),
    }
}

/// Splits an endpoint into the URL without user information (see
/// [`userinfo_span`]) and that user information.
pub(super) fn split_userinfo(endpoint: &str) -> (String, Option<&str>) {
    match userinfo_span(endpoint) {
        Some(span) => (
            format!("{}{}", &endpoint[..span.start], &endpoint[span.end + 1..]),
            Some(&endpoint[span]),
        ),
        None => (endpoint.to_string(), None),
    }
}

/// `Basic base64(user:password)` from percent-encoded URL user information
/// (the user ends at the first `:`).
pub(super) fn basic_authorization(
    userinfo: &str,
) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    use base64::Engine as _;
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let mut plain: Vec<u8> = percent_encoding::percent_decode_str(user).collect();
    plain.push(b':');
    plain.extend(percent_encoding::percent_decode_str(password));
    let encoded = base64::engine::general_purpose::STANDARD.encode(plain);
    HeaderValue::try_from(format!("Basic {encoded}"))
}
