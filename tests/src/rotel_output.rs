//! Parsers for what `rotel-agent --debug-log-verbosity detailed` prints.
//!
//! The format (see `tests/README.md` and `src/fixtures/rotel_detailed.txt`)
//! mirrors the OpenTelemetry Collector's debug exporter: one block per
//! received export request, `ResourceMetrics #i` / `ResourceSpans #i`, then
//! scope, then `Metric #i` / `Span #i` with `-> key: Type(value)` attribute
//! lines. Rotel's own log lines (`<RFC 3339 time>  INFO ...`) are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// An attribute value as printed by rotel, e.g. `Str(/api/x)`, `Int(200)`,
/// `Double(0.5)`, `Bool(true)`; anything else (`Slice(...)`, `Map(...)`,
/// `Bytes(...)`) is kept verbatim in [`AttrValue::Other`].
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// `Str(v)`.
    Str(String),
    /// `Int(v)`.
    Int(i64),
    /// `Double(v)`.
    Double(f64),
    /// `Bool(v)`.
    Bool(bool),
    /// Any other printed form, verbatim (e.g. `Slice(Str(a), Str(b))`).
    Other(String),
}

impl AttrValue {
    /// Parses rotel's printed form.
    pub fn parse(raw: &str) -> AttrValue {
        let inner = |prefix: &str| {
            raw.strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(')'))
                .map(str::to_string)
        };
        if let Some(s) = inner("Str(") {
            return AttrValue::Str(s);
        }
        if let Some(v) = inner("Int(").and_then(|s| s.parse().ok()) {
            return AttrValue::Int(v);
        }
        if let Some(v) = inner("Double(").and_then(|s| s.parse().ok()) {
            return AttrValue::Double(v);
        }
        if let Some(v) = inner("Bool(").and_then(|s| s.parse().ok()) {
            return AttrValue::Bool(v);
        }
        AttrValue::Other(raw.to_string())
    }

    /// The string inside `Str(..)`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value without its type wrapper: `Str(a)` → `a`, `Int(2)` → `2`,
    /// `Bool(true)` → `true`, other forms verbatim.
    pub fn to_plain(&self) -> String {
        match self {
            AttrValue::Str(s) | AttrValue::Other(s) => s.clone(),
            AttrValue::Int(v) => v.to_string(),
            AttrValue::Double(v) => v.to_string(),
            AttrValue::Bool(v) => v.to_string(),
        }
    }
}

impl fmt::Display for AttrValue {
    /// Rotel's printed form, e.g. `Int(200)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => write!(f, "Str({s})"),
            AttrValue::Int(v) => write!(f, "Int({v})"),
            AttrValue::Double(v) => write!(f, "Double({v})"),
            AttrValue::Bool(v) => write!(f, "Bool({v})"),
            AttrValue::Other(s) => f.write_str(s),
        }
    }
}

/// Attributes by key.
pub type Attributes = BTreeMap<String, AttrValue>;

/// Looks `key` up and returns its plain value (see [`AttrValue::to_plain`]).
fn plain(attrs: &Attributes, key: &str) -> Option<String> {
    attrs.get(key).map(AttrValue::to_plain)
}

/// True if every `(key, plain value)` pair is present in `attrs`.
fn matches(attrs: &Attributes, want: &[(&str, &str)]) -> bool {
    want.iter()
        .all(|(k, v)| plain(attrs, k).as_deref() == Some(*v))
}

/// One data point of a metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RotelDataPoint {
    /// The block header without its index: `NumberDataPoints`,
    /// `HistogramDataPoints`, `ExponentialHistogramDataPoints`, ...
    pub kind: String,
    /// `Data point attributes:`.
    pub attributes: Attributes,
    /// `StartTimestamp:` (Unix nanos; 0 for gauges).
    pub start_timestamp: Option<u64>,
    /// `Timestamp:` (Unix nanos).
    pub timestamp: Option<u64>,
    /// `Value:` of a number data point. Integers print without a decimal
    /// point (`3`, `-2`), doubles as Rust prints `f64` (`21.5`, and `1` for
    /// `1.0`). Absent if rotel printed no value.
    pub value: Option<f64>,
    /// `Count:` of a histogram point.
    pub count: Option<u64>,
    /// `Sum:` of a histogram point.
    pub sum: Option<f64>,
    /// `Min:` of a histogram point.
    pub min: Option<f64>,
    /// `Max:` of a histogram point.
    pub max: Option<f64>,
    /// `ExplicitBounds #i:` of a histogram point, in order.
    pub explicit_bounds: Vec<f64>,
    /// `Buckets #i, Count:` (explicit) or `Bucket (lo, hi], Count:`
    /// (exponential) counts, in order.
    pub bucket_counts: Vec<u64>,
    /// Lines of the point that were not understood, verbatim.
    pub other: Vec<String>,
}

impl RotelDataPoint {
    /// An attribute's plain value (see [`AttrValue::to_plain`]).
    pub fn attr(&self, key: &str) -> Option<String> {
        plain(&self.attributes, key)
    }
}

/// One metric (descriptor plus data points) from one export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RotelMetric {
    /// `-> Name:`.
    pub name: String,
    /// `-> Description:`.
    pub description: String,
    /// `-> Unit:`.
    pub unit: String,
    /// `-> DataType:`: `Sum`, `Gauge`, `Histogram`, `ExponentialHistogram`,
    /// (`Empty` when rotel could not decode the data).
    pub data_type: String,
    /// `-> IsMonotonic:` (sums only).
    pub is_monotonic: Option<bool>,
    /// `-> AggregationTemporality:`, e.g. `AGGREGATION_TEMPORALITY_CUMULATIVE`.
    pub temporality: Option<String>,
    /// The enclosing resource's attributes.
    pub resource: Attributes,
    /// The instrumentation scope's name.
    pub scope_name: String,
    /// The instrumentation scope's version (may be empty).
    pub scope_version: String,
    /// The data points.
    pub points: Vec<RotelDataPoint>,
}

impl RotelMetric {
    /// The first data point whose attributes include all `(key, plain value)`
    /// pairs (`&[]` matches any point).
    pub fn point_with(&self, attrs: &[(&str, &str)]) -> Option<&RotelDataPoint> {
        self.points.iter().find(|p| matches(&p.attributes, attrs))
    }

    /// A resource attribute's plain value.
    pub fn resource_attr(&self, key: &str) -> Option<String> {
        plain(&self.resource, key)
    }
}

/// A span event (`SpanEvent #i`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RotelSpanEvent {
    /// `-> Name:`.
    pub name: String,
    /// `-> Timestamp:` (Unix nanos).
    pub timestamp: Option<u64>,
    /// `-> Attributes::` entries.
    pub attributes: Attributes,
}

/// A span link (`SpanLink #i`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RotelSpanLink {
    /// `-> Trace ID:` (32 hex digits).
    pub trace_id: String,
    /// `-> ID:` (16 hex digits).
    pub span_id: String,
    /// `-> TraceState:`.
    pub trace_state: String,
    /// `-> Attributes::` entries.
    pub attributes: Attributes,
}

/// One span from one export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RotelSpan {
    /// `Trace ID` (32 lower-case hex digits).
    pub trace_id: String,
    /// `Parent ID` (16 hex digits), `None` for a root span (printed empty).
    pub parent_id: Option<String>,
    /// `ID` (16 hex digits).
    pub span_id: String,
    /// `Name`.
    pub name: String,
    /// `Kind`, e.g. `SPAN_KIND_INTERNAL`, `SPAN_KIND_SERVER`.
    pub kind: String,
    /// `Start time:` (Unix nanos).
    pub start_time: Option<u64>,
    /// `End time:` (Unix nanos).
    pub end_time: Option<u64>,
    /// `Status code`, e.g. `STATUS_CODE_UNSET`, `STATUS_CODE_ERROR`.
    pub status_code: String,
    /// `Status message`.
    pub status_message: String,
    /// `Attributes:`.
    pub attributes: Attributes,
    /// `Events:`.
    pub events: Vec<RotelSpanEvent>,
    /// `Links:`.
    pub links: Vec<RotelSpanLink>,
    /// The enclosing resource's attributes.
    pub resource: Attributes,
    /// The instrumentation scope's name.
    pub scope_name: String,
    /// The instrumentation scope's version (may be empty).
    pub scope_version: String,
}

impl RotelSpan {
    /// An attribute's plain value (see [`AttrValue::to_plain`]).
    pub fn attr(&self, key: &str) -> Option<String> {
        plain(&self.attributes, key)
    }

    /// A resource attribute's plain value.
    pub fn resource_attr(&self, key: &str) -> Option<String> {
        plain(&self.resource, key)
    }
}

/// Where `-> k: v` lines currently go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    None,
    Resource,
    Descriptor,
    PointAttrs,
    SpanAttrs,
    Event,
    EventAttrs,
    Link,
    LinkAttrs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    None,
    Metrics,
    Spans,
}

#[derive(Default)]
struct Parsed {
    metrics: Vec<RotelMetric>,
    spans: Vec<RotelSpan>,
}

/// `-> key: value` split; `value` may be empty.
fn split_kv(s: &str) -> (&str, &str) {
    match s.split_once(": ") {
        Some((k, v)) => (k, v),
        None => (s.trim_end_matches(':'), ""),
    }
}

fn is_log_line(line: &str) -> bool {
    // e.g. "2026-11-25T04:38:07.992724Z  INFO Starting Rotel. ..."
    let b = line.as_bytes();
    b.len() > 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
}

fn parse(output: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut signal = Signal::None;
    let mut target = Target::None;
    let mut resource = Attributes::new();
    let mut scope = (String::new(), String::new());

    for raw in output.lines() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() || is_log_line(line) {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let t = line.trim_start();

        // Attribute / field lines: "     -> k: v" and nested "          -> k: v".
        if let Some(kv) = t.strip_prefix("-> ") {
            let nested = indent > 5;
            let (k, v) = split_kv(kv);
            let attr = || (k.to_string(), AttrValue::parse(v));
            match (signal, target, nested) {
                (_, Target::Resource, false) => {
                    let (k, v) = attr();
                    resource.insert(k, v);
                }
                (Signal::Metrics, Target::Descriptor, false) => {
                    if let Some(m) = out.metrics.last_mut() {
                        match k {
                            "Name" => m.name = v.to_string(),
                            "Description" => m.description = v.to_string(),
                            "Unit" => m.unit = v.to_string(),
                            "DataType" => m.data_type = v.to_string(),
                            "IsMonotonic" => m.is_monotonic = v.parse().ok(),
                            "AggregationTemporality" => m.temporality = Some(v.to_string()),
                            _ => {}
                        }
                    }
                }
                (Signal::Metrics, Target::PointAttrs, false) => {
                    if let Some(p) = out.metrics.last_mut().and_then(|m| m.points.last_mut()) {
                        let (k, v) = attr();
                        p.attributes.insert(k, v);
                    }
                }
                (Signal::Spans, Target::SpanAttrs, false) => {
                    if let Some(s) = out.spans.last_mut() {
                        let (k, v) = attr();
                        s.attributes.insert(k, v);
                    }
                }
                (Signal::Spans, Target::Event | Target::EventAttrs, false) => {
                    if let Some(e) = out.spans.last_mut().and_then(|s| s.events.last_mut()) {
                        match k {
                            "Name" => e.name = v.to_string(),
                            "Timestamp" => e.timestamp = v.parse().ok(),
                            "Attributes:" | "Attributes" => target = Target::EventAttrs,
                            _ => {}
                        }
                    }
                }
                (Signal::Spans, Target::Link | Target::LinkAttrs, false) => {
                    if let Some(l) = out.spans.last_mut().and_then(|s| s.links.last_mut()) {
                        match k {
                            "Trace ID" => l.trace_id = v.to_string(),
                            "ID" => l.span_id = v.to_string(),
                            "TraceState" => l.trace_state = v.to_string(),
                            "Attributes:" | "Attributes" => target = Target::LinkAttrs,
                            _ => {}
                        }
                    }
                }
                (Signal::Spans, Target::EventAttrs, true) => {
                    if let Some(e) = out.spans.last_mut().and_then(|s| s.events.last_mut()) {
                        let (k, v) = attr();
                        e.attributes.insert(k, v);
                    }
                }
                (Signal::Spans, Target::LinkAttrs, true) => {
                    if let Some(l) = out.spans.last_mut().and_then(|s| s.links.last_mut()) {
                        let (k, v) = attr();
                        l.attributes.insert(k, v);
                    }
                }
                _ => {}
            }
            continue;
        }

        // Block headers.
        if t.starts_with("ResourceMetrics #") {
            signal = Signal::Metrics;
            target = Target::None;
            resource.clear();
            scope = Default::default();
            continue;
        }
        if t.starts_with("ResourceSpans #") {
            signal = Signal::Spans;
            target = Target::None;
            resource.clear();
            scope = Default::default();
            continue;
        }
        if t.starts_with("ResourceLogs #") {
            signal = Signal::None;
            target = Target::None;
            continue;
        }
        if t == "Resource attributes:" {
            target = Target::Resource;
            continue;
        }
        if let Some(rest) = t.strip_prefix("InstrumentationScope ") {
            let (name, version) = rest.split_once(' ').unwrap_or((rest, ""));
            scope = (name.to_string(), version.trim().to_string());
            target = Target::None;
            continue;
        }
        if t.starts_with("Resource SchemaURL:")
            || t.starts_with("ScopeMetrics")
            || t.starts_with("ScopeSpans")
        {
            target = Target::None;
            continue;
        }

        match signal {
            Signal::Metrics => parse_metric_line(t, &mut out, &mut target, &resource, &scope),
            Signal::Spans => parse_span_line(t, &mut out, &mut target, &resource, &scope),
            Signal::None => {}
        }
    }
    out
}

fn parse_metric_line(
    t: &str,
    out: &mut Parsed,
    target: &mut Target,
    resource: &Attributes,
    scope: &(String, String),
) {
    if t.starts_with("Metric #") {
        out.metrics.push(RotelMetric {
            resource: resource.clone(),
            scope_name: scope.0.clone(),
            scope_version: scope.1.clone(),
            ..Default::default()
        });
        *target = Target::None;
        return;
    }
    if t == "Descriptor:" {
        *target = Target::Descriptor;
        return;
    }
    if let Some((kind, _)) = t.split_once("DataPoints #") {
        if let Some(m) = out.metrics.last_mut() {
            m.points.push(RotelDataPoint {
                kind: format!("{kind}DataPoints"),
                ..Default::default()
            });
        }
        *target = Target::None;
        return;
    }
    if t == "Data point attributes:" {
        *target = Target::PointAttrs;
        return;
    }
    *target = Target::None;
    let Some(p) = out.metrics.last_mut().and_then(|m| m.points.last_mut()) else {
        return;
    };
    let (k, v) = split_kv(t);
    match k {
        "StartTimestamp" => p.start_timestamp = v.parse().ok(),
        "Timestamp" => p.timestamp = v.parse().ok(),
        "Value" => p.value = v.parse().ok(),
        "Count" => p.count = v.parse().ok(),
        "Sum" => p.sum = v.parse().ok(),
        "Min" => p.min = v.parse().ok(),
        "Max" => p.max = v.parse().ok(),
        _ if k.starts_with("ExplicitBounds #") => {
            if let Ok(b) = v.parse() {
                p.explicit_bounds.push(b);
            }
        }
        // "Buckets #3, Count: 1" and "Bucket (2.98, 3.00], Count: 1"
        _ if k.starts_with("Bucket") => {
            match t.rsplit_once("Count: ").and_then(|(_, c)| c.parse().ok()) {
                Some(c) => p.bucket_counts.push(c),
                None => p.other.push(t.to_string()),
            }
        }
        _ => p.other.push(t.to_string()),
    }
}

fn parse_span_line(
    t: &str,
    out: &mut Parsed,
    target: &mut Target,
    resource: &Attributes,
    scope: &(String, String),
) {
    if t.starts_with("Span #") {
        out.spans.push(RotelSpan {
            resource: resource.clone(),
            scope_name: scope.0.clone(),
            scope_version: scope.1.clone(),
            ..Default::default()
        });
        *target = Target::None;
        return;
    }
    let Some(s) = out.spans.last_mut() else {
        return;
    };
    match t {
        "Attributes:" => {
            *target = Target::SpanAttrs;
            return;
        }
        "Events:" | "Links:" => {
            *target = Target::None;
            return;
        }
        _ => {}
    }
    if t.starts_with("SpanEvent #") {
        s.events.push(RotelSpanEvent::default());
        *target = Target::Event;
        return;
    }
    if t.starts_with("SpanLink #") {
        s.links.push(RotelSpanLink::default());
        *target = Target::Link;
        return;
    }
    *target = Target::None;
    // "Trace ID       : 4181..." (padded) or "Start time: 1795..."
    let Some((k, v)) = t.split_once(':') else {
        return;
    };
    let v = v.strip_prefix(' ').unwrap_or(v);
    match k.trim_end() {
        "Trace ID" => s.trace_id = v.to_string(),
        "Parent ID" => s.parent_id = (!v.trim().is_empty()).then(|| v.trim().to_string()),
        "ID" => s.span_id = v.to_string(),
        "Name" => s.name = v.to_string(),
        "Kind" => s.kind = v.to_string(),
        "Start time" => s.start_time = v.parse().ok(),
        "End time" => s.end_time = v.parse().ok(),
        "Status code" => s.status_code = v.to_string(),
        "Status message" => s.status_message = v.to_string(),
        _ => {}
    }
}

/// Every metric block in `output`, in print order (a metric exported twice
/// appears twice).
pub fn parse_metrics(output: &str) -> Vec<RotelMetric> {
    parse(output).metrics
}

/// Every span in `output`, in print order.
pub fn parse_spans(output: &str) -> Vec<RotelSpan> {
    parse(output).spans
}

/// The distinct metric names in `output`.
pub fn metric_names(output: &str) -> BTreeSet<String> {
    parse_metrics(output).into_iter().map(|m| m.name).collect()
}

/// The distinct span names in `output`.
pub fn span_names(output: &str) -> BTreeSet<String> {
    parse_spans(output).into_iter().map(|s| s.name).collect()
}

/// The last (most recently printed) metric block named `name`.
pub fn find_metric(output: &str, name: &str) -> Option<RotelMetric> {
    parse_metrics(output)
        .into_iter()
        .rev()
        .find(|m| m.name == name)
}

/// The last (most recently printed) span named `name`.
pub fn find_span(output: &str, name: &str) -> Option<RotelSpan> {
    parse_spans(output)
        .into_iter()
        .rev()
        .find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("fixtures/rotel_detailed.txt");

    #[test]
    fn metric_names_from_real_output() {
        let names: Vec<String> = metric_names(SAMPLE).into_iter().collect();
        assert_eq!(
            names,
            [
                "autobot_inflight",
                "autobot_latency_seconds",
                "autobot_requests_total",
                "autobot_temperature"
            ]
        );
        // Span event names ("retry") must not leak into metric names.
        assert!(!metric_names(SAMPLE).contains("retry"));
    }

    #[test]
    fn counter_points() {
        let m = find_metric(SAMPLE, "autobot_requests_total").unwrap();
        assert_eq!(m.description, "Requests handled");
        assert_eq!(m.unit, "1");
        assert_eq!(m.data_type, "Sum");
        assert_eq!(m.is_monotonic, Some(true));
        assert_eq!(
            m.temporality.as_deref(),
            Some("AGGREGATION_TEMPORALITY_CUMULATIVE")
        );
        assert_eq!(m.scope_name, "autobot.fixture");
        assert_eq!(m.scope_version, "0.1.0");
        assert_eq!(
            m.resource_attr("service.name").as_deref(),
            Some("autobot-fixture")
        );
        assert_eq!(m.points.len(), 2);
        let p = m.point_with(&[("route", "/api/x")]).unwrap();
        assert_eq!(p.kind, "NumberDataPoints");
        assert_eq!(p.value, Some(3.0));
        assert_eq!(p.attributes["status"], AttrValue::Int(200));
        assert_eq!(p.attr("status").as_deref(), Some("200"));
        assert_eq!(p.timestamp, Some(1795581489154803485));
        let p = m
            .point_with(&[("route", "/api/y"), ("status", "500")])
            .unwrap();
        assert_eq!(p.value, Some(1.0));
        assert!(m.point_with(&[("route", "/nope")]).is_none());
    }

    #[test]
    fn histogram_updown_gauge() {
        let h = find_metric(SAMPLE, "autobot_latency_seconds").unwrap();
        assert_eq!(h.data_type, "Histogram");
        assert_eq!(h.is_monotonic, None);
        let p = h.point_with(&[]).unwrap();
        assert_eq!(p.kind, "HistogramDataPoints");
        assert_eq!(p.count, Some(2));
        assert_eq!(p.sum, Some(1.75));
        assert_eq!(p.min, Some(0.25));
        assert_eq!(p.max, Some(1.5));
        assert_eq!(p.explicit_bounds, vec![0.1, 0.5, 1.0]);
        assert_eq!(p.bucket_counts, vec![0, 1, 0, 1]);
        assert_eq!(p.value, None);
        assert!(p.other.is_empty(), "{:?}", p.other);

        let u = find_metric(SAMPLE, "autobot_inflight").unwrap();
        assert_eq!(u.is_monotonic, Some(false));
        let p = &u.points[0];
        assert_eq!(p.value, Some(-2.0));
        assert_eq!(p.attributes["ok"], AttrValue::Bool(true));
        assert_eq!(p.attributes["ratio"], AttrValue::Double(0.5));
        assert_eq!(p.attributes["pool"].as_str(), Some("main"));

        let g = find_metric(SAMPLE, "autobot_temperature").unwrap();
        assert_eq!(g.data_type, "Gauge");
        assert_eq!(g.unit, "Cel");
        assert_eq!(g.temporality, None);
        let p = &g.points[0];
        assert_eq!(p.value, Some(21.5));
        assert_eq!(p.start_timestamp, Some(0));
        assert_eq!(
            p.attributes["tags"],
            AttrValue::Other("Slice(Str(a), Str(b))".into())
        );
    }

    #[test]
    fn spans_from_real_output() {
        let spans = parse_spans(SAMPLE);
        assert_eq!(spans.len(), 3);
        let names: Vec<String> = span_names(SAMPLE).into_iter().collect();
        assert_eq!(names, ["child-op", "linked-op", "parent-op"]);

        let parent = find_span(SAMPLE, "parent-op").unwrap();
        let child = find_span(SAMPLE, "child-op").unwrap();
        assert_eq!(parent.parent_id, None);
        assert_eq!(parent.kind, "SPAN_KIND_SERVER");
        assert_eq!(parent.attributes["job.id"], AttrValue::Int(42));
        assert_eq!(parent.attr("kind").as_deref(), Some("outer"));
        assert_eq!(
            parent.resource_attr("service.name").as_deref(),
            Some("autobot-fixture")
        );
        assert_eq!(parent.scope_name, "autobot.fixture");
        assert_eq!(parent.status_code, "STATUS_CODE_UNSET");
        assert_eq!(parent.status_message, "");
        assert_eq!(parent.span_id.len(), 16);
        assert_eq!(parent.trace_id.len(), 32);

        assert_eq!(child.parent_id.as_deref(), Some(parent.span_id.as_str()));
        assert_eq!(child.trace_id, parent.trace_id);
        assert_eq!(child.kind, "SPAN_KIND_INTERNAL");
        assert_eq!(child.status_code, "STATUS_CODE_ERROR");
        assert_eq!(child.status_message, "boom");
        assert_eq!(child.attr("http.route").as_deref(), Some("/api/x"));
        assert!(child.start_time.unwrap() <= child.end_time.unwrap());
        assert_eq!(child.events.len(), 1);
        assert_eq!(child.events[0].name, "retry");
        assert_eq!(child.events[0].attributes["attempt"], AttrValue::Int(2));
        assert!(child.events[0].timestamp.is_some());
        assert!(child.links.is_empty());
        // Event attributes must not leak into span attributes.
        assert!(!child.attributes.contains_key("attempt"));

        let linked = find_span(SAMPLE, "linked-op").unwrap();
        assert_eq!(linked.links.len(), 1);
        assert_eq!(linked.links[0].trace_id, parent.trace_id);
        assert_eq!(linked.links[0].span_id, parent.span_id);
        assert_eq!(
            linked.links[0].attributes["link.kind"].as_str(),
            Some("follows")
        );
        assert!(linked.attributes.is_empty());
    }

    #[test]
    fn metrics_and_spans_do_not_mix() {
        assert!(parse_metrics(SAMPLE).iter().all(|m| !m.name.is_empty()));
        assert!(parse_spans(SAMPLE).iter().all(|s| !s.name.is_empty()));
        assert!(!metric_names(SAMPLE).contains("parent-op"));
        assert!(!span_names(SAMPLE).contains("autobot_inflight"));
    }

    #[test]
    fn attr_value_forms() {
        assert_eq!(AttrValue::parse("Str()"), AttrValue::Str(String::new()));
        assert_eq!(
            AttrValue::parse("Str(a (b))"),
            AttrValue::Str("a (b)".into())
        );
        assert_eq!(AttrValue::parse("Int(-3)"), AttrValue::Int(-3));
        assert_eq!(AttrValue::parse("Double(1)"), AttrValue::Double(1.0));
        assert_eq!(AttrValue::parse("Bool(false)"), AttrValue::Bool(false));
        assert_eq!(
            AttrValue::parse("Int(x)"),
            AttrValue::Other("Int(x)".into())
        );
        assert_eq!(AttrValue::Int(200).to_string(), "Int(200)");
        assert_eq!(AttrValue::Double(0.5).to_plain(), "0.5");
    }

    #[test]
    fn missing_value_and_log_lines() {
        // What rotel prints for OTLP/JSON `"asInt": "7"` (a string): no Value line.
        let out = "2026-11-25T04:36:12.201495Z  INFO Starting Rotel.\n\
ResourceMetrics #0\nResource SchemaURL: \nScopeMetrics #0\nScopeMetrics SchemaURL: \n\
InstrumentationScope h \nMetric #0\nDescriptor:\n     -> Name: c\n     -> Description: \n\
     -> Unit: \n     -> DataType: Sum\nNumberDataPoints #0\nStartTimestamp: 1\nTimestamp: 2\n";
        let m = find_metric(out, "c").unwrap();
        assert_eq!(m.description, "");
        assert_eq!(m.scope_name, "h");
        assert_eq!(m.scope_version, "");
        assert!(m.resource.is_empty());
        assert_eq!(m.points.len(), 1);
        assert_eq!(m.points[0].value, None);
        assert!(m.points[0].attributes.is_empty());
    }
}
