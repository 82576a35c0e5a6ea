//! One family in the text format 0.0.4 or in OpenMetrics 1.0: `# HELP`,
//! `# TYPE` (and `# UNIT`), its samples (and their exemplars).

use super::format::{push_escaped, push_f64, push_u64_as_f64};
use super::series::{Family, Number, Point};
use crate::exemplars::Exemplar;
use autobot_otel_catalog::naming::COUNTER_SUFFIX;
use opentelemetry_sdk::metrics::data::HistogramDataPoint;

pub(crate) use super::exposition::Exposition as Format;

/// What a family's header says: its name (for a counter, with `_total`), help,
/// type, and the unit its name ends with (`seconds`, `bytes`, ...; `None` when
/// its unit added no suffix).
pub(super) struct Head<'a> {
    pub(super) name: &'a str,
    pub(super) help: &'a str,
    pub(super) kind: Kind,
    pub(super) unit: Option<&'a str>,
}

impl Head<'_> {
    /// The family's name in `format`: OpenMetrics names a counter family
    /// without its `_total`, which only its sample has.
    pub(super) fn family_name(&self, format: Format) -> &str {
        match (format, self.kind) {
            (Format::OpenMetrics, Kind::Counter) => {
                self.name.strip_suffix(COUNTER_SUFFIX).unwrap_or(self.name)
            }
            _ => self.name,
        }
    }
}

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

/// Appends the family `head` in `format`: `# HELP` (left out when the help is
/// empty), `# TYPE`, in OpenMetrics `# UNIT` when the name ends with the
/// unit, then the series of `fam` in their order (in OpenMetrics with their
/// exemplars).
pub(super) fn write_family(
    out: &mut String,
    head: &Head<'_>,
    fam: &Family<'_>,
    bounds: &mut BoundCache,
    format: Format,
) {
    let (name, kind) = (head.name, head.kind);
    let family = head.family_name(format);
    if !head.help.is_empty() {
        out.push_str("# HELP ");
        out.push_str(family);
        out.push(' ');
        // OpenMetrics escapes `"` in the help text too.
        push_escaped(out, head.help, format == Format::OpenMetrics);
        out.push('\n');
    }
    out.push_str("# TYPE ");
    out.push_str(family);
    out.push(' ');
    out.push_str(kind.as_str());
    out.push('\n');
    if format == Format::OpenMetrics
        && let Some(unit) = head.unit
        && family.strip_suffix(unit).is_some_and(|n| n.ends_with('_'))
    {
        out.push_str("# UNIT ");
        out.push_str(family);
        out.push(' ');
        out.push_str(unit);
        out.push('\n');
    }

    for s in &fam.series {
        let labels = fam.labels(s);
        let exemplars = match format {
            Format::OpenMetrics => fam.exemplars(s),
            Format::Text => &[],
        };
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
                push_value(out, value, format);
                if kind == Kind::Counter
                    && let [Some(e)] = exemplars
                {
                    push_exemplar(out, e, format);
                }
                out.push('\n');
            }
            Kind::Histogram => {
                let mut lines = Lines {
                    out,
                    name,
                    labels,
                    bounds,
                    format,
                    exemplars,
                };
                match s.point {
                    Point::HistF64(dp) => lines.histogram(dp),
                    Point::HistU64(dp) => lines.histogram(dp),
                    Point::HistI64(dp) => lines.histogram(dp),
                    Point::Counter(_) | Point::Gauge(_) => lines.push(std::iter::empty(), 0.0, 0),
                }
            }
        }
    }
}

/// Appends a sample value: as `f64` `Display` in the text format (`inf`,
/// `NaN`), with OpenMetrics' `+Inf`/`-Inf` there.
fn push_value(out: &mut String, v: f64, format: Format) {
    match format {
        Format::OpenMetrics if v.is_infinite() => {
            out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
        }
        _ => push_f64(out, v),
    }
}

/// Appends ` # {trace_id="…",span_id="…"} value time` (OpenMetrics only;
/// `{}` for an exemplar without a span).
fn push_exemplar(out: &mut String, e: &Exemplar, format: Format) {
    if format != Format::OpenMetrics {
        return;
    }
    out.push_str(" # {");
    if e.has_span() {
        out.push_str("trace_id=\"");
        push_hex(out, &e.trace_id);
        out.push_str("\",span_id=\"");
        push_hex(out, &e.span_id);
        out.push('"');
    }
    out.push_str("} ");
    push_value(out, e.value, format);
    let (secs, millis) = e.unix_time();
    out.push(' ');
    push_u64_as_f64(out, secs);
    out.push('.');
    for d in [millis / 100, millis / 10 % 10, millis % 10] {
        out.push(char::from(b'0' + d as u8));
    }
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
}

/// The lines of one histogram series with label text `labels`.
struct Lines<'o, 'x> {
    out: &'o mut String,
    name: &'x str,
    labels: &'x str,
    bounds: &'o mut BoundCache,
    format: Format,
    /// One per bucket (`+Inf` last), or none.
    exemplars: &'x [Option<Exemplar>],
}

impl Lines<'_, '_> {
    fn histogram<T: Number>(&mut self, dp: &HistogramDataPoint<T>) {
        if self.exemplars.len() != dp.bounds().count() + 1 {
            self.exemplars = &[]; // kept for other buckets (a view changed them)
        }
        self.push(
            dp.bounds().zip(dp.bucket_counts()),
            dp.sum().as_f64(),
            dp.count(),
        );
    }

    /// The `_bucket` lines (cumulative, `le="+Inf"` last), `_sum` and
    /// `_count`.
    fn push(&mut self, buckets: impl Iterator<Item = (f64, u64)>, sum: f64, count: u64) {
        let Lines {
            out,
            name,
            labels,
            bounds,
            format,
            exemplars,
        } = self;
        let (name, labels, format) = (*name, *labels, *format);
        let open = |out: &mut String| {
            out.push_str(name);
            out.push_str("_bucket{");
            if !labels.is_empty() {
                out.push_str(labels);
                out.push(',');
            }
            out.push_str("le=\"");
        };
        let exemplar = |out: &mut String, i: usize| {
            if let Some(Some(e)) = exemplars.get(i) {
                push_exemplar(out, e, format);
            }
        };
        let mut cumulative = 0u64;
        let mut inf_seen = false;
        let mut n = 0;
        for (i, (bound, c)) in buckets.enumerate() {
            cumulative = cumulative.wrapping_add(c);
            open(out);
            match format {
                Format::OpenMetrics if bound.is_infinite() => {
                    out.push_str(if bound > 0.0 { "+Inf" } else { "-Inf" });
                }
                _ => out.push_str(bounds.text(i, bound)),
            }
            out.push_str("\"} ");
            push_u64_as_f64(out, cumulative);
            exemplar(out, i);
            out.push('\n');
            if bound.is_sign_positive() && bound.is_infinite() {
                inf_seen = true;
            }
            n = i + 1;
        }
        if !inf_seen {
            open(out);
            out.push_str("+Inf\"} ");
            push_u64_as_f64(out, count);
            exemplar(out, n);
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
                None => push_value(out, sum, format),
            }
            out.push('\n');
        }
    }
}
