//! The naming rules, written once: how an OpenTelemetry instrument's name and
//! unit become a Prometheus family name (every character made valid, the full
//! unit → suffix table, the counter's `_total`), the way back from a
//! Prometheus-named definition to its OpenTelemetry name, and how an attribute
//! key becomes a Prometheus label name (sanitising with its `key_`/`key`
//! prefixes).
//!
//! The Prometheus exposition of `autobot-otel` writes every name through these
//! functions, the definitions' name functions ([`crate::MetricDef::otel_name`],
//! [`crate::MetricDef::prometheus_name`]) derive theirs with them, and the
//! generators of `xtask` use them, so a name in the README, a dashboard or a
//! test is the name the scrape has.
//!
//! The rules are the OpenTelemetry "Prometheus and OpenMetrics compatibility"
//! ones as `opentelemetry-prometheus` applies them, made valid where it writes
//! an invalid or reserved name (see `autobot_otel::prometheus`, "Invalid and
//! reserved names are made valid").
//!
//! ```
//! use autobot_otel_catalog::naming;
//!
//! assert_eq!(naming::prometheus_name("http.server.duration", "s", false), "http_server_duration_seconds");
//! assert_eq!(naming::prometheus_name("jobs", "{job}", true), "jobs_total");
//! assert_eq!(naming::otel_name("jobs_seconds_total", "s", true), "jobs");
//! assert_eq!(naming::label_name("gen_ai.token.type", false), "gen_ai_token_type");
//! assert_eq!(naming::label_name("1st", false), "key_1st");
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;

/// The suffix every monotonic counter's Prometheus name ends with.
pub const COUNTER_SUFFIX: &str = "_total";

/// The Prometheus name of an instrument named `name` with unit `unit`:
/// [`sanitize_metric_name`], then `_` and the [`unit_suffix`] when the unit has
/// one, then [`COUNTER_SUFFIX`] for a monotonic counter.
///
/// ```
/// use autobot_otel_catalog::naming::prometheus_name;
/// assert_eq!(prometheus_name("gen_ai.client.token.usage", "{token}", false), "gen_ai_client_token_usage");
/// assert_eq!(prometheus_name("net.io", "By/s", true), "net_io_bytes_per_second_total");
/// assert_eq!(prometheus_name("1st", "", false), "_1st");
/// ```
pub fn prometheus_name(name: &str, unit: &str, counter: bool) -> String {
    let base = sanitize_metric_name(name);
    let mut out = match unit_suffix(unit) {
        Some(suffix) => format!("{base}_{suffix}"),
        None => base.into_owned(),
    };
    if counter {
        out.push_str(COUNTER_SUFFIX);
    }
    out
}

/// The OpenTelemetry name that [`prometheus_name`] turns into `prometheus`
/// (a name already valid for Prometheus): the [`COUNTER_SUFFIX`] of a counter
/// dropped, then the unit's suffix. A suffix the name does not end with is
/// left alone (a gauge keeps a `_total` that is part of its name).
///
/// ```
/// use autobot_otel_catalog::naming::otel_name;
/// assert_eq!(otel_name("autobot_workflow_duration_seconds", "s", false), "autobot_workflow_duration");
/// assert_eq!(otel_name("autobot_redis_keys_total", "{key}", false), "autobot_redis_keys_total");
/// assert_eq!(otel_name("autobot_llm_tokens_total", "{token}", true), "autobot_llm_tokens");
/// ```
pub fn otel_name<'a>(prometheus: &'a str, unit: &str, counter: bool) -> &'a str {
    let mut name = prometheus;
    if counter {
        name = name.strip_suffix(COUNTER_SUFFIX).unwrap_or(name);
    }
    if let Some(suffix) = unit_suffix(unit)
        && let Some(stripped) = name.strip_suffix(&*suffix)
        && let Some(stripped) = stripped.strip_suffix('_')
    {
        name = stripped;
    }
    name
}

/// An instrument name made a valid Prometheus metric name
/// (`opentelemetry_prometheus::utils::sanitize_name`, made valid): a leading
/// digit gets a `_` prefix, every character outside `[a-zA-Z0-9_:]` becomes
/// `_`, and a name that then starts with `__` (reserved by Prometheus) gets a
/// `key` prefix. Borrowed when the name is valid already.
///
/// ```
/// use autobot_otel_catalog::naming::sanitize_metric_name;
/// assert_eq!(sanitize_metric_name("gen_ai.client.operation.duration"), "gen_ai_client_operation_duration");
/// assert_eq!(sanitize_metric_name("ok:name_1"), "ok:name_1");
/// assert_eq!(sanitize_metric_name("__x"), "key__x");
/// ```
pub fn sanitize_metric_name(s: &str) -> Cow<'_, str> {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let underscore = |c: Option<char>| c.is_some_and(|c| c == '_' || !valid(c));
    let digit = s.starts_with(|c: char| c.is_ascii_digit());
    let mut chars = s.chars();
    let reserved = underscore(chars.next()) && underscore(chars.next());
    if !digit && !reserved && s.chars().all(valid) {
        return Cow::Borrowed(s);
    }
    let mut name = String::with_capacity(s.len() + 3);
    if digit {
        name.push('_');
    }
    if reserved {
        name.push_str("key");
    }
    name.extend(s.chars().map(|c| if valid(c) { c } else { '_' }));
    Cow::Owned(name)
}

/// The Prometheus name suffix an OpenTelemetry (UCUM) unit adds, if any
/// (`opentelemetry_prometheus::utils::get_unit_suffixes`): the unit table
/// (`s` → `seconds`, `By` → `bytes`, `1` → `ratio`, ...), `x/y` units as
/// `x_per_y`, and nothing for annotations in braces or unknown units.
///
/// ```
/// use autobot_otel_catalog::naming::unit_suffix;
/// assert_eq!(unit_suffix("s").as_deref(), Some("seconds"));
/// assert_eq!(unit_suffix("By").as_deref(), Some("bytes"));
/// assert_eq!(unit_suffix("1").as_deref(), Some("ratio"));
/// assert_eq!(unit_suffix("By/s").as_deref(), Some("bytes_per_second"));
/// assert_eq!(unit_suffix("1/s").as_deref(), Some("per_second"));
/// assert_eq!(unit_suffix("{request}"), None);
/// ```
pub fn unit_suffix(unit: &str) -> Option<Cow<'static, str>> {
    const NON_APPLICABLE_ON_PER_UNIT: [&str; 8] = ["1", "d", "h", "min", "s", "ms", "us", "ns"];
    if unit.is_empty() {
        return None;
    }
    if let Some(matched) = prom_unit(unit) {
        return Some(Cow::Borrowed(matched));
    }
    let (first, second) = unit.split_once('/')?;
    match (
        NON_APPLICABLE_ON_PER_UNIT.contains(&first),
        prom_unit(first),
        prom_per_unit(second),
    ) {
        (true, _, Some(per)) | (false, None, Some(per)) => Some(Cow::Owned(format!("per_{per}"))),
        (false, Some(first), Some(per)) => Some(Cow::Owned(format!("{first}_per_{per}"))),
        _ => None,
    }
}

fn prom_unit(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" | "B" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" | "KB" => "kilobytes",
        "MBy" | "MB" => "megabytes",
        "GBy" | "GB" => "gigabytes",
        "TBy" | "TB" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "1" => "ratio",
        "%" => "percent",
        _ => return None,
    })
}

fn prom_per_unit(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => return None,
    })
}

/// A label name's character: `[a-zA-Z0-9_]` kept, others `_`.
#[inline]
fn sanitize_char(c: char) -> char {
    if c.is_ascii_alphanumeric() { c } else { '_' }
}

#[inline]
fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `key`, sanitized, starts with `__` (reserved by Prometheus).
fn sanitizes_to_reserved(key: &str) -> bool {
    let mut chars = key.chars().map(sanitize_char);
    chars.next() == Some('_') && chars.next() == Some('_')
}

/// What goes before the sanitized `key` in its label name: `key_` when the
/// key is empty or starts with a digit, or is `le` in a histogram (`le` is
/// the bucket bound); `key` when it sanitizes to a name starting with `__`;
/// nothing for every other key.
///
/// ```
/// use autobot_otel_catalog::naming::label_prefix;
/// assert_eq!(label_prefix("1abc", false), "key_");
/// assert_eq!(label_prefix("le", true), "key_");
/// assert_eq!(label_prefix("le", false), "");
/// assert_eq!(label_prefix("__name__", false), "key");
/// assert_eq!(label_prefix("server.address", false), "");
/// ```
#[inline]
pub fn label_prefix(key: &str, histogram: bool) -> &'static str {
    match key.as_bytes().first() {
        None => "key_",
        Some(b) if b.is_ascii_digit() => "key_",
        Some(b) if !b.is_ascii_alphanumeric() && sanitizes_to_reserved(key) => "key",
        Some(b'l') if histogram && key == "le" => "key_",
        Some(_) => "",
    }
}

/// The characters of `key`'s label name.
fn label_chars(key: &str, histogram: bool) -> impl Iterator<Item = char> + '_ {
    label_prefix(key, histogram)
        .chars()
        .chain(key.chars().map(sanitize_char))
}

/// Appends the label name of attribute `key` to `out`: its [`label_prefix`],
/// then the key with every character outside `[a-zA-Z0-9_]` as `_`
/// (`histogram`: the label is on a histogram's series, where `le` is taken).
/// Allocates nothing beyond `out`'s growth.
///
/// ```
/// let mut out = String::new();
/// autobot_otel_catalog::naming::push_label_name(&mut out, "a:b", false);
/// assert_eq!(out, "a_b");
/// ```
#[inline]
pub fn push_label_name(out: &mut String, key: &str, histogram: bool) {
    out.push_str(label_prefix(key, histogram));
    if key.bytes().all(is_label_byte) {
        out.push_str(key);
    } else {
        out.extend(key.chars().map(sanitize_char));
    }
}

/// The label name of attribute `key` ([`push_label_name`]); borrowed when the
/// key is its own label name.
///
/// ```
/// use autobot_otel_catalog::naming::label_name;
/// assert_eq!(label_name("server.address", false), "server_address");
/// assert_eq!(label_name("le", true), "key_le");
/// assert_eq!(label_name("__team", false), "key__team");
/// ```
pub fn label_name(key: &str, histogram: bool) -> Cow<'_, str> {
    if label_prefix(key, histogram).is_empty() && key.bytes().all(is_label_byte) {
        return Cow::Borrowed(key);
    }
    let mut out = String::with_capacity(key.len() + 4);
    push_label_name(&mut out, key, histogram);
    Cow::Owned(out)
}

/// Compares the label names of `a` and `b` ([`push_label_name`]) without
/// building them (no allocation).
///
/// ```
/// use std::cmp::Ordering;
/// use autobot_otel_catalog::naming::compare_label_names;
/// assert_eq!(compare_label_names("a.b", "a_b", false), Ordering::Equal);
/// assert_eq!(compare_label_names("1a", "b", false), Ordering::Greater); // key_1a > b
/// ```
#[inline]
pub fn compare_label_names(a: &str, b: &str, histogram: bool) -> Ordering {
    if label_prefix(a, histogram).is_empty() && label_prefix(b, histogram).is_empty() {
        compare_sanitized(a, b)
    } else {
        label_chars(a, histogram).cmp(label_chars(b, histogram))
    }
}

/// Compares `a` and `b` sanitized (no prefixes) without building them.
#[inline]
fn compare_sanitized(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    for i in 0..x.len().min(y.len()) {
        let (p, q) = (x[i], y[i]);
        if !p.is_ascii() || !q.is_ascii() {
            // Both prefixes so far are ASCII, so `i` is a char boundary.
            let (ra, rb) = (a.get(i..).unwrap_or(""), b.get(i..).unwrap_or(""));
            return ra
                .chars()
                .map(sanitize_char)
                .cmp(rb.chars().map(sanitize_char));
        }
        let p = if is_label_byte(p) { p } else { b'_' };
        let q = if is_label_byte(q) { q } else { b'_' };
        match p.cmp(&q) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    // Equal ASCII prefixes: the longer one has more characters left.
    x.len().cmp(&y.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(key: &str, histogram: bool) -> String {
        let mut s = String::new();
        push_label_name(&mut s, key, histogram);
        s
    }

    fn valid_label_name(name: &str) -> bool {
        name.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit()))
            && !name.is_empty()
            && !name.starts_with("__")
    }

    fn valid_metric_name(name: &str) -> bool {
        !name.is_empty()
            && !name.starts_with("__")
            && name.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    }

    #[test]
    fn metric_names_are_made_valid() {
        for (name, want) in [
            ("1a.b", "_1a_b"),
            ("aéb.c", "a_b_c"),
            ("a€b.c", "a_b_c"),
            ("a.€b", "a__b"),
            ("日本", "key__"),
            ("__x", "key__x"),
            ("..x", "key__x"),
            ("_é", "key__"),
            ("_x", "_x"),
            (".x", "_x"),
            ("é1", "_1"),
            ("9", "_9"),
            ("ok:name_1", "ok:name_1"),
            ("a-b/c", "a_b_c"),
        ] {
            let got = sanitize_metric_name(name);
            assert_eq!(got, want, "{name}");
            assert!(valid_metric_name(&got), "{got}");
        }
        assert!(matches!(
            sanitize_metric_name("already_valid:x"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(sanitize_metric_name("_x"), Cow::Borrowed(_)));
    }

    #[test]
    fn label_names_are_made_valid() {
        for (key, histogram, want) in [
            // Unchanged from `sanitize_prom_kv` (valid there already).
            ("a.b", false, "a_b"),
            ("clé", false, "cl_"),
            ("_x", false, "_x"),
            ("_", false, "_"),
            ("é", false, "_"),
            ("le", false, "le"),
            ("lé", true, "l_"),
            ("x1", true, "x1"),
            // Invalid there, valid here.
            ("a:b", false, "a_b"),
            (":", false, "_"),
            ("1abc", false, "key_1abc"),
            ("1é.x-y", false, "key_1__x_y"),
            ("", false, "key_"),
            ("", true, "key_"),
            ("__name__", false, "key__name__"),
            ("..name..", true, "key__name__"),
            ("le", true, "key_le"),
            // Reserved by Prometheus (`__` after sanitizing): valid here.
            ("__foo", false, "key__foo"),
            ("__name", false, "key__name"),
            ("__team", false, "key__team"),
            ("..x", false, "key__x"),
            ("_.", true, "key__"),
            ("日本", false, "key__"),
            ("日本-x", false, "key___x"),
            ("é.ü", false, "key___"),
        ] {
            let got = built(key, histogram);
            assert_eq!(got, want, "{key:?} histogram={histogram}");
            assert_eq!(label_name(key, histogram), want, "{key:?}");
            assert!(valid_label_name(&got), "{got}");
            if histogram {
                assert_ne!(got, "le");
            }
        }
        assert!(matches!(label_name("a_b", false), Cow::Borrowed(_)));
    }

    #[test]
    fn label_comparison_matches_the_built_names() {
        let keys = [
            "",
            "a",
            "a.b",
            "a_b",
            "a:b",
            "ab",
            "a~",
            "aa",
            "é",
            "1",
            "1a",
            "key_",
            "key_1a",
            "key__name__",
            "__name__",
            "_",
            "__",
            "__team",
            "key__team",
            "..x",
            "_x",
            "_é",
            "é",
            "le",
            "key_le",
            "l",
            "lf",
            "Z",
            "日本",
        ];
        for histogram in [false, true] {
            for a in keys {
                for b in keys {
                    let want = built(a, histogram).cmp(&built(b, histogram));
                    assert_eq!(
                        compare_label_names(a, b, histogram),
                        want,
                        "{a:?} {b:?} histogram={histogram}"
                    );
                }
            }
        }
        for (a, b) in [
            ("a.b", "a_b"),
            ("a~", "aa"),
            ("é", "a"),
            ("ab", "a"),
            ("", "_"),
        ] {
            let sa: String = a.chars().map(sanitize_char).collect();
            let sb: String = b.chars().map(sanitize_char).collect();
            assert_eq!(compare_sanitized(a, b), sa.cmp(&sb), "{a} {b}");
        }
    }

    #[test]
    fn otel_names_round_trip() {
        for (otel, unit, counter) in [
            ("autobot_x", "s", false),
            ("autobot_x", "By", true),
            ("autobot_x", "1", false),
            ("autobot_x", "{request}", true),
            ("autobot_x", "By/s", false),
            ("autobot_x_total", "{key}", false),
        ] {
            let prom = prometheus_name(otel, unit, counter);
            assert_eq!(otel_name(&prom, unit, counter), otel, "{prom}");
        }
        // A name without the suffix is left as it is.
        assert_eq!(otel_name("x_seconds", "By", false), "x_seconds");
        assert_eq!(otel_name("seconds", "s", false), "seconds");
    }
}
