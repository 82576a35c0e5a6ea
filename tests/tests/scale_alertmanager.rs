//! Scale-out, step 2: alerts delivered through a real Alertmanager running the
//! shipped `collector-config/alertmanager/alertmanager.yml`.
//!
//! `amtool check-config` accepts the shipped file. Then a demo replica whose Redis
//! database `main` always fails (`AUTOBOT_DEMO_FAILING_DATABASE=main`) is scraped
//! by a real Prometheus that evaluates the shipped alert rules and sends alerts to
//! Alertmanager, whose webhooks point at a receiver run by the test. The shipped
//! rule `CircuitBreakerOpen` (critical, performance) fires and reaches the pager
//! receiver in exactly one notification, with the rule's labels, the replica's
//! `instance` and the rendered annotations; `RedisSuccessRateLow` (warning,
//! performance, same instance) fires too but is inhibited: Alertmanager holds it as
//! suppressed and no receiver gets it.
//!
//! A test cannot wait the shipped `for:` durations (1m-15m) and Alertmanager timers
//! (group_wait 10s-30s, group_interval 5m). It runs copies derived here: every
//! rule's `for:` divided by 30 (1m -> 2s, 5m -> 10s: the order in which alerts fire
//! is kept) with the shipped expressions, labels and annotations unchanged, and
//! Alertmanager's group_wait 1s, group_interval 2s and repeat_interval 1h with the
//! shipped routes, grouping, inhibition rules and receivers (webhook URLs pointed at
//! the test's receiver, paths kept).

use std::collections::BTreeMap;
use std::time::Duration;

use autobot_otel_tests::shipped::{AlertRule, alert_rules, rule_files};
use autobot_otel_tests::{
    Alertmanager, HttpSink, PrometheusOptions, PrometheusServer, SinkRequest, TempDir,
    amtool_check_config, promtool_check_rules, repo_root,
};
use serde_json::Value;
use serde_yaml::Value as Yaml;

/// `for:` durations are divided by this in the test copy of the rules.
const FOR_DIVISOR: u64 = 30;

fn shipped_alertmanager_config() -> std::path::PathBuf {
    repo_root().join("collector-config/alertmanager/alertmanager.yml")
}

/// Parses a Prometheus duration made of `<n><unit>` parts (`1m`, `1h30m`, `90s`).
fn parse_duration(text: &str) -> Duration {
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number
            .parse()
            .unwrap_or_else(|_| panic!("bad duration {text}"));
        number.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => panic!("unsupported unit in {text}"),
        };
    }
    assert!(number.is_empty(), "duration {text} must end with a unit");
    Duration::from_secs(total)
}

/// The shipped rule files with every `for:` divided by [`FOR_DIVISOR`] (at least
/// 1 s), written to `dir`.
fn fast_rule_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for path in rule_files().unwrap() {
        let mut doc: Yaml = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for group in doc["groups"].as_sequence_mut().unwrap() {
            for rule in group["rules"].as_sequence_mut().unwrap() {
                if let Some(d) = rule["for"].as_str() {
                    let fast = (parse_duration(d).as_secs() / FOR_DIVISOR).max(1);
                    rule["for"] = Yaml::String(format!("{fast}s"));
                }
            }
        }
        let target = dir.join(path.file_name().unwrap());
        std::fs::write(&target, serde_yaml::to_string(&doc).unwrap()).unwrap();
        out.push(target);
    }
    out
}

/// The shipped Alertmanager config with short timers and every webhook pointed at
/// `sink` (the URL's path, which names the receiver, is kept).
fn test_alertmanager_config(sink: &str) -> String {
    let mut doc: Yaml =
        serde_yaml::from_str(&std::fs::read_to_string(shipped_alertmanager_config()).unwrap())
            .unwrap();
    fn timers(route: &mut Yaml) {
        for (key, value) in [
            ("group_wait", "1s"),
            ("group_interval", "2s"),
            ("repeat_interval", "1h"),
        ] {
            if route.get(key).is_some() {
                route[key] = Yaml::String(value.into());
            }
        }
        if let Some(routes) = route.get_mut("routes").and_then(Yaml::as_sequence_mut) {
            for r in routes {
                timers(r);
            }
        }
    }
    timers(&mut doc["route"]);
    for receiver in doc["receivers"].as_sequence_mut().unwrap() {
        for hook in receiver["webhook_configs"]
            .as_sequence_mut()
            .into_iter()
            .flatten()
        {
            let url = hook["url"].as_str().unwrap().to_string();
            let path = url.splitn(4, '/').nth(3).unwrap_or_default();
            hook["url"] = Yaml::String(format!("{sink}/{path}"));
        }
    }
    serde_yaml::to_string(&doc).unwrap()
}

/// `{{ $labels.x }}` replaced by the label's value; `None` if other template
/// code remains (e.g. `$value`).
fn render(template: &str, labels: &BTreeMap<String, String>) -> Option<String> {
    let mut out = template.to_string();
    for (k, v) in labels {
        out = out.replace(&format!("{{{{ $labels.{k} }}}}"), v);
    }
    (!out.contains("{{")).then_some(out)
}

/// Every alert of every notification, with the notification's receiver path.
fn delivered(requests: &[SinkRequest]) -> Vec<(String, Value, Value)> {
    requests
        .iter()
        .filter(|r| r.method == "POST")
        .flat_map(|r| {
            let n = r.json().unwrap();
            n["alerts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|a| (r.path.clone(), n.clone(), a))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn is(alert: &Value, name: &str, instance: &str) -> bool {
    alert["labels"]["alertname"] == name && alert["labels"]["instance"] == instance
}

#[test]
fn amtool_accepts_the_shipped_config_and_the_test_copy() {
    let out = amtool_check_config(&[shipped_alertmanager_config()]).unwrap();
    assert!(out.success(), "{}", out.combined());
    assert!(out.combined().contains("SUCCESS"), "{}", out.combined());

    let dir = TempDir::new("am-config").unwrap();
    let copy = dir.path().join("alertmanager.yml");
    std::fs::write(&copy, test_alertmanager_config("http://127.0.0.1:1")).unwrap();
    let out = amtool_check_config(&[&copy]).unwrap();
    assert!(out.success(), "{}", out.combined());
}

#[test]
fn fast_rules_keep_the_shipped_expressions() {
    let dir = TempDir::new("fast-rules").unwrap();
    let files = fast_rule_files(dir.path());
    let out = promtool_check_rules(&files).unwrap();
    assert!(out.success(), "{}", out.combined());
    let shipped = alert_rules().unwrap();
    for file in &files {
        let doc: Yaml = serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for group in doc["groups"].as_sequence().unwrap() {
            for rule in group["rules"].as_sequence().unwrap() {
                let name = rule["alert"].as_str().unwrap();
                let orig: &AlertRule = shipped.iter().find(|r| r.alert == name).unwrap();
                assert_eq!(rule["expr"].as_str().unwrap().trim(), orig.expr);
                let want =
                    parse_duration(orig.for_duration.as_deref().unwrap()).as_secs() / FOR_DIVISOR;
                assert_eq!(rule["for"].as_str().unwrap(), format!("{}s", want.max(1)));
            }
        }
    }
    assert_eq!(parse_duration("1h30m"), Duration::from_secs(5400));
}

#[test]
fn an_open_circuit_breaker_pages_once_and_inhibits_the_warning_of_its_replica() {
    let rules = alert_rules().unwrap();
    let critical = rules
        .iter()
        .find(|r| r.alert == "CircuitBreakerOpen")
        .unwrap();
    let warning = rules
        .iter()
        .find(|r| r.alert == "RedisSuccessRateLow")
        .unwrap();
    assert_eq!(critical.labels["severity"], "critical");
    assert_eq!(warning.labels["severity"], "warning");
    assert_eq!(critical.labels["category"], warning.labels["category"]);

    let sink = HttpSink::start().unwrap();
    let alertmanager =
        Alertmanager::start(&test_alertmanager_config(&sink.base_url())).expect("alertmanager");
    let rules_dir = TempDir::new("fast-rules").unwrap();
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_TICK_MS", "50"),
        ("AUTOBOT_DEMO_DURATION_SECS", "150"),
        ("AUTOBOT_DEMO_FAILING_DATABASE", "main"),
    ])
    .expect("demo starts");
    let instance = demo.target();
    let mut options = PrometheusOptions::new(&instance).alertmanager(alertmanager.target());
    for f in fast_rule_files(rules_dir.path()) {
        options = options.rule_file(f);
    }
    let prometheus = PrometheusServer::start(options).expect("prometheus starts");

    // The critical alert is delivered, to the pager.
    let requests = sink
        .wait_for(
            |r| {
                delivered(r)
                    .iter()
                    .any(|(_, _, a)| is(a, "CircuitBreakerOpen", &instance))
            },
            Duration::from_secs(60),
            "CircuitBreakerOpen was not delivered",
        )
        .unwrap_or_else(|e| {
            panic!(
                "{e}\nprometheus alerts: {:?}\nalertmanager log:\n{}",
                prometheus.query("ALERTS"),
                alertmanager.log_tail(20)
            )
        });
    let (path, notification, alert) = delivered(&requests)
        .into_iter()
        .find(|(_, _, a)| is(a, "CircuitBreakerOpen", &instance))
        .unwrap();

    // The warning fires in Prometheus, reaches Alertmanager and is held there as
    // inhibited by the critical alert.
    prometheus
        .wait_for_vector(
            &format!(
                r#"ALERTS{{alertname="RedisSuccessRateLow", alertstate="firing", instance="{instance}", database="main"}}"#
            ),
            Duration::from_secs(60),
        )
        .expect("RedisSuccessRateLow fires in Prometheus");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let suppressed = loop {
        let alerts = alertmanager.alerts().unwrap();
        let held = alerts
            .iter()
            .find(|a| is(a, "RedisSuccessRateLow", &instance) && a["labels"]["database"] == "main");
        if let Some(a) = held.filter(|a| a["status"]["state"] == "suppressed") {
            break a.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "RedisSuccessRateLow not suppressed in Alertmanager: {alerts:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        !suppressed["status"]["inhibitedBy"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{suppressed}"
    );
    // Long enough for any further notification: several group_waits and
    // group_intervals of the test copy after the warning reached Alertmanager.
    std::thread::sleep(Duration::from_secs(8));
    let all = delivered(&sink.requests());

    // Exactly one notification carries the critical alert ...
    let carrying: Vec<_> = all
        .iter()
        .filter(|(_, _, a)| a["labels"]["alertname"] == "CircuitBreakerOpen")
        .collect();
    assert_eq!(carrying.len(), 1, "{carrying:#?}");
    // ... routed by severity to the pager, grouped by alert name and category.
    assert_eq!(path, "/alerts/pager");
    assert_eq!(notification["receiver"], "autobot-pager");
    assert_eq!(notification["status"], "firing");
    assert_eq!(
        notification["groupLabels"],
        serde_json::json!({"alertname": "CircuitBreakerOpen", "category": "performance"})
    );
    // The documented labels: the rule's, the series', the replica's.
    let labels: BTreeMap<String, String> = serde_json::from_value(alert["labels"].clone()).unwrap();
    let mut want: BTreeMap<String, String> = critical.labels.clone();
    for (k, v) in [
        ("alertname", "CircuitBreakerOpen"),
        ("database", "main"),
        ("instance", instance.as_str()),
        ("job", "autobot"),
    ] {
        want.insert(k.into(), v.into());
    }
    assert_eq!(labels, want);
    // The documented annotations, rendered.
    let annotations: BTreeMap<String, String> =
        serde_json::from_value(alert["annotations"].clone()).unwrap();
    assert_eq!(
        annotations.keys().collect::<Vec<_>>(),
        critical.annotations.keys().collect::<Vec<_>>()
    );
    for (k, template) in &critical.annotations {
        let rendered = render(template, &labels).expect("no $value in this rule");
        assert_eq!(annotations[k], rendered, "annotation {k}");
    }
    assert_eq!(
        annotations["description"],
        "The circuit breaker of main has been open for over a minute"
    );
    // The inhibited warning reached no receiver.
    let leaked: Vec<_> = all
        .iter()
        .filter(|(_, _, a)| is(a, "RedisSuccessRateLow", &instance))
        .collect();
    assert!(
        leaked.is_empty(),
        "inhibited warning delivered: {leaked:#?}"
    );
}
