//! Grafana dashboards generated from the catalog: one per category with a panel
//! per metric (rates for counters, p50/p95/p99 for histograms, values for
//! gauges), topped by the guide's sample queries of that category (as corrected in
//! `docs/guide-queries.md`), an overview with all of the guide's queries, and one
//! for the OpenTelemetry GenAI conventions' metrics (when turned on).
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
/// model (token usage: by token type too, as a rate of tokens).
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
    } else {
        format!("{provider}, {model}")
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

/// Every dashboard as `(file name, JSON)`: the overview, one per category, then
/// the GenAI conventions' one.
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
        // One panel per histogram of the catalog, and the guide's one.
        let histograms = autobot_otel::catalog::CATALOG
            .iter()
            .filter(|d| d.kind == Kind::Histogram)
            .count();
        assert_eq!(with_exemplars, histograms + 2, "category and overview");
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
        assert_eq!(boards.len(), 10);
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
}
