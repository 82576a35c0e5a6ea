//! Metric and label names made valid for Prometheus, and unit suffixes.

use std::borrow::Cow;
use std::cmp::Ordering;

/// A label name's character: `[a-zA-Z0-9_]` kept, others `_`.
///
/// `sanitize_prom_kv` of the old path keeps `:` too, which is not valid in a
/// label name; for every other character the two agree.
fn sanitize_char(c: char) -> char {
    if c.is_ascii_alphanumeric() { c } else { '_' }
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `key`, sanitized, starts with `__` (reserved by Prometheus).
fn sanitizes_to_reserved(key: &str) -> bool {
    let mut chars = key.chars().map(sanitize_char);
    chars.next() == Some('_') && chars.next() == Some('_')
}

/// What goes before the sanitized `key` in its label name: `key_` when the
/// key is empty or starts with a digit, or is `le` in a histogram; `key` when
/// it sanitizes to a name starting with `__`; nothing for every other key
/// (see the module docs).
fn label_prefix(key: &str, histogram: bool) -> &'static str {
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

/// Appends the label name of attribute `key`: `sanitize_prom_kv(key)` for
/// every key the old path writes validly.
pub(super) fn push_label_name(out: &mut String, key: &str, histogram: bool) {
    out.push_str(label_prefix(key, histogram));
    if key.bytes().all(is_label_byte) {
        out.push_str(key);
    } else {
        out.extend(key.chars().map(sanitize_char));
    }
}

/// Compares the label names of `a` and `b` without building them.
pub(super) fn compare_labels(a: &str, b: &str, histogram: bool) -> Ordering {
    if label_prefix(a, histogram).is_empty() && label_prefix(b, histogram).is_empty() {
        compare_sanitized(a, b)
    } else {
        label_chars(a, histogram).cmp(label_chars(b, histogram))
    }
}

/// Compares `a` and `b` sanitized (no prefixes) without building them.
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

/// `opentelemetry_prometheus::utils::sanitize_name`, made valid: a leading
/// digit gets a `_` prefix, every character outside `[a-zA-Z0-9_:]`
/// becomes `_`, and a name that then starts with `__` (reserved by
/// Prometheus) gets a `key` prefix. (The old path kept non-ASCII letters
/// before the first other invalid character, and leading `__`; the result
/// equals it whenever that is valid and unreserved.)
pub(super) fn sanitize_name(s: &str) -> Cow<'_, str> {
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

/// `opentelemetry_prometheus::utils::get_unit_suffixes`.
pub(super) fn unit_suffix(unit: &str) -> Option<Cow<'static, str>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn label_name(key: &str, histogram: bool) -> String {
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
            let got = sanitize_name(name);
            assert_eq!(got, want, "{name}");
            assert!(valid_metric_name(&got), "{got}");
        }
        assert!(matches!(sanitize_name("already_valid:x"), Cow::Borrowed(_)));
        assert!(matches!(sanitize_name("_x"), Cow::Borrowed(_)));
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
            let got = label_name(key, histogram);
            assert_eq!(got, want, "{key:?} histogram={histogram}");
            assert!(valid_label_name(&got), "{got}");
            if histogram {
                assert_ne!(got, "le");
            }
        }
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
                    let want = label_name(a, histogram).cmp(&label_name(b, histogram));
                    assert_eq!(
                        compare_labels(a, b, histogram),
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
}
