//! The process metrics: what every Prometheus client library exports by
//! default (`process_cpu_seconds_total`, `process_resident_memory_bytes`, ...),
//! recorded by `autobot-otel` itself from `/proc` on Linux (on by default, off
//! with `TelemetryBuilder::with_process_metrics(false)`; absent on other
//! operating systems). Not of the guide's 56 ([`Source::Process`]).
//!
//! Each family has two fixed names ([`Naming::Both`]): over OTLP the
//! OpenTelemetry `process.*` conventions' instrument ([`MetricDef::name`],
//! semantic conventions 1.42.0, the version of the
//! `opentelemetry-semantic-conventions` 0.33 crate that matches the pinned
//! OpenTelemetry 0.33; status Development there), in the scrape the Prometheus
//! client libraries' family ([`MetricDef::fixed_prometheus_name`]), one series
//! without labels. The conventions define no maximum of file descriptors and
//! no start time: `process.unix.file_descriptor.limit` and `process.start_time`
//! are this SDK's names for them, in the conventions' style.
//!
//! ```
//! use autobot_otel_catalog::process::{ProcessMetric, PROCESS_METRICS};
//! let cpu = ProcessMetric::CpuTime.def();
//! assert_eq!(cpu.name, "process.cpu.time");
//! assert_eq!(cpu.prometheus_name(), "process_cpu_seconds_total");
//! assert_eq!(cpu.labels, ["cpu.mode"]);
//! assert_eq!(cpu.prometheus_labels().count(), 0);
//! assert_eq!(PROCESS_METRICS.len(), 7);
//! ```

use crate::MetricDef;
use crate::attributes;
#[cfg(doc)]
use crate::{Naming, Source};

/// The `cpu.mode` values of `process.cpu.time` (the scrape's
/// `process_cpu_seconds_total` is their sum).
pub const CPU_MODES: [&str; 2] = ["user", "system"];

impl ProcessMetric {
    /// The definition.
    ///
    /// ```
    /// use autobot_otel_catalog::process::ProcessMetric;
    /// assert_eq!(ProcessMetric::OpenFds.def().prometheus_name(), "process_open_fds");
    /// ```
    pub fn def(self) -> &'static MetricDef<ProcessMetric> {
        &PROCESS_METRICS[self as usize]
    }

    /// Looks a metric up by its OpenTelemetry name.
    ///
    /// ```
    /// use autobot_otel_catalog::process::ProcessMetric;
    /// assert_eq!(ProcessMetric::from_otel_name("process.thread.count"), Some(ProcessMetric::Threads));
    /// assert_eq!(ProcessMetric::from_otel_name("process_threads"), None);
    /// ```
    pub fn from_otel_name(name: &str) -> Option<ProcessMetric> {
        PROCESS_METRICS
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.id)
    }
}

metric_table! {
    /// Typed identifier of each process metric; `id.def()` gives its definition.
    enum ProcessMetric;
    /// Every process metric, in [`ProcessMetric`] order.
    static PROCESS_METRICS;
    defaults { category: None, source: Process, max_series: 2 }

    CpuTime {
        name: "process.cpu.time", kind: FloatCounter, unit: "s",
        labels: [(attributes::CPU_MODE)],
        help: "Total user and system CPU time spent in seconds.",
        prometheus: "process_cpu_seconds_total",
    },
    ResidentMemory {
        name: "process.memory.usage", kind: Gauge, unit: "By",
        labels: [],
        help: "Resident memory size in bytes.",
        prometheus: "process_resident_memory_bytes",
    },
    VirtualMemory {
        name: "process.memory.virtual", kind: Gauge, unit: "By",
        labels: [],
        help: "Virtual memory size in bytes.",
        prometheus: "process_virtual_memory_bytes",
    },
    OpenFds {
        name: "process.unix.file_descriptor.count", kind: Gauge, unit: "{file_descriptor}",
        labels: [],
        help: "Number of open file descriptors.",
        prometheus: "process_open_fds",
    },
    MaxFds {
        name: "process.unix.file_descriptor.limit", kind: Gauge, unit: "{file_descriptor}",
        labels: [],
        help: "Maximum number of open file descriptors.",
        prometheus: "process_max_fds",
    },
    Threads {
        name: "process.thread.count", kind: Gauge, unit: "{thread}",
        labels: [],
        help: "Number of OS threads in the process.",
        prometheus: "process_threads",
    },
    StartTime {
        name: "process.start_time", kind: Gauge, unit: "s",
        labels: [],
        help: "Start time of the process since unix epoch in seconds.",
        prometheus: "process_start_time_seconds",
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Naming, Source};

    #[test]
    fn both_names_are_fixed_and_the_scrape_has_no_labels() {
        let names: Vec<String> = PROCESS_METRICS
            .iter()
            .map(|d| d.prometheus_name())
            .collect();
        assert_eq!(
            names,
            [
                "process_cpu_seconds_total",
                "process_resident_memory_bytes",
                "process_virtual_memory_bytes",
                "process_open_fds",
                "process_max_fds",
                "process_threads",
                "process_start_time_seconds",
            ]
        );
        for (i, def) in PROCESS_METRICS.iter().enumerate() {
            assert_eq!(def.id as usize, i);
            assert_eq!(def.source, Source::Process);
            assert_eq!(def.naming, Naming::Both);
            assert!(def.name.starts_with("process."), "{}", def.name);
            assert_eq!(def.otel_name(), def.name);
            assert_eq!(def.prometheus_labels().count(), 0);
            assert_eq!(
                def.kind.is_counter(),
                def.prometheus_name().ends_with("_total")
            );
            assert!(
                crate::CATALOG
                    .iter()
                    .all(|c| c.name != def.prometheus_name())
            );
        }
        assert_eq!(ProcessMetric::CpuTime.def().kind, Kind::FloatCounter);
    }
}
