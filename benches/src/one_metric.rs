//! One metric with three labels, in every library: the counter
//! `autobot_workflow_steps_executed_total{workflow_type, step_type, status}`,
//! each series recorded the way a user of that library records a new label set
//! with run-time values, and one scrape rendered through its public call. The
//! memory per new series and the scrape-rendering rows of `peers` use it, and
//! [`OtelOne::floor`], the OpenTelemetry SDK's collection alone.
//!
//! ```
//! use autobot_otel_bench::one_metric::{OneMetric, all};
//! for lib in all(10, true) {
//!     lib.add("workflow-0", "step-0");
//!     assert!(lib.render() > 0, "{}", lib.name());
//! }
//! ```

use autobot_otel::Telemetry;
use autobot_otel::catalog::MetricId;
use autobot_otel::labels::StepStatus;
use opentelemetry::KeyValue;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::peers::{self, MetricsExporter};
use crate::{PromCrate, RawOptions, RawOtel, facade_with_limits};

/// The metric every library records.
pub const METRIC: MetricId = MetricId::WorkflowStepsExecutedTotal;

/// The label values of the `i`-th series: `workflow-{i/10}`, `step-{i%10}` (the
/// third label, `status`, is always `completed`).
pub fn series_labels(i: usize) -> (String, String) {
    (format!("workflow-{}", i / 10), format!("step-{}", i % 10))
}

/// One library holding the one metric.
pub trait OneMetric {
    /// The library's name in the reports.
    fn name(&self) -> &'static str;
    /// Adds 1 to the series `{workflow_type, step_type, status="completed"}`
    /// (a new series the first time).
    fn add(&self, workflow_type: &str, step_type: &str);
    /// One scrape through the library's public call; the text's length.
    fn render(&self) -> usize;
    /// The text of one scrape (for checks; [`OneMetric::render`] is what is timed).
    fn text(&self) -> String;
}

/// autobot-otel: `record_workflow_step`, `Telemetry::render(Exposition::Text)`.
pub struct Ours(pub Telemetry);

impl Ours {
    /// A pipeline (Prometheus only) whose metric holds up to `limit` series.
    pub fn new(limit: usize) -> Self {
        Ours(facade_with_limits(false, &[(METRIC, limit)]))
    }
}

impl OneMetric for Ours {
    fn name(&self) -> &'static str {
        peers::AUTOBOT
    }
    fn add(&self, workflow_type: &str, step_type: &str) {
        self.0
            .metrics()
            .record_workflow_step(workflow_type, step_type, StepStatus::Completed);
    }
    fn render(&self) -> usize {
        self.0.render(autobot_otel::Exposition::Text).len()
    }
    fn text(&self) -> String {
        self.0.render(autobot_otel::Exposition::Text)
    }
}

/// The label set as `prometheus-client` users declare one (derived encoding).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabels {
    /// Run-time value.
    pub workflow_type: String,
    /// Run-time value.
    pub step_type: String,
    /// One of a fixed set.
    pub status: &'static str,
}

/// `prometheus-client`: `Family::get_or_create(&labels).inc()`, `encode`.
pub struct PromClientOne {
    registry: prometheus_client::registry::Registry,
    family: Family<StepLabels, Counter>,
}

impl Default for PromClientOne {
    fn default() -> Self {
        Self::new()
    }
}

impl PromClientOne {
    /// The registry with the one family.
    pub fn new() -> Self {
        let def = METRIC.def();
        let mut registry = prometheus_client::registry::Registry::default();
        let family = Family::default();
        let name = def
            .name
            .strip_suffix(autobot_otel_catalog::naming::COUNTER_SUFFIX)
            .unwrap_or(def.name);
        registry.register(name, def.help, family.clone());
        PromClientOne { registry, family }
    }
}

impl OneMetric for PromClientOne {
    fn name(&self) -> &'static str {
        peers::PROM_CLIENT
    }
    fn add(&self, workflow_type: &str, step_type: &str) {
        self.family
            .get_or_create(&StepLabels {
                workflow_type: workflow_type.to_owned(),
                step_type: step_type.to_owned(),
                status: "completed",
            })
            .inc();
    }
    fn render(&self) -> usize {
        self.text().len()
    }
    fn text(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("encode");
        out
    }
}

/// `metrics`: `counter!(name, "k" => value, ...).increment(1)` into
/// `metrics-exporter-prometheus`'s recorder, `PrometheusHandle::render()`.
pub struct MetricsOne(pub MetricsExporter);

impl OneMetric for MetricsOne {
    fn name(&self) -> &'static str {
        peers::METRICS
    }
    fn add(&self, workflow_type: &str, step_type: &str) {
        self.0.with(|| {
            metrics::counter!(
                "autobot_workflow_steps_executed_total",
                "workflow_type" => workflow_type.to_owned(),
                "step_type" => step_type.to_owned(),
                "status" => "completed"
            )
            .increment(1)
        });
    }
    fn render(&self) -> usize {
        self.0.render()
    }
    fn text(&self) -> String {
        self.0.text()
    }
}

/// The `prometheus` crate: `with_label_values(&[..]).inc()`, gather + encode.
pub struct PromOne {
    prom: PromCrate,
    vec: prometheus::IntCounterVec,
}

impl Default for PromOne {
    fn default() -> Self {
        Self::new()
    }
}

impl PromOne {
    /// The registry with the one vector.
    pub fn new() -> Self {
        let prom = PromCrate::with_metrics(Some(&[METRIC]));
        let vec = prom.counter(METRIC);
        PromOne { prom, vec }
    }
}

impl OneMetric for PromOne {
    fn name(&self) -> &'static str {
        peers::PROMETHEUS
    }
    fn add(&self, workflow_type: &str, step_type: &str) {
        self.vec
            .with_label_values(&[workflow_type, step_type, "completed"])
            .inc();
    }
    fn render(&self) -> usize {
        self.prom.render()
    }
    fn text(&self) -> String {
        self.prom.text()
    }
}

/// Plain OpenTelemetry: `Counter::add(1, &[KeyValue; 3])` with owned values,
/// `opentelemetry-prometheus` gather + encode ([`OtelOne::new`]); or the floor
/// under any exporter on the SDK ([`OtelOne::floor`]).
pub struct OtelOne {
    raw: RawOtel,
    counter: opentelemetry::metrics::Counter<u64>,
    floor: bool,
}

impl OtelOne {
    /// A provider whose instrument holds up to `limit` series.
    pub fn new(limit: usize) -> Self {
        Self::build(limit, false)
    }

    /// The SDK's own collection (`ManualReader`, no formatting) of the same
    /// series, recorded with `Arc<str>` values as autobot-otel records them
    /// (cloned by a reference count at each collection). Its "render" is that
    /// collection, named [`peers::SDK_COLLECT`].
    pub fn floor(limit: usize) -> Self {
        Self::build(limit, true)
    }

    fn build(limit: usize, floor: bool) -> Self {
        let raw = RawOtel::with_options(RawOptions {
            only: Some(&[METRIC]),
            series_limit: Some(limit),
            manual_reader: floor,
            shared_values: floor,
        });
        let counter = raw.counter(METRIC);
        OtelOne {
            raw,
            counter,
            floor,
        }
    }
}

impl OneMetric for OtelOne {
    fn name(&self) -> &'static str {
        if self.floor {
            peers::SDK_COLLECT
        } else {
            peers::OTEL
        }
    }
    fn add(&self, workflow_type: &str, step_type: &str) {
        if self.floor {
            let attrs = self
                .raw
                .attributes(METRIC.def(), &[workflow_type, step_type, "completed"]);
            self.counter.add(1, &attrs);
        } else {
            self.counter.add(
                1,
                &[
                    KeyValue::new("workflow_type", workflow_type.to_owned()),
                    KeyValue::new("step_type", step_type.to_owned()),
                    KeyValue::new("status", "completed"),
                ],
            );
        }
    }
    fn render(&self) -> usize {
        if self.floor {
            self.raw.collect()
        } else {
            self.raw.render()
        }
    }
    /// The floor collects and formats nothing: no text.
    fn text(&self) -> String {
        if self.floor {
            String::new()
        } else {
            self.raw.text()
        }
    }
}

/// Every library, each able to hold `limit` series of the metric; with
/// `floor`, also [`OtelOne::floor`].
pub fn all(limit: usize, floor: bool) -> Vec<Box<dyn OneMetric>> {
    let mut libs: Vec<Box<dyn OneMetric>> = vec![
        Box::new(Ours::new(limit)),
        Box::new(PromClientOne::new()),
        Box::new(MetricsOne(MetricsExporter::new())),
        Box::new(PromOne::new()),
        Box::new(OtelOne::new(limit)),
    ];
    if floor {
        libs.push(Box::new(OtelOne::floor(limit)));
    }
    libs
}
