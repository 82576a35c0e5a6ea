//! The live endpoints of the demo service: every family with its exact type, help
//! and label set (the guide's 56 and the extensions; with the GenAI conventions
//! turned on, their families under the standard translated names); the health
//! report agrees with the scrape; promtool and the strict `prometheus_client`
//! check accept it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use autobot_otel::catalog::genai::GENAI_METRICS;
use autobot_otel::catalog::{CATALOG, Category, MetricId};
use autobot_otel::testing::Scrape;
use autobot_otel_tests::{
    DemoProcess, EXPECTED_PROMTOOL_FINDINGS, http_get, promtool_check_metrics, promtool_findings,
    strict_check_scrape,
};

fn demo() -> DemoProcess {
    demo_with(&[])
}

fn demo_with(env: &[(&str, &str)]) -> DemoProcess {
    let mut all = vec![
        ("AUTOBOT_DEMO_TICK_MS", "20"),
        ("AUTOBOT_DEMO_DURATION_SECS", "60"),
    ];
    all.extend_from_slice(env);
    let demo = autobot_otel_tests::spawn_demo!(&all).expect("demo starts");
    // The workload forces its rare events on its first ticks: wait until the
    // scrape has every catalog family.
    let url = format!("{}/api/monitoring/metrics", demo.base_url());
    autobot_otel_tests::poll(
        Duration::from_secs(30),
        Duration::from_millis(50),
        || {
            let body = http_get(&url)?.body;
            let scrape = Scrape::parse(&body)
                .map_err(|e| autobot_otel_tests::HarnessError::new(e.to_string()))?;
            Ok(CATALOG
                .iter()
                .all(|d| scrape.family(d.name).is_some())
                .then_some(()))
        },
        || "the demo's scrape never held every catalog family".into(),
    )
    .expect("every family recorded");
    demo
}

fn scrape(demo: &DemoProcess) -> (String, Scrape) {
    let resp = http_get(&format!("{}/api/monitoring/metrics", demo.base_url())).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let parsed = Scrape::parse(&resp.body).unwrap_or_else(|e| panic!("{e}\n{}", resp.body));
    // Every scrape also passes the strict parser, which reads the same samples.
    strict_check_scrape(&resp.body).unwrap_or_else(|e| panic!("{e}\n{}", resp.body));
    (resp.body, parsed)
}

#[test]
fn live_scrape_has_exactly_the_catalog_families_with_their_label_sets() {
    let demo = demo();
    let (_, s) = scrape(&demo);
    for def in CATALOG {
        let family = s
            .family(def.name)
            .unwrap_or_else(|| panic!("{} missing", def.name));
        assert_eq!(family.kind, def.kind.as_str(), "type of {}", def.name);
        assert_eq!(family.help, def.help, "help of {}", def.name);
        let mut want: Vec<&str> = def.labels.to_vec();
        want.sort_unstable();
        for sample in &family.samples {
            let mut keys: Vec<&str> = sample
                .labels
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "le")
                .collect();
            keys.sort_unstable();
            assert_eq!(keys, want, "labels of {} in {sample:?}", def.name);
            if sample.name.ends_with("_bucket") {
                assert!(sample.labels.contains_key("le"));
            }
        }
    }
    // The process metrics (one series, no labels) and the HTTP server
    // metrics of the demo's own scrapes (the monitoring endpoints record them).
    use autobot_otel::catalog::http_server::HTTP_SERVER_METRICS;
    use autobot_otel::catalog::process::PROCESS_METRICS;
    let mut runtime: Vec<String> = Vec::new();
    for def in PROCESS_METRICS {
        let name = def.prometheus_name();
        let family = s.family(&name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(family.kind, def.kind.as_str(), "type of {name}");
        assert_eq!(family.help, def.help, "help of {name}");
        assert_eq!(family.samples.len(), 1, "{name}");
        assert!(family.samples[0].labels.is_empty(), "{name}");
        runtime.push(name);
    }
    for def in HTTP_SERVER_METRICS {
        let name = def.prometheus_name();
        let family = s.family(&name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(family.kind, def.kind.as_str(), "type of {name}");
        let allowed: Vec<String> = def.prometheus_labels().map(String::from).collect();
        for sample in &family.samples {
            assert!(
                sample
                    .labels
                    .keys()
                    .all(|k| k == "le" || allowed.contains(k)),
                "labels of {name} in {sample:?}"
            );
            // The endpoints' own routes only (the active gauge has none).
            let route = sample.labels.get("http_route").map(String::as_str);
            match sample.name == name {
                true => assert_eq!(route, None, "{sample:?}"),
                false => assert!(
                    matches!(
                        route,
                        Some("/api/monitoring/metrics" | "/api/monitoring/health/metrics")
                    ),
                    "{sample:?}"
                ),
            }
        }
        runtime.push(name);
    }
    let own = [
        ("http_route", "/api/monitoring/metrics"),
        ("http_request_method", "GET"),
        ("http_response_status_code", "200"),
        ("url_scheme", "http"),
    ];
    assert!(
        s.value("http_server_request_duration_seconds_count", &own)
            .unwrap()
            >= 1.0,
        "the earlier scrapes"
    );
    let extra: Vec<&str> = s
        .families
        .keys()
        .map(String::as_str)
        .filter(|n| MetricId::from_name(n).is_none())
        .filter(|n| !n.starts_with(autobot_otel::catalog::self_metrics::PREFIX))
        .filter(|n| !runtime.iter().any(|r| r == n))
        .collect();
    assert_eq!(extra, ["target_info"], "families besides the catalog");
    let target = &s.family("target_info").unwrap().samples[0];
    assert_eq!(
        target.labels.get("service_name").map(String::as_str),
        Some("autobot")
    );
    assert_eq!(
        target.labels.get("service_version").map(String::as_str),
        Some(env!("CARGO_PKG_VERSION")),
        "the demo's crate version (init!()); the workspace shares one version"
    );
    assert!(
        s.samples()
            .all(|x| x.labels.keys().all(|k| !k.starts_with("otel_scope"))),
        "no otel_scope_* labels"
    );
}

#[test]
fn health_report_matches_the_scrape() {
    let demo = demo();
    let resp = http_get(&format!(
        "{}/api/monitoring/health/metrics",
        demo.base_url()
    ))
    .unwrap();
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let health: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
    let (_, s) = scrape(&demo);
    assert_eq!(health["status"], "healthy");
    assert_eq!(health["endpoint"], "/api/monitoring/metrics");
    assert_eq!(health["metrics_count"], CATALOG.len());
    assert_eq!(health["metrics_with_data"], CATALOG.len());
    assert_eq!(health["genai_metrics"], false);
    assert_eq!(health["exporters"]["prometheus"]["enabled"], true);
    assert!(
        health["exporters"]["otlp_metrics"].is_null(),
        "no collector configured"
    );
    let categories = health["categories"].as_array().unwrap();
    let keys: Vec<&str> = categories
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
    assert_eq!(keys, want);
    let mut reported = BTreeMap::new();
    for cat in categories {
        for metric in cat["metrics"].as_array().unwrap() {
            reported.insert(
                metric["name"].as_str().unwrap().to_string(),
                metric["series"].as_u64().unwrap(),
            );
        }
    }
    assert_eq!(reported.len(), CATALOG.len());
    // Series only grow in this workload, so the later scrape has at least as many.
    for (name, series) in reported {
        let live = s.family(&name).unwrap().series_count() as u64;
        assert!(
            series >= 1 && series <= live,
            "{name}: health {series}, scrape {live}"
        );
    }
}

#[test]
fn promtool_check_metrics_reports_only_what_the_guide_names_force() {
    let demo = demo();
    let (text, _) = scrape(&demo);
    let out = promtool_check_metrics(&text).expect("promtool runs");
    let findings = promtool_findings(&out);
    let mut expected: Vec<String> = EXPECTED_PROMTOOL_FINDINGS
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    expected.sort();
    assert_eq!(findings, expected, "promtool output:\n{}", out.combined());
    // Exit 3 means lint findings only; 1 would be a parse error.
    assert_eq!(out.code(), Some(3), "{}", out.combined());
    // `scrape` ran the strict check on the same text: it passed too.
}

#[test]
fn genai_families_appear_under_their_translated_names_when_turned_on() {
    let demo = demo_with(&[("AUTOBOT_OTEL_GENAI_METRICS", "true")]);
    let url = format!("{}/api/monitoring/metrics", demo.base_url());
    // Every GenAI family once a stream has run to its end: the client metrics
    // from the LLM calls, the agent, tool and workflow durations from the
    // workload's typed calls.
    let client = || GENAI_METRICS.iter();
    autobot_otel_tests::poll(
        Duration::from_secs(30),
        Duration::from_millis(50),
        || {
            let scrape = Scrape::parse(&http_get(&url)?.body)
                .map_err(|e| autobot_otel_tests::HarnessError::new(e.to_string()))?;
            Ok(client()
                .all(|d| scrape.family(&d.prometheus_name()).is_some())
                .then_some(()))
        },
        || "the GenAI families never appeared".into(),
    )
    .expect("GenAI families recorded");
    let (text, s) = scrape(&demo);
    for def in client() {
        let name = def.prometheus_name();
        let family = s.family(&name).unwrap();
        assert_eq!(family.kind, "histogram", "{name}");
        assert_eq!(family.help, def.help, "{name}");
        let allowed: Vec<String> = def.prometheus_labels().map(String::from).collect();
        for sample in &family.samples {
            for key in sample.labels.keys().filter(|k| *k != "le") {
                assert!(allowed.contains(key), "{name}: unexpected label {key}");
            }
            // Left out when not known (never written as `unknown`).
            let optional = [
                "error_type",
                "gen_ai_response_model",
                "server_address",
                "server_port",
            ];
            for required in allowed.iter().filter(|k| !optional.contains(&k.as_str())) {
                assert!(sample.labels.contains_key(required), "{name}: {sample:?}");
            }
        }
    }
    // The bounds are the conventions' advisory ones.
    let les: BTreeSet<&str> = s
        .samples()
        .filter(|x| x.name == "gen_ai_client_operation_duration_seconds_bucket")
        .map(|x| x.labels["le"].as_str())
        .collect();
    assert!(les.contains("81.92") && les.contains("0.01"), "{les:?}");
    let health: serde_json::Value = serde_json::from_str(
        &http_get(&format!(
            "{}/api/monitoring/health/metrics",
            demo.base_url()
        ))
        .unwrap()
        .body,
    )
    .unwrap();
    assert_eq!(health["genai_metrics"], true);
    assert_eq!(
        health["exporters"]["prometheus"]["families"]["genai"],
        client().count()
    );
    // promtool finds nothing new in them.
    let out = promtool_check_metrics(&text).expect("promtool runs");
    let mut expected: Vec<String> = EXPECTED_PROMTOOL_FINDINGS
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    expected.sort();
    assert_eq!(promtool_findings(&out), expected, "{}", out.combined());
}
