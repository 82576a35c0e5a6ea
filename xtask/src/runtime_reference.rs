//! The README reference of the families the pipeline records beyond the
//! catalog and the GenAI conventions: the process metrics and the HTTP server
//! conventions' metrics, from their catalog tables.

use std::fmt::Write as _;

use autobot_otel::catalog::http_server::HTTP_SERVER_METRICS;
use autobot_otel::catalog::process::PROCESS_METRICS;
use autobot_otel::catalog::{Kind, MetricDef};

/// The Prometheus labels of `def` with their OpenTelemetry attributes.
fn attributes<I>(def: &MetricDef<I>) -> String {
    let names: Vec<String> = def
        .labels
        .iter()
        .zip(def.prometheus_labels())
        .map(|(a, label)| format!("`{a}` (`{label}`)"))
        .collect();
    if names.is_empty() {
        "—".into()
    } else {
        names.join(", ")
    }
}

/// Both tables, as the README's reference shows them after the GenAI one.
pub fn runtime_reference() -> String {
    let mut out = String::from(
        "#### Process metrics (Linux, on by default)\n\n\
         Not of the guide's 56: what every Prometheus client library exports, read from \
         `/proc` at each collection; off with `TelemetryBuilder::with_process_metrics(false)`, \
         never recorded on other operating systems. Both names are fixed: the scrape writes \
         the Prometheus name, one series without labels (the sum over the OTel attributes), \
         OTLP carries the OTel name (semantic conventions 1.42.0; `process.unix.file_descriptor.limit` \
         and `process.start_time` are this SDK's, the conventions have none).\n\n\
         | Prometheus name | Type | OTel name | OTel attributes | Unit | Help |\n\
         |---|---|---|---|---|---|\n",
    );
    for def in PROCESS_METRICS {
        let labels: Vec<String> = def.labels.iter().map(|l| format!("`{l}`")).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | `{}` | {} | `{}` | {} |",
            def.prometheus_name(),
            def.kind,
            def.name,
            if labels.is_empty() {
                "—".to_string()
            } else {
                labels.join(", ")
            },
            def.unit,
            def.help.replace('|', "\\|"),
        );
    }
    out.push_str(
        "\n#### HTTP server conventions (`http::ServerMetricsLayer`)\n\n\
         Not of the guide's 56: recorded for every request of a service wrapped in \
         `http::ServerMetricsLayer` (feature `http-server`), the two monitoring endpoints \
         included. The OTel name is the contract (semantic conventions 1.42.0, Stable); \
         attributes without a value (no matched route, no status code, no error) are left \
         out.\n\n\
         | OTel name | Prometheus name | Type | Unit | Attributes (Prometheus labels) | Series limit | Buckets |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for def in HTTP_SERVER_METRICS {
        let buckets: Vec<String> = def.buckets.iter().map(|b| b.to_string()).collect();
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | `{}` | {} | {} | {} |",
            def.name,
            def.prometheus_name(),
            if def.kind == Kind::Gauge {
                "gauge (up-down counter)".to_string()
            } else {
                def.kind.to_string()
            },
            def.unit,
            attributes(def),
            def.max_series,
            if buckets.is_empty() {
                "—".to_string()
            } else {
                buckets.join(", ")
            },
        );
    }
    out.push('\n');
    out
}
