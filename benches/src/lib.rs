//! Fixtures for benchmarking autobot-otel against its baselines, built from the
//! same catalog so that every side records the same metrics with the same names,
//! labels and buckets:
//!
//! - [`facade`]: the autobot-otel pipeline (Prometheus reader; optionally also an
//!   OTLP periodic reader, whose export never fires during a run).
//! - [`RawOtel`]: plain `opentelemetry_sdk` instruments on a provider with the
//!   `opentelemetry-prometheus` reader (and optionally a `ManualReader`, the SDK's
//!   own collection alone), called the way an application would (attributes built
//!   per call).
//! - [`PromCrate`]: the `prometheus` crate's vectors.
//! - [`peers::PromClient`] (`prometheus-client`) and [`peers::MetricsExporter`]
//!   (`metrics` with `metrics-exporter-prometheus`'s recorder).
//!
//! The `peers` binary (`scripts/bench.sh`) measures them side by side; see
//! [`rounds`] for how, [`report`] for what it writes.
//!
//! ```
//! use autobot_otel::catalog::MetricId;
//! let raw = autobot_otel_bench::RawOtel::new();
//! raw.counter(MetricId::WorkflowExecutionsTotal).add(1, &[]);
//! let prom = autobot_otel_bench::PromCrate::new();
//! prom.counter(MetricId::WorkflowExecutionsTotal).with_label_values(&["a", "success"]).inc();
//! ```

pub mod counting;
pub mod demo_shape;
pub mod one_metric;
pub mod peers;
pub mod report;
pub mod rounds;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::catalog::{CATALOG, Kind, MetricDef, MetricId};
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram, MeterProvider as _};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{
    Instrument, InstrumentKind, ManualReader, Pipeline, SdkMeterProvider, Stream, Temporality,
};
use prometheus::Encoder as _;

/// The autobot-otel pipeline; `two_readers` adds an OTLP periodic reader (to a
/// closed port, with an interval longer than any run).
pub fn facade(two_readers: bool) -> Telemetry {
    facade_with_limits(two_readers, &[])
}

/// [`facade`] with the series limits of some metrics raised (or lowered).
pub fn facade_with_limits(two_readers: bool, limits: &[(MetricId, usize)]) -> Telemetry {
    // Without the process metrics: no peer baseline exports them, so a render
    // compares the same families (their cost is `benches/runtime_metrics.rs`'s).
    let mut builder = Telemetry::builder()
        .enabled(true)
        .with_process_metrics(false);
    for (id, limit) in limits {
        builder = builder.with_series_limit(*id, *limit);
    }
    let builder = if two_readers {
        builder.with_otlp(
            OtlpSettings::new("http://127.0.0.1:9", OtlpProtocol::HttpProtobuf)
                .with_export_interval(Duration::from_secs(24 * 3600)),
        )
    } else {
        builder.without_otlp()
    };
    builder.build().expect("pipeline builds")
}

/// Which catalog metrics a baseline registers (all, or a few).
fn selected(only: Option<&[MetricId]>) -> impl Iterator<Item = &'static MetricDef> + '_ {
    CATALOG
        .iter()
        .filter(move |d| only.is_none_or(|ids| ids.contains(&d.id)))
}

/// How [`RawOtel::with_options`] builds the provider.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawOptions<'a> {
    /// The instruments of these metrics only (all when `None`).
    pub only: Option<&'a [MetricId]>,
    /// Every instrument's series limit (the SDK's default 2000 when `None`).
    pub series_limit: Option<usize>,
    /// A second reader, a `ManualReader`, for [`RawOtel::collect`].
    pub manual_reader: bool,
    /// [`RawOtel::attributes`] makes `Arc<str>` values (cloned by a reference
    /// count at each collection, as autobot-otel records them) instead of `String`s
    /// (copied, as applications usually pass them).
    pub shared_values: bool,
}

/// Plain OpenTelemetry instruments, one per catalog metric (rolling rates as
/// plain gauges).
pub struct RawOtel {
    /// The provider (with the `opentelemetry-prometheus` reader).
    pub provider: SdkMeterProvider,
    /// The registry the reader feeds.
    pub registry: prometheus::Registry,
    manual: Option<SharedReader>,
    shared_values: bool,
    counters: HashMap<MetricId, Counter<u64>>,
    float_counters: HashMap<MetricId, Counter<f64>>,
    histograms: HashMap<MetricId, Histogram<f64>>,
    gauges: HashMap<MetricId, Gauge<f64>>,
}

impl Default for RawOtel {
    fn default() -> Self {
        Self::new()
    }
}

impl RawOtel {
    /// Builds every instrument with the SDK's default series limit.
    pub fn new() -> Self {
        Self::with_options(RawOptions::default())
    }

    /// Builds the instruments as `options` say.
    pub fn with_options(options: RawOptions<'_>) -> Self {
        let RawOptions {
            only,
            series_limit,
            manual_reader,
            shared_values,
        } = options;
        let registry = prometheus::Registry::new();
        let reader = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .scope_info_enabled(false)
            .build()
            .expect("prometheus exporter");
        let mut builder = SdkMeterProvider::builder().with_reader(reader);
        let manual = manual_reader.then(|| SharedReader(Arc::new(ManualReader::default())));
        if let Some(m) = &manual {
            builder = builder.with_reader(m.clone());
        }
        if let Some(limit) = series_limit {
            builder = builder.with_view(move |_: &Instrument| {
                Stream::builder().with_cardinality_limit(limit).build().ok()
            });
        }
        let provider = builder.build();
        let meter = provider.meter("raw");
        let mut raw = RawOtel {
            provider: provider.clone(),
            registry,
            manual,
            shared_values,
            counters: HashMap::new(),
            float_counters: HashMap::new(),
            histograms: HashMap::new(),
            gauges: HashMap::new(),
        };
        for def in selected(only) {
            let name = def.otel_name();
            match def.kind {
                Kind::Counter => {
                    let c = meter.u64_counter(name).with_unit(def.unit).build();
                    raw.counters.insert(def.id, c);
                }
                Kind::FloatCounter => {
                    let c = meter.f64_counter(name).with_unit(def.unit).build();
                    raw.float_counters.insert(def.id, c);
                }
                Kind::Histogram => {
                    let h = meter
                        .f64_histogram(name)
                        .with_unit(def.unit)
                        .with_boundaries(def.buckets.to_vec())
                        .build();
                    raw.histograms.insert(def.id, h);
                }
                Kind::Gauge => {
                    let g = meter.f64_gauge(name).with_unit(def.unit).build();
                    raw.gauges.insert(def.id, g);
                }
            }
        }
        raw
    }

    /// The counter of a catalog counter.
    pub fn counter(&self, id: MetricId) -> Counter<u64> {
        self.counters[&id].clone()
    }

    /// The counter of a catalog counter of fractional amounts.
    pub fn float_counter(&self, id: MetricId) -> Counter<f64> {
        self.float_counters[&id].clone()
    }

    /// The histogram of a catalog histogram.
    pub fn histogram(&self, id: MetricId) -> Histogram<f64> {
        self.histograms[&id].clone()
    }

    /// The gauge of a catalog gauge.
    pub fn gauge(&self, id: MetricId) -> Gauge<f64> {
        self.gauges[&id].clone()
    }

    /// One scrape: `opentelemetry-prometheus` gather, then the `prometheus`
    /// crate's text encoder. Returns the text's length.
    pub fn render(&self) -> usize {
        encode(&self.registry).len()
    }

    /// The text of one scrape ([`RawOtel::render`]).
    pub fn text(&self) -> String {
        String::from_utf8(encode(&self.registry)).expect("UTF-8")
    }

    /// Attributes of one series: the catalog's keys, run-time values (see
    /// [`RawOptions::shared_values`]).
    pub fn attributes(&self, def: &MetricDef, values: &[&str]) -> Vec<KeyValue> {
        def.labels
            .iter()
            .zip(values)
            .map(|(k, v)| {
                if self.shared_values {
                    KeyValue::new(*k, opentelemetry::StringValue::from(Arc::<str>::from(*v)))
                } else {
                    KeyValue::new(*k, v.to_string())
                }
            })
            .collect()
    }

    /// Whether it was built with a `ManualReader` ([`RawOtel::collect`]).
    pub fn has_manual_reader(&self) -> bool {
        self.manual.is_some()
    }

    /// The SDK's own collection through the `ManualReader` (no formatting): the
    /// floor under any exporter on this SDK. Returns the metrics collected.
    ///
    /// Panics without `manual_reader`.
    pub fn collect(&self) -> usize {
        let reader = self.manual.as_ref().expect("built with a manual reader");
        let mut rm = ResourceMetrics::default();
        reader.collect(&mut rm).expect("collect");
        rm.scope_metrics().map(|s| s.metrics().count()).sum()
    }
}

impl peers::Replay for RawOtel {
    fn counter(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        let attrs = self.attributes(def, values);
        match def.kind {
            Kind::FloatCounter => self.float_counters[&def.id].add(value, &attrs),
            _ => self.counters[&def.id].add(value as u64, &attrs),
        }
    }

    fn gauge(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        self.gauges[&def.id].record(value, &self.attributes(def, values));
    }

    fn histogram(&self, def: &'static MetricDef, values: &[&str], value: f64, count: u64) {
        let attrs = self.attributes(def, values);
        for _ in 0..count {
            self.histograms[&def.id].record(value, &attrs);
        }
    }
}

/// A `ManualReader` that the provider and the fixture share.
#[derive(Clone, Debug)]
struct SharedReader(Arc<ManualReader>);

impl MetricReader for SharedReader {
    fn register_pipeline(&self, pipeline: std::sync::Weak<Pipeline>) {
        self.0.register_pipeline(pipeline)
    }
    fn collect(&self, rm: &mut ResourceMetrics) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.collect(rm)
    }
    fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
    fn temporality(&self, kind: InstrumentKind) -> Temporality {
        self.0.temporality(kind)
    }
}

/// The `prometheus` crate's vectors, one per catalog metric.
pub struct PromCrate {
    /// The registry.
    pub registry: prometheus::Registry,
    counters: HashMap<MetricId, prometheus::IntCounterVec>,
    float_counters: HashMap<MetricId, prometheus::CounterVec>,
    histograms: HashMap<MetricId, prometheus::HistogramVec>,
    gauges: HashMap<MetricId, prometheus::GaugeVec>,
}

impl Default for PromCrate {
    fn default() -> Self {
        Self::new()
    }
}

impl PromCrate {
    /// Registers every vector.
    pub fn new() -> Self {
        Self::with_metrics(None)
    }

    /// Registers the vectors of `only` (all when `None`).
    pub fn with_metrics(only: Option<&[MetricId]>) -> Self {
        let registry = prometheus::Registry::new();
        let mut p = PromCrate {
            registry: registry.clone(),
            counters: HashMap::new(),
            float_counters: HashMap::new(),
            histograms: HashMap::new(),
            gauges: HashMap::new(),
        };
        for def in selected(only) {
            let opts = prometheus::Opts::new(def.name, def.help);
            match def.kind {
                Kind::Counter => {
                    let c = prometheus::IntCounterVec::new(opts, def.labels).expect("counter");
                    registry.register(Box::new(c.clone())).expect("register");
                    p.counters.insert(def.id, c);
                }
                Kind::FloatCounter => {
                    let c = prometheus::CounterVec::new(opts, def.labels).expect("counter");
                    registry.register(Box::new(c.clone())).expect("register");
                    p.float_counters.insert(def.id, c);
                }
                Kind::Histogram => {
                    let opts = prometheus::HistogramOpts::new(def.name, def.help)
                        .buckets(def.buckets.to_vec());
                    let h = prometheus::HistogramVec::new(opts, def.labels).expect("histogram");
                    registry.register(Box::new(h.clone())).expect("register");
                    p.histograms.insert(def.id, h);
                }
                Kind::Gauge => {
                    let g = prometheus::GaugeVec::new(opts, def.labels).expect("gauge");
                    registry.register(Box::new(g.clone())).expect("register");
                    p.gauges.insert(def.id, g);
                }
            }
        }
        p
    }

    /// The vector of a catalog counter.
    pub fn counter(&self, id: MetricId) -> prometheus::IntCounterVec {
        self.counters[&id].clone()
    }

    /// The vector of a catalog histogram.
    pub fn histogram(&self, id: MetricId) -> prometheus::HistogramVec {
        self.histograms[&id].clone()
    }

    /// One scrape: gather, then the text encoder. Returns the text's length.
    pub fn render(&self) -> usize {
        encode(&self.registry).len()
    }

    /// The text of one scrape ([`PromCrate::render`]).
    pub fn text(&self) -> String {
        String::from_utf8(encode(&self.registry)).expect("UTF-8")
    }
}

impl peers::Replay for PromCrate {
    fn counter(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        match def.kind {
            Kind::FloatCounter => self.float_counters[&def.id]
                .with_label_values(values)
                .inc_by(value),
            _ => self.counters[&def.id]
                .with_label_values(values)
                .inc_by(value as u64),
        }
    }

    fn gauge(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        self.gauges[&def.id].with_label_values(values).set(value);
    }

    fn histogram(&self, def: &'static MetricDef, values: &[&str], value: f64, count: u64) {
        let h = self.histograms[&def.id].with_label_values(values);
        for _ in 0..count {
            h.observe(value);
        }
    }
}

/// `prometheus` registry gather + text encoding.
fn encode(registry: &prometheus::Registry) -> Vec<u8> {
    let mut out = Vec::new();
    prometheus::TextEncoder::new()
        .encode(&registry.gather(), &mut out)
        .expect("encode");
    out
}

/// Resident set size of this process, in bytes (Linux `/proc/self/statm`).
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
