//! The panels: one per catalog metric, per GenAI conventions' metric, per guide
//! query, heatmaps of the latency histograms, stats of the alert rules (their
//! thresholds), and the agents' hand-written ones.

use autobot_otel::catalog::genai::GenAiMetricId;
use autobot_otel::catalog::{Kind, MetricDef};
use autobot_otel_catalog::attributes as attr;
use autobot_otel_catalog::labels::CircuitState;
use autobot_otel_catalog::naming::label_name;

use super::rules::RuleThreshold;
use super::{Mapping, Panel, PanelKind, Step, legend, metrics_in, unit};
use crate::guide_queries::GuideQuery;

/// The panel showing one metric.
pub fn metric_panel(def: &MetricDef) -> Panel {
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
        kind: PanelKind::TimeSeries,
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
pub fn genai_panel(def: &MetricDef<GenAiMetricId>) -> Panel {
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
        kind: PanelKind::TimeSeries,
        title,
        description: format!("`{}` (OTel `{}`; histogram; labels: {by})", name, def.name),
        unit,
        targets,
        exemplars: false,
    }
}

/// The panel of one of the guide's sample queries (as `docs/guide-queries.md`
/// says to use it).
pub fn guide_panel(q: &GuideQuery) -> Panel {
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
        kind: PanelKind::TimeSeries,
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

/// A panel of one or more hand-written queries.
pub fn query_panel(
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
        kind: PanelKind::TimeSeries,
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

/// The LLM dashboard's spend panel: each provider's cost over the last 24
/// hours, what the `LLMDailyBudgetExceeded` alert compares with its budget.
pub fn llm_spend_panel() -> Panel {
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

/// The "Agents" dashboard: agent success rate and p95 duration per agent, tool
/// error rate and p95 per tool, LLM and tool calls per invocation, and the GenAI
/// conventions' agent and tool durations (recorded when turned on). Tokens per agent are not
/// charted: no family has both a token count and an agent (an invocation's tokens
/// are summed on its span only).
pub fn agents_panels() -> Vec<Panel> {
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

/// The heatmap of a histogram's buckets (`sum by (le)` of their rate over
/// `$__rate_interval`, `format: heatmap`), `series` being its Prometheus family
/// name and `unit` the Grafana unit of its bucket bounds.
///
/// ```
/// let p = xtask::grafana::panels::heatmap("autobot_workflow_duration_seconds", "Workflow duration", "s");
/// assert_eq!(p.targets[0].0, "sum by (le) (rate(autobot_workflow_duration_seconds_bucket[$__rate_interval]))");
/// ```
pub fn heatmap(series: &str, help: &str, unit: &'static str) -> Panel {
    Panel {
        kind: PanelKind::Heatmap,
        title: format!("{} (heatmap)", help.trim_end_matches('.')),
        description: format!(
            "`{series}`: how many measurements fell in each bucket per second, over time"
        ),
        unit,
        targets: vec![(
            format!("sum by (le) (rate({series}_bucket[$__rate_interval]))"),
            "{{le}}".to_string(),
        )],
        exemplars: false,
    }
}

/// The heatmap of a catalog histogram, when it is a latency (unit `s`).
pub fn latency_heatmap<I>(def: &MetricDef<I>) -> Option<Panel> {
    (def.kind == Kind::Histogram && def.unit == "s")
        .then(|| heatmap(&def.prometheus_name(), def.help, "s"))
}

/// The value mappings of the state gauges a query reads: circuit breaker state
/// (the codes of [`CircuitState`]) and provider availability (its help: 1 =
/// available, 0 = unavailable).
pub fn state_mappings(query: &str) -> Vec<Mapping> {
    if query.contains("autobot_circuit_breaker_state") {
        CircuitState::ALL
            .iter()
            .map(|s| Mapping {
                value: s.code().to_string(),
                text: s.as_str().to_string(),
                color: match s {
                    CircuitState::Closed => "green",
                    CircuitState::Open => "red",
                    CircuitState::HalfOpen => "orange",
                },
            })
            .collect()
    } else if query.contains("autobot_llm_provider_availability") {
        vec![
            Mapping {
                value: "0".into(),
                text: "unavailable".into(),
                color: "red",
            },
            Mapping {
                value: "1".into(),
                text: "available".into(),
                color: "green",
            },
        ]
    } else {
        Vec::new()
    }
}

/// The threshold steps of a rule `<query> <op> <value>`: red where it fires,
/// green elsewhere (`==`: red from the value to the next integer).
///
/// ```
/// use xtask::grafana::panels::rule_steps;
/// let s = rule_steps(">", 0.1);
/// assert_eq!((s[0].color, s[1].value, s[1].color), ("green", Some(0.1), "red"));
/// assert_eq!(rule_steps("<", 100.0)[0].color, "red");
/// ```
pub fn rule_steps(op: &str, value: f64) -> Vec<Step> {
    let step = |value, color| Step { value, color };
    match op {
        ">" | ">=" => vec![step(None, "green"), step(Some(value), "red")],
        "<" | "<=" => vec![step(None, "red"), step(Some(value), "green")],
        "==" => vec![
            step(None, "green"),
            step(Some(value), "red"),
            step(Some(value + 1.0), "green"),
        ],
        _ => vec![step(None, "red"), step(Some(value), "green")],
    }
}

/// The stat of an alert rule: its query (without the comparison), colored red
/// where the rule fires (thresholds from [`rule_steps`]), state gauges named
/// ([`state_mappings`]).
pub fn rule_stat(rule: &RuleThreshold) -> Panel {
    let q = &rule.query;
    let unit = if q.contains("histogram_quantile") {
        "s"
    } else if q.contains(" / ") || q.contains("\n/") {
        "percentunit"
    } else {
        metrics_in(q)
            .first()
            .map(|id| unit(id.def()))
            .unwrap_or("short")
    };
    // The labels the result keeps: the `by` list, or the gauge's own labels.
    let by: Vec<String> = match q.split_once("by (") {
        Some((_, rest)) => rest
            .split(')')
            .next()
            .unwrap_or_default()
            .split(',')
            .map(|l| l.trim().to_string())
            .filter(|l| l != "le" && !l.is_empty())
            .collect(),
        None => metrics_in(q)
            .first()
            .map(|id| id.def().labels.iter().map(|l| l.to_string()).collect())
            .unwrap_or_default(),
    };
    let by: Vec<&str> = by.iter().map(String::as_str).collect();
    let mappings = state_mappings(q);
    Panel {
        kind: PanelKind::Stat {
            thresholds: rule_steps(&rule.op, rule.value),
            mappings,
            alert: Some(rule.alert.clone()),
        },
        title: rule.summary.clone(),
        description: format!(
            "Thresholds: alert rule `{}` (fires when `{} {}`)",
            rule.alert, rule.op, rule.value
        ),
        unit,
        targets: vec![(q.trim().to_string(), legend(&by))],
        exemplars: false,
    }
}

/// The stat of a gauge's current total (`sum` of it), for the "active ..."
/// gauges; no threshold (no rule alerts on them).
pub fn gauge_stat<I>(def: &MetricDef<I>) -> Panel {
    Panel {
        kind: PanelKind::Stat {
            thresholds: vec![Step {
                value: None,
                color: "blue",
            }],
            mappings: Vec::new(),
            alert: None,
        },
        title: def.help.to_string(),
        description: format!("`{}` (gauge), summed", def.name),
        unit: unit(def),
        targets: vec![(format!("sum({})", def.name), def.help.to_string())],
        exemplars: false,
    }
}
