//! The label names each series a dashboard reads carries: the catalog's, the
//! GenAI conventions' and the self-metrics' families from their tables, and the
//! few series Prometheus and the SDK's resource add ([`EXTERNAL`]). Every
//! scraped series also has `job` and `instance` ([`TARGET_LABELS`]).

use autobot_otel::catalog::genai::GENAI_METRICS;
use autobot_otel::catalog::http_server::HTTP_SERVER_METRICS;
use autobot_otel::catalog::process::PROCESS_METRICS;
use autobot_otel::catalog::self_metrics::SELF_METRICS;
use autobot_otel::catalog::{CATALOG, Kind};

/// The labels Prometheus adds to every scraped series.
pub const TARGET_LABELS: [&str; 2] = ["job", "instance"];

/// Series that are not families of the SDK's tables, with their labels:
/// Prometheus's per-target series (`up`, `scrape_*`), the resource's
/// `target_info`, and the `ALERTS` series of the rules.
pub const EXTERNAL: &[(&str, &[&str])] = &[
    ("up", &[]),
    ("scrape_duration_seconds", &[]),
    ("scrape_samples_scraped", &[]),
    ("scrape_series_added", &[]),
    ("scrape_samples_post_metric_relabeling", &[]),
    (
        "target_info",
        &[
            "service_name",
            "service_version",
            "telemetry_sdk_language",
            "telemetry_sdk_name",
            "telemetry_sdk_version",
        ],
    ),
    (
        "ALERTS",
        &["alertname", "alertstate", "severity", "category"],
    ),
];

/// The histogram series suffixes.
pub const HISTOGRAM_SUFFIXES: [&str; 3] = ["_bucket", "_sum", "_count"];

/// The family a series name belongs to, its labels (without `job`/`instance`),
/// and whether it is a histogram.
fn family(name: &str) -> Option<(Vec<String>, bool)> {
    for def in CATALOG {
        if def.name == name {
            return Some((
                def.prometheus_labels().map(|l| l.into_owned()).collect(),
                def.kind == Kind::Histogram,
            ));
        }
    }
    for def in GENAI_METRICS {
        if def.prometheus_name() == name {
            return Some((
                def.prometheus_labels().map(|l| l.into_owned()).collect(),
                true,
            ));
        }
    }
    for def in SELF_METRICS {
        if def.name == name {
            return Some((
                def.prometheus_labels().map(|l| l.into_owned()).collect(),
                def.kind == Kind::Histogram,
            ));
        }
    }
    // The process families: one unlabelled series each in the scrape (the
    // CPU time summed over its OTLP `cpu.mode` points).
    if PROCESS_METRICS
        .iter()
        .any(|def| def.prometheus_name() == name)
    {
        return Some((Vec::new(), false));
    }
    for def in HTTP_SERVER_METRICS {
        if def.prometheus_name() == name {
            return Some((
                def.prometheus_labels().map(|l| l.into_owned()).collect(),
                def.kind == Kind::Histogram,
            ));
        }
    }
    EXTERNAL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, labels)| (labels.iter().map(|l| l.to_string()).collect(), false))
}

/// The labels of series `name` (a family's name, or a histogram's
/// `_bucket`/`_sum`/`_count` series; `le` on buckets), `job` and `instance`
/// first; `None` for a series none of the tables knows.
///
/// ```
/// use xtask::grafana::series::labels_of;
/// let l = labels_of("autobot_llm_request_latency_seconds_bucket").unwrap();
/// assert_eq!(l, ["job", "instance", "provider", "model", "le"]);
/// assert_eq!(labels_of("up").unwrap(), ["job", "instance"]);
/// assert_eq!(labels_of("autobot_llm_request_latency_seconds_bucket_bucket"), None);
/// assert_eq!(labels_of("nope"), None);
/// ```
pub fn labels_of(name: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = TARGET_LABELS.iter().map(|l| l.to_string()).collect();
    if let Some((labels, histogram)) = family(name) {
        // A histogram's family name is no series of its own.
        if histogram {
            return None;
        }
        out.extend(labels);
        return Some(out);
    }
    for suffix in HISTOGRAM_SUFFIXES {
        if let Some((labels, true)) = name.strip_suffix(suffix).and_then(family) {
            out.extend(labels);
            if suffix == "_bucket" {
                out.push("le".to_string());
            }
            return Some(out);
        }
    }
    None
}
