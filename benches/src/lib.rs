//! Fixtures for benchmarking autobot-otel against its baselines, built from the
//! same catalog so that every side records the same metrics with the same names,
//! labels and buckets:
//!
//! - [`facade`]: the autobot-otel pipeline (Prometheus reader; optionally also an
//!   OTLP periodic reader, whose export never fires during a run).
//! - [`RawOtel`]: plain `opentelemetry_sdk` instruments on a provider with the
//!   `opentelemetry-prometheus` reader, called the way an application would
//!   (attributes built per call from `&'static str`).
//! - [`PromCrate`]: the `prometheus` crate's `IntCounterVec`/`HistogramVec`.
//!
//! ```
//! use autobot_otel::catalog::MetricId;
//! let raw = autobot_otel_bench::RawOtel::new();
//! raw.counter(MetricId::WorkflowExecutionsTotal).add(1, &[]);
//! let prom = autobot_otel_bench::PromCrate::new();
//! prom.counter(MetricId::WorkflowExecutionsTotal).with_label_values(&["a", "success"]).inc();
//! ```

use std::collections::HashMap;
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::catalog::{CATALOG, Kind, MetricId};
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _};
use opentelemetry_sdk::metrics::SdkMeterProvider;

/// The autobot-otel pipeline; `two_readers` adds an OTLP periodic reader (to a
/// closed port, with an interval longer than any run).
pub fn facade(two_readers: bool) -> Telemetry {
    let builder = Telemetry::builder().enabled(true);
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

/// Plain OpenTelemetry instruments, one per catalog counter and histogram.
pub struct RawOtel {
    /// The provider (with the `opentelemetry-prometheus` reader).
    pub provider: SdkMeterProvider,
    /// The registry the reader feeds.
    pub registry: prometheus::Registry,
    counters: HashMap<MetricId, Counter<u64>>,
    histograms: HashMap<MetricId, Histogram<f64>>,
}

impl Default for RawOtel {
    fn default() -> Self {
        Self::new()
    }
}

impl RawOtel {
    /// Builds every instrument.
    pub fn new() -> Self {
        let registry = prometheus::Registry::new();
        let reader = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .scope_info_enabled(false)
            .build()
            .expect("prometheus exporter");
        let provider = SdkMeterProvider::builder().with_reader(reader).build();
        let meter = provider.meter("raw");
        let mut counters = HashMap::new();
        let mut histograms = HashMap::new();
        for def in CATALOG {
            match def.kind {
                Kind::Counter => {
                    counters.insert(
                        def.id,
                        meter
                            .u64_counter(def.otel_name())
                            .with_unit(def.unit)
                            .build(),
                    );
                }
                Kind::Histogram => {
                    let h = meter
                        .f64_histogram(def.otel_name())
                        .with_unit(def.unit)
                        .with_boundaries(def.buckets.to_vec())
                        .build();
                    histograms.insert(def.id, h);
                }
                _ => {}
            }
        }
        RawOtel {
            provider,
            registry,
            counters,
            histograms,
        }
    }

    /// The counter of a catalog counter.
    pub fn counter(&self, id: MetricId) -> Counter<u64> {
        self.counters[&id].clone()
    }

    /// The histogram of a catalog histogram.
    pub fn histogram(&self, id: MetricId) -> Histogram<f64> {
        self.histograms[&id].clone()
    }
}

/// The `prometheus` crate's vectors, one per catalog counter and histogram.
pub struct PromCrate {
    /// The registry.
    pub registry: prometheus::Registry,
    counters: HashMap<MetricId, prometheus::IntCounterVec>,
    histograms: HashMap<MetricId, prometheus::HistogramVec>,
}

impl Default for PromCrate {
    fn default() -> Self {
        Self::new()
    }
}

impl PromCrate {
    /// Registers every vector.
    pub fn new() -> Self {
        let registry = prometheus::Registry::new();
        let mut counters = HashMap::new();
        let mut histograms = HashMap::new();
        for def in CATALOG {
            match def.kind {
                Kind::Counter => {
                    let c = prometheus::IntCounterVec::new(
                        prometheus::Opts::new(def.name, def.help),
                        def.labels,
                    )
                    .expect("counter");
                    registry.register(Box::new(c.clone())).expect("register");
                    counters.insert(def.id, c);
                }
                Kind::Histogram => {
                    let opts = prometheus::HistogramOpts::new(def.name, def.help)
                        .buckets(def.buckets.to_vec());
                    let h = prometheus::HistogramVec::new(opts, def.labels).expect("histogram");
                    registry.register(Box::new(h.clone())).expect("register");
                    histograms.insert(def.id, h);
                }
                _ => {}
            }
        }
        PromCrate {
            registry,
            counters,
            histograms,
        }
    }

    /// The vector of a catalog counter.
    pub fn counter(&self, id: MetricId) -> prometheus::IntCounterVec {
        self.counters[&id].clone()
    }

    /// The vector of a catalog histogram.
    pub fn histogram(&self, id: MetricId) -> prometheus::HistogramVec {
        self.histograms[&id].clone()
    }
}

/// Resident set size of this process, in bytes (Linux `/proc/self/statm`).
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
