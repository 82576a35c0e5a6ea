//! Exemplars as the consumers read them: the strict OpenMetrics parser (one per
//! sample) and Prometheus' `/api/v1/query_exemplars` (per series).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Result, err};

/// One exemplar: its labels (`trace_id`, `span_id`), the measured value and,
/// when given, its time (Unix seconds). The type of
/// `autobot_otel::testing::Scrape`, so the strict parser's exemplars compare
/// with its own.
pub use autobot_otel::testing::Exemplar;

/// The exemplars Prometheus keeps for one series (`/api/v1/query_exemplars`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExemplarSeries {
    /// The series' labels, `__name__` included.
    pub series: BTreeMap<String, String>,
    /// Its exemplars, oldest first.
    pub exemplars: Vec<Exemplar>,
}

impl ExemplarSeries {
    /// A label of the series.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.series.get(name).map(String::as_str)
    }
}

/// A JSON object of string values (labels) as a map; `what` names it in errors.
pub(crate) fn string_map(
    v: Option<&Value>,
    what: &str,
) -> std::result::Result<BTreeMap<String, String>, String> {
    v.and_then(Value::as_object)
        .ok_or_else(|| format!("`{what}` missing"))?
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|v| (k.clone(), v.to_string()))
                .ok_or_else(|| format!("{what}: {k} is not a string"))
        })
        .collect()
}

fn labels(v: Option<&Value>, what: &str) -> Result<BTreeMap<String, String>> {
    string_map(v, what).map_err(|e| err!("{e}"))
}

/// Parses the `data` array of `/api/v1/query_exemplars`:
/// `[{"seriesLabels": {..}, "exemplars": [{"labels": {..}, "value": "0.5",
/// "timestamp": 1700000000.123}]}]`.
pub(crate) fn parse_exemplar_series(data: &Value) -> Result<Vec<ExemplarSeries>> {
    let list = match data {
        Value::Null => return Ok(Vec::new()),
        v => v
            .as_array()
            .ok_or_else(|| err!("query_exemplars data is not an array: {v}"))?,
    };
    list.iter()
        .map(|s| {
            let exemplars = s
                .get("exemplars")
                .and_then(Value::as_array)
                .ok_or_else(|| err!("no exemplars in {s}"))?
                .iter()
                .map(|e| {
                    let raw = e
                        .get("value")
                        .and_then(Value::as_str)
                        .ok_or_else(|| err!("exemplar without value: {e}"))?;
                    Ok(Exemplar {
                        labels: labels(e.get("labels"), "exemplar labels")?,
                        value: raw
                            .parse()
                            .map_err(|x| err!("bad exemplar value {raw:?}: {x}"))?,
                        timestamp: e.get("timestamp").and_then(Value::as_f64),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(ExemplarSeries {
                series: labels(s.get("seriesLabels"), "seriesLabels")?,
                exemplars,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_query_exemplars_data() {
        let data = serde_json::json!([{
            "seriesLabels": {"__name__": "x_bucket", "le": "0.5"},
            "exemplars": [{"labels": {"trace_id": "ab", "span_id": "cd"}, "value": "0.25",
                           "timestamp": 1700000000.123}]
        }]);
        let series = parse_exemplar_series(&data).unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].label("le"), Some("0.5"));
        let e = &series[0].exemplars[0];
        assert_eq!(e.labels["trace_id"], "ab");
        assert_eq!(e.value, 0.25);
        assert_eq!(e.timestamp, Some(1_700_000_000.123));
        assert!(parse_exemplar_series(&Value::Null).unwrap().is_empty());
        assert!(parse_exemplar_series(&serde_json::json!({"a": 1})).is_err());
        assert!(
            parse_exemplar_series(
                &serde_json::json!([{"seriesLabels": {}, "exemplars": [{"labels": {}}]}])
            )
            .is_err()
        );
    }
}
