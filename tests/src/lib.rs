//! Test-support harness for `autobot-otel` integration tests.
//!
//! It drives **real** external components, installed by
//! `scripts/install-tools.sh`:
//!
//! * [`PrometheusServer`]: a throw-away Prometheus server that scrapes a
//!   target you name (job `autobot`, path `/api/monitoring/metrics`) and
//!   answers PromQL queries;
//! * [`promtool_check_metrics`] and friends: `promtool` checks of exposition
//!   text, configs and rule files;
//! * [`strict_check_metrics`] and friends: the strict check of exposition
//!   text with the Python `prometheus_client` parsers, which refuse what
//!   promtool lets through (label names starting with `__`);
//! * [`Rotel`]: the rotel OTLP collector with its debug exporter, whose
//!   printed output can be parsed with [`parse_metrics`] / [`parse_spans`];
//! * [`http_get`] / [`http_get_with_headers`] / [`http_post`]: tiny blocking
//!   HTTP helpers;
//! * [`free_port`]: a free TCP port on 127.0.0.1;
//! * [`VictoriaMetrics`]: a throw-away VictoriaMetrics single node (remote-write
//!   target, MetricsQL queries);
//! * [`Alertmanager`] and [`amtool_check_config`];
//! * [`HttpSink`]: an HTTP server that records what it is sent (Alertmanager
//!   webhooks, OTLP/HTTP pushes);
//! * [`shipped`]: the queries the repository ships (guide, rules, dashboards).
//!
//! Every process is started on loopback only, every wait is bounded, and
//! every process is killed when its handle is dropped (also when a test
//! panics). A watchdog additionally kills it if the test binary itself dies.
//! Missing tools are an error (never a skip) that says to run
//! `scripts/install-tools.sh`.
//!
//! See `tests/README.md` for the format rotel prints.

pub mod agreement;
mod alertmanager;
pub mod bad_input;
pub mod dashboards;
mod demo;
mod error;
mod exemplar;
mod heap;
mod http;
mod http_sink;
mod ports;
pub(crate) mod process;
mod prometheus;
mod promtool;
mod rotel;
mod rotel_output;
pub mod shipped;
mod strict;
mod tempdir;
mod tools;
mod victoria;

pub use alertmanager::{Alertmanager, amtool_check_config};
pub use demo::DemoProcess;
pub use error::{HarnessError, Result};
pub use exemplar::{Exemplar, ExemplarSeries};
pub use heap::{CountingAllocator, live_heap_bytes};
pub use http::{HttpResponse, http_get, http_get_with_headers, http_post};
pub use http_sink::{HttpSink, SinkRequest};
pub use ports::free_port;
pub use process::{ManagedProcess, poll};
pub use prometheus::{
    EXEMPLAR_STORAGE_FLAG, PROMETHEUS_SCRAPE_ACCEPT, PrometheusOptions, PrometheusServer,
    SCRAPE_JOB, Sample, TargetStatus,
};
pub use promtool::{
    EXPECTED_PROMTOOL_FINDINGS, ToolOutput, promtool_check_config, promtool_check_metrics,
    promtool_check_rules, promtool_findings, promtool_test_rules,
};
pub use rotel::{Rotel, RotelOptions};
pub use rotel_output::{
    AttrValue, Attributes, RotelDataPoint, RotelMetric, RotelSpan, RotelSpanEvent, RotelSpanLink,
    find_metric, find_span, metric_names, parse_metrics, parse_spans, span_names,
};
pub use strict::{
    STRICT_TIMEOUT, StrictFamily, StrictParse, StrictSample, strict_check_metrics,
    strict_check_openmetrics, strict_check_scrape, strict_parse, strict_parse_openmetrics,
};
pub use tempdir::TempDir;
pub use tools::{
    Tool, alertmanager_bin, amtool_bin, prometheus_bin, promtool_bin, python_bin, repo_root,
    rotel_bin, tool_path, victoria_metrics_bin,
};
pub use victoria::{VictoriaMetrics, VictoriaOptions, now_unix, sum_metric};
