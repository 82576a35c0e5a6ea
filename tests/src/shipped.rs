//! The queries the repository ships, read from the files that ship them, so
//! every test that runs "every query" runs the same list: the guide's sample
//! queries as `docs/guide-queries.md` says to use them, the alert rules of
//! `collector-config/prometheus/rules/`, and the Grafana panels of
//! `collector-config/grafana/dashboards/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Result, err};
use crate::tools::repo_root;

/// The `*.{ext}` files of `dir`, sorted; an error if there is none.
pub fn files_with_extension(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| err!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(err!("no .{ext} files in {}", dir.display()));
    }
    Ok(out)
}

/// One alerting rule of the shipped rule files.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    /// The file it is in.
    pub file: PathBuf,
    /// `alert:`.
    pub alert: String,
    /// `expr:`, trimmed.
    pub expr: String,
    /// `for:` (`None` if absent).
    pub for_duration: Option<String>,
    /// `labels:`.
    pub labels: BTreeMap<String, String>,
    /// `annotations:`.
    pub annotations: BTreeMap<String, String>,
}

/// The shipped hand-written rule files, `collector-config/prometheus/rules/*.yml`
/// without the generated SLO rules ([`slo_rule_file`], recording rules and
/// alerts of another shape, checked by `tests/slo_rules.rs`).
pub fn rule_files() -> Result<Vec<PathBuf>> {
    let slo = slo_rule_file();
    Ok(files_with_extension(
        &repo_root().join("collector-config/prometheus/rules"),
        "yml",
    )?
    .into_iter()
    .filter(|p| *p != slo)
    .collect())
}

/// The generated SLO rule file (`cargo xtask gen`, from the catalog's objectives).
pub fn slo_rule_file() -> PathBuf {
    repo_root().join(xtask::slo_rules::SLO_RULES_FILE)
}

fn string_map(v: &serde_yaml::Value) -> BTreeMap<String, String> {
    v.as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
        .collect()
}

/// Every alerting rule of [`rule_files`], in file order.
pub fn alert_rules() -> Result<Vec<AlertRule>> {
    let mut out = Vec::new();
    for path in rule_files()? {
        let text = std::fs::read_to_string(&path).map_err(|e| err!("{}: {e}", path.display()))?;
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&text).map_err(|e| err!("{}: {e}", path.display()))?;
        let groups = doc["groups"]
            .as_sequence()
            .ok_or_else(|| err!("{}: no groups", path.display()))?;
        for group in groups {
            for rule in group["rules"].as_sequence().into_iter().flatten() {
                let alert = rule["alert"]
                    .as_str()
                    .ok_or_else(|| err!("{}: alerting rules only: {rule:?}", path.display()))?;
                out.push(AlertRule {
                    file: path.clone(),
                    alert: alert.to_string(),
                    expr: rule["expr"].as_str().unwrap_or_default().trim().to_string(),
                    for_duration: rule["for"].as_str().map(str::to_string),
                    labels: string_map(&rule["labels"]),
                    annotations: string_map(&rule["annotations"]),
                });
            }
        }
    }
    Ok(out)
}

/// Splits a rule expression `<query> <op> <number>` into the query and the
/// comparison operator; `None` if it does not end that way.
pub fn split_threshold(expr: &str) -> Option<(&str, &str)> {
    let (head, number) = expr.trim_end().rsplit_once(char::is_whitespace)?;
    number.parse::<f64>().ok()?;
    let head = head.trim_end();
    for op in [">=", "<=", "==", "!=", ">", "<"] {
        if let Some(query) = head.strip_suffix(op) {
            return Some((query.trim_end(), op));
        }
    }
    None
}

/// Every panel query of the shipped dashboards, as `("<file>: <panel title>", expr)`,
/// but the SLO dashboard's (it reads the SLO rules' series; `tests/slo_rules.rs`
/// runs its queries on a Prometheus with those rules loaded), with every variable "All" (`.*`) and `$__rate_interval` as Grafana sends it
/// ([`crate::dashboards`]).
pub fn dashboard_queries() -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for board in crate::dashboards::shipped_dashboards()? {
        for (panel, expr) in &board.queries {
            out.push((format!("{}: {panel}", board.file), board.all(expr)));
        }
    }
    Ok(out)
}

pub use xtask::guide_queries::{GuideQuery, promql_blocks};

/// Every section of `docs/guide-queries.md` (read by the one parser the
/// dashboards are generated with).
pub fn guide_queries() -> Result<Vec<GuideQuery>> {
    let path = repo_root().join("docs/guide-queries.md");
    let md = std::fs::read_to_string(&path).map_err(|e| err!("{}: {e}", path.display()))?;
    xtask::guide_queries::parse(&md).map_err(|e| err!("{}: {e}", path.display()))
}

/// Every query the repository ships, as `(where, expr)`: the guide queries to
/// use ([`GuideQuery::query`]), each alert rule's full expression and its query
/// without the threshold ([`split_threshold`]), and every dashboard panel query.
pub fn every_shipped_query() -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for q in guide_queries()? {
        out.push((format!("guide: {}", q.title), q.query().to_string()));
    }
    for r in alert_rules()? {
        out.push((format!("rule {}", r.alert), r.expr.clone()));
        if let Some((query, _)) = split_threshold(&r.expr) {
            out.push((format!("rule {} (query)", r.alert), query.to_string()));
        }
    }
    out.extend(dashboard_queries()?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_threshold_finds_the_comparison() {
        assert_eq!(split_threshold("a / b > 0.1"), Some(("a / b", ">")));
        assert_eq!(
            split_threshold("x{y=\"1\"} == 0"),
            Some(("x{y=\"1\"}", "=="))
        );
        assert_eq!(split_threshold("x >= 5"), Some(("x", ">=")));
        assert_eq!(split_threshold("rate(x[5m])"), None);
    }

    #[test]
    fn reads_the_shipped_queries() {
        let rules = alert_rules().unwrap();
        assert!(rules.iter().any(|r| r.alert == "CircuitBreakerOpen"));
        assert!(rules.iter().all(|r| r.labels.contains_key("severity")));
        assert!(!guide_queries().unwrap().is_empty());
        assert!(!dashboard_queries().unwrap().is_empty());
        let all = every_shipped_query().unwrap();
        assert!(all.len() > rules.len() * 2);
    }

    #[test]
    fn promql_blocks_keep_the_line_before() {
        let md = "Guide:\n```promql\nup\n```\nUse:\n\n```promql\nsum(up)\n```\n";
        assert_eq!(
            promql_blocks(md),
            vec![
                ("Guide:".to_string(), "up".to_string()),
                ("Use:".to_string(), "sum(up)".to_string())
            ]
        );
    }
}
