//! The mixed demo shape: the series that the demo's simulated workload
//! (`autobot_otel_examples::workload`) leaves on a scrape, recorded into every
//! peer library the same way.
//!
//! The workload runs against an autobot-otel pipeline (as in the demo); its
//! scrape, parsed with `autobot_otel::testing::Scrape`, gives every catalog
//! series with its label values and value, which [`replay`] records into a peer
//! ([`Replay`]): counters by their value, gauges set, histograms as `count`
//! observations of their mean. Series that are not the catalog's (the pipeline's
//! self-metrics, `autobot_otel_*`) stay autobot-otel's own.
//!
//! ```
//! use autobot_otel_bench::demo_shape::{demo, replay};
//! use autobot_otel_bench::PromCrate;
//! let (ours, series) = demo(3, 0);
//! assert!(series.len() > 50);
//! let prom = PromCrate::new();
//! replay(&series, &prom);
//! assert!(prom.render() > 0 && !ours.render(autobot_otel::Exposition::Text).is_empty());
//! ```

use std::collections::HashMap;

use autobot_otel::Telemetry;
use autobot_otel::catalog::{CATALOG, Kind, MetricDef};
use autobot_otel::testing::Scrape;
use autobot_otel_examples::workload::Workload;

use crate::facade;
use crate::peers::Replay;

/// The value of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A counter's total.
    Counter(f64),
    /// A gauge's value.
    Gauge(f64),
    /// A histogram's sum and count.
    Histogram {
        /// `_sum`.
        sum: f64,
        /// `_count`.
        count: u64,
    },
}

/// One catalog series of the scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its metric.
    pub def: &'static MetricDef,
    /// Label values, in the catalog's label order.
    pub values: Vec<String>,
    /// Its value.
    pub value: Value,
}

/// The seed of the demo's outcomes (the demo's default).
pub const SEED: u64 = 42;

/// Runs the demo workload for `ticks` ticks (with about `extra_series` more
/// series, [`Workload::with_extra_series`]) on a pipeline without OTLP, and
/// returns the pipeline and the catalog series of its scrape.
pub fn demo(ticks: u64, extra_series: usize) -> (Telemetry, Vec<Series>) {
    let telemetry = facade(false);
    let mut workload = Workload::new(SEED);
    if extra_series > 0 {
        workload = workload.with_extra_series(extra_series);
    }
    for _ in 0..ticks {
        workload.tick(telemetry.metrics());
    }
    let scrape = Scrape::parse(&telemetry.render(autobot_otel::Exposition::Text))
        .expect("the scrape parses");
    (telemetry, series_of(&scrape))
}

/// The catalog series of a parsed scrape.
pub fn series_of(scrape: &Scrape) -> Vec<Series> {
    let defs: HashMap<&str, &'static MetricDef> = CATALOG.iter().map(|d| (d.name, d)).collect();
    let values = |def: &MetricDef, labels: &std::collections::BTreeMap<String, String>| {
        def.labels
            .iter()
            .map(|k| labels.get(*k).cloned().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    let mut sums = HashMap::new();
    for s in scrape.samples() {
        if let Some(base) = s.name.strip_suffix("_sum")
            && defs.get(base).is_some_and(|d| d.kind == Kind::Histogram)
        {
            sums.insert((base.to_string(), s.labels.clone()), s.value);
        }
    }
    let mut out = Vec::new();
    for s in scrape.samples() {
        if let Some(def) = defs.get(s.name.as_str())
            && def.kind != Kind::Histogram
        {
            let value = if def.kind == Kind::Gauge {
                Value::Gauge(s.value)
            } else {
                Value::Counter(s.value)
            };
            out.push(Series {
                def,
                values: values(def, &s.labels),
                value,
            });
        } else if let Some(base) = s.name.strip_suffix("_count")
            && let Some(def) = defs.get(base)
            && def.kind == Kind::Histogram
        {
            let sum = sums
                .get(&(base.to_string(), s.labels.clone()))
                .copied()
                .unwrap_or(0.0);
            out.push(Series {
                def,
                values: values(def, &s.labels),
                value: Value::Histogram {
                    sum,
                    count: s.value as u64,
                },
            });
        }
    }
    out
}

/// Records every series into `into`.
pub fn replay(series: &[Series], into: &dyn Replay) {
    for s in series {
        let values: Vec<&str> = s.values.iter().map(String::as_str).collect();
        match s.value {
            Value::Counter(v) => into.counter(s.def, &values, v),
            Value::Gauge(v) => into.gauge(s.def, &values, v),
            Value::Histogram { sum, count } => {
                let mean = if count > 0 { sum / count as f64 } else { 0.0 };
                into.histogram(s.def, &values, mean, count)
            }
        }
    }
}
