//! A Prometheus text exposition (format 0.0.4) written straight from the SDK's
//! collected data, byte for byte what `opentelemetry-prometheus` 0.33 plus
//! `prometheus::TextEncoder` 0.14 produce, without the intermediate
//! `prometheus::proto` structs.
//!
//! [`PrometheusTextReader`] is a [`MetricReader`] (a cumulative
//! [`ManualReader`] inside, as `opentelemetry_prometheus::PrometheusExporter`
//! has); [`PrometheusTextReader::render`] collects and appends the text to a
//! `String`. The output equals that of
//! `opentelemetry_prometheus::exporter().with_registry(r).scope_info_enabled(false).build()`
//! read through `TextEncoder::encode(&r.gather())`: `target_info` from the
//! resource, no `otel_scope_*` labels, unit suffixes and the counter `_total`
//! suffix on, no namespace, no resource labels on the series.
//!
//! ```
//! use autobot_otel::prometheus::PrometheusTextReader;
//! use opentelemetry::{KeyValue, metrics::MeterProvider as _};
//! use opentelemetry_sdk::{Resource, metrics::SdkMeterProvider};
//!
//! let reader = PrometheusTextReader::new();
//! let provider = SdkMeterProvider::builder()
//!     .with_resource(Resource::builder_empty().with_service_name("demo").build())
//!     .with_reader(reader.clone()) // keep a clone to render
//!     .build();
//! let counter = provider
//!     .meter("demo")
//!     .u64_counter("http.requests")
//!     .with_description("Requests served")
//!     .build();
//! counter.add(3, &[KeyValue::new("http.method", "GET")]);
//!
//! let mut text = String::new();
//! reader.render(&mut text)?;
//! assert_eq!(
//!     text,
//!     concat!(
//!         "# HELP http_requests_total Requests served\n",
//!         "# TYPE http_requests_total counter\n",
//!         "http_requests_total{http_method=\"GET\"} 3\n",
//!         "# HELP target_info Target metadata\n",
//!         "# TYPE target_info gauge\n",
//!         "target_info{service_name=\"demo\"} 1\n",
//!     )
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The rules reproduced
//!
//! - **Families** are sorted by name (byte order); a family's `# HELP` and
//!   `# TYPE` come from the first instrument seen under that name, the one
//!   that is remembered across scrapes (`validate_metrics`): a later
//!   instrument whose Prometheus name matches but whose type differs is
//!   left out, one whose description differs gets the remembered one.
//!   Which instrument is "first" when several appear in one collection, and
//!   the catalog's precedence, are decided as in [Conflicts](#conflicts).
//!   `# HELP` is left out when the help is empty. `target_info` (help
//!   `Target metadata`, type gauge, value 1, one label per resource attribute)
//!   is present when the resource has attributes; it comes first among the
//!   `target_info` series, before any instrument named `target_info`.
//! - **Series** in a family are sorted by their number of labels, then by the
//!   label *values* in label order (byte order), then in collection order.
//! - **Labels** in a series are sorted by label name (the sanitized key, see
//!   below); attribute keys that sanitize to the same label are merged into
//!   one label whose value is their values, ordered by original key, joined
//!   with `;`. Histogram buckets add `le` last.
//! - **Names**: the instrument name is sanitized, then `_<unit>` is appended
//!   for known units (`s` → `seconds`, `By` → `bytes`, `1` → `ratio`,
//!   `m/s` → `meters_per_second`, ...; annotations like `{request}` add
//!   nothing), then `_total` for monotonic sums.
//! - **Escaping**: label values escape `\`, `"` and newline; `# HELP` text
//!   escapes `\` and newline; nothing else is touched.
//! - **Numbers** are Rust's `f64` `Display`: integers without a fraction
//!   (`3`, `-0`), no exponent ever, `inf`, `-inf`, `NaN`. Integer values
//!   (`u64`, `i64`) are converted to `f64` first, as the old path does.
//!   Bucket bounds are written the same way; the last bucket is `le="+Inf"`.
//! - Exponential histograms are left out, as before.
//!
//! # Conflicts
//!
//! Instruments whose Prometheus names are equal form one family. The SDK
//! hands their scopes (meters) over in hash order, which differs from one
//! provider to the next; the old path took the first one it saw, so which
//! instrument won a conflict changed from run to run. Here the outcome is
//! fixed:
//!
//! 1. Entries are resolved in this order: the resource's `target_info`; the
//!    instruments of the catalog's scope `autobot-otel`
//!    ([`crate::catalog::SCOPE_NAME`]); the other scopes sorted by name,
//!    version, schema URL, then attributes. Within one scope, instruments
//!    come in creation order (the SDK's own order).
//! 2. The catalog's scope owns its names: when a family has an instrument of
//!    scope `autobot-otel`, every instrument of another scope under that
//!    name is left out, whatever its type. When the collection holds the
//!    catalog's scope at all (always in a [`crate::Telemetry`] pipeline,
//!    whose self-metrics report every time), the names of the 56 catalog
//!    metrics and of the `autobot_otel_*` self-metrics are owned even
//!    before the catalog instrument has recorded anything, so another
//!    scope's instrument never takes such a name in the meantime. A reader
//!    without that scope (this one used on its own) reserves nothing.
//! 3. Otherwise the family's type and help are the remembered ones (first
//!    resolved in the first scrape that had the name) and instruments of
//!    another type are left out, as in the old path; the catalog's scope
//!    replaces what another scope left remembered under a name it takes.
//!
//! A left-out instrument is logged once per family (a `WARN` under the
//! target `autobot_otel::collect`, [`crate::diagnostics::COLLECT`], naming the
//! family, the instrument, its scope and type, and what was kept) and
//! counted in the self-metric `autobot_otel_instrument_conflicts{metric}`
//! (see [`crate::self_metrics`]): the number of instruments the last render
//! left out of that family. That gauge is observed during the collection,
//! before the render finds out what it leaves out; when the count changed,
//! the render collects once more, so every scrape reports its own conflicts.
//! On the OTLP path nothing is left out (each instrument keeps its scope);
//! the gauge there reports the last scrape.
//!
//! # Where the output can still differ
//!
//! - Series that tie in the sort (same number of labels and same values under
//!   different keys, e.g. `{a="x"}` and `{b="x"}`, or one instrument name
//!   used in two meters) come in collection order. Across meters that is the
//!   scope order above here; in the old path it was the SDK's hash order,
//!   which differs from one reader to another. Likewise which of two
//!   instruments from different meters that map to one name with different
//!   types wins, and instruments of other meters named like a catalog metric
//!   (left out here; in the old path merged into the family or winning it,
//!   depending on the hash order).
//! - [`PrometheusTextReader::render`] returns an error where the old path
//!   rendered an empty scrape (collection failed, reader shut down, or an
//!   empty metric name from a view).
//! - Names the old path writes invalid or reserved are made valid (next
//!   section).
//!
//! # Invalid and reserved names are made valid
//!
//! Every metric name written matches `[a-zA-Z_:][a-zA-Z0-9_:]*` and every
//! label name `[a-zA-Z_][a-zA-Z0-9_]*`; neither starts with `__`, which
//! Prometheus reserves for internal use (its data model says so, and
//! `prometheus_client` refuses such label names; since `target_info` carries
//! every resource attribute, one such key would otherwise be in every
//! scrape), and no histogram label other than the bucket bound is named
//! `le`. This follows the
//! OpenTelemetry "Prometheus and OpenMetrics compatibility" rules and the
//! `key` prefix the OpenTelemetry translators use for names that cannot
//! stay as they are. For every name the old path already writes validly and
//! unreserved, the output is unchanged, byte for byte; only these differ:
//!
//! | input | old path | here |
//! |---|---|---|
//! | metric name with a non-ASCII letter before its first other invalid character (`aé.b`, only possible through a view) | `aé_b` | `a__b`: every character outside `[a-zA-Z0-9_:]` becomes `_` |
//! | metric name starting with `__` once sanitized (`__x`, `..x`, `日本`; only possible through a view) | `__x`, `__x`, `日本` | `key__x`, `key__x`, `key__` |
//! | attribute key containing `:` (`a:b`) | `a:b` | `a_b`: every character outside `[a-zA-Z0-9_]` becomes `_` |
//! | attribute key starting with a digit (`1abc`) | `1abc` | `key_1abc` |
//! | empty attribute key | nothing before the `=` | `key_` (not dropped: dropping could make two series identical) |
//! | attribute key starting with `__` once sanitized: `__name__`, `__team`, `..x`, or two non-ASCII characters (`日本-x`) | `__name__`, `__team`, `__x`, `___x` | `key__name__`, `key__team`, `key__x`, `key___x` |
//! | attribute key sanitizing to `le` on a histogram (`le` is the bucket bound) | a second `le` | `key_le` |
//!
//! A metric name starting with a digit gets a `_` prefix in both (`1st.x`
//! → `_1st_x`). Keys and metric names starting with a single `_` once
//! sanitized (`_x`, `.x`, `é`) are valid and unreserved, and kept as the old
//! path writes them: the specification says nothing about them, and
//! Prometheus' own OTLP translator (`otlptranslator`) no longer prefixes
//! them by default. Runs of `_`
//! are not collapsed (the specification asks for it, but the old path does
//! not, and the byte-for-byte rule keeps its output for valid names). A
//! renamed key takes part in the sorting and merging above under its new
//! name: `1abc` and `key_1abc` on one data point merge into `key_1abc`,
//! `__team` and `key__team` into `key__team`. Keys that sanitize alike on
//! different data points can still give two series the same labels
//! (`{a.b="x"}` and `{a_b="x"}`), as in the old path and as the
//! specification accepts.
//!
//! `opentelemetry_sdk`'s `experimental_metrics_custom_reader` feature is
//! needed for [`MetricReader`]; the workspace enables it.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use opentelemetry::{InstrumentationScope, KeyValue, Value};

/// Log target of the conflict and description warnings (the collection's).
use crate::diagnostics::{COLLECT as LOG_TARGET, Conflicts};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::{
    AggregatedMetrics, HistogramDataPoint, Metric, MetricData, ResourceMetrics, ScopeMetrics,
};
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

const TARGET_INFO_NAME: &str = "target_info";
/// The scope whose instruments win a family name over every other scope's:
/// the catalog's.
const PRIORITY_SCOPE: &str = crate::catalog::SCOPE_NAME;
const TARGET_INFO_DESCRIPTION: &str = "Target metadata";
const COUNTER_SUFFIX: &str = "_total";
/// Integers below this magnitude are exact in an `f64`.
const F64_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// A metric reader that renders the Prometheus text exposition format itself.
///
/// Attach a clone to the meter provider and keep one to render: clones share
/// the same reader. Only one provider can use it (the first one registered).
///
/// ```
/// use autobot_otel::prometheus::PrometheusTextReader;
/// use opentelemetry::metrics::MeterProvider as _;
/// use opentelemetry_sdk::{Resource, metrics::SdkMeterProvider};
///
/// let reader = PrometheusTextReader::new();
/// let provider = SdkMeterProvider::builder()
///     .with_resource(Resource::builder_empty().build())
///     .with_reader(reader.clone())
///     .build();
/// let queue = provider.meter("app").i64_up_down_counter("queue.size").build();
/// queue.add(-2, &[]);
///
/// let text = reader.render_to_string()?;
/// assert_eq!(text, "# TYPE queue_size gauge\nqueue_size -2\n");
/// # Ok::<(), opentelemetry_sdk::error::OTelSdkError>(())
/// ```
#[derive(Clone)]
pub struct PrometheusTextReader {
    inner: Arc<Inner>,
}

struct Inner {
    reader: ManualReader,
    state: Mutex<State>,
    conflicts: Arc<Conflicts>,
}

/// What survives between renders.
#[derive(Default)]
struct State {
    /// Every family name seen so far (the `validate_metrics` memory of
    /// `opentelemetry-prometheus`).
    families: HashMap<String, Known>,
    /// Families whose left-out instruments were logged already.
    conflicts_logged: HashSet<String>,
    /// Bucket bounds and their text, by bucket index.
    le_cache: Vec<(u64, String)>,
    /// Sizes of the last render, to allocate once.
    last_len: usize,
    last_series: usize,
    last_labels: usize,
    last_keys: usize,
}

/// The type and help a family name was first seen with.
struct Known {
    kind: Kind,
    help: String,
    /// Set by an instrument of the catalog's scope ([`PRIORITY_SCOPE`]).
    catalog: bool,
    /// A description conflict with it was logged already (the old path logs
    /// every scrape).
    warned: bool,
}

impl fmt::Debug for PrometheusTextReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusTextReader")
            .finish_non_exhaustive()
    }
}

impl Default for PrometheusTextReader {
    fn default() -> Self {
        Self::new()
    }
}

impl PrometheusTextReader {
    /// A reader with cumulative temporality, not yet attached to a provider.
    ///
    /// ```
    /// let reader = autobot_otel::prometheus::PrometheusTextReader::new();
    /// // Not attached to a provider: nothing to collect.
    /// assert!(reader.render_to_string().is_err());
    /// ```
    pub fn new() -> Self {
        PrometheusTextReader {
            inner: Arc::new(Inner {
                reader: ManualReader::builder()
                    .with_temporality(Temporality::Cumulative)
                    .build(),
                state: Mutex::new(State::default()),
                conflicts: Arc::default(),
            }),
        }
    }

    /// Collects every metric and appends their text exposition to `out`.
    ///
    /// Fails when the collection fails (the reader is not attached to a
    /// provider, or the provider was shut down) and when a view gave an
    /// instrument an empty name (prometheus' encoder refuses that too); `out`
    /// is then left as it was. The old path served an empty scrape in those
    /// cases. Concurrent calls run one after the other. `out` is reserved
    /// for the size of the previous render, so one allocation usually does.
    ///
    /// ```
    /// use autobot_otel::prometheus::PrometheusTextReader;
    /// use opentelemetry::{KeyValue, metrics::MeterProvider as _};
    /// use opentelemetry_sdk::{Resource, metrics::SdkMeterProvider};
    ///
    /// let reader = PrometheusTextReader::new();
    /// let provider = SdkMeterProvider::builder()
    ///     .with_resource(Resource::builder_empty().build())
    ///     .with_reader(reader.clone())
    ///     .build();
    /// let latency = provider
    ///     .meter("app")
    ///     .f64_histogram("rpc.latency")
    ///     .with_unit("s")
    ///     .with_boundaries(vec![0.5, 2.5])
    ///     .build();
    /// latency.record(1.25, &[KeyValue::new("rpc", "say \"hi\"")]);
    ///
    /// let mut out = String::new();
    /// reader.render(&mut out)?;
    /// assert_eq!(
    ///     out,
    ///     "# TYPE rpc_latency_seconds histogram\n\
    ///      rpc_latency_seconds_bucket{rpc=\"say \\\"hi\\\"\",le=\"0.5\"} 0\n\
    ///      rpc_latency_seconds_bucket{rpc=\"say \\\"hi\\\"\",le=\"2.5\"} 1\n\
    ///      rpc_latency_seconds_bucket{rpc=\"say \\\"hi\\\"\",le=\"+Inf\"} 1\n\
    ///      rpc_latency_seconds_sum{rpc=\"say \\\"hi\\\"\"} 1.25\n\
    ///      rpc_latency_seconds_count{rpc=\"say \\\"hi\\\"\"} 1\n"
    /// );
    /// # Ok::<(), opentelemetry_sdk::error::OTelSdkError>(())
    /// ```
    pub fn render(&self, out: &mut String) -> Result<(), OTelSdkError> {
        // The state is a cache plus the name registry; it stays consistent
        // even if a render panicked, so a poisoned lock is taken over.
        let mut state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut rm = ResourceMetrics::default();
        let start = out.len();
        out.reserve(state.last_len + state.last_len / 16);
        // The conflicts self-metric is observed during the collection, before
        // this render finds out what it leaves out: when that changed, collect
        // once more so the scrape reports its own conflicts.
        for attempt in 0..2 {
            if let Err(err) = self.inner.reader.collect(&mut rm) {
                out.truncate(start);
                return Err(err);
            }
            out.truncate(start);
            match render_metrics(&rm, &mut state, out) {
                Ok(dropped) => {
                    if self.inner.conflicts.publish(dropped) && attempt == 0 {
                        continue;
                    }
                    break;
                }
                Err(err) => {
                    out.truncate(start);
                    return Err(err);
                }
            }
        }
        state.last_len = out.len() - start;
        Ok(())
    }

    /// The instruments left out of the last render, by family (shared with
    /// the `autobot_otel_instrument_conflicts` self-metric).
    pub(crate) fn conflicts(&self) -> Arc<Conflicts> {
        self.inner.conflicts.clone()
    }

    /// [`render`](Self::render) into a new `String`.
    ///
    /// ```
    /// let reader = autobot_otel::prometheus::PrometheusTextReader::new();
    /// let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
    ///     .with_reader(reader.clone())
    ///     .build();
    /// let text = reader.render_to_string()?;
    /// assert!(text.starts_with("# HELP target_info Target metadata\n"));
    /// # Ok::<(), opentelemetry_sdk::error::OTelSdkError>(())
    /// ```
    pub fn render_to_string(&self) -> Result<String, OTelSdkError> {
        let mut out = String::new();
        self.render(&mut out)?;
        Ok(out)
    }
}

impl MetricReader for PrometheusTextReader {
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        self.inner.reader.register_pipeline(pipeline)
    }

    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        self.inner.reader.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.reader.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.reader.shutdown_with_timeout(timeout)
    }

    /// Always cumulative: Prometheus has no delta temporality.
    fn temporality(&self, _kind: InstrumentKind) -> Temporality {
        Temporality::Cumulative
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One instrument (or the resource) contributing series to a family.
struct Entry<'a> {
    name: Cow<'a, str>,
    help: Cow<'a, str>,
    kind: Kind,
    source: Source<'a>,
    owner: Owner,
    /// The instrumentation scope's name (empty for the resource).
    scope: &'a str,
    /// Not left out by [`resolve_family`].
    keep: bool,
}

/// Who an entry comes from, in the order families are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    /// `target_info` from the resource.
    Resource,
    /// An instrument of the catalog's scope, [`PRIORITY_SCOPE`].
    Catalog,
    /// An instrument of any other scope.
    Other,
}

enum Source<'a> {
    Resource(&'a [KeyValue]),
    Metric(&'a Metric),
}

/// The value of one series.
#[derive(Clone, Copy)]
enum Point<'a> {
    Counter(f64),
    Gauge(f64),
    HistF64(&'a HistogramDataPoint<f64>),
    HistU64(&'a HistogramDataPoint<u64>),
    HistI64(&'a HistogramDataPoint<i64>),
}

/// One series of a family: its labels are `labels[start..start + len]`,
/// sorted by sanitized key then key; its sort key is
/// `keys[key..key + key_len]` (see [`push_series`]).
///
/// Offsets are `u32` to keep this small (40 bytes); a family too large for
/// them is refused before they are used.
struct Series<'a> {
    point: Point<'a>,
    start: u32,
    len: u32,
    key: u32,
    key_len: u32,
    /// No merged keys and only string values: labels write as they are.
    simple: bool,
}

/// A number as the old path converts it (`as f64`, lossy beyond 2^53).
trait Number: Copy {
    fn as_f64(self) -> f64;
    fn histogram(dp: &HistogramDataPoint<Self>) -> Point<'_>;
}

impl Number for f64 {
    fn as_f64(self) -> f64 {
        self
    }
    fn histogram(dp: &HistogramDataPoint<f64>) -> Point<'_> {
        Point::HistF64(dp)
    }
}

impl Number for u64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
    fn histogram(dp: &HistogramDataPoint<u64>) -> Point<'_> {
        Point::HistU64(dp)
    }
}

impl Number for i64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
    fn histogram(dp: &HistogramDataPoint<i64>) -> Point<'_> {
        Point::HistI64(dp)
    }
}

/// Renders every family; returns how many instruments were left out of
/// each family (see [`resolve_family`]).
fn render_metrics(
    rm: &ResourceMetrics,
    state: &mut State,
    out: &mut String,
) -> Result<BTreeMap<String, u64>, OTelSdkError> {
    let resource: Vec<KeyValue> = rm
        .resource()
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();

    let mut entries: Vec<Entry<'_>> = Vec::new();
    if !resource.is_empty() {
        entries.push(Entry {
            name: Cow::Borrowed(TARGET_INFO_NAME),
            help: Cow::Borrowed(TARGET_INFO_DESCRIPTION),
            kind: Kind::Gauge,
            source: Source::Resource(&resource),
            owner: Owner::Resource,
            scope: "",
            keep: true,
        });
    }
    // The SDK hands scopes over in hash order, which differs between
    // providers: sort them so that conflicts resolve the same way every time.
    let mut scopes: Vec<&ScopeMetrics> = rm.scope_metrics().collect();
    scopes.sort_by(|a, b| compare_scopes(a.scope(), b.scope()));
    // The catalog's names are reserved in the pipeline's reader, whose
    // collections always hold the catalog's scope (its self-metrics report
    // every time); a reader without it reserves nothing.
    let reserve = scopes
        .first()
        .is_some_and(|s| s.scope().name() == PRIORITY_SCOPE);
    for sm in scopes {
        let scope = sm.scope().name();
        let owner = if scope == PRIORITY_SCOPE {
            Owner::Catalog
        } else {
            Owner::Other
        };
        for metric in sm.metrics() {
            let Some(kind) = kind_of(metric) else {
                continue; // exponential histograms have no Prometheus form here
            };
            entries.push(Entry {
                name: Cow::Owned(prometheus_name(metric, kind)),
                help: Cow::Borrowed(metric.description()),
                kind,
                source: Source::Metric(metric),
                owner,
                scope,
                keep: true,
            });
        }
    }
    // Stable: within a name, the order above decides (the resource, the
    // catalog's scope, the other scopes in their sorted order, each scope's
    // instruments in creation order).
    entries.sort_by(|a, b| a.name.cmp(&b.name));

    let mut fam = Family {
        labels: Vec::with_capacity(state.last_labels),
        keys: Vec::with_capacity(state.last_keys),
        series: Vec::with_capacity(state.last_series),
        ..Family::default()
    };
    let mut dropped = BTreeMap::new();
    let (mut max_labels, mut max_keys, mut max_series) = (0, 0, 0);
    let mut rest = &mut entries[..];
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|e| e.name != rest[0].name)
            .unwrap_or(rest.len());
        let (family, tail) = std::mem::take(&mut rest).split_at_mut(end);
        rest = tail;
        if family[0].name.is_empty() {
            // prometheus' `check_metric_family` fails the whole encoding.
            return Err(OTelSdkError::InternalFailure(
                "metric family has no name".into(),
            ));
        }
        resolve_family(family, reserve, state, &mut dropped);
        let Some(first) = family.iter().find(|e| e.keep) else {
            continue; // every instrument of it was left out
        };

        fam.clear();
        fam.histogram = first.kind == Kind::Histogram;
        for entry in family.iter().filter(|e| e.keep) {
            collect_series(entry, &mut fam);
        }
        if [fam.labels.len(), fam.keys.len(), fam.series.len()]
            .iter()
            .any(|&n| u32::try_from(n).is_err())
        {
            return Err(OTelSdkError::InternalFailure(format!(
                "metric family {} is too large to render",
                first.name
            )));
        }
        max_labels = max_labels.max(fam.labels.len());
        max_keys = max_keys.max(fam.keys.len());
        max_series = max_series.max(fam.series.len());
        fam.sort();
        write_family(out, first, &mut fam, &mut state.le_cache);
    }
    state.last_labels = max_labels;
    state.last_keys = max_keys;
    state.last_series = max_series;
    Ok(dropped)
}

/// Scopes in resolution order: [`PRIORITY_SCOPE`] first, then by name,
/// version, schema URL and attributes.
fn compare_scopes(a: &InstrumentationScope, b: &InstrumentationScope) -> Ordering {
    fn key(s: &InstrumentationScope) -> (bool, &str, Option<&str>) {
        (s.name() != PRIORITY_SCOPE, s.name(), s.version())
    }
    key(a)
        .cmp(&key(b))
        .then_with(|| a.schema_url().cmp(&b.schema_url()))
        .then_with(|| {
            let attrs = |s: &InstrumentationScope| {
                let mut v: Vec<(String, String)> = s
                    .attributes()
                    .map(|kv| (kv.key.to_string(), kv.value.to_string()))
                    .collect();
                v.sort();
                v
            };
            attrs(a).cmp(&attrs(b))
        })
}

/// Whether `name` is one of the catalog's or the self-metrics' families,
/// which only [`PRIORITY_SCOPE`] may write.
fn is_reserved(name: &str) -> bool {
    crate::catalog::MetricId::from_name(name).is_some()
        || name.starts_with(crate::catalog::self_metrics::PREFIX)
}

/// Decides which entries of one family (same name, in resolution order) are
/// written, and with which help; counts the left-out instruments in
/// `dropped` and logs the first one once per family. `reserve`: the catalog's
/// names are owned even without a catalog instrument in the family. See the
/// module docs, "Conflicts".
fn resolve_family(
    family: &mut [Entry<'_>],
    reserve: bool,
    state: &mut State,
    dropped: &mut BTreeMap<String, u64>,
) {
    let others = family.iter().any(|e| e.owner == Owner::Other);
    let catalog = family.iter().any(|e| e.owner == Owner::Catalog);
    // The catalog's scope owns its names, whatever the other instrument's type.
    let owned = others && (catalog || (reserve && is_reserved(&family[0].name)));
    let mut left_out = 0u64;
    let mut first_left_out: Option<(usize, &'static str)> = None;
    if owned {
        for (i, e) in family.iter_mut().enumerate() {
            if e.owner == Owner::Other {
                e.keep = false;
                left_out += 1;
                first_left_out.get_or_insert((i, "the name belongs to the autobot-otel scope"));
            }
        }
    }
    // The type and help remembered for the name, or the first instrument's;
    // the catalog's scope replaces what another scope left there.
    if let Some(lead) = family
        .iter()
        .position(|e| e.keep && e.owner != Owner::Resource)
    {
        let (kind, help, is_catalog) = (
            family[lead].kind,
            family[lead].help.as_ref(),
            family[lead].owner == Owner::Catalog,
        );
        let name = family[0].name.as_ref();
        let known = match state.families.get_mut(name) {
            Some(known) if is_catalog && !known.catalog => {
                *known = Known {
                    kind,
                    help: help.to_owned(),
                    catalog: true,
                    warned: false,
                };
                known
            }
            Some(known) => known,
            None => state.families.entry(name.to_owned()).or_insert(Known {
                kind,
                help: help.to_owned(),
                catalog: is_catalog,
                warned: false,
            }),
        };
        for (i, e) in family.iter_mut().enumerate() {
            if !e.keep || e.owner == Owner::Resource {
                continue;
            }
            if e.kind != known.kind {
                e.keep = false;
                left_out += 1;
                first_left_out.get_or_insert((i, "its type differs from the family's"));
            } else if e.help != known.help {
                if !std::mem::replace(&mut known.warned, true) {
                    tracing::warn!(
                        target: LOG_TARGET,
                        metric = %e.name,
                        existing = %known.help,
                        dropped = %e.help,
                        "instrument description conflict, using the existing one"
                    );
                }
                e.help = Cow::Owned(known.help.clone());
            }
        }
    }
    let Some((i, reason)) = first_left_out else {
        return;
    };
    let name = family[0].name.as_ref();
    if !state.conflicts_logged.contains(name) {
        state.conflicts_logged.insert(name.to_owned());
        let e = &family[i];
        let instrument = match e.source {
            Source::Metric(m) => m.name(),
            Source::Resource(_) => "",
        };
        let kept = family.iter().find(|k| k.keep && k.owner != Owner::Resource);
        tracing::warn!(
            target: LOG_TARGET,
            metric = %name,
            instrument,
            scope = e.scope,
            dropped_type = e.kind.as_str(),
            // Without a kept instrument (a reserved name the catalog has not
            // recorded yet), the owner is still the catalog's scope.
            kept_scope = kept.map_or(if owned { PRIORITY_SCOPE } else { "" }, |k| k.scope),
            kept_type = kept.map_or("", |k| k.kind.as_str()),
            left_out,
            "instrument left out of the Prometheus scrape: {reason}"
        );
    }
    dropped.insert(name.to_owned(), left_out);
}

fn kind_of(metric: &Metric) -> Option<Kind> {
    fn of<T>(data: &MetricData<T>) -> Option<Kind> {
        match data {
            MetricData::Gauge(_) => Some(Kind::Gauge),
            MetricData::Sum(sum) if sum.is_monotonic() => Some(Kind::Counter),
            MetricData::Sum(_) => Some(Kind::Gauge),
            MetricData::Histogram(_) => Some(Kind::Histogram),
            MetricData::ExponentialHistogram(_) => None,
        }
    }
    match metric.data() {
        AggregatedMetrics::F64(data) => of(data),
        AggregatedMetrics::U64(data) => of(data),
        AggregatedMetrics::I64(data) => of(data),
    }
}

/// Sanitized name, unit suffix, `_total` for counters.
fn prometheus_name(metric: &Metric, kind: Kind) -> String {
    let base = sanitize_name(metric.name());
    let mut name = match unit_suffix(metric.unit()) {
        Some(suffix) => format!("{base}_{suffix}"),
        None => base.into_owned(),
    };
    if kind == Kind::Counter {
        name.push_str(COUNTER_SUFFIX);
    }
    name
}

fn collect_series<'a>(entry: &Entry<'a>, fam: &mut Family<'a>) {
    match entry.source {
        Source::Resource(kvs) => push_series(fam, kvs.iter(), Point::Gauge(1.0)),
        Source::Metric(metric) => match metric.data() {
            AggregatedMetrics::F64(data) => collect_data(data, fam),
            AggregatedMetrics::U64(data) => collect_data(data, fam),
            AggregatedMetrics::I64(data) => collect_data(data, fam),
        },
    }
}

fn collect_data<'a, T: Number>(data: &'a MetricData<T>, fam: &mut Family<'a>) {
    match data {
        MetricData::Gauge(gauge) => {
            for dp in gauge.data_points() {
                let point = Point::Gauge(dp.value().as_f64());
                push_series(fam, dp.attributes(), point);
            }
        }
        MetricData::Sum(sum) => {
            let monotonic = sum.is_monotonic();
            for dp in sum.data_points() {
                let value = dp.value().as_f64();
                let point = if monotonic {
                    Point::Counter(value)
                } else {
                    Point::Gauge(value)
                };
                push_series(fam, dp.attributes(), point);
            }
        }
        MetricData::Histogram(histogram) => {
            for dp in histogram.data_points() {
                push_series(fam, dp.attributes(), T::histogram(dp));
            }
        }
        MetricData::ExponentialHistogram(_) => {}
    }
}

/// Per-family buffers: the labels of every series, their sort keys, the series.
#[derive(Default)]
struct Family<'a> {
    labels: Vec<&'a KeyValue>,
    keys: Vec<u8>,
    series: Vec<Series<'a>>,
    tmp: String,
    prefix: String,
    /// The family is a histogram: `le` is reserved for the buckets.
    histogram: bool,
}

impl<'a> Family<'a> {
    fn clear(&mut self) {
        self.labels.clear();
        self.keys.clear();
        self.series.clear();
    }

    /// `Registry::gather`'s order: number of labels, then the label values in
    /// order (byte order), then collection order (its sort is stable). All
    /// three are encoded in each series' key, so one `memcmp` decides.
    fn sort(&mut self) {
        let keys = &self.keys[..];
        let key = |s: &Series<'_>| keys.get(s.key as usize..(s.key + s.key_len) as usize);
        self.series.sort_unstable_by(|x, y| key(x).cmp(&key(y)));
    }
}

/// Adds one series. Its sort key is: the number of labels (`u32`, big
/// endian), then each label value with `0x00` bytes written `0x00 0xFF` and
/// followed by `0x00 0x00` (so a value sorts before its extensions), then
/// the collection order (`u32`, big endian).
fn push_series<'a>(
    fam: &mut Family<'a>,
    attributes: impl Iterator<Item = &'a KeyValue>,
    point: Point<'a>,
) {
    let Family {
        labels,
        keys,
        series,
        tmp,
        histogram,
        ..
    } = fam;
    let histogram = *histogram;
    let start = labels.len();
    labels.extend(attributes);
    let own = &mut labels[start..];
    // Keys are unique per data point and per resource, so this is total.
    own.sort_unstable_by(|a, b| {
        compare_labels(a.key.as_str(), b.key.as_str(), histogram)
            .then_with(|| a.key.as_str().cmp(b.key.as_str()))
    });
    let own: &[&KeyValue] = own;
    let key = keys.len();
    keys.extend_from_slice(&[0; 4]);
    let mut groups = 0u32;
    let mut simple = true;
    let mut i = 0;
    while i < own.len() {
        let end = group_end(own, i, histogram);
        groups += 1;
        match (&own[i..end], &own[i].value) {
            ([_], Value::String(v)) => push_key_value(keys, v.as_str()),
            (group, _) => {
                simple = false;
                join_values(group, tmp);
                push_key_value(keys, tmp);
            }
        }
        i = end;
    }
    keys[key..key + 4].copy_from_slice(&groups.to_be_bytes());
    keys.extend_from_slice(&(series.len() as u32).to_be_bytes());
    series.push(Series {
        point,
        start: start as u32,
        len: own.len() as u32,
        key: key as u32,
        key_len: (keys.len() - key) as u32,
        simple,
    });
}

fn push_key_value(keys: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    if bytes.contains(&0) {
        for &b in bytes {
            keys.push(b);
            if b == 0 {
                keys.push(0xFF);
            }
        }
    } else {
        keys.extend_from_slice(bytes);
    }
    keys.extend_from_slice(&[0, 0]);
}

fn string_value(value: &Value) -> &str {
    match value {
        Value::String(s) => s.as_str(),
        _ => "",
    }
}

/// End of the run of labels starting at `i` whose keys give one label name.
fn group_end(labels: &[&KeyValue], i: usize, histogram: bool) -> usize {
    let mut j = i + 1;
    while j < labels.len()
        && compare_labels(
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

fn write_family(
    out: &mut String,
    first: &Entry<'_>,
    fam: &mut Family<'_>,
    le_cache: &mut Vec<(u64, String)>,
) {
    let Family {
        labels,
        series,
        tmp,
        prefix,
        histogram,
        ..
    } = fam;
    let histogram = *histogram;
    let name = first.name.as_ref();
    let kind = first.kind;
    if !first.help.is_empty() {
        out.push_str("# HELP ");
        out.push_str(name);
        out.push(' ');
        push_escaped(out, &first.help, false);
        out.push('\n');
    }
    out.push_str("# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind.as_str());
    out.push('\n');

    for s in series.iter() {
        let own = labels
            .get(s.start as usize..(s.start + s.len) as usize)
            .unwrap_or_default();
        match kind {
            Kind::Counter | Kind::Gauge => {
                // A series of another kind in this family (only possible
                // under `target_info`) reads as the proto default, 0.
                let value = match (kind, s.point) {
                    (Kind::Counter, Point::Counter(v)) | (Kind::Gauge, Point::Gauge(v)) => v,
                    _ => 0.0,
                };
                out.push_str(name);
                if !own.is_empty() {
                    out.push('{');
                    push_label_body(out, own, s.simple, tmp, histogram);
                    out.push('}');
                }
                out.push(' ');
                push_f64(out, value);
                out.push('\n');
            }
            Kind::Histogram => {
                prefix.clear();
                if !own.is_empty() {
                    prefix.push('{');
                    push_label_body(prefix, own, s.simple, tmp, histogram);
                }
                let prefix = prefix.as_str();
                match s.point {
                    Point::HistF64(dp) => push_histogram(out, name, prefix, dp, le_cache),
                    Point::HistU64(dp) => push_histogram(out, name, prefix, dp, le_cache),
                    Point::HistI64(dp) => push_histogram(out, name, prefix, dp, le_cache),
                    Point::Counter(_) | Point::Gauge(_) => push_histogram_lines(
                        out,
                        name,
                        prefix,
                        std::iter::empty(),
                        0.0,
                        0,
                        le_cache,
                    ),
                }
            }
        }
    }
}

/// `k="v",k2="v2"` for one series.
fn push_label_body(
    out: &mut String,
    own: &[&KeyValue],
    simple: bool,
    tmp: &mut String,
    histogram: bool,
) {
    if simple {
        for (n, kv) in own.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            push_label_name(out, kv.key.as_str(), histogram);
            out.push_str("=\"");
            push_escaped(out, string_value(&kv.value), true);
            out.push('"');
        }
        return;
    }
    let mut i = 0;
    while i < own.len() {
        let end = group_end(own, i, histogram);
        if i > 0 {
            out.push(',');
        }
        push_label_name(out, own[i].key.as_str(), histogram);
        out.push_str("=\"");
        join_values(&own[i..end], tmp);
        push_escaped(out, tmp, true);
        out.push('"');
        i = end;
    }
}

fn push_histogram<T: Number>(
    out: &mut String,
    name: &str,
    prefix: &str,
    dp: &HistogramDataPoint<T>,
    le_cache: &mut Vec<(u64, String)>,
) {
    push_histogram_lines(
        out,
        name,
        prefix,
        dp.bounds().zip(dp.bucket_counts()),
        dp.sum().as_f64(),
        dp.count(),
        le_cache,
    );
}

/// `prefix` is `{k="v"` (no closing brace) or empty.
fn push_histogram_lines(
    out: &mut String,
    name: &str,
    prefix: &str,
    buckets: impl Iterator<Item = (f64, u64)>,
    sum: f64,
    count: u64,
    le_cache: &mut Vec<(u64, String)>,
) {
    let open = |out: &mut String, suffix: &str| {
        out.push_str(name);
        out.push_str(suffix);
        if prefix.is_empty() {
            out.push('{');
        } else {
            out.push_str(prefix);
            out.push(',');
        }
        out.push_str("le=\"");
    };
    let mut cumulative = 0u64;
    let mut inf_seen = false;
    for (i, (bound, n)) in buckets.enumerate() {
        cumulative = cumulative.wrapping_add(n);
        open(out, "_bucket");
        out.push_str(bound_text(le_cache, i, bound));
        out.push_str("\"} ");
        push_u64_as_f64(out, cumulative);
        out.push('\n');
        if bound.is_sign_positive() && bound.is_infinite() {
            inf_seen = true;
        }
    }
    if !inf_seen {
        open(out, "_bucket");
        out.push_str("+Inf\"} ");
        push_u64_as_f64(out, count);
        out.push('\n');
    }
    for (suffix, last) in [("_sum", None), ("_count", Some(count))] {
        out.push_str(name);
        out.push_str(suffix);
        if !prefix.is_empty() {
            out.push_str(prefix);
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

/// The text of bucket bound `i`, formatted once per distinct bound.
fn bound_text(cache: &mut Vec<(u64, String)>, i: usize, bound: f64) -> &str {
    let bits = bound.to_bits();
    if i >= cache.len() {
        cache.resize_with(i + 1, || (!bits, String::new()));
    }
    let slot = &mut cache[i];
    if slot.0 != bits || slot.1.is_empty() {
        slot.0 = bits;
        slot.1.clear();
        push_f64(&mut slot.1, bound);
    }
    &slot.1
}

/// Appends `v` as `f64::to_string` would.
fn push_f64(out: &mut String, v: f64) {
    // `fract` is NaN for NaN and infinities, so they take the slow path.
    if v.fract() == 0.0 && v.abs() < F64_EXACT_INT {
        if v == 0.0 {
            out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
        } else {
            if v < 0.0 {
                out.push('-');
            }
            push_u64(out, v.abs() as u64);
        }
    } else {
        let _ = write!(out, "{v}");
    }
}

/// Appends `(n as f64).to_string()`.
fn push_u64_as_f64(out: &mut String, n: u64) {
    if n < F64_EXACT_INT as u64 {
        push_u64(out, n);
    } else {
        push_f64(out, n as f64);
    }
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if let Ok(digits) = std::str::from_utf8(&buf[i..]) {
        out.push_str(digits);
    }
}

/// prometheus' `escape_string`: `\` → `\\`, newline → `\n`, and `"` → `\"`
/// when `quote` (label values; not `# HELP`).
fn push_escaped(out: &mut String, s: &str, quote: bool) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quote => "\\\"",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(escaped);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

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
fn push_label_name(out: &mut String, key: &str, histogram: bool) {
    out.push_str(label_prefix(key, histogram));
    if key.bytes().all(is_label_byte) {
        out.push_str(key);
    } else {
        out.extend(key.chars().map(sanitize_char));
    }
}

/// Compares the label names of `a` and `b` without building them.
fn compare_labels(a: &str, b: &str, histogram: bool) -> Ordering {
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
fn sanitize_name(s: &str) -> Cow<'_, str> {
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
fn unit_suffix(unit: &str) -> Option<Cow<'static, str>> {
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

    #[test]
    fn floats_match_display() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e15,
            1e16,
            1e21,
            1e-7,
            123456789.125,
            F64_EXACT_INT,
            F64_EXACT_INT - 1.0,
            -F64_EXACT_INT,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            let mut s = String::new();
            push_f64(&mut s, v);
            assert_eq!(s, v.to_string(), "{v:?}");
        }
        for n in [0, 1, 9, 10, u64::MAX, (1 << 53) - 1, 1 << 53, (1 << 53) + 1] {
            let mut s = String::new();
            push_u64_as_f64(&mut s, n);
            assert_eq!(s, (n as f64).to_string(), "{n}");
        }
    }

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

    /// A provider with `resource`, its reader, and a view renaming `renamed`.
    fn provider(
        resource: &[KeyValue],
    ) -> (
        opentelemetry_sdk::metrics::SdkMeterProvider,
        PrometheusTextReader,
    ) {
        use opentelemetry_sdk::metrics::{Instrument, SdkMeterProvider, Stream};
        let reader = PrometheusTextReader::new();
        let provider = SdkMeterProvider::builder()
            .with_resource(
                opentelemetry_sdk::Resource::builder_empty()
                    .with_attributes(resource.to_vec())
                    .build(),
            )
            .with_reader(reader.clone())
            .with_view(|i: &Instrument| match i.name() {
                "renamed" => Stream::builder().with_name("métrique.1").build().ok(),
                "digit" => Stream::builder().with_name("1st.x").build().ok(),
                _ => None,
            })
            .build();
        (provider, reader)
    }

    #[test]
    fn invalid_keys_and_names_render_a_parsable_scrape() {
        use opentelemetry::metrics::MeterProvider as _;
        let (provider, reader) = provider(&[
            KeyValue::new("1abc", "digit"),
            KeyValue::new("", "empty"),
            KeyValue::new("a:b", "colon"),
            KeyValue::new("__name__", "reserved"),
            KeyValue::new("clé", "accent"),
            KeyValue::new("__team", "core"),
            KeyValue::new("..x", "dots"),
            KeyValue::new("日本", "cjk"),
        ]);
        let m = provider.meter("t");
        let h = m.f64_histogram("h").with_boundaries(vec![1.0]).build();
        h.record(
            0.5,
            &[
                KeyValue::new("le", "mine"),
                KeyValue::new("", "e"),
                KeyValue::new("1x", "d"),
            ],
        );
        let c = m.u64_counter("renamed").build();
        c.add(
            2,
            &[
                KeyValue::new("1abc", "x"),
                KeyValue::new("key_1abc", "y"),
                KeyValue::new("le", "counter le"),
            ],
        );
        m.u64_counter("digit").build().add(1, &[]);
        let text = reader.render_to_string().expect("render");
        assert_eq!(
            text,
            concat!(
                "# TYPE _1st_x_total counter\n",
                "_1st_x_total 1\n",
                "# TYPE h histogram\n",
                "h_bucket{key_=\"e\",key_1x=\"d\",key_le=\"mine\",le=\"1\"} 1\n",
                "h_bucket{key_=\"e\",key_1x=\"d\",key_le=\"mine\",le=\"+Inf\"} 1\n",
                "h_sum{key_=\"e\",key_1x=\"d\",key_le=\"mine\"} 0.5\n",
                "h_count{key_=\"e\",key_1x=\"d\",key_le=\"mine\"} 1\n",
                "# TYPE m_trique_1_total counter\n",
                "m_trique_1_total{key_1abc=\"x;y\",le=\"counter le\"} 2\n",
                "# HELP target_info Target metadata\n",
                "# TYPE target_info gauge\n",
                "target_info{a_b=\"colon\",cl_=\"accent\",key_=\"empty\",key_1abc=\"digit\",key__=\"cjk\",key__name__=\"reserved\",key__team=\"core\",key__x=\"dots\"} 1\n",
            )
        );
        let scrape = crate::testing::Scrape::parse(&text).expect("parsable");
        assert_eq!(
            scrape.value(
                "h_count",
                &[("key_", "e"), ("key_1x", "d"), ("key_le", "mine")]
            ),
            Some(1.0)
        );
    }

    #[test]
    fn keys_merging_under_a_new_name_keep_one_label() {
        use opentelemetry::metrics::MeterProvider as _;
        let (provider, reader) = provider(&[]);
        let g = provider.meter("t").i64_gauge("g").build();
        // `1` and `key_1` are the label `key_1`, `1.` and `1:` the label
        // `key_1_`; values in original key order.
        g.record(
            1,
            &[
                KeyValue::new("key_1", "d"),
                KeyValue::new("1", "a"),
                KeyValue::new("1.", "b"),
                KeyValue::new("1:", "c"),
            ],
        );
        g.record(2, &[KeyValue::new("", "x"), KeyValue::new("key_", "y")]);
        let text = reader.render_to_string().expect("render");
        assert_eq!(
            text,
            "# TYPE g gauge\ng{key_=\"x;y\"} 2\ng{key_1=\"a;d\",key_1_=\"b;c\"} 1\n"
        );
        crate::testing::Scrape::parse(&text).expect("parsable");
    }

    /// Keeps the target and text (message and fields) of every event.
    #[derive(Clone, Default)]
    struct Events(Arc<Mutex<Vec<(String, String)>>>);

    struct Fields(String);

    impl tracing::field::Visit for Fields {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            let target = event.metadata().target().to_string();
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((target, fields.0));
        }
    }

    /// Serializes the tests that render conflicts: tracing registers a callsite
    /// on its first hit with the subscribers alive then, so a test without a
    /// subscriber hitting the conflict warning first, on another thread, could
    /// leave it disabled for the test that captures it.
    fn serial() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: Mutex<()> = Mutex::new(());
        SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` with the events it logs on this thread captured.
    fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<(String, String)>) {
        use tracing_subscriber::layer::SubscriberExt as _;
        let events = Events::default();
        let subscriber = tracing_subscriber::registry().with(events.clone());
        let out = tracing::subscriber::with_default(subscriber, || {
            // Other tests' scoped subscribers come and go on other threads;
            // make sure this thread's callsites see this one.
            tracing::callsite::rebuild_interest_cache();
            f()
        });
        let logged = events
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (out, logged)
    }

    /// A fresh pipeline with the catalog, without OTLP.
    fn pipeline() -> crate::Telemetry {
        crate::Telemetry::builder()
            .without_otlp()
            .enabled(true)
            .build()
            .expect("pipeline")
    }

    /// An application gauge named like a catalog counter, on its own meter:
    /// before, the family went to whichever scope the SDK's hash order listed
    /// first, so the catalog counter vanished in some pipelines. Now the
    /// catalog always keeps it, in every fresh pipeline.
    #[test]
    fn the_catalog_keeps_its_family_against_another_scope() {
        let _serial = serial();
        use crate::labels::Outcome;
        use opentelemetry::metrics::MeterProvider as _;
        const ROUNDS: usize = 24;
        for round in 0..ROUNDS {
            let t = pipeline();
            let provider = t.meter_provider().expect("enabled");
            // Two other scopes, one of each type, created before the
            // catalog instrument records anything.
            let gauge = provider
                .meter("app")
                .f64_gauge("autobot_workflow_executions_total")
                .with_description("the application's own")
                .build();
            gauge.record(-7.0, &[KeyValue::new("workflow_type", "app")]);
            let counter = provider
                .meter("zz-app")
                .u64_counter("autobot_workflow_executions")
                .build();
            counter.add(9, &[KeyValue::new("workflow_type", "app")]);
            t.metrics()
                .record_workflow_execution("deploy", Outcome::Success, 1.0);
            let ((first, second), logged) =
                capture(|| (t.render_prometheus(), t.render_prometheus()));
            for text in [&first, &second] {
                let s = crate::testing::Scrape::parse(text).expect("parsable");
                let family = s
                    .family("autobot_workflow_executions_total")
                    .unwrap_or_else(|| panic!("round {round}: family missing\n{text}"));
                assert_eq!(family.kind, "counter", "round {round}\n{text}");
                assert_eq!(
                    family.help,
                    crate::catalog::MetricId::WorkflowExecutionsTotal.def().help,
                    "round {round}"
                );
                assert_eq!(family.samples.len(), 1, "round {round}: {family:?}");
                assert_eq!(
                    s.value(
                        "autobot_workflow_executions_total",
                        &[("workflow_type", "deploy"), ("status", "success")]
                    ),
                    Some(1.0),
                    "round {round}"
                );
                // Counted in the same scrape that left them out.
                assert_eq!(
                    s.value(
                        "autobot_otel_instrument_conflicts",
                        &[("metric", "autobot_workflow_executions_total")]
                    ),
                    Some(2.0),
                    "round {round}\n{text}"
                );
            }
            let warnings: Vec<&(String, String)> = logged
                .iter()
                .filter(|(_, text)| text.contains("left out of the Prometheus scrape"))
                .collect();
            assert_eq!(
                warnings.len(),
                1,
                "round {round}: once per family: {logged:?}"
            );
            let (target, text) = warnings[0];
            assert_eq!(target, LOG_TARGET);
            for part in [
                "metric=autobot_workflow_executions_total",
                "scope=\"app\"",
                "kept_scope=\"autobot-otel\"",
                "left_out=2",
            ] {
                assert!(text.contains(part), "{part}: {text}");
            }
        }
    }

    /// A catalog family with no data yet is still reserved: another scope's
    /// instrument does not take its name in the meantime.
    #[test]
    fn catalog_names_stay_reserved_before_the_catalog_records() {
        let _serial = serial();
        use opentelemetry::metrics::MeterProvider as _;
        let t = pipeline();
        let provider = t.meter_provider().expect("enabled");
        provider
            .meter("app")
            .u64_gauge("autobot_active_tasks")
            .build()
            .record(3, &[]);
        let text = t.render_prometheus();
        let s = crate::testing::Scrape::parse(&text).expect("parsable");
        assert!(s.family("autobot_active_tasks").is_none(), "{text}");
        assert_eq!(
            s.value(
                "autobot_otel_instrument_conflicts",
                &[("metric", "autobot_active_tasks")]
            ),
            Some(1.0),
            "{text}"
        );
        // Once the catalog records, its family appears; still one left out.
        t.metrics().inc_active_tasks("lint", "linter");
        let text = t.render_prometheus();
        let s = crate::testing::Scrape::parse(&text).expect("parsable");
        assert_eq!(
            s.value(
                "autobot_active_tasks",
                &[("task_type", "lint"), ("agent_type", "linter")]
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            s.family("autobot_active_tasks").map(|f| f.samples.len()),
            Some(1)
        );
    }

    /// Used on its own (no `autobot-otel` scope in the collection), the
    /// reader reserves no name: an instrument named like a catalog metric
    /// renders as any other.
    #[test]
    fn a_reader_without_the_catalog_scope_reserves_nothing() {
        let _serial = serial();
        use opentelemetry::metrics::MeterProvider as _;
        let (provider, reader) = provider(&[]);
        provider
            .meter("bench")
            .u64_counter("autobot_workflow_steps_executed")
            .build()
            .add(4, &[]);
        assert_eq!(
            reader.render_to_string().expect("render"),
            "# TYPE autobot_workflow_steps_executed_total counter\n\
             autobot_workflow_steps_executed_total 4\n"
        );
        assert!(reader.conflicts().snapshot().is_empty());
    }

    /// Between two other scopes, the first by scope name decides the type,
    /// whatever order the SDK lists them in; the loser is counted too.
    #[test]
    fn other_scopes_resolve_by_scope_name() {
        let _serial = serial();
        use opentelemetry::metrics::MeterProvider as _;
        for round in 0..16 {
            let (provider, reader) = provider(&[]);
            let conflicts = reader.conflicts();
            // Created first, but its scope sorts last.
            provider
                .meter("zeta")
                .f64_gauge("shared_total")
                .build()
                .record(1.5, &[]);
            provider
                .meter("alpha")
                .u64_counter("shared")
                .build()
                .add(2, &[]);
            let text = reader.render_to_string().expect("render");
            assert_eq!(
                text, "# TYPE shared_total counter\nshared_total 2\n",
                "round {round}"
            );
            assert_eq!(conflicts.snapshot(), [("shared_total".to_string(), 1)]);
        }
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        push_escaped(&mut s, "a\\b\"c\nd\té", true);
        assert_eq!(s, "a\\\\b\\\"c\\nd\té");
        s.clear();
        push_escaped(&mut s, "a\\b\"c\n", false);
        assert_eq!(s, "a\\\\b\"c\\n");
    }
}
