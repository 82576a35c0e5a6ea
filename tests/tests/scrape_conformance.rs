//! The live endpoints of the demo service: every family with its exact type, help
//! and label set; the health report agrees with the scrape; promtool and the
//! strict `prometheus_client` check accept it.

use std::collections::BTreeMap;
use std::time::Duration;

use autobot_otel::catalog::{CATALOG, Category, MetricId};
use autobot_otel::testing::Scrape;
use autobot_otel_tests::{
    DemoProcess, EXPECTED_PROMTOOL_FINDINGS, http_get, promtool_check_metrics, promtool_findings,
    strict_check_scrape,
};

fn demo() -> DemoProcess {
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_TICK_MS", "20"),
        ("AUTOBOT_DEMO_DURATION_SECS", "60"),
    ],)
    .expect("demo starts");
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
        || "the demo's scrape never held all 56 catalog families".into(),
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
fn live_scrape_has_exactly_the_56_families_with_their_label_sets() {
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
    let extra: Vec<&str> = s
        .families
        .keys()
        .map(String::as_str)
        .filter(|n| MetricId::from_name(n).is_none())
        .filter(|n| !n.starts_with(autobot_otel::catalog::self_metrics::PREFIX))
        .collect();
    assert_eq!(extra, ["target_info"], "families besides the catalog");
    let target = &s.family("target_info").unwrap().samples[0];
    assert_eq!(
        target.labels.get("service_name").map(String::as_str),
        Some("autobot")
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
    assert_eq!(health["metrics_count"], 56);
    assert_eq!(health["metrics_with_data"], 56);
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
    assert_eq!(reported.len(), 56);
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
