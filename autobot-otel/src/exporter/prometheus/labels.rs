//! One series' labels as text: `k="v",k2="v2"`.

use std::cmp::Ordering;
use std::fmt::Write as _;

use autobot_otel_catalog::naming::{compare_label_names, push_label_name};
use opentelemetry::{KeyValue, Value};

use super::format::push_escaped;

/// Appends the labels of one series, `k="v",k2="v2"` (no braces), from its
/// attributes sorted by label name (see [`compare_label_names`]). Attributes whose
/// keys give one label name are merged into one label whose value is their
/// values joined with `;`; non-string values are written as their `Display`.
pub(super) fn push_label_body(
    out: &mut String,
    own: &[&KeyValue],
    tmp: &mut String,
    histogram: bool,
) {
    let mut i = 0;
    while i < own.len() {
        let end = group_end(own, i, histogram);
        if i > 0 {
            out.push(',');
        }
        push_label_name(out, own[i].key.as_str(), histogram);
        out.push_str("=\"");
        match (&own[i..end], &own[i].value) {
            ([_], Value::String(v)) => push_escaped(out, v.as_str(), true),
            (group, _) => {
                join_values(group, tmp);
                push_escaped(out, tmp, true);
            }
        }
        out.push('"');
        i = end;
    }
}

/// End of the run of labels starting at `i` whose keys give one label name.
fn group_end(labels: &[&KeyValue], i: usize, histogram: bool) -> usize {
    let mut j = i + 1;
    while j < labels.len()
        && compare_label_names(
            labels[j - 1].key.as_str(),
            labels[j].key.as_str(),
            histogram,
        ) == Ordering::Equal
    {
        j += 1;
    }
    j
}

/// The label value of a merged group: values joined with `;`, unescaped.
fn join_values(group: &[&KeyValue], buf: &mut String) {
    buf.clear();
    for (n, kv) in group.iter().enumerate() {
        if n > 0 {
            buf.push(';');
        }
        match &kv.value {
            Value::String(s) => buf.push_str(s.as_str()),
            other => {
                let _ = write!(buf, "{other}");
            }
        }
    }
}
