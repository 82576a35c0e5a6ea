//! The PromQL the dashboards need beyond writing queries: adding the dashboard
//! variables' label matchers to every metric selector of a query
//! ([`with_matchers`]), finding the metrics a query reads ([`selectors`]), and
//! substituting variables the way Grafana does before it sends a query
//! ([`substitute`]).

/// One metric selector of a query: the metric name and the byte range of its
/// `{...}` matchers (if it has any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// The series name as written (`x_bucket` for a histogram's buckets).
    pub name: String,
    /// The label names its matchers set.
    pub matched: Vec<String>,
}

/// Keywords followed by a parenthesised list of label names (not metrics).
const LABEL_LISTS: [&str; 6] = [
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// PromQL keywords and operators that look like identifiers.
const KEYWORDS: [&str; 12] = [
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "inf",
];

/// The aggregation operators (`sum by (x) (...)` puts a label list between the
/// name and its parenthesis).
const AGGREGATIONS: [&str; 14] = [
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

/// The end of the string literal starting at `start` (a quote), past its
/// closing quote; the text's end when it is not closed.
fn skip_string(b: &[u8], start: usize) -> usize {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The index of the `close` matching the `open` at `start` (strings skipped);
/// the text's length when it is not closed.
fn matching(b: &[u8], start: usize, open: u8, close: u8) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' | b'`' => {
                i = skip_string(b, i);
                continue;
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The label names set by the matchers `{a="x", b=~"y"}` (the text between the
/// braces).
fn matched_labels(inner: &str) -> Vec<String> {
    let b = inner.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' || b[i] == b'\'' || b[i] == b'`' {
            i = skip_string(b, i);
        } else if ident_start(b[i]) {
            let s = i;
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            out.push(inner[s..i].to_string());
        } else {
            i += 1;
        }
    }
    out
}

/// Walks the metric selectors of `expr`; `visit(name, brace)` is called for each
/// with the byte index of its `{` (or `None`), and returns the text to insert:
/// after the `{` when there is one, as a new `{...}` after the name otherwise.
fn rewrite(expr: &str, mut visit: impl FnMut(&str, Option<&str>) -> Option<String>) -> String {
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len() + 64);
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' || c == b'`' {
            i = skip_string(b, i);
            continue;
        }
        if c == b'[' {
            i = matching(b, i, b'[', b']') + 1;
            continue;
        }
        if c == b'{' {
            // Matchers without a metric name: left as they are.
            i = matching(b, i, b'{', b'}') + 1;
            continue;
        }
        if c.is_ascii_digit() || c == b'.' {
            // A number (or a duration such as `5m`): skip it whole.
            while i < b.len() && (ident_char(b[i]) || b[i] == b'.') {
                i += 1;
            }
            continue;
        }
        if !ident_start(c) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && ident_char(b[i]) {
            i += 1;
        }
        let word = &expr[start..i];
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let next = b.get(j).copied();
        if LABEL_LISTS.contains(&word) && next == Some(b'(') {
            i = matching(b, j, b'(', b')') + 1;
            continue;
        }
        if next == Some(b'(')
            || AGGREGATIONS.contains(&word)
            || KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
        {
            continue;
        }
        if next == Some(b'{') {
            let close = matching(b, j, b'{', b'}');
            let inner = &expr[j + 1..close.min(b.len())];
            if let Some(text) = visit(word, Some(inner)) {
                out.push_str(&expr[last..=j]);
                out.push_str(&text);
                if !inner.trim().is_empty() {
                    out.push_str(", ");
                }
                last = j + 1;
            }
            i = close + 1;
        } else if let Some(text) = visit(word, None) {
            out.push_str(&expr[last..i]);
            out.push('{');
            out.push_str(&text);
            out.push('}');
            last = i;
        }
    }
    out.push_str(&expr[last..]);
    out
}

/// Every metric selector of `expr`, in order.
///
/// ```
/// use xtask::grafana::promql::selectors;
/// let s = selectors(r#"sum by (le) (rate(x_bucket{a="1"}[5m])) / on (b) y"#);
/// assert_eq!(s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["x_bucket", "y"]);
/// assert_eq!(s[0].matched, ["a"]);
/// ```
pub fn selectors(expr: &str) -> Vec<Selector> {
    let mut out = Vec::new();
    rewrite(expr, |name, inner| {
        out.push(Selector {
            name: name.to_string(),
            matched: inner.map(matched_labels).unwrap_or_default(),
        });
        None
    });
    out
}

/// `expr` with matchers added to each metric selector: `matchers(name)` gives
/// those of a series name (`None` or an empty list: that selector is left as it
/// is). Matchers the selector has are kept (two on one label both apply).
///
/// ```
/// use xtask::grafana::promql::with_matchers;
/// let q = with_matchers(
///     r#"sum by (provider) (rate(x{status="failed"}[5m])) / sum by (provider) (rate(x[5m]))"#,
///     |name| (name == "x").then(|| vec![r#"job=~"$job""#.to_string()]),
/// );
/// assert_eq!(
///     q,
///     r#"sum by (provider) (rate(x{job=~"$job", status="failed"}[5m])) / sum by (provider) (rate(x{job=~"$job"}[5m]))"#
/// );
/// ```
pub fn with_matchers(expr: &str, matchers: impl Fn(&str) -> Option<Vec<String>>) -> String {
    rewrite(expr, |name, _| {
        matchers(name)
            .filter(|m| !m.is_empty())
            .map(|m| m.join(", "))
    })
}

/// A value escaped for a regex matcher the way Grafana formats a Prometheus
/// variable's value (`.` becomes `\\.` inside the PromQL string).
///
/// ```
/// assert_eq!(xtask::grafana::promql::regex_escape("gpt-4.1"), r"gpt-4\\.1");
/// ```
pub fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            // One backslash for the regex, doubled inside the PromQL string.
            out.push_str("\\\\");
        }
        out.push(c);
    }
    out
}

/// What Grafana puts for `$__rate_interval` with the provisioned data source:
/// `max($__interval + scrape interval, 4 × scrape interval)`, the scrape interval
/// being its `timeInterval` (15 s, `collector-config/grafana/provisioning`), so at
/// least 60 s; for the default time range of an hour `$__interval` is a few
/// seconds, so 60 s.
pub const RATE_INTERVAL: &str = "1m";

/// `expr` with each variable `$name` / `${name}` replaced by its value (as given,
/// so a regex value is passed already escaped), and `$__rate_interval` by
/// [`RATE_INTERVAL`]. Longer names are replaced first (`$instance` before `$in`).
///
/// ```
/// use xtask::grafana::promql::substitute;
/// let q = substitute(r#"rate(x{job=~"$job", i=~"${instance}"}[$__rate_interval])"#, &[
///     ("job".into(), ".*".into()),
///     ("instance".into(), "a:1".into()),
/// ]);
/// assert_eq!(q, r#"rate(x{job=~".*", i=~"a:1"}[1m])"#);
/// ```
pub fn substitute(expr: &str, values: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = values.iter().collect();
    sorted.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut out = expr.replace("$__rate_interval", RATE_INTERVAL);
    for (name, value) in sorted {
        out = out.replace(&format!("${{{name}}}"), value);
        out = out.replace(&format!("${name}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_lists_strings_functions_and_durations_are_not_selectors() {
        let s = selectors(
            "histogram_quantile(0.95, sum without (instance) (rate(a_bucket{b=\"x{y}\"}[5m] offset 1h))) \
             > on (le) group_left (c) b and bool c unless 1e3",
        );
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a_bucket", "b", "c"]);
    }

    #[test]
    fn matchers_are_added_with_and_without_braces() {
        let q = with_matchers("a{} + b + c{x=\"1\"}", |n| {
            (n != "b").then(|| vec!["j=~\"$j\"".into()])
        });
        assert_eq!(q, "a{j=~\"$j\"} + b + c{j=~\"$j\", x=\"1\"}");
        // A name followed by a newline keeps it.
        assert_eq!(
            with_matchers("a\n/ b", |_| Some(vec!["k=\"v\"".into()])),
            "a{k=\"v\"}\n/ b{k=\"v\"}"
        );
    }

    #[test]
    fn bad_input_is_returned_unchanged_where_it_cannot_be_read() {
        for expr in ["", "{", "a{\"", "rate(x[", "(((", "\"unclosed"] {
            let _ = selectors(expr);
            let _ = with_matchers(expr, |_| Some(vec!["a=\"b\"".into()]));
        }
        assert_eq!(with_matchers("sum(", |_| None), "sum(");
    }
}
