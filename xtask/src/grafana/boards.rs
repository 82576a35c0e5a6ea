//! The dashboards the generator writes, each a [`Dashboard`] = list of panels.

use autobot_otel::catalog::genai::GENAI_METRICS;
use autobot_otel::catalog::self_metrics::SelfMetric;
use autobot_otel::catalog::{CATALOG, Category, Kind, MetricDef, in_category};
use autobot_otel_catalog::attributes as attr;
use autobot_otel_catalog::naming::label_name;
use serde_json::Value;

use super::panels::{
    agents_panels, gauge_stat, genai_panel, guide_panel, heatmap, latency_heatmap, llm_spend_panel,
    metric_panel, query_panel, rule_stat,
};
use super::rules::RuleThreshold;
use super::{Dashboard, Panel, metrics_in};
use crate::guide_queries::GuideQuery;

/// The domain variables of each category's dashboard: `(label, display name)`.
pub fn category_variables(category: Category) -> &'static [(&'static str, &'static str)] {
    match category {
        Category::Workflow => &[("workflow_type", "Workflow type")],
        Category::Github => &[("operation", "Operation"), ("repository", "Repository")],
        Category::Task => &[
            ("task_type", "Task type"),
            ("agent_type", "Agent type"),
            ("agent_name", "Agent"),
            ("tool_name", "Tool"),
        ],
        Category::Performance => &[
            ("database", "Database"),
            ("operation_type", "Operation type"),
        ],
        Category::Knowledge => &[("collection", "Collection"), ("cache_type", "Cache")],
        Category::Llm => &[("provider", "Provider"), ("model", "Model")],
        Category::Websocket => &[("namespace", "Namespace")],
        Category::Redis => &[("database", "Database")],
    }
}

/// The "current state" gauges that get a stat of their total: the ones counting
/// what is active now.
fn is_active_gauge<I>(def: &MetricDef<I>) -> bool {
    def.kind == Kind::Gauge && def.name.contains("active")
}

/// The panels of one category: stats (its active gauges, its alert rules), the
/// guide's queries of the category, a panel per metric and a heatmap per latency
/// histogram.
pub fn category_panels(
    category: Category,
    guide: &[GuideQuery],
    rules: &[RuleThreshold],
) -> Vec<Panel> {
    let mut panels: Vec<Panel> = in_category(category)
        .filter(|d| is_active_gauge(*d))
        .map(gauge_stat)
        .collect();
    panels.extend(
        rules
            .iter()
            .filter(|r| r.category == category.key())
            .map(rule_stat),
    );
    panels.extend(
        guide
            .iter()
            .filter(|q| {
                metrics_in(q.query())
                    .first()
                    .is_some_and(|id| id.def().category == Some(category))
            })
            .map(guide_panel),
    );
    for def in in_category(category) {
        panels.push(metric_panel(def));
        panels.extend(latency_heatmap(def));
    }
    if category == Category::Llm {
        panels.push(llm_spend_panel());
    }
    panels
}

/// The failure values of a `status` vocabulary (what Error Tracking counts).
pub const FAILURE_STATUSES: [&str; 5] = ["failed", "failure", "error", "timeout", "rejected"];

/// Error Tracking: for every catalog counter with a `status` label, the rate of
/// its failure values ([`FAILURE_STATUSES`]); every `*_errors_total` counter;
/// the circuit breakers' openings; the SDK's dropped measurements and failed
/// callbacks.
pub fn error_panels() -> Vec<Panel> {
    let mut panels = Vec::new();
    for def in CATALOG.iter().filter(|d| d.kind.is_counter()) {
        let others: Vec<&str> = def
            .labels
            .iter()
            .copied()
            .filter(|l| *l != "status")
            .collect();
        let by = others.join(", ");
        if let Some(values) = def.vocabulary("status") {
            let failures: Vec<&str> = values
                .iter()
                .copied()
                .filter(|v| FAILURE_STATUSES.contains(v))
                .collect();
            if failures.is_empty() {
                continue;
            }
            let mut labels = others.clone();
            labels.push("status");
            panels.push(query_panel(
                &format!("{}: {} (per second)", def.help, failures.join(" / ")),
                &format!("`{}` with `status` {}", def.name, failures.join(" or ")),
                "ops",
                &[(
                    &format!(
                        "sum by ({by}, status) (rate({}{{status=~\"{}\"}}[5m]))",
                        def.name,
                        failures.join("|")
                    ),
                    &super::legend(&labels),
                )],
                false,
            ));
        } else if def.name.ends_with("_errors_total") {
            panels.push(query_panel(
                &format!("{} (per second)", def.help),
                &format!("`{}` by {by}", def.name),
                "ops",
                &[(
                    &format!("sum by ({by}) (rate({}[5m]))", def.name),
                    &super::legend(&others),
                )],
                false,
            ));
        }
    }
    panels.push(query_panel(
        "Circuit breaker openings (per second)",
        "`autobot_circuit_breaker_events_total` with `event=\"opened\"`, by database and reason",
        "ops",
        &[(
            "sum by (database, reason) (rate(autobot_circuit_breaker_events_total{event=\"opened\"}[5m]))",
            "{{database}} {{reason}}",
        )],
        false,
    ));
    for id in [
        SelfMetric::MeasurementsDropped,
        SelfMetric::CallbackFailures,
    ] {
        let def = id.def();
        panels.push(Panel::timeseries(
            &format!("SDK: {} (per second)", sdk_title(id)),
            &format!(
                "`{}` (self-metric, always exported): {}",
                def.name, def.help
            ),
            "ops",
            &[(
                &format!("sum by (instance) (rate({}[5m]))", def.name),
                "{{instance}}",
            )],
        ));
    }
    panels
}

/// The short title of a self-metric's panel (its help text is the description).
fn sdk_title(id: SelfMetric) -> &'static str {
    match id {
        SelfMetric::MeasurementsDropped => "measurements dropped",
        SelfMetric::CallbackFailures => "failed gauge callbacks",
        _ => id.def().name,
    }
}

/// Multi-Machine: one row per selected instance (repeated over `instance`):
/// whether it is up, how long its scrape takes, how many samples it has and how
/// many series it added, the SDK's own health (dropped measurements, failed
/// callbacks) and the version it runs (`target_info`).
pub fn multi_machine_panels() -> Vec<Panel> {
    let up = Panel::timeseries(
        "Up",
        "`up`: 1 when the last scrape of the instance succeeded",
        "short",
        &[("up", "{{instance}}")],
    )
    .stat(
        super::panels::rule_steps("<", 1.0),
        vec![
            super::Mapping {
                value: "0".into(),
                text: "down".into(),
                color: "red",
            },
            super::Mapping {
                value: "1".into(),
                text: "up".into(),
                color: "green",
            },
        ],
    );
    let version = Panel::timeseries(
        "Version",
        "`target_info`: the service version and SDK of the instance (its resource)",
        "short",
        &[(
            "max by (instance, service_name, service_version, telemetry_sdk_version) (target_info)",
            "{{service_name}} {{service_version}} (SDK {{telemetry_sdk_version}})",
        )],
    )
    .stat(
        vec![super::Step {
            value: None,
            color: "blue",
        }],
        Vec::new(),
    );
    let mut panels = vec![
        Panel::row("Instance $instance", Some("instance")),
        up,
        version,
    ];
    panels.extend([
        Panel::timeseries(
            "Scrape duration",
            "`scrape_duration_seconds`: how long Prometheus took to scrape the instance",
            "s",
            &[("scrape_duration_seconds", "{{instance}}")],
        ),
        Panel::timeseries(
            "Samples scraped and series added",
            "`scrape_samples_scraped` (the series count of a scrape) and `scrape_series_added` (new series in it)",
            "short",
            &[
                ("scrape_samples_scraped", "samples {{instance}}"),
                ("scrape_series_added", "series added {{instance}}"),
            ],
        ),
    ]);
    for id in [
        SelfMetric::MeasurementsDropped,
        SelfMetric::CallbackFailures,
    ] {
        let def = id.def();
        panels.push(Panel::timeseries(
            &format!("SDK: {} (per second)", sdk_title(id)),
            &format!("`{}` (self-metric): {}", def.name, def.help),
            "ops",
            &[(&format!("rate({}[5m])", def.name), "{{instance}}")],
        ));
    }
    panels
}

/// System Metrics: the process families every Prometheus client exports (CPU,
/// memory, file descriptors, threads, start time). Host disk and network are
/// node_exporter's, not charted here.
pub fn system_panels() -> Vec<Panel> {
    vec![
        Panel::text(
            "Host disk and network",
            "This dashboard charts the **process** (`process_*`, recorded by the SDK). \
             Host disk and network are exported by \
             [node_exporter](https://github.com/prometheus/node_exporter) \
             (`node_disk_*`, `node_network_*`); no panel reads them here, since no \
             test of this repository runs node_exporter to verify such queries.",
        ),
        Panel::timeseries(
            "Uptime",
            "`time() - process_start_time_seconds`",
            "s",
            &[("time() - process_start_time_seconds", "{{instance}}")],
        )
        .stat(
            vec![super::Step {
                value: None,
                color: "blue",
            }],
            Vec::new(),
        ),
        Panel::timeseries(
            "File descriptors in use",
            "`process_open_fds / process_max_fds`",
            "percentunit",
            &[("process_open_fds / process_max_fds", "{{instance}}")],
        )
        .stat(super::panels::rule_steps(">", 0.8), Vec::new()),
        Panel::timeseries(
            "CPU (cores)",
            "`rate(process_cpu_seconds_total)`: CPU seconds per second, user and system",
            "short",
            &[(
                "rate(process_cpu_seconds_total[$__rate_interval])",
                "{{instance}}",
            )],
        ),
        Panel::timeseries(
            "Memory",
            "`process_resident_memory_bytes` and `process_virtual_memory_bytes`",
            "bytes",
            &[
                ("process_resident_memory_bytes", "resident {{instance}}"),
                ("process_virtual_memory_bytes", "virtual {{instance}}"),
            ],
        ),
        Panel::timeseries(
            "Open file descriptors",
            "`process_open_fds` and its limit `process_max_fds`",
            "short",
            &[
                ("process_open_fds", "open {{instance}}"),
                ("process_max_fds", "max {{instance}}"),
            ],
        ),
        Panel::timeseries(
            "Threads",
            "`process_threads`",
            "short",
            &[("process_threads", "{{instance}}")],
        ),
    ]
}

/// API Health: the OpenTelemetry HTTP server conventions' families of the
/// service's own routes (`http.server.request.duration`,
/// `http.server.active_requests`).
pub fn api_health_panels() -> Vec<Panel> {
    let count = "http_server_request_duration_seconds_count";
    let mut panels = vec![
        Panel::timeseries(
            "Server error ratio (5xx)",
            "Share of requests answered 5xx, by route (0 when there is none)",
            "percentunit",
            &[(
                &format!(
                    "(sum by (http_route) (rate({count}{{http_response_status_code=~\"5..\"}}[5m]))\n  or sum by (http_route) (rate({count}[5m])) * 0)\n/ sum by (http_route) (rate({count}[5m]))"
                ),
                "{{http_route}}",
            )],
        )
        .stat(super::panels::rule_steps(">", 0.05), Vec::new()),
        Panel::timeseries(
            "Requests in flight",
            "`http_server_active_requests`",
            "short",
            &[("sum(http_server_active_requests)", "in flight")],
        )
        .stat(
            vec![super::Step {
                value: None,
                color: "blue",
            }],
            Vec::new(),
        ),
        Panel::timeseries(
            "Requests (per second)",
            "Requests by route, method and status code",
            "reqps",
            &[(
                &format!(
                    "sum by (http_route, http_request_method, http_response_status_code) (rate({count}[5m]))"
                ),
                "{{http_request_method}} {{http_route}} {{http_response_status_code}}",
            )],
        ),
    ];
    let p = |q: &str| {
        format!(
            "histogram_quantile({q}, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket[5m])))"
        )
    };
    let (p50, p95, p99) = (p("0.5"), p("0.95"), p("0.99"));
    panels.push(Panel::timeseries(
        "Request duration (p50 / p95 / p99)",
        "`http_server_request_duration_seconds` by route",
        "s",
        &[
            (&p50, "p50 {{http_route}}"),
            (&p95, "p95 {{http_route}}"),
            (&p99, "p99 {{http_route}}"),
        ],
    ));
    panels.push(heatmap(
        "http_server_request_duration_seconds",
        "HTTP server request duration",
        "s",
    ));
    panels.push(Panel::timeseries(
        "Requests in flight by method",
        "`http_server_active_requests` by method",
        "short",
        &[(
            "sum by (http_request_method) (http_server_active_requests)",
            "{{http_request_method}}",
        )],
    ));
    panels
}

/// The GenAI conventions' dashboard: a panel per metric and a heatmap per
/// duration.
fn genai_panels() -> Vec<Panel> {
    let mut panels = Vec::new();
    for def in GENAI_METRICS {
        panels.push(genai_panel(def));
        panels.extend(latency_heatmap(def));
    }
    panels
}

/// Every dashboard, in the order they are written: the overview, one per
/// category, GenAI conventions, agents, error tracking, Claude API,
/// multi-machine, system metrics, API health. An error names an alert rule a
/// panel needs and `rules` lacks.
pub fn dashboard_list(
    guide: &[GuideQuery],
    rules: &[RuleThreshold],
) -> Result<Vec<Dashboard>, String> {
    // The critical rules, and those of no category dashboard (each rule has a
    // stat somewhere).
    let critical = rules
        .iter()
        .filter(|r| {
            r.severity == "critical" || !Category::ALL.iter().any(|c| c.key() == r.category)
        })
        .map(rule_stat);
    let active = CATALOG
        .iter()
        .filter(|d| is_active_gauge(*d))
        .map(gauge_stat);
    let mut out = vec![
        Dashboard::new("overview", "AutoBot Overview")
            .panels(active)
            .panels(critical)
            .panels(guide.iter().map(guide_panel)),
    ];
    for category in Category::ALL {
        let mut board = Dashboard::new(category.key(), &format!("AutoBot {}", category.title()))
            .alerts_of(category.key())
            .panels(category_panels(category, guide, rules));
        for (label, display) in category_variables(category) {
            board = board.variable(label, display);
        }
        out.push(board);
    }
    let (provider, model) = (
        label_name(attr::PROVIDER_NAME, true),
        label_name(attr::REQUEST_MODEL, true),
    );
    out.push(
        Dashboard::new("genai", "AutoBot GenAI (OpenTelemetry conventions)")
            .alerts_of("llm")
            .variable(&provider, "Provider")
            .variable(&model, "Model")
            .panels(genai_panels()),
    );
    out.push(
        Dashboard::new("agents", "AutoBot Agents")
            .alerts_of("task")
            .variable("agent_name", "Agent")
            .variable("tool_name", "Tool")
            .panels(agents_panels()),
    );
    out.push(Dashboard::new("errors", "AutoBot Error Tracking").panels(error_panels()));
    out.push(
        Dashboard::new("claude", "AutoBot Claude API")
            .alerts_of("llm")
            .pin("provider", CLAUDE_PROVIDER)
            .variable("model", "Model")
            .panels(category_panels(Category::Llm, guide, rules)),
    );
    out.push(
        Dashboard::new("multi-machine", "AutoBot Multi-Machine").panels(multi_machine_panels()),
    );
    out.push(Dashboard::new("system", "AutoBot System Metrics").panels(system_panels()));
    out.push(
        Dashboard::new("api-health", "AutoBot API Health")
            .variable("http_route", "Route")
            .variable("http_request_method", "Method")
            .panels(api_health_panels()),
    );
    Ok(out)
}

/// The provider the Claude API dashboard is pinned to (the demo's
/// `examples/src/workload.rs` records it).
pub const CLAUDE_PROVIDER: &str = "anthropic";

/// Every dashboard as `(file name, JSON)` ([`dashboard_list`]).
pub fn dashboards(
    guide: &[GuideQuery],
    rules: &[RuleThreshold],
) -> Result<Vec<(String, Value)>, String> {
    Ok(dashboard_list(guide, rules)?
        .iter()
        .map(|b| (b.file_name(), b.to_json()))
        .collect())
}
