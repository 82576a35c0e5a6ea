//! Builder configuration beyond the OTLP variables: per-metric histogram
//! buckets (validated, shown by the health report), the GenAI metrics switch
//! (builder, `AUTOBOT_OTEL_GENAI_METRICS`, `OTEL_SEMCONV_STABILITY_OPT_IN`), and
//! `service.version` (in code, and from the calling crate with `builder!`).

use std::collections::HashMap;

use autobot_otel::catalog::MetricId;
use autobot_otel::testing::Scrape;
use autobot_otel::{InitError, Telemetry, TelemetryBuilder};

fn builder() -> TelemetryBuilder {
    Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None)
}

#[test]
fn buckets_set_per_metric_replace_the_catalogs_on_the_scrape_and_in_health() {
    let id = MetricId::LlmRequestLatencySeconds;
    let t = builder()
        .with_buckets(id, &[9.0])
        .with_buckets(id, &[0.5, 1.0, 2.0, 4.0])
        .build()
        .unwrap();
    t.metrics()
        .record_llm_request("openai", "gpt-4o", "chat", 3.0);
    t.metrics()
        .record_workflow_execution("wf", autobot_otel::labels::Outcome::Success, 2.0);
    let s = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    let les: Vec<String> = s
        .samples()
        .filter(|x| x.name == "autobot_llm_request_latency_seconds_bucket")
        .map(|x| x.labels["le"].clone())
        .collect();
    assert_eq!(les, ["0.5", "1", "2", "4", "+Inf"], "the last call wins");
    assert_eq!(
        s.value(
            "autobot_llm_request_latency_seconds_bucket",
            &[("provider", "openai"), ("model", "gpt-4o"), ("le", "4")]
        ),
        Some(1.0)
    );
    let workflow_les = s
        .samples()
        .filter(|x| x.name == "autobot_workflow_duration_seconds_bucket")
        .count();
    assert_eq!(
        workflow_les,
        MetricId::WorkflowDurationSeconds.def().buckets.len() + 1,
        "other histograms keep the catalog's"
    );
    let health = serde_json::to_value(t.health()).unwrap();
    let metric = |name: &str| {
        health["categories"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["metrics"].as_array().unwrap())
            .find(|m| m["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        metric("autobot_llm_request_latency_seconds")["buckets"],
        serde_json::json!([0.5, 1.0, 2.0, 4.0])
    );
    assert_eq!(
        metric("autobot_workflow_duration_seconds")["buckets"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert!(
        metric("autobot_llm_requests_total")
            .get("buckets")
            .is_none(),
        "only histograms have buckets"
    );
    assert_eq!(
        metric("autobot_llm_requests_in_flight")["source"],
        "extension"
    );
    assert_eq!(metric("autobot_llm_requests_total")["source"], "guide");
}

#[test]
fn unusable_buckets_are_a_clear_error() {
    let cases: [(MetricId, &[f64], &str); 8] = [
        (
            MetricId::LlmRequestsTotal,
            &[1.0],
            "invalid buckets for autobot_llm_requests_total: it is a counter, not a histogram",
        ),
        (
            MetricId::TaskDurationSeconds,
            &[],
            "invalid buckets for autobot_task_duration_seconds: no boundaries; give at least one",
        ),
        (
            MetricId::TaskDurationSeconds,
            &[1.0, f64::NAN],
            "invalid buckets for autobot_task_duration_seconds: boundary 2 (NaN) is not finite; the +Inf bucket is implicit",
        ),
        (
            MetricId::TaskDurationSeconds,
            &[1.0, f64::INFINITY],
            "invalid buckets for autobot_task_duration_seconds: boundary 2 (inf) is not finite; the +Inf bucket is implicit",
        ),
        (
            MetricId::TaskDurationSeconds,
            &[1.0, 3.0, 2.0],
            "invalid buckets for autobot_task_duration_seconds: boundary 3 (2) is not greater than boundary 2 (3); boundaries must be strictly increasing",
        ),
        (
            // The issue's repro: OpenMetrics forbids `_sum` with negative
            // thresholds, and the catalog's values are never negative.
            MetricId::LlmRequestLatencySeconds,
            &[-5.0, -1.0, 0.0, 1.0],
            "invalid buckets for autobot_llm_request_latency_seconds: boundary 1 (-5) is negative; the metric's values are never negative (negative ones are dropped), so start at 0 or above",
        ),
        (
            MetricId::TaskDurationSeconds,
            &[0.0, 1.0, -0.5],
            "invalid buckets for autobot_task_duration_seconds: boundary 3 (-0.5) is negative; the metric's values are never negative (negative ones are dropped), so start at 0 or above",
        ),
        (
            MetricId::KnowledgeSearchResultsCount,
            &[0.0, 0.0],
            "invalid buckets for autobot_knowledge_search_results_count: boundary 2 (0) is not greater than boundary 1 (0); boundaries must be strictly increasing",
        ),
    ];
    for (id, bounds, message) in cases {
        let err = builder().with_buckets(id, bounds).build().unwrap_err();
        assert!(matches!(err, InitError::InvalidBuckets { .. }), "{err:?}");
        assert_eq!(err.to_string(), message);
        // The same error where the SDK is disabled, in code or by the variable
        // (often CI): a configuration that fails in production fails there too.
        let err = builder()
            .enabled(false)
            .with_buckets(id, bounds)
            .build()
            .unwrap_err();
        assert_eq!(err.to_string(), message, "enabled(false)");
        let err = Telemetry::builder()
            .without_otlp()
            .with_env_lookup(|k| (k == "OTEL_SDK_DISABLED").then(|| "true".to_string()))
            .with_buckets(id, bounds)
            .build()
            .unwrap_err();
        assert_eq!(err.to_string(), message, "OTEL_SDK_DISABLED=true");
    }
}

#[test]
fn a_zero_boundary_is_accepted_and_the_openmetrics_scrape_stays_valid() {
    let t = builder()
        .with_buckets(MetricId::LlmRequestLatencySeconds, &[0.0, 1.0])
        .build()
        .unwrap();
    t.metrics()
        .record_llm_request("openai", "gpt-4o", "chat", 0.5);
    let text = t.render(autobot_otel::Exposition::OpenMetrics);
    assert!(text.contains(r#"le="0"} 0"#), "{text}");
    assert!(
        text.contains("autobot_llm_request_latency_seconds_sum"),
        "{text}"
    );
}

#[test]
fn a_disabled_pipeline_checks_the_otlp_variables_too() {
    let env = |k: &str| match k {
        "OTEL_SDK_DISABLED" => Some("true".to_string()),
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:4317".to_string()),
        "OTEL_EXPORTER_OTLP_PROTOCOL" => Some("carrier-pigeon".to_string()),
        _ => None,
    };
    let err = Telemetry::builder()
        .with_env_lookup(env)
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("OTEL_EXPORTER_OTLP_PROTOCOL"),
        "{err}"
    );
    let ok = |k: &str| (k == "OTEL_SDK_DISABLED").then(|| "true".to_string());
    assert!(
        !Telemetry::builder()
            .with_env_lookup(ok)
            .build()
            .unwrap()
            .is_enabled()
    );
}

fn genai_enabled(env: &[(&str, &str)], builder_says: Option<bool>) -> bool {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut b = Telemetry::builder()
        .without_otlp()
        .with_env_lookup(move |k| env.get(k).cloned());
    if let Some(on) = builder_says {
        b = b.with_genai_metrics(on);
    }
    let t = b.build().unwrap();
    assert_eq!(
        t.health().genai_metrics,
        t.metrics().genai_metrics_enabled()
    );
    t.metrics().genai_metrics_enabled()
}

#[test]
fn genai_metrics_are_off_unless_the_builder_or_the_environment_turns_them_on() {
    assert!(!genai_enabled(&[], None));
    assert!(genai_enabled(
        &[("AUTOBOT_OTEL_GENAI_METRICS", "true")],
        None
    ));
    assert!(genai_enabled(
        &[("AUTOBOT_OTEL_GENAI_METRICS", " TRUE ")],
        None
    ));
    assert!(!genai_enabled(
        &[("AUTOBOT_OTEL_GENAI_METRICS", "yes")],
        None
    ));
    assert!(genai_enabled(
        &[(
            "OTEL_SEMCONV_STABILITY_OPT_IN",
            "http, gen_ai_latest_experimental"
        )],
        None
    ));
    assert!(!genai_enabled(
        &[("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database")],
        None
    ));
    assert!(
        !genai_enabled(
            &[
                (
                    "OTEL_SEMCONV_STABILITY_OPT_IN",
                    "gen_ai_latest_experimental"
                ),
                ("AUTOBOT_OTEL_GENAI_METRICS", "false"),
            ],
            None
        ),
        "our variable, when set, decides"
    );
    assert!(!genai_enabled(
        &[("AUTOBOT_OTEL_GENAI_METRICS", "true")],
        Some(false)
    ));
    assert!(genai_enabled(&[], Some(true)), "the builder wins");
}

#[test]
fn nothing_enabled_leaves_the_scrape_as_it_was() {
    let t = builder().build().unwrap();
    t.metrics()
        .record_llm_request("openai", "gpt-4o", "chat", 1.0);
    t.metrics().record_llm_tokens("openai", "gpt-4o", 10, 20);
    let s = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    // The process metrics are on by default (Linux): the only families an
    // app that uses nothing new gets beyond what it records.
    let process: Vec<String> = autobot_otel::catalog::process::PROCESS_METRICS
        .iter()
        .map(|d| d.prometheus_name())
        .collect();
    let ours: Vec<&str> = s
        .families
        .keys()
        .map(String::as_str)
        .filter(|n| !n.starts_with("autobot_otel_") && !process.iter().any(|p| p == n))
        .collect();
    assert_eq!(
        ours,
        [
            "autobot_llm_request_latency_seconds",
            "autobot_llm_requests_total",
            "autobot_llm_tokens_total",
            "target_info"
        ]
    );
    let present = process
        .iter()
        .filter(|p| s.families.contains_key(*p))
        .count();
    assert_eq!(
        present,
        if cfg!(target_os = "linux") {
            process.len()
        } else {
            0
        }
    );
}

#[test]
fn service_version_comes_from_code_or_the_calling_crate() {
    let explicit = builder().with_service_version("3.1.4").build().unwrap();
    assert!(
        explicit
            .render(autobot_otel::Exposition::Text)
            .contains(r#"service_version="3.1.4""#)
    );
    let from_crate = autobot_otel::builder!()
        .without_otlp()
        .with_env_lookup(|_| None)
        .build()
        .unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        from_crate
            .render(autobot_otel::Exposition::Text)
            .contains(&format!(r#"service_version="{version}""#))
    );
    let overridden = autobot_otel::builder!()
        .with_service_version("2.0.0")
        .without_otlp()
        .build()
        .unwrap();
    assert!(
        overridden
            .render(autobot_otel::Exposition::Text)
            .contains(r#"service_version="2.0.0""#),
        "code wins over the crate's version"
    );
    let none = builder().build().unwrap();
    assert!(
        !none
            .render(autobot_otel::Exposition::Text)
            .contains("service_version")
    );
}
