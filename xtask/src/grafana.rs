//! Grafana dashboards generated from the catalog: one per category with a panel
//! per metric (rates for counters, p50/p95/p99 for histograms, values for
//! gauges), topped by the guide's sample queries of that category (as corrected in
//! `docs/guide-queries.md`), an overview with all of the guide's queries, one
//! for the OpenTelemetry GenAI conventions' metrics (when turned on), and one for
//! agents and tools.
//!
//! Every panel that reads a histogram's `_bucket` series shows its exemplars (one
//! target per panel asks for them, so each exemplar is drawn once) and links to
//! the traces data source that the dashboard variable [`TRACES_VARIABLE`] names.
//! The exemplars' own trace-ID links are a setting of the Prometheus data source
//! (`exemplarTraceIdDestinations` in `collector-config/grafana/provisioning`),
//! since Grafana applies no panel field config to exemplars; both default to the
//! provisioned data source [`TRACES_DATASOURCE_UID`].

use autobot_otel::catalog::genai::{GENAI_METRICS, GenAiMetricId};
use autobot_otel::catalog::{Category, Kind, MetricDef, MetricId, in_category};
use autobot_otel_catalog::attributes as attr;
use autobot_otel_catalog::naming::label_name;
use serde_json::{Value, json};

use crate::guide_queries::GuideQuery;

/// Provisioned datasource uid that the dashboards default to.
pub const DATASOURCE_UID: &str = "autobot-prometheus";

/// Provisioned traces (Tempo) datasource uid: where the Prometheus datasource's
/// exemplar trace-ID links go, and the default of [`TRACES_VARIABLE`].
pub const TRACES_DATASOURCE_UID: &str = "autobot-traces";

/// Name of the provisioned traces datasource (the variable's default text).
pub const TRACES_DATASOURCE_NAME: &str = "AutoBot Traces";

/// The dashboard variable (type `datasource`, plugin `tempo`) naming the traces
/// data source that the histogram panels' links open.
pub const TRACES_VARIABLE: &str = "traces";

/// The histogram series whose exemplars a panel shows.
const BUCKET_SUFFIX: &str = "_bucket";

/// The catalog metrics a query reads (histogram series names map to their family).
pub fn metrics_in(expr: &str) -> Vec<MetricId> {
    let mut ids = Vec::new();
    for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| word.strip_suffix(s).and_then(MetricId::from_name))
            .or_else(|| MetricId::from_name(word));
        if let Some(id) = family
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

fn unit(def: &MetricDef) -> &'static str {
    match (def.kind, def.unit) {
        (Kind::Histogram, "s") => "s",
        (_, "By") => "bytes",
        (_, "1") => "percentunit",
        (_, "{percent}") => "percent",
        (_, "{USD}") => "currencyUSD",
        (Kind::Counter | Kind::FloatCounter, _) => "ops",
        _ => "short",
    }
}

fn legend(labels: &[&str]) -> String {
    labels
        .iter()
        .map(|l| format!("{{{{{l}}}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

struct Panel {
    title: String,
    description: String,
    unit: &'static str,
    targets: Vec<(String, String)>,
    /// Its histograms keep exemplars (the catalog's; the GenAI conventions'
    /// metrics keep none).
    exemplars: bool,
}

impl Panel {
    /// The target that asks for exemplars: the first one reading a histogram's
    /// buckets (one per panel: every target of a p50/p95/p99 panel reads the same
    /// buckets, and each would draw the same exemplars again).
    fn exemplar_target(&self) -> Option<usize> {
        if !self.exemplars {
            return None;
        }
        self.targets
            .iter()
            .position(|(expr, _)| expr.contains(BUCKET_SUFFIX))
    }
}

/// The panel link to the traces of the dashboard's time range in the data source
/// of [`TRACES_VARIABLE`] (Explore, TraceQL `{}`: every span).
fn traces_link() -> Value {
    let var = format!("${{{TRACES_VARIABLE}}}");
    let pane = json!({
        "datasource": var,
        "queries": [{
            "refId": "A",
            "datasource": { "type": "tempo", "uid": var },
            "queryType": "traceql",
            "query": "{}",
            "limit": 20
        }],
        "range": { "from": "${__from}", "to": "${__to}" }
    });
    json!({
        "title": format!("Traces in ${{{TRACES_VARIABLE}:text}} (this time range)"),
        "url": format!("/explore?schemaVersion=1&panes={}", json!({ "trc": pane })),
        "targetBlank": true
    })
}

/// The panel showing one metric.
fn metric_panel(def: &MetricDef) -> Panel {
    let by = def.labels.join(", ");
    let (title, targets) = match def.kind {
        Kind::Counter | Kind::FloatCounter => (
            format!("{} (per second)", def.help),
            vec![(
                format!("sum by ({by}) (rate({}[5m]))", def.name),
                legend(def.labels),
            )],
        ),
        Kind::Histogram => {
            let first = def.labels[0];
            let targets = [("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99")]
                .iter()
                .map(|(q, name)| {
                    (
                        format!(
                            "histogram_quantile({q}, sum by (le, {first}) (rate({}_bucket[5m])))",
                            def.name
                        ),
                        format!("{name} {{{{{first}}}}}"),
                    )
                })
                .collect();
            (format!("{} (p50 / p95 / p99)", def.help), targets)
        }
        Kind::Gauge => (
            def.help.to_string(),
            vec![(format!("sum by ({by}) ({})", def.name), legend(def.labels))],
        ),
    };
    Panel {
        title,
        description: format!("`{}` ({}; labels: {by})", def.name, def.kind),
        unit: unit(def),
        targets,
        exemplars: true,
    }
}

/// The panel of one GenAI conventions' histogram: p50/p95/p99 by provider and
/// model (token usage: by token type too, as a rate of tokens; the agent, tool
/// and workflow durations by agent, tool and workflow name).
fn genai_panel(def: &MetricDef<GenAiMetricId>) -> Panel {
    let name = def.prometheus_name();
    let (provider, model) = (
        label_name(attr::PROVIDER_NAME, true),
        label_name(attr::REQUEST_MODEL, true),
    );
    let by = if def.labels.contains(&attr::TOKEN_TYPE) {
        format!(
            "{provider}, {model}, {}",
            label_name(attr::TOKEN_TYPE, true)
        )
    } else if def.labels.contains(&attr::PROVIDER_NAME) {
        format!("{provider}, {model}")
    } else {
        // The agent, tool and workflow durations: by the name they carry
        // (`gen_ai.agent.name`, `gen_ai.tool.name`, `gen_ai.workflow.name`).
        label_name(def.labels[0], true).into_owned()
    };
    let legend = by
        .split(", ")
        .map(|l| format!("{{{{{l}}}}}"))
        .collect::<Vec<_>>()
        .join(" ");
    let (title, unit, targets) = if def.unit == "s" {
        let targets = [("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99")]
            .iter()
            .map(|(q, p)| {
                (
                    format!("histogram_quantile({q}, sum by (le, {by}) (rate({name}_bucket[5m])))"),
                    format!("{p} {legend}"),
                )
            })
            .collect();
        (
            format!("{} (p50 / p95 / p99)", def.help.trim_end_matches('.')),
            "s",
            targets,
        )
    } else {
        (
            format!("{} (per second)", def.help.trim_end_matches('.')),
            "short",
            vec![(format!("sum by ({by}) (rate({name}_sum[5m]))"), legend)],
        )
    };
    Panel {
        title,
        description: format!("`{}` (OTel `{}`; histogram; labels: {by})", name, def.name),
        unit,
        targets,
        exemplars: false,
    }
}

fn guide_panel(q: &GuideQuery) -> Panel {
    let ids = metrics_in(q.query());
    let unit = if q.query().contains("histogram_quantile") || q.title.contains("Duration") {
        "s"
    } else if q.query().contains(" / ") || q.query().contains("\n/") {
        "percentunit"
    } else if q.query().contains("rate(") && !q.query().contains("increase(") {
        "ops"
    } else {
        "short"
    };
    Panel {
        title: q.title.clone(),
        description: format!(
            "Sample query of the usage guide (checked in docs/guide-queries.md); reads {}",
            ids.iter()
                .map(|id| format!("`{}`", id.def().name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        unit,
        targets: vec![(q.query().to_string(), String::new())],
        exemplars: true,
    }
}

fn dashboard(uid: &str, title: &str, tags: &[&str], panels: Vec<Panel>) -> Value {
    let panels: Vec<Value> = panels
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let exemplars = p.exemplar_target();
            let targets: Vec<Value> = p
                .targets
                .iter()
                .enumerate()
                .map(|(j, (expr, legend))| {
                    json!({
                        "refId": ((b'A' + j as u8) as char).to_string(),
                        "datasource": { "type": "prometheus", "uid": "${datasource}" },
                        "expr": expr,
                        "legendFormat": if legend.is_empty() { "__auto".to_string() } else { legend.clone() },
                        "range": true,
                        "exemplar": exemplars == Some(j),
                    })
                })
                .collect();
            let mut description = p.description;
            let links = match exemplars {
                Some(_) => {
                    description.push_str(
                        ". Exemplars: one recent measurement per bucket, each with the trace \
                         it was recorded in",
                    );
                    vec![traces_link()]
                }
                None => Vec::new(),
            };
            json!({
                "id": i + 1,
                "type": "timeseries",
                "title": p.title,
                "description": description,
                "links": links,
                "datasource": { "type": "prometheus", "uid": "${datasource}" },
                "gridPos": { "h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8 },
                "fieldConfig": { "defaults": { "unit": p.unit }, "overrides": [] },
                "options": {
                    "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true },
                    "tooltip": { "mode": "multi", "sort": "desc" }
                },
                "targets": targets,
            })
        })
        .collect();
    json!({
        "uid": uid,
        "title": title,
        "tags": tags,
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": true,
        "refresh": "30s",
        "time": { "from": "now-1h", "to": "now" },
        "templating": { "list": [{
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
            "current": { "text": "AutoBot Prometheus", "value": DATASOURCE_UID },
            "hide": 0
        }, {
            "name": TRACES_VARIABLE,
            "label": "Traces",
            "type": "datasource",
            "query": "tempo",
            "current": { "text": TRACES_DATASOURCE_NAME, "value": TRACES_DATASOURCE_UID },
            "hide": 0
        }]},
        "annotations": { "list": [] },
        "panels": panels,
    })
}

/// A panel of one or more hand-written queries.
fn query_panel(
    title: &str,
    description: &str,
    unit: &'static str,
    targets: &[(&str, &str)],
    exemplars: bool,
) -> Panel {
    let reads: Vec<String> = targets
        .iter()
        .flat_map(|(expr, _)| metrics_in(expr))
        .map(|id| format!("`{}`", id.def().name))
        .fold(Vec::new(), |mut all, name| {
            if !all.contains(&name) {
                all.push(name);
            }
            all
        });
    let mut description = description.to_string();
    if !reads.is_empty() {
        description.push_str(&format!("; reads {}", reads.join(", ")));
    }
    Panel {
        title: title.to_string(),
        description,
        unit,
        targets: targets
            .iter()
            .map(|(e, l)| (e.to_string(), l.to_string()))
            .collect(),
        exemplars,
    }
}

/// The "Agents" dashboard: agent success rate and p95 duration per agent, tool
/// error rate and p95 per tool, LLM and tool calls per invocation, and the GenAI
/// conventions' agent and tool durations (recorded when turned on). Tokens per agent are not
/// charted: no family has both a token count and an agent (an invocation's tokens
/// are summed on its span only).
fn agents_panels() -> Vec<Panel> {
    let mut panels = vec![
        query_panel(
            "Agent success rate",
            "Share of each agent's invocations that succeeded (5m rate; failed and cancelled ones are the rest)",
            "percentunit",
            &[(
                "sum by (agent_name) (rate(autobot_agent_invocations_total{status=\"success\"}[5m]))\n/ sum by (agent_name) (rate(autobot_agent_invocations_total[5m]))",
                "{{agent_name}}",
            )],
            false,
        ),
        query_panel(
            "Agent invocation duration p95",
            "95th percentile of each agent's invocation duration (the invoke_agent span's duration)",
            "s",
            &[(
                "histogram_quantile(0.95, sum by (le, agent_name) (rate(autobot_agent_invocation_duration_seconds_bucket[5m])))",
                "p95 {{agent_name}}",
            )],
            true,
        ),
        query_panel(
            "Agent invocations by outcome (per second)",
            "Invocations per second by agent and outcome (success, failed, cancelled)",
            "ops",
            &[(
                "sum by (agent_name, status) (rate(autobot_agent_invocations_total[5m]))",
                "{{agent_name}} {{status}}",
            )],
            false,
        ),
        query_panel(
            "Tool error rate",
            "Share of each tool's calls that failed (5m rate)",
            "percentunit",
            &[(
                "sum by (tool_name) (rate(autobot_tool_calls_total{status=\"failed\"}[5m]))\n/ sum by (tool_name) (rate(autobot_tool_calls_total[5m]))",
                "{{tool_name}}",
            )],
            false,
        ),
        query_panel(
            "Tool call duration p95",
            "95th percentile of each tool's call duration (the execute_tool span's duration)",
            "s",
            &[(
                "histogram_quantile(0.95, sum by (le, tool_name) (rate(autobot_tool_call_duration_seconds_bucket[5m])))",
                "p95 {{tool_name}}",
            )],
            true,
        ),
        query_panel(
            "Tool calls by outcome (per second)",
            "Tool calls per second by tool and outcome (success, failed, cancelled)",
            "ops",
            &[(
                "sum by (tool_name, status) (rate(autobot_tool_calls_total[5m]))",
                "{{tool_name}} {{status}}",
            )],
            false,
        ),
    ];
    panels.push(query_panel(
        "LLM and tool calls per invocation",
        "Mean LLM and tool calls one invocation of each agent made (5m rate of the per-invocation histograms, recorded when an invocation ends)",
        "short",
        &[
            (
                "sum by (agent_name) (rate(autobot_agent_llm_calls_per_invocation_sum[5m]))\n/ sum by (agent_name) (rate(autobot_agent_llm_calls_per_invocation_count[5m]))",
                "LLM calls {{agent_name}}",
            ),
            (
                "sum by (agent_name) (rate(autobot_agent_tool_calls_per_invocation_sum[5m]))\n/ sum by (agent_name) (rate(autobot_agent_tool_calls_per_invocation_count[5m]))",
                "tool calls {{agent_name}}",
            ),
        ],
        false,
    ));
    panels.extend([
        query_panel(
            "invoke_agent duration p95 (GenAI conventions)",
            "95th percentile of `gen_ai.invoke_agent.duration` by agent (OTel `gen_ai.invoke_agent.duration`; recorded with the GenAI metrics turned on)",
            "s",
            &[(
                "histogram_quantile(0.95, sum by (le, gen_ai_agent_name) (rate(gen_ai_invoke_agent_duration_seconds_bucket[5m])))",
                "p95 {{gen_ai_agent_name}}",
            )],
            false,
        ),
        query_panel(
            "execute_tool duration p95 (GenAI conventions)",
            "95th percentile of `gen_ai.execute_tool.duration` by tool and tool type (OTel `gen_ai.execute_tool.duration`; recorded with the GenAI metrics turned on)",
            "s",
            &[(
                "histogram_quantile(0.95, sum by (le, gen_ai_tool_name, gen_ai_tool_type) (rate(gen_ai_execute_tool_duration_seconds_bucket[5m])))",
                "p95 {{gen_ai_tool_name}} ({{gen_ai_tool_type}})",
            )],
            false,
        ),
    ]);
    panels
}

/// The LLM dashboard's spend panel: each provider's cost over the last 24
/// hours, what the `LLMDailyBudgetExceeded` alert compares with its budget.
fn llm_spend_panel() -> Panel {
    query_panel(
        "LLM spend, last 24 hours",
        "US dollars per provider over the last 24 hours, every cost_type (computed from the price table or given by the calls; unpriced calls are not in it): the alert LLMDailyBudgetExceeded fires above its threshold, the daily budget",
        "currencyUSD",
        &[(
            "sum by (provider) (increase(autobot_llm_cost_dollars_total[1d]))",
            "{{provider}}",
        )],
        false,
    )
}

/// Every dashboard as `(file name, JSON)`: the overview, one per category, the
/// GenAI conventions' one, then the agents' one.
pub fn dashboards(guide: &[GuideQuery]) -> Vec<(String, Value)> {
    let mut out = vec![(
        "autobot-overview.json".to_string(),
        dashboard(
            "autobot-overview",
            "AutoBot Overview",
            &["autobot", "overview"],
            guide.iter().map(guide_panel).collect(),
        ),
    )];
    for category in Category::ALL {
        let mut panels: Vec<Panel> = guide
            .iter()
            .filter(|q| {
                metrics_in(q.query())
                    .first()
                    .is_some_and(|id| id.def().category == Some(category))
            })
            .map(guide_panel)
            .collect();
        panels.extend(in_category(category).map(metric_panel));
        if category == Category::Llm {
            panels.push(llm_spend_panel());
        }
        out.push((
            format!("autobot-{}.json", category.key()),
            dashboard(
                &format!("autobot-{}", category.key()),
                &format!("AutoBot {}", category.title()),
                &["autobot", category.key()],
                panels,
            ),
        ));
    }
    out.push((
        "autobot-genai.json".to_string(),
        dashboard(
            "autobot-genai",
            "AutoBot GenAI (OpenTelemetry conventions)",
            &["autobot", "genai"],
            GENAI_METRICS.iter().map(genai_panel).collect(),
        ),
    ));
    out.push((
        "autobot-agents.json".to_string(),
        dashboard(
            "autobot-agents",
            "AutoBot Agents",
            &["autobot", "agents"],
            agents_panels(),
        ),
    ));
    out
}

/// Every PromQL expression of a dashboard.
pub fn expressions(dashboard: &Value) -> Vec<String> {
    dashboard["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_found_through_series_suffixes() {
        let ids = metrics_in(
            "histogram_quantile(0.9, rate(autobot_llm_request_latency_seconds_bucket[5m])) / autobot_active_tasks",
        );
        assert_eq!(
            ids,
            [MetricId::LlmRequestLatencySeconds, MetricId::ActiveTasks]
        );
    }

    /// The panels of every dashboard, with the guide's histogram queries too.
    fn all_panels() -> Vec<Value> {
        let guide = [GuideQuery {
            title: "Workflow p95".into(),
            guide: "histogram_quantile(0.95, sum by (le) (rate(autobot_workflow_duration_seconds_bucket[5m])))".into(),
            use_instead: None,
            invalid: false,
        }];
        dashboards(&guide)
            .into_iter()
            .flat_map(|(_, b)| b["panels"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    #[test]
    fn histogram_panels_ask_for_exemplars_once_and_link_to_the_traces() {
        let mut with_exemplars = 0;
        for panel in all_panels() {
            let targets = panel["targets"].as_array().unwrap();
            let reads_buckets = targets
                .iter()
                .any(|t| t["expr"].as_str().unwrap().contains("_bucket"));
            let asking: Vec<&Value> = targets
                .iter()
                .filter(|t| t["exemplar"] == json!(true))
                .collect();
            let links = panel["links"].as_array().unwrap();
            let genai = panel["description"].as_str().unwrap().contains("(OTel `");
            if reads_buckets && !genai {
                with_exemplars += 1;
                assert_eq!(asking.len(), 1, "{}", panel["title"]);
                assert!(asking[0]["expr"].as_str().unwrap().contains("_bucket"));
                assert_eq!(links.len(), 1, "{}", panel["title"]);
                assert!(panel["description"].as_str().unwrap().contains("Exemplars"));
            } else {
                assert!(asking.is_empty(), "{}", panel["title"]);
                assert!(links.is_empty(), "{}", panel["title"]);
            }
        }
        // One panel per histogram of the catalog, the guide's one (category and
        // overview), and the agents dashboard's two (agent and tool p95).
        let histograms = autobot_otel::catalog::CATALOG
            .iter()
            .filter(|d| d.kind == Kind::Histogram)
            .count();
        assert_eq!(with_exemplars, histograms + 2 + 2);
    }

    #[test]
    fn the_traces_link_opens_explore_on_the_variable_for_the_time_range() {
        let link = traces_link();
        let url = link["url"].as_str().unwrap();
        let panes = url
            .strip_prefix("/explore?schemaVersion=1&panes=")
            .expect("Explore URL, schema 1");
        let panes: Value = serde_json::from_str(panes).unwrap();
        let pane = &panes["trc"];
        assert_eq!(pane["datasource"], "${traces}");
        assert_eq!(pane["queries"][0]["datasource"]["uid"], "${traces}");
        assert_eq!(pane["queries"][0]["datasource"]["type"], "tempo");
        assert_eq!(pane["range"]["from"], "${__from}");
        assert_eq!(pane["range"]["to"], "${__to}");
        assert!(link["title"].as_str().unwrap().contains("${traces:text}"));
    }

    #[test]
    fn every_dashboard_names_the_prometheus_and_the_traces_data_sources() {
        for (name, board) in dashboards(&[]) {
            let vars = board["templating"]["list"].as_array().unwrap();
            let var = |n: &str| {
                vars.iter()
                    .find(|v| v["name"] == n)
                    .unwrap_or_else(|| panic!("{name}: no variable {n}"))
            };
            assert_eq!(var("datasource")["query"], "prometheus");
            assert_eq!(var("datasource")["current"]["value"], DATASOURCE_UID);
            let traces = var(TRACES_VARIABLE);
            assert_eq!(traces["type"], "datasource");
            assert_eq!(traces["query"], "tempo");
            assert_eq!(traces["current"]["value"], TRACES_DATASOURCE_UID);
        }
    }

    #[test]
    fn every_metric_has_a_panel_in_its_category_dashboard() {
        let boards = dashboards(&[]);
        assert_eq!(boards.len(), 11);
        for (_, board) in &boards[1..9] {
            for expr in expressions(board) {
                assert!(!metrics_in(&expr).is_empty(), "{expr}");
            }
        }
        let all: Vec<String> = boards.iter().flat_map(|(_, b)| expressions(b)).collect();
        for def in autobot_otel::catalog::CATALOG {
            assert!(
                all.iter().any(|e| metrics_in(e).contains(&def.id)),
                "{}",
                def.name
            );
        }
        let genai = expressions(&boards[9].1);
        for def in GENAI_METRICS {
            let name = def.prometheus_name();
            assert!(genai.iter().any(|e| e.contains(&name)), "{name}");
        }
    }

    #[test]
    fn genai_panels_group_by_the_attributes_their_metric_has() {
        let genai = expressions(&dashboards(&[])[9].1);
        for def in GENAI_METRICS {
            let name = def.prometheus_name();
            let labels: Vec<String> = def.prometheus_labels().map(|l| l.into_owned()).collect();
            for expr in genai.iter().filter(|e| e.contains(&format!("({name}_"))) {
                let by = expr
                    .split("sum by (")
                    .nth(1)
                    .and_then(|r| r.split(')').next())
                    .unwrap_or_else(|| panic!("no sum by: {expr}"));
                for label in by.split(", ").filter(|l| *l != "le") {
                    assert!(
                        labels.iter().any(|l| l == label),
                        "{name} has no {label}: {expr}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_agents_dashboard_charts_agents_and_tools() {
        let boards = dashboards(&[]);
        let (name, board) = &boards[10];
        assert_eq!(name, "autobot-agents.json");
        assert_eq!(board["uid"], "autobot-agents");
        let titles: Vec<&str> = board["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap())
            .collect();
        for want in [
            "Agent success rate",
            "Agent invocation duration p95",
            "Tool error rate",
            "Tool call duration p95",
            "invoke_agent duration p95 (GenAI conventions)",
        ] {
            assert!(titles.contains(&want), "{want}: {titles:?}");
        }
        assert!(
            titles.contains(&"LLM and tool calls per invocation"),
            "{titles:?}"
        );
        let exprs = expressions(board);
        let reads = |id: MetricId| exprs.iter().any(|e| metrics_in(e).contains(&id));
        for name in [
            "autobot_agent_invocations_total",
            "autobot_agent_invocation_duration_seconds",
            "autobot_tool_calls_total",
            "autobot_tool_call_duration_seconds",
            "autobot_agent_llm_calls_per_invocation",
            "autobot_agent_tool_calls_per_invocation",
        ] {
            let id =
                MetricId::from_name(name).unwrap_or_else(|| panic!("{name} not in the catalog"));
            assert!(reads(id), "{name}");
        }
        for def in [
            GenAiMetricId::InvokeAgentDuration.def(),
            GenAiMetricId::ExecuteToolDuration.def(),
        ] {
            let name = format!("{}_bucket", def.prometheus_name());
            assert!(exprs.iter().any(|e| e.contains(&name)), "{name}");
        }
        // Ratios are of the same aggregation on both sides.
        for expr in exprs.iter().filter(|e| e.contains("\n/ ")) {
            let (num, den) = expr.split_once("\n/ ").unwrap();
            let by = |side: &str| side.split("(rate(").next().unwrap().trim().to_string();
            assert_eq!(by(num), by(den), "{expr}");
        }
    }
}
