//! The shipped Grafana dashboards as Grafana runs them against a
//! Prometheus-compatible API: each query variable's `label_values` as the
//! `/api/v1/label/<label>/values?match[]=<selector>` call Grafana makes, and each
//! panel query with the variables substituted as Grafana does (`.*` for "All",
//! a value the variable offers escaped as a regex, `$__rate_interval` as
//! [`RATE_INTERVAL`]).

use serde_json::Value;

use crate::error::{Result, err};
use crate::prometheus::{Sample, api_get};
use crate::shipped::files_with_extension;
use crate::tools::repo_root;

pub use xtask::grafana::ALL_VALUE;
pub use xtask::grafana::promql::{RATE_INTERVAL, regex_escape, substitute};

/// One query variable of a dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryVariable {
    /// Its name (and label).
    pub name: String,
    /// The label whose values it lists.
    pub label: String,
    /// The `match[]` selector, as written (may hold `$job`).
    pub selector: String,
}

/// One shipped dashboard.
#[derive(Debug, Clone)]
pub struct ShippedDashboard {
    /// The file name.
    pub file: String,
    /// The JSON.
    pub json: Value,
    /// Its query variables, in order.
    pub variables: Vec<QueryVariable>,
    /// `(panel title, expr)` of every target, variables unsubstituted.
    pub queries: Vec<(String, String)>,
    /// The annotation queries.
    pub annotations: Vec<String>,
}

impl ShippedDashboard {
    /// `expr` with every query variable set to "All" (`.*`).
    pub fn all(&self, expr: &str) -> String {
        substitute(expr, &self.values(&[]))
    }

    /// Every query variable's value: "All", but those of `set`.
    pub fn values(&self, set: &[(String, String)]) -> Vec<(String, String)> {
        self.variables
            .iter()
            .map(|v| {
                let value = set
                    .iter()
                    .find(|(n, _)| *n == v.name)
                    .map(|(_, x)| x.clone())
                    .unwrap_or_else(|| ALL_VALUE.to_string());
                (v.name.clone(), value)
            })
            .collect()
    }
}

/// Splits `label_values(<selector>, <label>)`.
///
/// ```
/// let (s, l) = autobot_otel_tests::dashboards::split_label_values(r#"label_values({__name__=~"a|b"}, job)"#).unwrap();
/// assert_eq!((s.as_str(), l.as_str()), (r#"{__name__=~"a|b"}"#, "job"));
/// assert!(autobot_otel_tests::dashboards::split_label_values("up").is_none());
/// ```
pub fn split_label_values(query: &str) -> Option<(String, String)> {
    let inner = query.strip_prefix("label_values(")?.strip_suffix(')')?;
    let (selector, label) = inner.rsplit_once(',')?;
    Some((selector.trim().to_string(), label.trim().to_string()))
}

/// Every shipped dashboard but the SLO one, in file order.
pub fn shipped_dashboards() -> Result<Vec<ShippedDashboard>> {
    let dir = repo_root().join("collector-config/grafana/dashboards");
    let mut out = Vec::new();
    for path in files_with_extension(&dir, "json")? {
        // The SLO dashboard reads the SLO rules' series: `tests/slo_rules.rs`
        // runs its queries on a Prometheus with those rules loaded.
        if path
            .file_name()
            .is_some_and(|n| n == xtask::slo_dashboard::SLO_DASHBOARD)
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| err!("{}: {e}", path.display()))?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| err!("{}: {e}", path.display()))?;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut variables = Vec::new();
        for v in json["templating"]["list"].as_array().into_iter().flatten() {
            if v["type"] != "query" {
                continue;
            }
            let query = v["query"].as_str().unwrap_or_default();
            let (selector, label) = split_label_values(query)
                .ok_or_else(|| err!("{file}: variable {}: `{query}`", v["name"]))?;
            variables.push(QueryVariable {
                name: v["name"].as_str().unwrap_or_default().to_string(),
                label,
                selector,
            });
        }
        let mut queries = Vec::new();
        for panel in json["panels"].as_array().into_iter().flatten() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    let title = panel["title"].as_str().unwrap_or("?").to_string();
                    queries.push((title, expr.to_string()));
                }
            }
        }
        let annotations = json["annotations"]["list"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["expr"].as_str().map(str::to_string))
            .collect();
        out.push(ShippedDashboard {
            file,
            json,
            variables,
            queries,
            annotations,
        });
    }
    Ok(out)
}

/// What Grafana's variable query asks: the values of `label` over the series
/// `selector` matches (`GET /api/v1/label/<label>/values?match[]=...`).
pub fn label_values(base_url: &str, label: &str, selector: &str) -> Result<Vec<String>> {
    let data = api_get(
        base_url,
        &format!("/api/v1/label/{label}/values"),
        &[("match[]", selector)],
    )?;
    Ok(data
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

/// The outcome of [`check_dashboards`].
#[derive(Debug, Default)]
pub struct DashboardCheck {
    /// What did not return data (or failed).
    pub problems: Vec<String>,
    /// Queries run.
    pub queries: usize,
}

/// Runs every dashboard's variable queries and panel queries against the API at
/// `base_url`, queried through `query` (an instant query returning the vector):
/// each variable query must list values; each panel query must return data with
/// every variable "All", and, for each variable it references, with that
/// variable set to one of the values it lists (the first with data: a value
/// whose series have none of the panel's matchers, e.g. no failure, is no
/// failure of the query) and the others "All"; each annotation query must run.
pub fn check_dashboards(
    base_url: &str,
    query: impl Fn(&str) -> Result<Vec<Sample>>,
) -> Result<DashboardCheck> {
    let mut out = DashboardCheck::default();
    for board in shipped_dashboards()? {
        let mut offered: Vec<(String, Vec<String>)> = Vec::new();
        for v in &board.variables {
            let selector = board.all(&v.selector);
            match label_values(base_url, &v.label, &selector) {
                Ok(values) if !values.is_empty() => offered.push((v.name.clone(), values)),
                Ok(_) => out.problems.push(format!(
                    "{}: variable {} (`{selector}`) lists no value",
                    board.file, v.name
                )),
                Err(e) => out
                    .problems
                    .push(format!("{}: variable {}: {e}", board.file, v.name)),
            }
        }
        for (panel, expr) in &board.queries {
            let what = format!("{}: {panel}", board.file);
            let all = board.all(expr);
            out.queries += 1;
            match query(&all) {
                Ok(v) if !v.is_empty() => {}
                Ok(_) => out
                    .problems
                    .push(format!("{what}: `{all}` (All) returns no data")),
                Err(e) => out.problems.push(format!("{what}: {e}")),
            }
            for (name, values) in &offered {
                if !expr.contains(&format!("${name}")) {
                    continue;
                }
                let mut tried = Vec::new();
                let found = values.iter().any(|value| {
                    let q = substitute(expr, &board.values(&[(name.clone(), regex_escape(value))]));
                    out.queries += 1;
                    let ok = query(&q).is_ok_and(|v| !v.is_empty());
                    if !ok {
                        tried.push(q);
                    }
                    ok
                });
                if !found {
                    out.problems.push(format!(
                        "{what}: no value of ${name} ({values:?}) returns data: {tried:?}"
                    ));
                }
            }
        }
        for a in &board.annotations {
            let q = board.all(a);
            out.queries += 1;
            if let Err(e) = query(&q) {
                out.problems
                    .push(format!("{}: annotation `{q}`: {e}", board.file));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_variable_is_read_from_its_label_values_query() {
        for board in shipped_dashboards().unwrap() {
            let names: Vec<&str> = board.variables.iter().map(|v| v.name.as_str()).collect();
            assert_eq!(&names[..2], ["job", "instance"], "{}", board.file);
            for v in &board.variables {
                assert_eq!(v.name, v.label, "{}", board.file);
                assert!(v.selector.starts_with("{__name__=~\""), "{}", board.file);
                // "All" leaves no variable in the selector Grafana sends.
                assert!(!board.all(&v.selector).contains('$'), "{}", board.file);
            }
        }
    }
}
