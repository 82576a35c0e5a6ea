//! The alert rules that the dashboards' stat panels take their thresholds from:
//! `collector-config/prometheus/rules/*.yml`, read here (one source: a stat's
//! threshold is its rule's, never a copy).

use serde_yaml::Value;

/// Where the shipped rule files are, relative to the workspace root.
pub const RULES_DIR: &str = "collector-config/prometheus/rules";

/// One alerting rule whose expression ends in `<comparison> <number>` (the
/// convention every shipped rule follows).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleThreshold {
    /// `alert:`.
    pub alert: String,
    /// `labels.category` (empty when the rule has none).
    pub category: String,
    /// `labels.severity` (empty when the rule has none).
    pub severity: String,
    /// `annotations.summary` (the alert name when the rule has none).
    pub summary: String,
    /// The expression without the comparison.
    pub query: String,
    /// The comparison operator (`>`, `<`, `==`, ...).
    pub op: String,
    /// The number it compares with.
    pub value: f64,
}

/// Splits `<query> <op> <number>`; `None` when the expression does not end so.
///
/// ```
/// use xtask::grafana::rules::split;
/// assert_eq!(split("a / b > 0.1"), Some(("a / b".to_string(), ">".to_string(), 0.1)));
/// assert_eq!(split("x == 1"), Some(("x".to_string(), "==".to_string(), 1.0)));
/// assert_eq!(split("rate(x[5m])"), None);
/// ```
pub fn split(expr: &str) -> Option<(String, String, f64)> {
    let (head, number) = expr.trim_end().rsplit_once(char::is_whitespace)?;
    let value: f64 = number.parse().ok()?;
    let head = head.trim_end();
    for op in [">=", "<=", "==", "!=", ">", "<"] {
        if let Some(query) = head.strip_suffix(op) {
            return Some((query.trim_end().to_string(), op.to_string(), value));
        }
    }
    None
}

/// Every alerting rule of one rule file's YAML text; an error names a rule
/// whose expression has no threshold, or YAML that is no rule file.
///
/// ```
/// let yaml = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x > 2\n    labels: {category: task}\n";
/// let rules = xtask::grafana::rules::parse(yaml).unwrap();
/// assert_eq!((rules[0].alert.as_str(), rules[0].value), ("A", 2.0));
/// assert!(xtask::grafana::rules::parse("groups: 3").is_err());
/// ```
pub fn parse(yaml: &str) -> Result<Vec<RuleThreshold>, String> {
    let doc: Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
    let groups = doc["groups"].as_sequence().ok_or("no `groups` list")?;
    let mut out = Vec::new();
    for group in groups {
        for rule in group["rules"].as_sequence().into_iter().flatten() {
            let Some(alert) = rule["alert"].as_str() else {
                continue;
            };
            let expr = rule["expr"].as_str().unwrap_or_default();
            let (query, op, value) = split(expr)
                .ok_or_else(|| format!("{alert}: expr does not end in `<op> <number>`"))?;
            out.push(RuleThreshold {
                alert: alert.to_string(),
                category: rule["labels"]["category"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                severity: rule["labels"]["severity"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                summary: rule["annotations"]["summary"]
                    .as_str()
                    .unwrap_or(alert)
                    .to_string(),
                query,
                op,
                value,
            });
        }
    }
    Ok(out)
}

/// Every rule of the `*.yml` files in `root`/[`RULES_DIR`], files in name order,
/// but the generated SLO rules' ([`crate::slo_rules::SLO_RULES_FILE`]: their
/// burn-rate alerts are the SLO dashboard's, which reads their own series).
pub fn read(root: &std::path::Path) -> Result<Vec<RuleThreshold>, String> {
    let dir = root.join(RULES_DIR);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .filter(|p| !p.ends_with(crate::slo_rules::SLO_RULES_FILE))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.extend(parse(&text).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    Ok(out)
}
