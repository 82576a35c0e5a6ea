//! The peer libraries a user would pick instead of autobot-otel, as baselines:
//! `prometheus-client` ([`PromClient`]) and `metrics` with
//! `metrics-exporter-prometheus` ([`MetricsExporter`]), beside
//! [`crate::RawOtel`] and [`crate::PromCrate`]; and [`Replay`], the calls that
//! record one series into any of them (the mixed demo shape).
//!
//! ```
//! use autobot_otel::catalog::MetricId;
//! use autobot_otel_bench::peers::{MetricsExporter, PromClient, Replay};
//!
//! let def = MetricId::RedisOperationsTotal.def();
//! let client = PromClient::new();
//! client.counter(def, &["main", "get", "success"], 2.0);
//! let exporter = MetricsExporter::new();
//! exporter.counter(def, &["main", "get", "success"], 2.0);
//! assert!(client.render() > 0 && exporter.render() > 0);
//! ```

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

use autobot_otel::catalog::{CATALOG, Kind, MetricDef, MetricId};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The name autobot-otel goes by in the reports.
pub const AUTOBOT: &str = "autobot-otel";
/// `prometheus-client` (the Prometheus project's Rust client).
pub const PROM_CLIENT: &str = "prometheus-client";
/// `metrics` with `metrics-exporter-prometheus`'s recorder.
pub const METRICS: &str = "metrics-exporter-prometheus";
/// The `prometheus` crate.
pub const PROMETHEUS: &str = "prometheus";
/// Plain OpenTelemetry SDK with the `opentelemetry-prometheus` reader.
pub const OTEL: &str = "opentelemetry-prometheus";
/// The OpenTelemetry SDK's own collection (`ManualReader`), no formatting.
pub const SDK_COLLECT: &str = "SDK collect";

/// Records one series of a catalog metric, label values in the catalog's order.
pub trait Replay {
    /// Adds `value` to a counter series.
    fn counter(&self, def: &'static MetricDef, values: &[&str], value: f64);
    /// Sets a gauge series.
    fn gauge(&self, def: &'static MetricDef, values: &[&str], value: f64);
    /// Observes `value` `count` times in a histogram series.
    fn histogram(&self, def: &'static MetricDef, values: &[&str], value: f64, count: u64);
}

/// A series' labels for `prometheus-client`'s generic families: catalog keys,
/// run-time values.
pub type Labels = Vec<(&'static str, String)>;

fn labels(def: &MetricDef, values: &[&str]) -> Labels {
    def.labels
        .iter()
        .zip(values)
        .map(|(k, v)| (*k, v.to_string()))
        .collect()
}

/// A catalog histogram's buckets, as `prometheus-client` builds new series.
#[derive(Clone, Debug)]
pub struct Buckets(pub &'static [f64]);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

type FloatCounter = Counter<f64, AtomicU64>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// `prometheus-client` 0.26 families, one per catalog metric.
pub struct PromClient {
    /// The registry the families are in.
    pub registry: Registry,
    counters: HashMap<MetricId, Family<Labels, Counter>>,
    float_counters: HashMap<MetricId, Family<Labels, FloatCounter>>,
    histograms: HashMap<MetricId, Family<Labels, Histogram, Buckets>>,
    gauges: HashMap<MetricId, Family<Labels, FloatGauge>>,
}

impl Default for PromClient {
    fn default() -> Self {
        Self::new()
    }
}

impl PromClient {
    /// Registers every family (counters under their name without `_total`,
    /// which the encoder adds).
    pub fn new() -> Self {
        let mut p = PromClient {
            registry: Registry::default(),
            counters: HashMap::new(),
            float_counters: HashMap::new(),
            histograms: HashMap::new(),
            gauges: HashMap::new(),
        };
        for def in CATALOG {
            let name = def
                .name
                .strip_suffix(autobot_otel_catalog::naming::COUNTER_SUFFIX)
                .unwrap_or(def.name);
            match def.kind {
                Kind::Counter => {
                    let f = Family::default();
                    p.registry.register(name, def.help, f.clone());
                    p.counters.insert(def.id, f);
                }
                Kind::FloatCounter => {
                    let f = Family::default();
                    p.registry.register(name, def.help, f.clone());
                    p.float_counters.insert(def.id, f);
                }
                Kind::Histogram => {
                    let f = Family::new_with_constructor(Buckets(def.buckets));
                    p.registry.register(def.name, def.help, f.clone());
                    p.histograms.insert(def.id, f);
                }
                Kind::Gauge => {
                    let f = Family::default();
                    p.registry.register(def.name, def.help, f.clone());
                    p.gauges.insert(def.id, f);
                }
            }
        }
        p
    }

    /// One scrape (`prometheus_client::encoding::text::encode`); the text's length.
    pub fn render(&self) -> usize {
        self.text().len()
    }

    /// The text of one scrape.
    pub fn text(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("encode");
        out
    }
}

impl Replay for PromClient {
    fn counter(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        let l = labels(def, values);
        match def.kind {
            Kind::FloatCounter => {
                self.float_counters[&def.id].get_or_create(&l).inc_by(value);
            }
            _ => {
                self.counters[&def.id]
                    .get_or_create(&l)
                    .inc_by(value as u64);
            }
        }
    }

    fn gauge(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        self.gauges[&def.id]
            .get_or_create(&labels(def, values))
            .set(value);
    }

    fn histogram(&self, def: &'static MetricDef, values: &[&str], value: f64, count: u64) {
        let h = self.histograms[&def.id].get_or_create_owned(&labels(def, values));
        for _ in 0..count {
            h.observe(value);
        }
    }
}

/// `metrics-exporter-prometheus` 0.18's recorder (no HTTP listener), with every
/// catalog histogram's buckets configured (else it would render summaries).
/// Recording goes through the `metrics` 0.24 macros with this recorder as the
/// thread's local recorder; rendering is [`PrometheusHandle::render`].
pub struct MetricsExporter {
    /// The recorder the macros record into.
    pub recorder: PrometheusRecorder,
    /// Its handle.
    pub handle: PrometheusHandle,
}

impl Default for MetricsExporter {
    fn default() -> Self {
        Self::new()
    }
}

impl MetricsExporter {
    /// A recorder with the catalog's histogram buckets.
    pub fn new() -> Self {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        MetricsExporter { recorder, handle }
    }

    /// Runs `f` with this recorder as the thread's `metrics` recorder.
    pub fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.recorder, f)
    }

    /// One scrape; the text's length.
    pub fn render(&self) -> usize {
        self.text().len()
    }

    /// The text of one scrape ([`PrometheusHandle::render`]).
    pub fn text(&self) -> String {
        self.handle.render()
    }
}

/// A `PrometheusBuilder` with every catalog histogram's buckets.
pub fn builder() -> PrometheusBuilder {
    let mut b = PrometheusBuilder::new();
    for def in CATALOG.iter().filter(|d| d.kind == Kind::Histogram) {
        b = b
            .set_buckets_for_metric(Matcher::Full(def.name.to_string()), def.buckets)
            .expect("buckets");
    }
    b
}

fn metric_labels(def: &MetricDef, values: &[&str]) -> Vec<metrics::Label> {
    def.labels
        .iter()
        .zip(values)
        .map(|(k, v)| metrics::Label::new(*k, v.to_string()))
        .collect()
}

impl Replay for MetricsExporter {
    /// `metrics` counters are integers: a fractional amount is rounded.
    fn counter(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        let l = metric_labels(def, values);
        self.with(|| metrics::counter!(def.name, l).increment(value.round() as u64));
    }

    fn gauge(&self, def: &'static MetricDef, values: &[&str], value: f64) {
        let l = metric_labels(def, values);
        self.with(|| metrics::gauge!(def.name, l).set(value));
    }

    fn histogram(&self, def: &'static MetricDef, values: &[&str], value: f64, count: u64) {
        let l = metric_labels(def, values);
        let h = self.with(|| metrics::histogram!(def.name, l));
        for _ in 0..count {
            h.record(value);
        }
    }
}
