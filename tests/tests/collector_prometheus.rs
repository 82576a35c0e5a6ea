//! Everything shipped in `collector-config/prometheus` and `collector-config/grafana`
//! is checked by the real consumers: `promtool check config|rules`, `promtool test
//! rules`, and a real Prometheus that scraped the running demo and loaded the rules:
//! every dashboard panel's and every rule's query parses and returns data.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use autobot_otel::catalog::MetricId;
use autobot_otel::catalog::genai::GENAI_METRICS;
use autobot_otel::catalog::self_metrics::SELF_METRICS;
use autobot_otel_tests::dashboards::{check_dashboards, shipped_dashboards};
use autobot_otel_tests::shipped::{
    AlertRule, alert_rules, dashboard_queries, files_with_extension, split_threshold,
};
use autobot_otel_tests::{
    PrometheusOptions, PrometheusServer, promtool_check_config, promtool_check_rules,
    promtool_test_rules, repo_root,
};

fn prometheus_dir() -> PathBuf {
    repo_root().join("collector-config/prometheus")
}

fn files(dir: PathBuf, ext: &str) -> Vec<PathBuf> {
    files_with_extension(&dir, ext).unwrap()
}

fn rules() -> Vec<AlertRule> {
    alert_rules().unwrap()
}

fn dashboard_expressions() -> Vec<(String, String)> {
    dashboard_queries().unwrap()
}

#[test]
fn promtool_accepts_the_config_and_the_rules() {
    let out = promtool_check_config(prometheus_dir().join("prometheus.yml")).unwrap();
    assert!(out.success(), "{}", out.combined());
    let rule_files = files(prometheus_dir().join("rules"), "yml");
    let out = promtool_check_rules(&rule_files).unwrap();
    assert!(out.success(), "{}", out.combined());
    assert!(
        out.combined()
            .contains(&format!("SUCCESS: {} rules found", rules().len()))
    );
}

#[test]
fn promtool_unit_tests_of_every_alert_pass() {
    let tests = files(prometheus_dir().join("tests"), "yml");
    let out = promtool_test_rules(&tests).unwrap();
    assert!(out.success(), "{}", out.combined());

    // Every alert has a case where it fires and a case where it stays silent.
    let mut fires = BTreeSet::new();
    let mut silent = BTreeSet::new();
    for path in &tests {
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for test in doc["tests"].as_sequence().unwrap() {
            for case in test["alert_rule_test"].as_sequence().unwrap() {
                let name = case["alertname"].as_str().unwrap().to_string();
                if case["exp_alerts"]
                    .as_sequence()
                    .is_some_and(|a| !a.is_empty())
                {
                    fires.insert(name);
                } else {
                    silent.insert(name);
                }
            }
        }
    }
    for rule in rules() {
        assert!(
            fires.contains(&rule.alert),
            "{}: no test where it fires",
            rule.alert
        );
        assert!(
            silent.contains(&rule.alert),
            "{}: no test where it stays silent",
            rule.alert
        );
    }
}

#[test]
fn rules_and_dashboards_name_only_catalog_genai_and_self_metrics() {
    let mut exprs: Vec<String> = rules().into_iter().map(|r| r.expr).collect();
    exprs.extend(dashboard_expressions().into_iter().map(|(_, e)| e));
    for expr in exprs {
        for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("gen_ai_") {
                // A GenAI metric's series, or one of its labels (`gen_ai_agent_name`).
                let known = GENAI_METRICS.iter().any(|d| {
                    let name = d.prometheus_name();
                    word == name
                        || ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|s| word.strip_suffix(s) == Some(name.as_str()))
                        || d.prometheus_labels().any(|l| l == word)
                });
                assert!(
                    known,
                    "`{word}` in `{expr}` is neither a GenAI metric nor one of their labels"
                );
                continue;
            }
            if word.starts_with("process_") || word.starts_with("http_server_") {
                // The process metrics and the HTTP server conventions' families.
                use autobot_otel::catalog::http_server::HTTP_SERVER_METRICS;
                use autobot_otel::catalog::process::PROCESS_METRICS;
                let names: Vec<String> = PROCESS_METRICS
                    .iter()
                    .map(|d| d.prometheus_name())
                    .chain(HTTP_SERVER_METRICS.iter().map(|d| d.prometheus_name()))
                    .collect();
                let known = names.iter().any(|name| {
                    word == name
                        || ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|s| word.strip_suffix(s) == Some(name.as_str()))
                });
                assert!(
                    known,
                    "`{word}` in `{expr}` is neither a process nor an HTTP server metric"
                );
                continue;
            }
            if !word.starts_with("autobot_") {
                continue;
            }
            let self_metric = SELF_METRICS.iter().any(|d| d.name == word);
            let known = MetricId::from_name(word).is_some()
                || self_metric
                || ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| word.strip_suffix(s).and_then(MetricId::from_name).is_some());
            assert!(known, "`{word}` in `{expr}` is not a catalog metric");
        }
    }
}

#[test]
fn ratios_are_rendered_as_percentages_not_raw_with_a_percent_sign() {
    for rule in rules() {
        for (key, text) in &rule.annotations {
            assert!(
                !text.contains("{{ $value }}%"),
                "{}.{key}: raw value printed with %",
                rule.alert
            );
        }
        let (query, _) = split_threshold(&rule.expr).unwrap();
        let is_ratio = query.contains(" / ") || query.contains("\n/") || query.contains("_ratio");
        if is_ratio {
            let described = rule
                .annotations
                .values()
                .any(|t| t.contains("humanizePercentage") || t.contains("printf"));
            assert!(described, "{}: a ratio must be formatted", rule.alert);
        }
    }
}

#[test]
fn every_rule_and_panel_query_parses_and_returns_data_from_the_demo() {
    let rules = rules();
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_TICK_MS", "50"),
        ("AUTOBOT_DEMO_DURATION_SECS", "120"),
        // The GenAI dashboard's panels read the GenAI conventions' families.
        ("AUTOBOT_OTEL_GENAI_METRICS", "true"),
        // Error Tracking's circuit breaker openings: one database's requests fail.
        ("AUTOBOT_DEMO_FAILING_DATABASE", "knowledge"),
    ],)
    .expect("demo starts");
    let mut options = PrometheusOptions::new(demo.target()).scrape_interval(Duration::from_secs(1));
    for path in autobot_otel_tests::shipped::rule_files().unwrap() {
        options = options.rule_file(path);
    }
    let prometheus =
        PrometheusServer::start_scraped(options, 4).expect("prometheus scraped the demo");

    let mut failures = Vec::new();
    for rule in &rules {
        let (query, op) = split_threshold(&rule.expr)
            .unwrap_or_else(|| panic!("{}: expr must end in `<op> <number>`", rule.alert));
        if let Err(e) = prometheus.query(&rule.expr) {
            failures.push(format!("{}: expr does not run: {e}", rule.alert));
        }
        match prometheus.wait_for_vector(query, Duration::from_secs(15)) {
            Ok(v) if v.iter().all(|s| s.value.is_finite()) => {}
            Ok(v) => failures.push(format!("{} ({op}): non-finite values {v:?}", rule.alert)),
            Err(e) => failures.push(format!("{}: `{query}` returns no data: {e}", rule.alert)),
        }
    }
    for (panel, expr) in dashboard_expressions() {
        match prometheus.wait_for_vector(&expr, Duration::from_secs(15)) {
            Ok(_) => {}
            Err(e) => failures.push(format!("{panel}: `{expr}` returns no data: {e}")),
        }
    }
    // Every variable query as Grafana calls it, and every panel query with each
    // variable set to a value it lists.
    let check = check_dashboards(&prometheus.base_url(), |q| prometheus.query_vector(q)).unwrap();
    eprintln!("{} dashboard queries run", check.queries);
    failures.extend(check.problems);
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The rules loaded into the running Prometheus, and every one of them has
    // been evaluated and is healthy (a rule not evaluated yet is "unknown": not
    // healthy, so this waits for it).
    let evaluated = prometheus
        .wait_for_rules_evaluated(Duration::from_secs(30))
        .unwrap();
    assert_eq!(evaluated.len(), rules.len(), "{evaluated:?}");
    assert!(evaluated.iter().all(|(_, health)| health == "ok"));

    // The alert annotation reads the `ALERTS` series of the rules by their
    // `category`: the failing database's open circuit breaker is a pending alert
    // of the performance dashboard's (firing once its `for: 1m` has passed; the
    // annotation shows it then, from the same series).
    let board = shipped_dashboards()
        .unwrap()
        .into_iter()
        .find(|b| b.file == "autobot-performance.json")
        .unwrap();
    let annotation = board.all(&board.annotations[0]);
    assert!(annotation.contains("alertstate=\"firing\""), "{annotation}");
    let active = annotation.replace("alertstate=\"firing\"", "alertstate=~\"firing|pending\"");
    let alerts = prometheus
        .wait_for_vector(&active, Duration::from_secs(15))
        .unwrap();
    assert!(
        alerts
            .iter()
            .any(|s| s.label("alertname") == Some("CircuitBreakerOpen")),
        "{alerts:?}"
    );
}

#[test]
fn stat_thresholds_are_the_alert_rules_thresholds() {
    let rules = rules();
    let mut stated = BTreeSet::new();
    for board in shipped_dashboards().unwrap() {
        for panel in board.json["panels"].as_array().unwrap() {
            let description = panel["description"].as_str().unwrap_or_default();
            let Some(alert) = description
                .split("alert rule `")
                .nth(1)
                .and_then(|r| r.split('`').next())
            else {
                continue;
            };
            assert_eq!(panel["type"], "stat", "{}: {alert}", board.file);
            let rule = rules
                .iter()
                .find(|r| r.alert == alert)
                .unwrap_or_else(|| panic!("{}: no rule {alert}", board.file));
            let (_, op) = split_threshold(&rule.expr).unwrap();
            let threshold: f64 = rule
                .expr
                .trim_end()
                .rsplit_once(char::is_whitespace)
                .unwrap()
                .1
                .parse()
                .unwrap();
            let steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
                .as_array()
                .unwrap();
            // Red from the threshold on (`>`, `==`), or below it (`<`).
            let red_from = |i: usize| steps[i]["color"] == "red";
            match op {
                ">" | ">=" | "==" => {
                    assert!(!red_from(0) && red_from(1), "{alert}: {steps:?}");
                }
                "<" | "<=" => assert!(red_from(0) && !red_from(1), "{alert}: {steps:?}"),
                other => panic!("{alert}: {other}"),
            }
            assert_eq!(steps[1]["value"].as_f64(), Some(threshold), "{alert}");
            stated.insert(alert.to_string());
        }
    }
    for rule in &rules {
        assert!(
            stated.contains(&rule.alert),
            "{}: no stat panel",
            rule.alert
        );
    }
}
