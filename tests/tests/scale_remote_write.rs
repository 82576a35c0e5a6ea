//! Scale-out, step 1: three demo replicas, each its own `instance`, scraped by one
//! real Prometheus, which remote-writes with the `remote_write` stanza shipped in
//! `collector-config/prometheus/prometheus-scale-out.yml` (only its URL replaced)
//! into a real VictoriaMetrics single node. Then, at one evaluation time `T` up to
//! which Prometheus has sent everything:
//!
//! 1. the raw data is the same: every series of the job, with its exact labels and
//!    its exact value, on both;
//! 2. every shipped query (guide queries, each rule's expression and its query
//!    without the threshold, every dashboard panel) parses and returns data on
//!    VictoriaMetrics, with the same series set as on Prometheus;
//! 3. with every range window shortened to [`WINDOW`], which the data covers, each of
//!    those queries returns the same series with values that agree within
//!    [`autobot_otel_tests::agreement::REL_TOLERANCE`]; this includes the cross-replica `sum by` aggregations.
//!
//! Why values are compared on shortened windows, and why there is a tolerance:
//! PromQL's `rate`/`increase` extrapolate from the first and last sample inside the
//! window to its edges, while MetricsQL's start from the last sample *before* the
//! window and do not extrapolate. On a window the series are younger than (the
//! shipped 5m-1h windows, in a test that runs for a minute) the two differ by the
//! ratio of window to series age, by design. On a window covered by data both
//! estimate the same per-second rate, and differ only by the increments of the one
//! scrape interval that MetricsQL counts and PromQL extrapolates; the tolerance is
//! sized for that (see `docs/scaling.md`). VictoriaMetrics also leaves `NaN`
//! results (0/0) out of its answers, where Prometheus returns them; such series are
//! listed, not counted as a mismatch.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use autobot_otel_tests::agreement::{agree, with_window};
use autobot_otel_tests::dashboards::{
    ALL_VALUE, check_dashboards, label_values, regex_escape, shipped_dashboards, substitute,
};
use autobot_otel_tests::shipped::{every_shipped_query, split_threshold};
use autobot_otel_tests::{
    PrometheusOptions, PrometheusServer, Sample, VictoriaMetrics, VictoriaOptions, now_unix,
    promtool_check_config, repo_root, sum_metric,
};

/// Replicas of the demo.
const REPLICAS: usize = 3;
/// The range window every query is rewritten to for the value comparison.
const WINDOW: &str = "60s";
const WINDOW_SECS: f64 = 60.0;
/// Relative difference of a raw sample read back from VictoriaMetrics, which keeps
/// 12 significant decimal digits.
const RAW_TOLERANCE: f64 = 1e-11;

/// The shipped `remote_write` stanza with its URL pointed at `url`.
fn shipped_remote_write(url: &str) -> String {
    let path = repo_root().join("collector-config/prometheus/prometheus-scale-out.yml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut stanza = doc["remote_write"].clone();
    let queues = stanza.as_sequence_mut().expect("remote_write is a list");
    assert_eq!(queues.len(), 1, "one remote_write queue");
    queues[0]["url"] = serde_yaml::Value::String(url.to_string());
    let mut top = serde_yaml::Mapping::new();
    top.insert("remote_write".into(), stanza);
    serde_yaml::to_string(&top).unwrap()
}

fn key(s: &Sample) -> String {
    format!("{:?}", s.labels)
}

fn by_key(v: &[Sample]) -> BTreeMap<String, f64> {
    v.iter().map(|s| (key(s), s.value)).collect()
}

/// Compares two results; returns the problems, and the relative differences seen.
fn compare(
    what: &str,
    prom: &[Sample],
    vm: &[Sample],
    values: bool,
    threshold_op: Option<&str>,
    rel_diffs: &mut Vec<(f64, String)>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let p = by_key(prom);
    let v = by_key(vm);
    let nan_only: BTreeSet<&String> = p
        .iter()
        .filter(|(k, x)| x.is_nan() && !v.contains_key(*k))
        .map(|(k, _)| k)
        .collect();
    if !nan_only.is_empty() {
        notes.push(format!(
            "{what}: NaN on Prometheus, absent on VictoriaMetrics: {nan_only:?}"
        ));
    }
    let pk: BTreeSet<&String> = p.keys().filter(|k| !nan_only.contains(k)).collect();
    let vk: BTreeSet<&String> = v.keys().collect();
    if pk != vk {
        let only_p: Vec<_> = pk.difference(&vk).collect();
        let only_v: Vec<_> = vk.difference(&pk).collect();
        match threshold_op {
            // A filtered rule expression: a series whose value is within the tolerance
            // of the threshold may pass on one side only; the comparison of the query
            // part (without the threshold) covers its value.
            Some(op) => notes.push(format!(
                "{what} ({op}): near-threshold series on one side only: prometheus {only_p:?} victoria {only_v:?}"
            )),
            None => problems.push(format!(
                "{what}: series sets differ\n  only on Prometheus: {only_p:?}\n  only on VictoriaMetrics: {only_v:?}"
            )),
        }
    }
    if values {
        for (k, pv) in &p {
            let Some(vv) = v.get(k) else { continue };
            if pv.is_nan() || vv.is_nan() {
                if pv.is_nan() != vv.is_nan() {
                    problems.push(format!("{what} {k}: prometheus {pv} victoria {vv}"));
                }
                continue;
            }
            let scale = pv.abs().max(vv.abs());
            let rel = if scale == 0.0 {
                0.0
            } else {
                (pv - vv).abs() / scale
            };
            rel_diffs.push((rel, format!("{what} {k}: prometheus {pv} victoria {vv}")));
            if !agree(*pv, *vv) {
                problems.push(format!(
                    "{what} {k}: prometheus {pv} victoria {vv} (relative difference {rel:.3})"
                ));
            }
        }
    }
    problems
}

#[test]
fn three_replicas_remote_written_to_victoria_metrics_answer_every_query_like_prometheus() {
    let started = Instant::now();
    let demos: Vec<_> = (0..REPLICAS)
        .map(|i| {
            let seed = (i + 1).to_string();
            autobot_otel_tests::spawn_demo!(&[
                ("AUTOBOT_DEMO_TICK_MS", "25"),
                ("AUTOBOT_DEMO_DURATION_SECS", "180"),
                // The GenAI dashboard's panels read the GenAI conventions' families.
                ("AUTOBOT_OTEL_GENAI_METRICS", "true"),
                // Error Tracking's circuit breaker openings: one database's requests fail.
                ("AUTOBOT_DEMO_FAILING_DATABASE", "knowledge"),
                ("AUTOBOT_DEMO_SEED", seed.as_str()),
            ])
            .expect("demo starts")
        })
        .collect();
    let vm = VictoriaMetrics::start(VictoriaOptions::default()).expect("victoria-metrics starts");
    let mut options = PrometheusOptions::default()
        .scrape_interval(Duration::from_secs(1))
        .extra_config(shipped_remote_write(&vm.remote_write_url()));
    for d in &demos {
        options = options.target(d.target());
    }
    let prometheus = PrometheusServer::start_scraped(options, 2).expect("prometheus scrapes");
    // The config Prometheus runs has the shipped stanza.
    let config = std::fs::read_to_string(prometheus.config_path()).unwrap();
    assert!(config.contains("max_samples_per_send: 2000"), "{config}");

    // T: a whole second at which every replica has been scraped for longer than the
    // window plus a few intervals (so the shortened windows are covered by data).
    let first = now_unix();
    let t = (first + WINDOW_SECS + 5.0).floor();
    // Wait until T is past and Prometheus has sent everything up to it.
    let sent_metric = "prometheus_remote_storage_queue_highest_sent_timestamp_seconds";
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let body = autobot_otel_tests::http_get(&format!("{}/metrics", prometheus.base_url()))
            .unwrap()
            .body;
        let sent = sum_metric(&body, sent_metric);
        if sent >= t + 1.0 && now_unix() >= t + 2.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "remote write did not get past {t} (sent {sent}); victoria log:\n{}\nprometheus log:\n{}",
            vm.log_tail(20),
            prometheus.log_tail(20)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    vm.force_flush().unwrap();

    // 1. The raw data is the same, series by series, value by value.
    let raw = r#"{job="autobot"}"#;
    let p = prometheus.query_vector_at(raw, t).unwrap();
    let v = vm.query_vector_at(raw, t).unwrap();
    let instances: BTreeSet<&str> = p.iter().filter_map(|s| s.label("instance")).collect();
    let targets: BTreeSet<String> = demos.iter().map(|d| d.target()).collect();
    assert_eq!(
        instances,
        targets.iter().map(String::as_str).collect(),
        "every replica is its own instance"
    );
    assert!(p.len() > 500 * REPLICAS, "{} series", p.len());
    let (pm, vmap) = (by_key(&p), by_key(&v));
    assert_eq!(
        pm.keys().collect::<Vec<_>>(),
        vmap.keys().collect::<Vec<_>>(),
        "the exact series sets"
    );
    // VictoriaMetrics stores a float as a decimal with 12 significant digits
    // (167.0042400496539 comes back as 167.0042400496): equal to 1e-11, relatively.
    for (k, pv) in &pm {
        let vv = vmap[k];
        assert!(
            (pv - vv).abs() <= RAW_TOLERANCE * pv.abs().max(vv.abs())
                || (pv.is_nan() && vv.is_nan()),
            "{k}: prometheus {pv}, victoria {vv}"
        );
    }

    // 2 and 3: every shipped query.
    let queries: Vec<(String, String)> = every_shipped_query().unwrap();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut rel_diffs = Vec::new();
    for (what, expr) in &queries {
        let threshold = (what.starts_with("rule ") && !what.ends_with("(query)"))
            .then(|| split_threshold(expr).map(|(_, op)| op))
            .flatten();
        // As shipped: data on both, same series.
        let p = prometheus.query_vector_at(expr, t);
        let v = vm.query_vector_at(expr, t);
        match (p, v) {
            (Ok(p), Ok(v)) => {
                if threshold.is_none() && (p.is_empty() || v.is_empty()) {
                    problems.push(format!(
                        "{what}: `{expr}` returns no data (prometheus {}, victoria {})",
                        p.len(),
                        v.len()
                    ));
                }
                problems.extend(compare(
                    what,
                    &p,
                    &v,
                    false,
                    threshold,
                    &mut rel_diffs,
                    &mut notes,
                ));
            }
            (p, v) => problems.push(format!("{what}: `{expr}`: {p:?} / {v:?}")),
        }
        // Shortened windows: same series, values within the tolerance.
        let short = with_window(expr, WINDOW);
        let p = prometheus.query_vector_at(&short, t).unwrap();
        let v = vm.query_vector_at(&short, t).unwrap();
        problems.extend(compare(
            &format!("{what} [{WINDOW}]"),
            &p,
            &v,
            true,
            threshold,
            &mut rel_diffs,
            &mut notes,
        ));
    }
    rel_diffs.sort_by(|a, b| b.0.total_cmp(&a.0));
    eprintln!(
        "{} queries compared at T={t} ({} values); largest relative differences:",
        queries.len(),
        rel_diffs.len()
    );
    for (rel, what) in rel_diffs.iter().take(8) {
        eprintln!("  {rel:.4}  {what}");
    }
    for n in &notes {
        eprintln!("note: {n}");
    }

    // 4. The dashboards as Grafana runs them, on both: every variable query as
    // the label-values call, every panel query with the variables "All" and with
    // each set to a value it lists, at T.
    for (name, base, check) in [
        (
            "prometheus",
            prometheus.base_url(),
            check_dashboards(&prometheus.base_url(), |q| prometheus.query_vector_at(q, t)),
        ),
        (
            "victoria",
            vm.base_url(),
            check_dashboards(&vm.base_url(), |q| vm.query_vector_at(q, t)),
        ),
    ] {
        let check = check.unwrap_or_else(|e| panic!("{name} ({base}): {e}"));
        eprintln!("{name}: {} dashboard queries run", check.queries);
        problems.extend(check.problems.into_iter().map(|p| format!("{name}: {p}")));
    }

    // 5. Multi-Machine on the three replicas: its `instance` variable lists each
    // of them, on both, and each of its panel queries with `instance` set to one
    // replica returns data of that replica only.
    let board = shipped_dashboards()
        .unwrap()
        .into_iter()
        .find(|b| b.file == "autobot-multi-machine.json")
        .expect("the multi-machine dashboard");
    let var = board
        .variables
        .iter()
        .find(|v| v.name == "instance")
        .expect("an instance variable");
    let selector = board.all(&var.selector);
    for (name, base) in [
        ("prometheus", prometheus.base_url()),
        ("victoria", vm.base_url()),
    ] {
        let listed: BTreeSet<String> = label_values(&base, "instance", &selector)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            listed, targets,
            "{name}: the instance variable lists the replicas"
        );
    }
    for target in &targets {
        let values = board.values(&[("instance".to_string(), regex_escape(target))]);
        for (panel, expr) in &board.queries {
            let q = substitute(expr, &values);
            for (name, result) in [
                ("prometheus", prometheus.query_vector_at(&q, t)),
                ("victoria", vm.query_vector_at(&q, t)),
            ] {
                match result {
                    Ok(v) if !v.is_empty() => {
                        let other: Vec<_> = v
                            .iter()
                            .filter_map(|s| s.label("instance"))
                            .filter(|i| *i != target.as_str())
                            .collect();
                        if !other.is_empty() {
                            problems.push(format!("{name}: {panel} for {target} shows {other:?}"));
                        }
                    }
                    other => problems.push(format!(
                        "{name}: multi-machine {panel} for {target}: `{q}`: {other:?}"
                    )),
                }
            }
        }
    }
    assert_eq!(ALL_VALUE, ".*");

    eprintln!("took {:?}", started.elapsed());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn promtool_accepts_the_scale_out_config() {
    let out = promtool_check_config(
        repo_root().join("collector-config/prometheus/prometheus-scale-out.yml"),
    )
    .unwrap();
    assert!(out.success(), "{}", out.combined());
}

#[test]
fn windows_are_rewritten_and_label_values_are_not() {
    assert_eq!(
        with_window(
            r#"sum(rate(x{time_window="5m"}[5m])) / sum(increase(y[1h]))"#,
            "30s"
        ),
        r#"sum(rate(x{time_window="5m"}[30s])) / sum(increase(y[30s]))"#
    );
    assert_eq!(with_window("a[b] + c[]", "30s"), "a[b] + c[]");
}
