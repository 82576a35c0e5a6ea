//! Grafana dashboards generated from the catalog and the shipped alert rules.
//!
//! A dashboard is a [`Dashboard`]: a title, its domain [`Variable`]s, optional
//! pinned label values, and a list of [`Panel`]s (time series, stat, heatmap,
//! text, rows). [`Dashboard::to_json`] writes what Grafana loads and adds what
//! every dashboard has: the variables `datasource`, `traces`, `job` and
//! `instance` (multi-value, with "All" as `.*`), each domain variable filled by
//! `label_values` over the series of the dashboard that have its label, the
//! variables' matchers on every series selector of every panel
//! ([`promql::with_matchers`]), an `ALERTS` annotation, and links between the
//! overview and every other dashboard that keep the time range and variables.
//!
//! The dashboards ([`dashboards`], defined in [`boards`]): the overview with the
//! guide's sample queries, one per category (guide queries, stats of the
//! category's alert rules with the rules' thresholds, a panel per metric, a
//! heatmap per latency histogram), GenAI conventions, agents, error tracking,
//! Claude API (the LLM dashboard's panels pinned to `provider="anthropic"`),
//! multi-machine, system metrics and API health.
//!
//! Every panel that reads a histogram's `_bucket` series as quantiles shows its
//! exemplars (one target per panel asks for them, so each exemplar is drawn
//! once) and links to the traces data source that the dashboard variable
//! [`TRACES_VARIABLE`] names. The exemplars' own trace-ID links are a setting of
//! the Prometheus data source (`exemplarTraceIdDestinations` in
//! `collector-config/grafana/provisioning`), since Grafana applies no panel field
//! config to exemplars; both default to the provisioned data source
//! [`TRACES_DATASOURCE_UID`].

pub mod boards;
pub mod check;
pub mod panels;
pub mod promql;
pub mod rules;
pub mod series;

use autobot_otel::catalog::{Kind, MetricDef, MetricId};
use serde_json::{Value, json};

use crate::guide_queries::GuideQuery;
pub use boards::dashboards;
use rules::RuleThreshold;

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

/// The value a multi-value variable's "All" sends (`allValue`).
pub const ALL_VALUE: &str = ".*";

/// The tag every generated dashboard has (the links' dropdown lists them).
pub const TAG: &str = "autobot";

/// The uid of the overview, which every other dashboard links to.
pub const OVERVIEW_UID: &str = "autobot-overview";

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

/// The Grafana unit of a metric's values.
pub fn unit<I>(def: &MetricDef<I>) -> &'static str {
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

/// A legend showing each of `labels`: `{{a}} {{b}}`.
pub fn legend(labels: &[&str]) -> String {
    labels
        .iter()
        .map(|l| format!("{{{{{l}}}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One threshold step of a stat panel: from `value` on (`None`: the base), the
/// color.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Where the step starts (`None` for the base step).
    pub value: Option<f64>,
    /// A Grafana color name.
    pub color: &'static str,
}

/// A value mapping of a stat panel: the value shown as `text` in `color`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The exact value (as Grafana compares it, text).
    pub value: String,
    /// What is shown.
    pub text: String,
    /// A Grafana color name.
    pub color: &'static str,
}

/// What a panel draws.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelKind {
    /// Lines over time.
    TimeSeries,
    /// The current value of each series, colored by thresholds, with value
    /// mappings; `alert` names the rule the thresholds are taken from.
    Stat {
        /// The threshold steps, base first.
        thresholds: Vec<Step>,
        /// Value mappings (state names).
        mappings: Vec<Mapping>,
        /// The alert rule whose threshold the steps carry.
        alert: Option<String>,
    },
    /// A histogram's buckets over time (`format: heatmap`).
    Heatmap,
    /// Markdown text, no query.
    Text(String),
    /// A row header; with `repeat`, Grafana repeats the row and the panels under
    /// it for each selected value of that variable.
    Row {
        /// The variable the row repeats over.
        repeat: Option<String>,
    },
}

/// One panel of a dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// What it draws.
    pub kind: PanelKind,
    /// The title.
    pub title: String,
    /// The description (the info tooltip).
    pub description: String,
    /// The Grafana unit of its values.
    pub unit: &'static str,
    /// `(expr, legend)` per query; an empty legend is Grafana's `__auto`.
    pub targets: Vec<(String, String)>,
    /// Its histograms keep exemplars (the catalog's; the GenAI conventions'
    /// metrics keep none).
    pub exemplars: bool,
}

impl Panel {
    /// A time series panel.
    ///
    /// ```
    /// use xtask::grafana::Panel;
    /// let p = Panel::timeseries("Up", "Targets up", "short", &[("up", "{{instance}}")]);
    /// assert_eq!(p.targets[0].0, "up");
    /// ```
    pub fn timeseries(
        title: &str,
        description: &str,
        unit: &'static str,
        targets: &[(&str, &str)],
    ) -> Panel {
        Panel {
            kind: PanelKind::TimeSeries,
            title: title.to_string(),
            description: description.to_string(),
            unit,
            targets: targets
                .iter()
                .map(|(e, l)| (e.to_string(), l.to_string()))
                .collect(),
            exemplars: false,
        }
    }

    /// The same panel drawn as a stat with these thresholds and mappings.
    ///
    /// ```
    /// use xtask::grafana::{Panel, PanelKind, Step};
    /// let p = Panel::timeseries("Up", "", "short", &[("up", "")])
    ///     .stat(vec![Step { value: None, color: "green" }], vec![]);
    /// assert!(matches!(p.kind, PanelKind::Stat { .. }));
    /// ```
    pub fn stat(mut self, thresholds: Vec<Step>, mappings: Vec<Mapping>) -> Panel {
        self.kind = PanelKind::Stat {
            thresholds,
            mappings,
            alert: None,
        };
        self
    }

    /// A row header (full width); `repeat` names the variable it repeats over.
    ///
    /// ```
    /// let row = xtask::grafana::Panel::row("Instance $instance", Some("instance"));
    /// assert!(row.targets.is_empty());
    /// ```
    pub fn row(title: &str, repeat: Option<&str>) -> Panel {
        Panel {
            kind: PanelKind::Row {
                repeat: repeat.map(str::to_string),
            },
            title: title.to_string(),
            description: String::new(),
            unit: "short",
            targets: Vec::new(),
            exemplars: false,
        }
    }

    /// A text panel of markdown.
    ///
    /// ```
    /// let t = xtask::grafana::Panel::text("Note", "**bold**");
    /// assert!(t.targets.is_empty());
    /// ```
    pub fn text(title: &str, markdown: &str) -> Panel {
        Panel {
            kind: PanelKind::Text(markdown.to_string()),
            title: title.to_string(),
            description: String::new(),
            unit: "short",
            targets: Vec::new(),
            exemplars: false,
        }
    }

    /// The target that asks for exemplars: the first one reading a histogram's
    /// buckets (one per panel: every target of a p50/p95/p99 panel reads the same
    /// buckets, and each would draw the same exemplars again). Time series only.
    fn exemplar_target(&self) -> Option<usize> {
        if !self.exemplars || self.kind != PanelKind::TimeSeries {
            return None;
        }
        self.targets
            .iter()
            .position(|(expr, _)| expr.contains(BUCKET_SUFFIX))
    }

    /// Width and height in grid units.
    fn size(&self) -> (u64, u64) {
        match self.kind {
            PanelKind::Stat { .. } => (6, 4),
            PanelKind::Row { .. } => (24, 1),
            PanelKind::Text(_) => (24, 3),
            PanelKind::TimeSeries | PanelKind::Heatmap => (12, 8),
        }
    }
}

/// A domain variable of a dashboard: a Prometheus label, its values the
/// `label_values` of the dashboard's series that have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The label, and the variable's name.
    pub name: String,
    /// What the dashboard shows as its label.
    pub label: String,
}

/// One dashboard: file, uid, title, variables, pinned labels, panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// `autobot-<key>`: the uid, and the file name without `.json`.
    pub uid: String,
    /// The title.
    pub title: String,
    /// Tags besides [`TAG`].
    pub tags: Vec<String>,
    /// The domain variables (after `job` and `instance`, which every dashboard has).
    pub variables: Vec<Variable>,
    /// Labels pinned to one value on every selector of a series that has them.
    pub pins: Vec<(String, String)>,
    /// The `category` of the alerts its `ALERTS` annotation shows (`None`: all).
    pub alert_category: Option<String>,
    /// The panels, in order.
    pub panels: Vec<Panel>,
}

impl Dashboard {
    /// A dashboard `autobot-<key>` titled `title`, without panels.
    ///
    /// ```
    /// use xtask::grafana::{Dashboard, Panel};
    /// let board = Dashboard::new("slo", "AutoBot SLOs")
    ///     .variable("workflow_type", "Workflow type")
    ///     .panel(Panel::timeseries("Up", "", "short", &[("up", "")]));
    /// let json = board.to_json();
    /// assert_eq!(json["uid"], "autobot-slo");
    /// assert_eq!(json["panels"][0]["targets"][0]["expr"], r#"up{job=~"$job", instance=~"$instance"}"#);
    /// ```
    pub fn new(key: &str, title: &str) -> Dashboard {
        Dashboard {
            uid: format!("autobot-{key}"),
            title: title.to_string(),
            tags: vec![key.to_string()],
            variables: Vec::new(),
            pins: Vec::new(),
            alert_category: None,
            panels: Vec::new(),
        }
    }

    /// Adds a domain variable for `label`.
    pub fn variable(mut self, label: &str, display: &str) -> Dashboard {
        self.variables.push(Variable {
            name: label.to_string(),
            label: display.to_string(),
        });
        self
    }

    /// Pins `label` to `value` on every selector of a series with that label.
    pub fn pin(mut self, label: &str, value: &str) -> Dashboard {
        self.pins.push((label.to_string(), value.to_string()));
        self
    }

    /// Shows the alerts of rules with `labels.category` = `category`.
    pub fn alerts_of(mut self, category: &str) -> Dashboard {
        self.alert_category = Some(category.to_string());
        self
    }

    /// Appends a panel.
    pub fn panel(mut self, panel: Panel) -> Dashboard {
        self.panels.push(panel);
        self
    }

    /// Appends panels.
    pub fn panels(mut self, panels: impl IntoIterator<Item = Panel>) -> Dashboard {
        self.panels.extend(panels);
        self
    }

    /// The file name, `<uid>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.uid)
    }

    /// The variable names of the dashboard's labels: `job`, `instance`, then
    /// the domain ones.
    pub fn variable_names(&self) -> Vec<String> {
        series::TARGET_LABELS
            .iter()
            .map(|l| l.to_string())
            .chain(self.variables.iter().map(|v| v.name.clone()))
            .collect()
    }

    /// `expr` with the dashboard's matchers on each series selector: `label=~"$label"`
    /// for each of [`Dashboard::variable_names`] the series has, `label="value"`
    /// for each pin. A series none of the tables knows is left as it is.
    pub fn scoped(&self, expr: &str) -> String {
        let names = self.variable_names();
        promql::with_matchers(expr, |series| {
            let labels = series::labels_of(series)?;
            let mut out: Vec<String> = labels
                .iter()
                .filter(|l| names.contains(l))
                .map(|l| format!("{l}=~\"${l}\""))
                .collect();
            for (label, value) in &self.pins {
                if labels.contains(label) {
                    out.push(format!("{label}=\"{value}\""));
                }
            }
            Some(out)
        })
    }

    /// The series names the panels read that have `label`, sorted.
    fn series_with(&self, label: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .panels
            .iter()
            .flat_map(|p| p.targets.iter())
            .flat_map(|(expr, _)| promql::selectors(expr))
            .map(|s| s.name)
            .filter(|n| series::labels_of(n).is_some_and(|l| l.iter().any(|x| x == label)))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The `label_values` query of a label variable: over the dashboard's series
    /// with that label, restricted by `job` (for every variable but `job`) and by
    /// the pins every one of those series has.
    pub fn variable_query(&self, label: &str) -> String {
        let names = self.series_with(label);
        let mut matchers = vec![format!("__name__=~\"{}\"", names.join("|"))];
        if label != "job" {
            matchers.push("job=~\"$job\"".to_string());
        }
        for (pin, value) in &self.pins {
            if names
                .iter()
                .all(|n| series::labels_of(n).is_some_and(|l| l.contains(pin)))
            {
                matchers.push(format!("{pin}=\"{value}\""));
            }
        }
        format!("label_values({{{}}}, {label})", matchers.join(", "))
    }

    fn variables_json(&self) -> Vec<Value> {
        let mut out = datasource_variables().to_vec();
        let labels = [("job", "Job"), ("instance", "Instance")]
            .into_iter()
            .map(|(n, l)| (n.to_string(), l.to_string()))
            .chain(
                self.variables
                    .iter()
                    .map(|v| (v.name.clone(), v.label.clone())),
            );
        for (name, label) in labels {
            let query = self.variable_query(&name);
            out.push(json!({
                "name": name,
                "label": label,
                "type": "query",
                "datasource": { "type": "prometheus", "uid": "${datasource}" },
                "query": query,
                "definition": query,
                "refresh": 2,
                "sort": 1,
                "regex": "",
                "multi": true,
                "includeAll": true,
                "allValue": ALL_VALUE,
                "current": { "text": ["All"], "value": ["$__all"] },
                "options": [],
                "hide": 0
            }));
        }
        out
    }

    fn annotations_json(&self) -> Value {
        let expr = match &self.alert_category {
            Some(c) => format!("ALERTS{{alertstate=\"firing\", category=\"{c}\"}}"),
            None => "ALERTS{alertstate=\"firing\"}".to_string(),
        };
        json!({ "list": [{
            "builtIn": 1,
            "datasource": { "type": "grafana", "uid": "-- Grafana --" },
            "enable": true,
            "hide": true,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard"
        }, {
            "name": "Firing alerts",
            "datasource": { "type": "prometheus", "uid": "${datasource}" },
            "enable": true,
            "hide": false,
            "iconColor": "red",
            "expr": expr,
            "step": "60s",
            "titleFormat": "{{alertname}}",
            "textFormat": "{{severity}} ({{category}})",
            "tagKeys": "severity,category",
            "useValueForTime": false
        }]})
    }

    fn links_json(&self) -> Vec<Value> {
        let mut links = Vec::new();
        if self.uid != OVERVIEW_UID {
            links.push(json!({
                "title": "AutoBot Overview",
                "type": "link",
                "url": format!("/d/{OVERVIEW_UID}"),
                "icon": "dashboard",
                "tags": [],
                "asDropdown": false,
                "keepTime": true,
                "includeVars": true,
                "targetBlank": false,
                "tooltip": "The overview, same time range and variables"
            }));
        }
        links.push(json!({
            "title": "AutoBot dashboards",
            "type": "dashboards",
            "tags": [TAG],
            "icon": "external link",
            "url": "",
            "asDropdown": true,
            "keepTime": true,
            "includeVars": true,
            "targetBlank": false,
            "tooltip": "Every AutoBot dashboard, same time range and variables"
        }));
        links
    }

    /// The dashboard as Grafana loads it.
    pub fn to_json(&self) -> Value {
        let mut panels = Vec::new();
        let (mut x, mut y, mut line) = (0u64, 0u64, 0u64);
        for (i, p) in self.panels.iter().enumerate() {
            let (w, h) = p.size();
            if x + w > 24 || matches!(p.kind, PanelKind::Row { .. } | PanelKind::Text(_)) && x > 0 {
                y += line;
                x = 0;
                line = 0;
            }
            let grid = json!({ "h": h, "w": w, "x": x, "y": y });
            x += w;
            line = line.max(h);
            if x >= 24 {
                y += line;
                x = 0;
                line = 0;
            }
            panels.push(self.panel_json(i as u64 + 1, p, grid));
        }
        let mut tags = vec![TAG.to_string()];
        tags.extend(self.tags.iter().cloned());
        json!({
            "uid": self.uid,
            "title": self.title,
            "tags": tags,
            "timezone": "browser",
            "schemaVersion": 39,
            "version": 1,
            "editable": true,
            "refresh": "30s",
            "time": { "from": "now-1h", "to": "now" },
            "templating": { "list": self.variables_json() },
            "annotations": self.annotations_json(),
            "links": self.links_json(),
            "panels": panels,
        })
    }

    fn panel_json(&self, id: u64, p: &Panel, grid: Value) -> Value {
        let datasource = json!({ "type": "prometheus", "uid": "${datasource}" });
        if let PanelKind::Row { repeat } = &p.kind {
            let mut row = json!({
                "id": id,
                "type": "row",
                "title": p.title,
                "collapsed": false,
                "gridPos": grid,
                "panels": [],
            });
            if let Some(var) = repeat {
                row["repeat"] = json!(var);
            }
            return row;
        }
        if let PanelKind::Text(content) = &p.kind {
            return json!({
                "id": id,
                "type": "text",
                "title": p.title,
                "gridPos": grid,
                "options": { "mode": "markdown", "content": content },
            });
        }
        let exemplars = p.exemplar_target();
        let heatmap = p.kind == PanelKind::Heatmap;
        let stat = matches!(p.kind, PanelKind::Stat { .. });
        let targets: Vec<Value> = p
            .targets
            .iter()
            .enumerate()
            .map(|(j, (expr, legend))| {
                let mut t = json!({
                    "refId": ((b'A' + j as u8) as char).to_string(),
                    "datasource": datasource,
                    "expr": self.scoped(expr),
                    "legendFormat": if legend.is_empty() { "__auto".to_string() } else { legend.clone() },
                    "range": !stat,
                    "instant": stat,
                    "exemplar": exemplars == Some(j),
                });
                if heatmap {
                    t["format"] = json!("heatmap");
                }
                t
            })
            .collect();
        let mut description = p.description.clone();
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
        let mut defaults = json!({ "unit": p.unit });
        let options = match &p.kind {
            PanelKind::Stat {
                thresholds,
                mappings,
                ..
            } => {
                defaults["color"] = json!({ "mode": "thresholds" });
                defaults["thresholds"] = json!({
                    "mode": "absolute",
                    "steps": thresholds.iter().map(|s| json!({ "color": s.color, "value": s.value })).collect::<Vec<_>>(),
                });
                let options: serde_json::Map<String, Value> = mappings
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        (
                            m.value.clone(),
                            json!({ "text": m.text, "color": m.color, "index": i }),
                        )
                    })
                    .collect();
                defaults["mappings"] = if mappings.is_empty() {
                    json!([])
                } else {
                    json!([{ "type": "value", "options": options }])
                };
                json!({
                    "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
                    "colorMode": "background",
                    "graphMode": "none",
                    "textMode": "value_and_name",
                    "justifyMode": "auto",
                    "orientation": "auto"
                })
            }
            PanelKind::Heatmap => json!({
                "calculate": false,
                "cellGap": 1,
                "color": { "mode": "scheme", "scheme": "Oranges", "scale": "exponential", "exponent": 0.5, "steps": 64, "reverse": false, "fill": "dark-orange" },
                "yAxis": { "axisPlacement": "left", "unit": p.unit },
                "rowsFrame": { "layout": "auto" },
                "tooltip": { "mode": "single", "yHistogram": false, "showColorScale": false },
                "legend": { "show": true },
                "exemplars": { "color": "rgba(255,0,255,0.7)" },
                "filterValues": { "le": 1e-9 }
            }),
            _ => json!({
                "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true },
                "tooltip": { "mode": "multi", "sort": "desc" }
            }),
        };
        json!({
            "id": id,
            "type": match p.kind {
                PanelKind::Stat { .. } => "stat",
                PanelKind::Heatmap => "heatmap",
                _ => "timeseries",
            },
            "title": p.title,
            "description": description,
            "links": links,
            "datasource": datasource,
            "gridPos": grid,
            "fieldConfig": { "defaults": defaults, "overrides": [] },
            "options": options,
            "targets": targets,
        })
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

/// The two data source variables every dashboard starts with: `datasource`
/// (the Prometheus the panels query) and the traces data source its exemplar
/// links open.
pub fn datasource_variables() -> [Value; 2] {
    [
        json!({
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
            "current": { "text": "AutoBot Prometheus", "value": DATASOURCE_UID },
            "hide": 0
        }),
        json!({
            "name": TRACES_VARIABLE,
            "label": "Traces",
            "type": "datasource",
            "query": "tempo",
            "current": { "text": TRACES_DATASOURCE_NAME, "value": TRACES_DATASOURCE_UID },
            "hide": 0
        }),
    ]
}

/// Every PromQL expression of a dashboard's panels (with the variables in them).
pub fn expressions(dashboard: &Value) -> Vec<String> {
    dashboard["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str().map(str::to_string))
        .collect()
}

/// Rule `alert` of `rules`; an error when there is none.
pub fn rule<'a>(rules: &'a [RuleThreshold], alert: &str) -> Result<&'a RuleThreshold, String> {
    rules
        .iter()
        .find(|r| r.alert == alert)
        .ok_or_else(|| format!("no alert rule `{alert}`"))
}

/// The guide queries are panels of the overview and of their category.
pub fn guide_panels(guide: &[GuideQuery]) -> Vec<Panel> {
    guide.iter().map(panels::guide_panel).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use autobot_otel::catalog::genai::{GENAI_METRICS, GenAiMetricId};

    /// The shipped guide queries and rules.
    fn inputs() -> (Vec<GuideQuery>, Vec<RuleThreshold>) {
        let root = crate::workspace_root();
        let md = std::fs::read_to_string(root.join("docs/guide-queries.md")).unwrap();
        (
            crate::guide_queries::parse(&md).unwrap(),
            rules::read(&root).unwrap(),
        )
    }

    fn all_boards() -> Vec<(String, Value)> {
        let (guide, rules) = inputs();
        dashboards(&guide, &rules).unwrap()
    }

    fn board(name: &str) -> Value {
        all_boards()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1
    }

    fn panels_of(b: &Value) -> Vec<Value> {
        b["panels"].as_array().cloned().unwrap_or_default()
    }

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

    #[test]
    fn histogram_panels_ask_for_exemplars_once_and_link_to_the_traces() {
        let mut with_exemplars = 0;
        for (name, b) in all_boards() {
            for panel in panels_of(&b) {
                let targets = panel["targets"].as_array().cloned().unwrap_or_default();
                let reads_buckets = targets
                    .iter()
                    .any(|t| t["expr"].as_str().unwrap().contains("_bucket"));
                let asking: Vec<&Value> = targets
                    .iter()
                    .filter(|t| t["exemplar"] == json!(true))
                    .collect();
                let links = panel["links"].as_array().cloned().unwrap_or_default();
                let genai = panel["description"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("(OTel `");
                let catalog = targets
                    .iter()
                    .any(|t| !metrics_in(t["expr"].as_str().unwrap()).is_empty());
                if reads_buckets && !genai && catalog && panel["type"] == "timeseries" {
                    with_exemplars += 1;
                    assert_eq!(asking.len(), 1, "{name}: {}", panel["title"]);
                    assert!(asking[0]["expr"].as_str().unwrap().contains("_bucket"));
                    assert_eq!(links.len(), 1, "{}", panel["title"]);
                    assert!(panel["description"].as_str().unwrap().contains("Exemplars"));
                } else {
                    assert!(asking.is_empty(), "{name}: {}", panel["title"]);
                    assert!(links.is_empty(), "{name}: {}", panel["title"]);
                }
            }
        }
        assert!(with_exemplars > 0);
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
    fn every_dashboard_has_the_data_sources_and_job_and_instance_as_multi_all() {
        for (name, board) in all_boards() {
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
            for n in ["job", "instance"] {
                let v = var(n);
                assert_eq!(v["multi"], true, "{name} {n}");
                assert_eq!(v["includeAll"], true, "{name} {n}");
                assert_eq!(v["allValue"], ".*", "{name} {n}");
                assert!(
                    v["query"]
                        .as_str()
                        .unwrap()
                        .starts_with("label_values({__name__=~\""),
                    "{name} {n}"
                );
            }
        }
    }

    #[test]
    fn every_panel_selector_carries_every_variable_its_series_has() {
        let (guide, rules) = inputs();
        for b in boards::dashboard_list(&guide, &rules).unwrap() {
            let json = b.to_json();
            let names = b.variable_names();
            for expr in expressions(&json) {
                for s in promql::selectors(&expr) {
                    let labels = series::labels_of(&s.name).unwrap_or_else(|| {
                        panic!("{}: unknown series {} in {expr}", b.uid, s.name)
                    });
                    for l in labels.iter().filter(|l| names.contains(l)) {
                        assert!(
                            expr.contains(&format!("{l}=~\"${l}\"")),
                            "{}: {} lacks ${l}: {expr}",
                            b.uid,
                            s.name
                        );
                    }
                    for (pin, value) in &b.pins {
                        if labels.contains(pin) {
                            assert!(s.matched.contains(pin), "{}: {expr}", b.uid);
                            assert!(expr.contains(&format!("{pin}=\"{value}\"")));
                        }
                    }
                }
            }
            // Each domain variable is used by some panel.
            for v in &b.variables {
                assert!(
                    expressions(&json)
                        .iter()
                        .any(|e| e.contains(&format!("${}", v.name))),
                    "{}: ${} unused",
                    b.uid,
                    v.name
                );
            }
        }
    }

    #[test]
    fn every_dashboard_passes_the_structural_check() {
        for (name, board) in all_boards() {
            assert_eq!(check::problems(&board), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn every_latency_histogram_has_a_heatmap() {
        let boards = all_boards();
        let heatmaps: Vec<String> = boards
            .iter()
            .flat_map(|(_, b)| panels_of(b))
            .filter(|p| p["type"] == "heatmap")
            .map(|p| p["targets"][0]["expr"].as_str().unwrap().to_string())
            .collect();
        let latency = autobot_otel::catalog::CATALOG
            .iter()
            .filter(|d| d.kind == Kind::Histogram && d.unit == "s")
            .map(|d| d.name.to_string())
            .chain(
                GENAI_METRICS
                    .iter()
                    .filter(|d| d.unit == "s")
                    .map(|d| d.prometheus_name()),
            );
        for name in latency {
            let want = format!("sum by (le) (rate({name}_bucket{{");
            assert!(
                heatmaps
                    .iter()
                    .any(|h| h.starts_with(&want) && h.ends_with("}[$__rate_interval]))")),
                "{name}"
            );
        }
        for (_, b) in &boards {
            for p in panels_of(b).iter().filter(|p| p["type"] == "heatmap") {
                assert_eq!(p["targets"][0]["format"], "heatmap");
                assert_eq!(p["options"]["calculate"], false);
            }
        }
    }

    #[test]
    fn stats_carry_their_rules_thresholds_and_state_names() {
        let (_, rules) = inputs();
        let llm = board("autobot-llm.json");
        let perf = board("autobot-performance.json");
        let mut stats = 0;
        for (_, b) in all_boards() {
            for p in panels_of(&b).iter().filter(|p| p["type"] == "stat") {
                let d = p["description"].as_str().unwrap_or_default();
                let Some(alert) = d
                    .split("alert rule `")
                    .nth(1)
                    .and_then(|r| r.split('`').next())
                else {
                    continue;
                };
                stats += 1;
                let r = rule(&rules, alert).unwrap();
                let steps = p["fieldConfig"]["defaults"]["thresholds"]["steps"]
                    .as_array()
                    .unwrap();
                let red: Vec<f64> = steps
                    .iter()
                    .filter(|s| s["color"] == "red" || s["color"] == "green")
                    .filter_map(|s| s["value"].as_f64())
                    .collect();
                assert_eq!(red[0], r.value, "{alert}");
            }
        }
        assert!(stats >= rules.len(), "{stats}");
        let mapped = |b: &Value, title_has: &str| -> Value {
            panels_of(b)
                .into_iter()
                .find(|p| p["type"] == "stat" && p["title"].as_str().unwrap().contains(title_has))
                .unwrap_or_else(|| panic!("{title_has}"))["fieldConfig"]["defaults"]["mappings"][0]
                ["options"]
                .clone()
        };
        let circuit = mapped(&perf, "Circuit breaker open");
        assert_eq!(circuit["0"]["text"], "closed");
        assert_eq!(circuit["1"]["text"], "open");
        assert_eq!(circuit["2"]["text"], "half_open");
        assert_eq!(mapped(&llm, "unavailable")["0"]["text"], "unavailable");
    }

    #[test]
    fn the_overview_and_every_dashboard_link_each_other_with_time_and_variables() {
        for (name, b) in all_boards() {
            assert!(
                b["tags"].as_array().unwrap().contains(&json!(TAG)),
                "{name}"
            );
            let links = b["links"].as_array().unwrap();
            let all = links.iter().find(|l| l["type"] == "dashboards").unwrap();
            assert_eq!(all["tags"], json!([TAG]));
            assert_eq!(
                (all["keepTime"].clone(), all["includeVars"].clone()),
                (json!(true), json!(true))
            );
            if b["uid"] != OVERVIEW_UID {
                let back = links.iter().find(|l| l["type"] == "link").unwrap();
                assert_eq!(back["url"], format!("/d/{OVERVIEW_UID}"));
                assert_eq!(back["keepTime"], true);
                assert_eq!(back["includeVars"], true);
            }
            let ann = b["annotations"]["list"].as_array().unwrap();
            assert!(
                ann.iter()
                    .any(|a| a["expr"].as_str().is_some_and(|e| e.starts_with("ALERTS{")))
            );
        }
    }

    #[test]
    fn the_claude_dashboard_is_the_llm_dashboard_pinned_to_anthropic() {
        let llm = board("autobot-llm.json");
        let claude = board("autobot-claude.json");
        let titles = |b: &Value| -> Vec<String> {
            panels_of(b)
                .iter()
                .map(|p| p["title"].to_string())
                .collect()
        };
        assert_eq!(titles(&llm), titles(&claude));
        let exprs = expressions(&claude);
        assert!(exprs.iter().all(|e| !e.contains("$provider")));
        for (l, c) in expressions(&llm).iter().zip(&exprs) {
            let want = l
                .replace(", provider=~\"$provider\"", "")
                .replace(", model=~\"$model\"", "");
            let got = c
                .replace(", provider=\"anthropic\"", "")
                .replace(", model=~\"$model\"", "");
            assert_eq!(want, got);
            assert_eq!(
                l.contains("$provider"),
                c.contains("provider=\"anthropic\"")
            );
        }
    }

    #[test]
    fn every_metric_has_a_panel_in_its_category_dashboard() {
        let boards = all_boards();
        for category in autobot_otel::catalog::Category::ALL {
            let b = board(&format!("autobot-{}.json", category.key()));
            let exprs = expressions(&b);
            for def in autobot_otel::catalog::in_category(category) {
                assert!(
                    exprs.iter().any(|e| metrics_in(e).contains(&def.id)),
                    "{}",
                    def.name
                );
            }
        }
        let genai = expressions(&board("autobot-genai.json"));
        for def in GENAI_METRICS {
            let name = def.prometheus_name();
            assert!(genai.iter().any(|e| e.contains(&name)), "{name}");
        }
        assert_eq!(boards.len(), 16);
    }

    #[test]
    fn error_tracking_has_every_failure_family() {
        let exprs = expressions(&board("autobot-errors.json"));
        for def in autobot_otel::catalog::CATALOG
            .iter()
            .filter(|d| d.kind.is_counter())
        {
            let fails = def
                .vocabulary("status")
                .is_some_and(|v| v.iter().any(|s| boards::FAILURE_STATUSES.contains(s)));
            if fails || def.name.ends_with("_errors_total") {
                assert!(
                    exprs.iter().any(|e| metrics_in(e).contains(&def.id)),
                    "{}",
                    def.name
                );
            }
        }
        for want in [
            "autobot_circuit_breaker_events_total{",
            "autobot_otel_measurements_dropped_total{",
            "autobot_otel_callback_failures_total{",
        ] {
            assert!(exprs.iter().any(|e| e.contains(want)), "{want}");
        }
    }

    #[test]
    fn multi_machine_repeats_a_row_per_instance() {
        let b = board("autobot-multi-machine.json");
        let p = panels_of(&b);
        assert_eq!(p[0]["type"], "row");
        assert_eq!(p[0]["repeat"], "instance");
        let exprs = expressions(&b).join("\n");
        for want in [
            "up{",
            "scrape_duration_seconds{",
            "scrape_samples_scraped{",
            "scrape_series_added{",
            "target_info{",
            "autobot_otel_",
        ] {
            assert!(exprs.contains(want), "{want}");
        }
    }

    #[test]
    fn genai_panels_group_by_the_attributes_their_metric_has() {
        let genai = expressions(&board("autobot-genai.json"));
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
        let board = board("autobot-agents.json");
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
            "LLM and tool calls per invocation",
        ] {
            assert!(titles.contains(&want), "{want}: {titles:?}");
        }
        let exprs = expressions(&board);
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

    #[test]
    fn a_rule_without_threshold_and_a_missing_rule_are_errors() {
        assert!(
            rules::parse("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n").is_err()
        );
        assert!(rule(&[], "Nope").is_err());
    }
}
