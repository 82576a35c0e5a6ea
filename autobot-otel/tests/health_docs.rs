//! The health JSON and its documentation agree: the README's example has exactly
//! the keys the endpoint serves (with OTLP configured), and the OTLP entries are
//! absent, not `null`, when nothing is pushed.

use std::collections::BTreeMap;
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use serde_json::Value;

/// The JSON block of the README's "Health endpoint" section.
fn readme_example() -> Value {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## Health endpoint").expect("section")..];
    let start = section.find("```json\n").expect("json block") + "```json\n".len();
    let end = start + section[start..].find("```").expect("end of block");
    serde_json::from_str(&section[start..end]).expect("valid JSON")
}

/// The shape of a JSON value: objects by key, arrays by their first element,
/// scalars by kind; `null` matches anything (an optional value not set).
#[derive(Debug, PartialEq)]
enum Shape {
    Object(BTreeMap<String, Shape>),
    Array(Option<Box<Shape>>),
    Scalar(&'static str),
    Null,
}

fn shape(v: &Value) -> Shape {
    match v {
        Value::Object(map) => {
            Shape::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Shape::Array(items.first().map(|i| Box::new(shape(i)))),
        Value::Null => Shape::Null,
        Value::Bool(_) => Shape::Scalar("bool"),
        Value::Number(_) => Shape::Scalar("number"),
        Value::String(_) => Shape::Scalar("string"),
    }
}

/// Differences between two shapes, by path (`null` on either side matches).
fn differences(path: &str, a: &Shape, b: &Shape, out: &mut Vec<String>) {
    match (a, b) {
        (Shape::Null, _) | (_, Shape::Null) => {}
        (Shape::Object(x), Shape::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => differences(&format!("{path}.{key}"), p, q, out),
                    (Some(_), None) => out.push(format!("{path}.{key} only in the README")),
                    (None, Some(_)) => out.push(format!("{path}.{key} only in the output")),
                    (None, None) => {}
                }
            }
        }
        (Shape::Array(Some(p)), Shape::Array(Some(q))) => {
            differences(&format!("{path}[]"), p, q, out)
        }
        (p, q) if p == q => {}
        (p, q) => out.push(format!("{path}: README {p:?}, output {q:?}")),
    }
}

#[test]
fn the_readme_example_has_exactly_the_keys_served() {
    let t = Telemetry::builder()
        .with_otlp(
            OtlpSettings::new("http://127.0.0.1:9", OtlpProtocol::HttpProtobuf)
                .with_export_interval(Duration::from_secs(3600)),
        )
        .build()
        .unwrap();
    t.metrics().record_workflow_execution(
        "code_review",
        autobot_otel::labels::Outcome::Success,
        1.5,
    );
    let _ = t.render(autobot_otel::Exposition::Text);
    let served = serde_json::to_value(t.health()).unwrap();
    let mut diffs = Vec::new();
    differences("", &shape(&readme_example()), &shape(&served), &mut diffs);
    let mut dedup = diffs.clone();
    dedup.dedup();
    assert!(
        dedup.is_empty(),
        "README and health JSON disagree:\n{}",
        dedup.join("\n")
    );
    assert_eq!(served["categories"].as_array().unwrap().len(), 8);
    // The counts say what they claim.
    let families = &served["exporters"]["prometheus"]["families"];
    assert_eq!(families["catalog"], served["metrics_with_data"]);
    let sum: u64 = [
        "catalog",
        "self_metrics",
        "genai",
        "process",
        "http_server",
        "other",
    ]
    .iter()
    .map(|k| families[k].as_u64().unwrap())
    .sum();
    assert_eq!(families["total"].as_u64().unwrap(), sum);
    assert_eq!(served["exporters"]["prometheus"]["scrapes_succeeded"], 1);
    // The process metrics (Linux): each family one series.
    let runtime = served["runtime"].as_array().unwrap();
    let keys: Vec<&str> = runtime.iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["process", "http_server"]);
    let process = if cfg!(target_os = "linux") { 7 } else { 0 };
    assert_eq!(families["process"], process);
    assert_eq!(runtime[0]["series"], process);
    assert_eq!(runtime[1]["series"], 0, "no request served yet");
    let names: Vec<&str> = runtime[1]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "http_server_request_duration_seconds",
            "http_server_active_requests"
        ]
    );
}

#[test]
fn otlp_entries_are_absent_without_otlp() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let served = serde_json::to_value(t.health()).unwrap();
    let exporters = served["exporters"].as_object().unwrap();
    assert_eq!(exporters.keys().collect::<Vec<_>>(), ["prometheus"]);
    let families = &served["exporters"]["prometheus"]["families"];
    assert_eq!(families["catalog"], 0);
    assert_eq!(families["other"], 1, "target_info only");
    assert!(families["self_metrics"].as_u64().unwrap() >= 2);
}
