//! One family in the text format 0.0.4: `# HELP`, `# TYPE`, its samples.

use super::format::{push_escaped, push_f64, push_u64_as_f64};
use super::series::{Family, Number, Point};
use opentelemetry_sdk::metrics::data::HistogramDataPoint;

/// A family's Prometheus type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// The bucket bounds' text, by bucket index, formatted once per distinct
/// bound and kept from one render to the next.
#[derive(Default)]
pub(super) struct BoundCache(Vec<(u64, String)>);

impl BoundCache {
    /// The text of bucket bound `i`.
    fn text(&mut self, i: usize, bound: f64) -> &str {
        let bits = bound.to_bits();
        if i >= self.0.len() {
            self.0.resize_with(i + 1, || (!bits, String::new()));
        }
        let slot = &mut self.0[i];
        if slot.0 != bits || slot.1.is_empty() {
            slot.0 = bits;
            slot.1.clear();
            push_f64(&mut slot.1, bound);
        }
        &slot.1
    }
}

/// Appends family `name` of type `kind`: `# HELP` (left out when `help` is
/// empty), `# TYPE`, then the series of `fam` in their order.
pub(super) fn write_family(
    out: &mut String,
    name: &str,
    help: &str,
    kind: Kind,
    fam: &Family<'_>,
    bounds: &mut BoundCache,
) {
    if !help.is_empty() {
        out.push_str("# HELP ");
        out.push_str(name);
        out.push(' ');
        push_escaped(out, help, false);
        out.push('\n');
    }
    out.push_str("# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind.as_str());
    out.push('\n');

    for s in &fam.series {
        let labels = fam.labels(s);
        match kind {
            Kind::Counter | Kind::Gauge => {
                // A series of another kind in this family (only possible
                // under `target_info`) reads as 0, as the upstream exporter's
                // protobuf default did.
                let value = match (kind, s.point) {
                    (Kind::Counter, Point::Counter(v)) | (Kind::Gauge, Point::Gauge(v)) => v,
                    _ => 0.0,
                };
                out.push_str(name);
                if !labels.is_empty() {
                    out.push('{');
                    out.push_str(labels);
                    out.push('}');
                }
                out.push(' ');
                push_f64(out, value);
                out.push('\n');
            }
            Kind::Histogram => match s.point {
                Point::HistF64(dp) => push_histogram(out, name, labels, dp, bounds),
                Point::HistU64(dp) => push_histogram(out, name, labels, dp, bounds),
                Point::HistI64(dp) => push_histogram(out, name, labels, dp, bounds),
                Point::Counter(_) | Point::Gauge(_) => {
                    push_histogram_lines(out, name, labels, std::iter::empty(), 0.0, 0, bounds)
                }
            },
        }
    }
}

fn push_histogram<T: Number>(
    out: &mut String,
    name: &str,
    labels: &str,
    dp: &HistogramDataPoint<T>,
    bounds: &mut BoundCache,
) {
    push_histogram_lines(
        out,
        name,
        labels,
        dp.bounds().zip(dp.bucket_counts()),
        dp.sum().as_f64(),
        dp.count(),
        bounds,
    );
}

/// The `_bucket` lines (cumulative, `le="+Inf"` last), `_sum` and `_count` of
/// one histogram series with label text `labels`.
fn push_histogram_lines(
    out: &mut String,
    name: &str,
    labels: &str,
    buckets: impl Iterator<Item = (f64, u64)>,
    sum: f64,
    count: u64,
    bounds: &mut BoundCache,
) {
    let open = |out: &mut String| {
        out.push_str(name);
        out.push_str("_bucket{");
        if !labels.is_empty() {
            out.push_str(labels);
            out.push(',');
        }
        out.push_str("le=\"");
    };
    let mut cumulative = 0u64;
    let mut inf_seen = false;
    for (i, (bound, n)) in buckets.enumerate() {
        cumulative = cumulative.wrapping_add(n);
        open(out);
        out.push_str(bounds.text(i, bound));
        out.push_str("\"} ");
        push_u64_as_f64(out, cumulative);
        out.push('\n');
        if bound.is_sign_positive() && bound.is_infinite() {
            inf_seen = true;
        }
    }
    if !inf_seen {
        open(out);
        out.push_str("+Inf\"} ");
        push_u64_as_f64(out, count);
        out.push('\n');
    }
    for (suffix, last) in [("_sum", None), ("_count", Some(count))] {
        out.push_str(name);
        out.push_str(suffix);
        if !labels.is_empty() {
            out.push('{');
            out.push_str(labels);
            out.push('}');
        }
        out.push(' ');
        match last {
            Some(count) => push_u64_as_f64(out, count),
            None => push_f64(out, sum),
        }
        out.push('\n');
    }
}
