//! The SLO dashboard (`collector-config/grafana/dashboards/autobot-slos.json`),
//! generated from the catalog's objectives like the other dashboards: an
//! overview of every objective's budget left and burn rate, then per objective
//! the 30-day SLI against its target, the budget left, the burn rate of every
//! tier window (against the tiers' burn rates), the firing tiers, and the
//! failures the fast tier needs to page now (low traffic made visible: with
//! few calls, one failure is not enough and the floor shows).
//!
//! It reads only the rules of [`crate::slo_rules`] (and, for the failures
//! needed, the SLI's own total events); every query is run on a real
//! Prometheus with those rules loaded (`tests/tests/slo_rules.rs`).

use serde_json::{Value, json};

use autobot_otel_catalog::objectives::{OBJECTIVES, Objective, Tier};

use crate::slo_rules::{duration, total_events, windows};

/// The dashboard's file name in [`crate::DASHBOARDS_DIR`].
pub const SLO_DASHBOARD: &str = "autobot-slos.json";

struct Panel {
    title: String,
    description: String,
    unit: &'static str,
    targets: Vec<(String, String)>,
}

fn legend(o: &Objective) -> String {
    o.by.iter()
        .map(|l| format!("{{{{{l}}}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn id(o: &Objective) -> String {
    format!("{{sloth_id=\"{}\"}}", o.sloth_id())
}

fn panels() -> Vec<Panel> {
    let mut out = vec![
        Panel {
            title: "Error budget left, every objective (30 d)".into(),
            description:
                "1 - the period burn rate: 1 is an untouched budget, 0 a spent one, below 0 \
                 an objective missed (slo:period_error_budget_remaining:ratio)"
                    .into(),
            unit: "percentunit",
            targets: vec![(
                "sort(slo:period_error_budget_remaining:ratio)".into(),
                "{{sloth_slo}}".into(),
            )],
        },
        Panel {
            title: "Current burn rate, every objective (5m)".into(),
            description: "Error ratio over the last 5 minutes divided by the budget: 1 spends the \
                 budget exactly over the period (slo:current_burn_rate:ratio)"
                .into(),
            unit: "none",
            targets: vec![("slo:current_burn_rate:ratio".into(), "{{sloth_slo}}".into())],
        },
    ];
    for o in OBJECTIVES {
        let i = id(o);
        let budget = o.error_budget().expect("validated").to_string();
        let period = duration(o.period_days * 1440);
        out.push(Panel {
            title: format!(
                "{}: {}-day SLI against the {}% target",
                o.name, o.period_days, o.target
            ),
            description: format!(
                "{}; good events over total events, weighted by traffic",
                o.description
            ),
            unit: "percentunit",
            targets: vec![
                (
                    format!("1 - max without (sloth_window) (slo:sli_error:ratio_rate{period}{i})"),
                    legend(o),
                ),
                (format!("max(slo:objective:ratio{i})"), "target".into()),
            ],
        });
        out.push(Panel {
            title: format!("{}: error budget left", o.name),
            description: format!(
                "Share of the {period} error budget ({budget} of the events) not yet spent"
            ),
            unit: "percentunit",
            targets: vec![(
                format!("slo:period_error_budget_remaining:ratio{i}"),
                legend(o),
            )],
        });
        let mut burn: Vec<(String, String)> = windows(o)
            .into_iter()
            .map(|w| {
                let w = duration(w);
                (
                    format!(
                        "max without (sloth_window) (slo:sli_error:ratio_rate{w}{i}) / {budget}"
                    ),
                    format!("{} {w}", legend(o)),
                )
            })
            .collect();
        for tier in o.enabled_tiers() {
            burn.push((
                format!("vector({})", tier.tier.burn_rate()),
                format!("{} tier ({}x)", tier.tier.key(), tier.tier.burn_rate()),
            ));
        }
        out.push(Panel {
            title: format!("{}: burn rate per tier window", o.name),
            description: "Error ratio of every tier window divided by the budget, with the tiers' \
                 thresholds: a tier fires when its long and its short window are both above its line"
                .into(),
            unit: "none",
            targets: burn,
        });
        out.push(Panel {
            title: format!("{}: firing tiers", o.name),
            description: "Budget-burn alerts firing now, per tier (empty when none fires)".into(),
            unit: "none",
            targets: vec![(
                format!(
                    "count by (slo_tier) (ALERTS{{alertstate=\"firing\",sloth_id=\"{}\"}})",
                    o.sloth_id()
                ),
                "{{slo_tier}}".into(),
            )],
        });
        let (long, _) = Tier::Fast.windows(o.period_days);
        let calls = total_events(o, "increase", &duration(long));
        out.push(Panel {
            title: format!("{}: failures needed to page now", o.name),
            description: format!(
                "How many failures in the last {} would make the fast tier page: 14.4 x budget x the \
                 calls of the window, at least the page floor of {} (low traffic made visible)",
                duration(long),
                o.page_min_bad_events
            ),
            unit: "none",
            targets: vec![(
                format!(
                    "clamp_min(ceil(14.4 * {budget} * {calls}), {})",
                    o.page_min_bad_events
                ),
                legend(o),
            )],
        });
    }
    out
}

/// The dashboard.
///
/// ```
/// let board = xtask::slo_dashboard::dashboard();
/// assert_eq!(board["uid"], "autobot-slos");
/// assert!(!xtask::grafana::expressions(&board).is_empty());
/// ```
pub fn dashboard() -> Value {
    let panels: Vec<Value> = panels()
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
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
                    })
                })
                .collect();
            json!({
                "id": n + 1,
                "type": "timeseries",
                "title": p.title,
                "description": p.description,
                "datasource": { "type": "prometheus", "uid": "${datasource}" },
                "gridPos": { "h": 8, "w": 12, "x": (n % 2) * 12, "y": (n / 2) * 8 },
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
        "uid": "autobot-slos",
        "title": "AutoBot Objectives (SLOs)",
        "tags": ["autobot", "slo"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": true,
        "refresh": "30s",
        "time": { "from": "now-24h", "to": "now" },
        "templating": { "list": crate::grafana::datasource_variables() },
        "annotations": { "list": [] },
        "panels": panels,
    })
}
