//! The generated SLO rules (`collector-config/prometheus/rules/autobot-slos.yml`,
//! from the catalog's objectives) are checked by the real consumers: `promtool
//! check rules`, the generated promtool tests (one `promtool test rules` per
//! file, run across threads bounded by the available cores), and a real
//! Prometheus that scrapes the demo with the rules loaded: every objective's SLI
//! series exists and lies in [0, 1], and every SLO dashboard query runs; and
//! `vmalert` (Debian package `victoria-metrics`) evaluating the same rules against
//! the VictoriaMetrics that Prometheus remote-writes into records the same series,
//! with values that agree (on windows shortened so the data covers them).
//!
//! For speed, each generated test file runs against its own objective's rule
//! groups, copied verbatim out of the shipped file (promtool evaluates every
//! loaded rule at every step, so seven objectives' rules would cost seven times
//! as much). Run by hand, the files load the whole shipped file and pass too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use autobot_otel_tests::shipped::{files_with_extension, slo_rule_file};
use autobot_otel_tests::{
    PrometheusOptions, PrometheusServer, TempDir, promtool_check_rules, promtool_test_rules,
    repo_root,
};
use serde_yaml::Value;
use xtask::slo_rules::objectives::{OBJECTIVES, Sli};

fn slo_tests() -> Vec<PathBuf> {
    files_with_extension(&repo_root().join(xtask::slo_rules::SLO_TESTS_DIR), "yml").unwrap()
}

fn shipped_rules() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(slo_rule_file()).unwrap()).unwrap()
}

/// The objective a generated test file tests (`<name>.<plan>.test.yml`).
fn objective_of(path: &Path) -> String {
    let file = path.file_name().unwrap().to_str().unwrap();
    file.split('.').next().unwrap().to_string()
}

/// Writes `<dir>/<name>.rules.yml` with the shipped groups of objective
/// `name`, verbatim, and the test file pointing at it; returns the test file.
fn isolate(dir: &Path, test: &Path, rules: &Value) -> PathBuf {
    let name = objective_of(test);
    let own: Vec<Value> = rules["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|g| {
            ["sli", "meta", "alerts"]
                .iter()
                .any(|k| g["name"].as_str() == Some(&format!("autobot-slo-{k}-{name}")))
        })
        .cloned()
        .collect();
    assert_eq!(own.len(), 3, "{name}: three groups in the shipped rules");
    let rules_path = dir.join(format!("{name}.rules.yml"));
    let mut doc = serde_yaml::Mapping::new();
    doc.insert("groups".into(), Value::Sequence(own));
    std::fs::write(&rules_path, serde_yaml::to_string(&doc).unwrap()).unwrap();
    let mut t: Value = serde_yaml::from_str(&std::fs::read_to_string(test).unwrap()).unwrap();
    t["rule_files"] = Value::Sequence(vec![rules_path.to_str().unwrap().into()]);
    let out = dir.join(test.file_name().unwrap());
    std::fs::write(&out, serde_yaml::to_string(&t).unwrap()).unwrap();
    out
}

#[test]
fn promtool_accepts_the_slo_rules() {
    let out = promtool_check_rules(&[slo_rule_file()]).unwrap();
    assert!(out.success(), "{}", out.combined());
}

#[test]
fn generated_promtool_tests_pass_in_parallel() {
    let rules = shipped_rules();
    let dir = TempDir::new("slo-tests").unwrap();
    let queue: Mutex<Vec<PathBuf>> = Mutex::new(
        slo_tests()
            .iter()
            .map(|t| isolate(dir.path(), t, &rules))
            .collect(),
    );
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let Some(test) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    match promtool_test_rules(&[&test]) {
                        Ok(out) if out.success() => {}
                        Ok(out) => failures.lock().unwrap().push(format!(
                            "{}:\n{}",
                            test.display(),
                            out.combined()
                        )),
                        Err(e) => failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {e}", test.display())),
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_objective_has_tests_where_each_tier_fires_and_stays_silent() {
    let mut fires: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut silent: BTreeSet<String> = BTreeSet::new();
    let mut exprs: BTreeSet<String> = BTreeSet::new();
    for path in slo_tests() {
        let name = objective_of(&path);
        let doc: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for test in doc["tests"].as_sequence().unwrap() {
            for case in test["alert_rule_test"].as_sequence().into_iter().flatten() {
                let alerts = case["exp_alerts"].as_sequence().unwrap();
                if alerts.is_empty() {
                    silent.insert(name.clone());
                }
                for a in alerts {
                    if let Some(tier) = a["exp_labels"]["slo_tier"].as_str() {
                        fires.entry(name.clone()).or_default().insert(tier.into());
                    }
                }
            }
            for case in test["promql_expr_test"].as_sequence().into_iter().flatten() {
                exprs.insert(name.clone());
                let _ = case;
            }
        }
    }
    for o in OBJECTIVES {
        let tiers: BTreeSet<String> = o.enabled_tiers().map(|t| t.tier.key().into()).collect();
        assert_eq!(
            fires.get(o.name),
            Some(&tiers),
            "{}: every tier fires",
            o.name
        );
        assert!(silent.contains(o.name), "{}: a silent case", o.name);
        assert!(
            exprs.contains(o.name),
            "{}: the zero group is checked",
            o.name
        );
    }
}

#[test]
fn every_slo_rule_names_only_catalog_families() {
    let rules = shipped_rules();
    for group in rules["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let expr = rule["expr"].as_str().unwrap();
            for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if !word.starts_with("autobot_") {
                    continue;
                }
                let known = autobot_otel::catalog::MetricId::from_name(word).is_some()
                    || ["_bucket", "_count"].iter().any(|s| {
                        word.strip_suffix(s)
                            .and_then(autobot_otel::catalog::MetricId::from_name)
                            .is_some()
                    });
                assert!(known, "`{word}` in `{expr}` is not a catalog family");
            }
        }
    }
}

#[test]
fn a_real_prometheus_scraping_the_demo_records_every_sli_within_zero_and_one() {
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_TICK_MS", "50"),
        ("AUTOBOT_DEMO_DURATION_SECS", "120"),
    ],)
    .expect("demo starts");
    let options = PrometheusOptions::new(demo.target())
        .scrape_interval(Duration::from_secs(1))
        .rule_file(slo_rule_file());
    let prometheus =
        PrometheusServer::start_scraped(options, 4).expect("prometheus scraped the demo");
    let mut failures = Vec::new();
    for o in OBJECTIVES {
        let id = o.sloth_id();
        for name in [
            "slo:sli_error:ratio_rate5m",
            "slo:sli_error:ratio_rate1h",
            "slo:sli_error:ratio_rate30d",
            "slo:period_error_budget_remaining:ratio",
            "slo:current_burn_rate:ratio",
        ] {
            let expr = format!("{name}{{sloth_id=\"{id}\"}}");
            match prometheus.wait_for_vector(&expr, Duration::from_secs(30)) {
                Ok(v) => {
                    for s in &v {
                        let ok = match name {
                            "slo:period_error_budget_remaining:ratio" => s.value <= 1.0,
                            "slo:current_burn_rate:ratio" => s.value >= 0.0,
                            _ => (0.0..=1.0).contains(&s.value),
                        };
                        if !ok || !s.value.is_finite() {
                            failures.push(format!("{expr}: {:?} = {}", s.labels, s.value));
                        }
                        for label in o.by {
                            if s.label(label).is_none() {
                                failures.push(format!("{expr}: no `{label}` in {:?}", s.labels));
                            }
                        }
                    }
                }
                Err(e) => failures.push(format!("{expr}: {e}")),
            }
        }
        // The threshold bucket exists in the scrape (the guard would fire
        // otherwise): `le` in whichever spelling this Prometheus stores.
        if let Sli::Latency {
            histogram,
            threshold,
            ..
        } = o.sli
        {
            let expr = format!(
                "{}_bucket{{{}}}",
                histogram.def().name,
                xtask::slo_rules::le_matcher(threshold)
            );
            if let Err(e) = prometheus.wait_for_vector(&expr, Duration::from_secs(5)) {
                failures.push(format!("{expr}: {e}"));
            }
        }
    }
    // Every query of the SLO dashboard runs; all but the firing-tier panels
    // (ALERTS, empty while nothing burns) return data.
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root()
                .join(xtask::DASHBOARDS_DIR)
                .join(xtask::slo_dashboard::SLO_DASHBOARD),
        )
        .unwrap(),
    )
    .unwrap();
    let queries = xtask::grafana::expressions(&json);
    assert!(queries.len() > 4 * OBJECTIVES.len());
    for expr in queries {
        if expr.contains("ALERTS") {
            if let Err(e) = prometheus.query(&expr) {
                failures.push(format!("dashboard `{expr}` does not run: {e}"));
            }
        } else if let Err(e) = prometheus.wait_for_vector(&expr, Duration::from_secs(10)) {
            failures.push(format!("dashboard `{expr}`: {e}"));
        }
    }
    let evaluated = prometheus
        .wait_for_rules_evaluated(Duration::from_secs(30))
        .unwrap();
    assert!(
        evaluated.iter().all(|(_, health)| health == "ok"),
        "{evaluated:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_openslo_and_sloth_specs_parse_and_name_every_objective() {
    let root = repo_root();
    let text = std::fs::read_to_string(root.join(xtask::slo_specs::OPENSLO_FILE)).unwrap();
    let docs: Vec<Value> = text
        .split("\n---\n")
        .skip(1)
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    let names: BTreeSet<&str> = docs
        .iter()
        .inspect(|d| {
            assert_eq!(d["apiVersion"].as_str(), Some("openslo/v1"));
            assert_eq!(d["kind"].as_str(), Some("SLO"));
        })
        .filter_map(|d| d["metadata"]["name"].as_str())
        .collect();
    let want: BTreeSet<&str> = OBJECTIVES.iter().map(|o| o.name).collect();
    assert_eq!(names, want);
    let sloth: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root.join(xtask::slo_specs::SLOTH_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(sloth["version"].as_str(), Some("prometheus/v1"));
    let names: BTreeSet<&str> = sloth["slos"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, want);
}

/// The same rules on `vmalert` (Debian package `victoria-metrics`) against the
/// VictoriaMetrics that Prometheus remote-writes the demo's samples into, both
/// evaluating a copy with every range window shortened to 40 s: vmalert accepts
/// the rules and records the same SLI, event-rate and period-SLI series as
/// Prometheus, every ratio within [0, 1] on both, and the 5-minute SLI and event
/// rates agree within the scale-out tolerance (`agreement::agree`) once the data
/// covers two windows.
#[test]
fn vmalert_on_victoria_metrics_records_the_slis_prometheus_records() {
    use autobot_otel_tests::{
        HttpSink, ManagedProcess, VictoriaMetrics, VictoriaOptions, free_port, now_unix,
    };
    let vmalert = PathBuf::from("/usr/bin/vmalert");
    assert!(
        vmalert.is_file(),
        "vmalert missing: run scripts/install-tools.sh"
    );
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_TICK_MS", "50"),
        ("AUTOBOT_DEMO_DURATION_SECS", "180"),
    ],)
    .expect("demo starts");
    let started = std::time::Instant::now();
    // The shipped rules with every range window shortened to WINDOW (as the
    // scale-out test compares queries): both evaluate this copy, so their values
    // can be compared once the data covers a window.
    const WINDOW: &str = "40s";
    let shortened = TempDir::new("slo-shortened").unwrap();
    let rule_file = shortened.path().join("autobot-slos.yml");
    let rules = std::fs::read_to_string(slo_rule_file()).unwrap();
    // Range selectors appear only in expressions (`[<n><unit>]`).
    let rewritten = autobot_otel_tests::agreement::with_window(&rules, WINDOW);
    std::fs::write(&rule_file, rewritten).unwrap();
    let vm = VictoriaMetrics::start(VictoriaOptions::default()).unwrap();
    // Prometheus' own recorded `slo:*` series stay out of VictoriaMetrics:
    // there, vmalert records them.
    let remote_write = format!(
        "remote_write:\n  - url: {}\n    write_relabel_configs:\n      - source_labels: [__name__]\n        regex: 'slo:.+|sloth_.+'\n        action: drop\n",
        vm.remote_write_url()
    );
    let options = PrometheusOptions::new(demo.target())
        .scrape_interval(Duration::from_secs(1))
        .rule_file(rule_file.clone())
        .extra_config(remote_write);
    let prometheus = PrometheusServer::start_scraped(options, 4).expect("prometheus scraped");
    let notifier = HttpSink::start().unwrap();
    let dir = TempDir::new("vmalert").unwrap();
    let mut cmd = std::process::Command::new(&vmalert);
    cmd.arg(format!("-rule={}", rule_file.display()))
        .arg(format!("-datasource.url={}", vm.base_url()))
        .arg(format!("-remoteWrite.url={}", vm.base_url()))
        .arg(format!("-notifier.url={}", notifier.base_url()))
        .arg("-evaluationInterval=1s")
        .arg(format!(
            "-httpListenAddr=127.0.0.1:{}",
            free_port().unwrap()
        ));
    let process = ManagedProcess::spawn("vmalert", cmd, &dir.path().join("vmalert.log")).unwrap();
    let expr = "slo:sli_error:ratio_rate5m";
    let vm_result = vm.wait_for_vector(expr, Duration::from_secs(60));
    process
        .ensure_running()
        .unwrap_or_else(|e| panic!("{e}\n{}", process.log_tail(30)));
    let vm_result = vm_result.unwrap_or_else(|e| panic!("{e}\n{}", process.log_tail(30)));
    assert!(!vm_result.is_empty());
    // The period SLI sums vmalert's own recorded rates, which it reads back
    // once VictoriaMetrics has them.
    vm.wait_for_vector("slo:sli_error:ratio_rate30d", Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}\n{}", process.log_tail(30)));
    // Every window lies after every series' start (the demo's first calls)
    // from 2 windows and a few scrapes after it started; both answer then.
    let settled = Duration::from_secs(100);
    if let Some(left) = settled.checked_sub(started.elapsed()) {
        std::thread::sleep(left);
    }
    std::thread::sleep(Duration::from_secs(5));
    vm.force_flush().unwrap();
    let t = now_unix() - 3.0;
    let key = |s: &autobot_otel_tests::Sample| {
        let mut l = s.labels.clone();
        l.remove("__name__");
        format!("{l:?}")
    };
    let mut failures = Vec::new();
    // Same series on both, and the windowed SLIs agree within the scale-out
    // tolerance (`agreement::agree`): on windows that lie after every series'
    // start, PromQL's extrapolated `rate` and MetricsQL's differ only by one
    // scrape interval's increments. (On the shipped windows, in a test this
    // short, each window holds the series' start, where Prometheus' `rate`
    // begins at the first sample and VictoriaMetrics' at 0: 30 s in, total-event
    // rates 0.56/s vs 6.5/s.) The period SLI sums each evaluator's own recorded
    // rates since it began, which start at different times: range only.
    let compared = ["slo:sli_error:ratio_rate5m", "slo:sli_total_events:rate5m"];
    for name in [
        "slo:sli_error:ratio_rate5m",
        "slo:sli_total_events:rate5m",
        "slo:sli_error:ratio_rate30d",
    ] {
        let p: BTreeMap<String, f64> = prometheus
            .query_vector_at(name, t)
            .unwrap()
            .iter()
            .map(|s| (key(s), s.value))
            .collect();
        let v: BTreeMap<String, f64> = vm
            .query_vector_at(name, t)
            .unwrap()
            .iter()
            .map(|s| (key(s), s.value))
            .collect();
        if p.keys().ne(v.keys()) {
            failures.push(format!(
                "{name}: series differ\nprometheus {p:?}\nvmalert {v:?}"
            ));
            continue;
        }
        for (k, pv) in &p {
            let vv = v[k];
            let ratio = name.contains("ratio");
            for (who, x) in [("prometheus", pv), ("vmalert", &vv)] {
                if !x.is_finite() || *x < 0.0 || (ratio && *x > 1.0) {
                    failures.push(format!("{name} {k}: {who} {x} out of range"));
                }
            }
            if compared.contains(&name) && !autobot_otel_tests::agreement::agree(*pv, vv) {
                failures.push(format!("{name} {k}: prometheus {pv} vs vmalert {vv}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
