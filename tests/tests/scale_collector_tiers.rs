//! Scale-out, step 3: two collector tiers over OTLP, both real rotel collectors
//! started by the command lines shipped in `collector-config/rotel/` (`agent.sh`,
//! `gateway.sh`; only addresses and the gateway's exporter are set by the test:
//! the gateway prints what it receives instead of forwarding it to a backend).
//!
//! Three demo replicas (each with its own `service.instance.id`) push metrics and
//! spans over OTLP/HTTP to the agent, which forwards them over OTLP/gRPC to the
//! gateway. In the middle of the run the gateway is restarted (SIGTERM, down for a
//! few seconds, started again on the same ports), as a rolling update would. Then,
//! counting what arrived at the gateway (both of its lives):
//!
//! * every span of every replica: one `autobot.workload.tick` span per tick, ticks
//!   1..=N where N is the count the replica logged, none missing;
//! * every catalog metric (the guide's 56 and the extensions) of every replica;
//! * no metric export lost: the replica's exports, one every 500 ms, arrive with
//!   no gap in their timestamps, and the last one (the shutdown flush) carries the
//!   final counts (`autobot_workflow_executions` sums to N: one execution per tick).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use autobot_otel::catalog::CATALOG;
use autobot_otel_tests::{Rotel, RotelOptions, parse_metrics, parse_spans, repo_root};

const REPLICAS: usize = 3;
/// The replicas' metric export interval.
const EXPORT_INTERVAL_MS: u64 = 500;

fn rotel_config(name: &str) -> std::path::PathBuf {
    repo_root().join("collector-config/rotel").join(name)
}

fn ticks_logged(log: &str) -> u64 {
    log.lines()
        .find(|l| l.contains("workload stopped"))
        .and_then(|l| l.split("ticks=").nth(1))
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no tick count in the demo log:\n{log}"))
}

/// Per replica (`service.instance.id`): the `tick` attribute of every workload span.
fn ticks_by_replica(output: &str) -> BTreeMap<String, Vec<u64>> {
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for span in parse_spans(output) {
        if span.name != "autobot.workload.tick" {
            continue;
        }
        let (Some(replica), Some(tick)) = (
            span.resource_attr("service.instance.id"),
            span.attr("tick").and_then(|t| t.parse().ok()),
        ) else {
            continue;
        };
        out.entry(replica).or_default().push(tick);
    }
    out
}

/// Each replica's workflow executions in its latest metric export.
fn final_executions(metrics: &[autobot_otel_tests::RotelMetric]) -> BTreeMap<String, f64> {
    let mut latest: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for m in metrics
        .iter()
        .filter(|m| m.name == "autobot_workflow_executions")
    {
        let Some(r) = m.resource_attr("service.instance.id") else {
            continue;
        };
        let Some(stamp) = m.points.iter().filter_map(|p| p.timestamp).max() else {
            continue;
        };
        // The workload's workflows, one per tick (the demo's agent loop runs
        // `research` workflows of its own beside them).
        let total: f64 = m
            .points
            .iter()
            .filter(|p| p.timestamp == Some(stamp))
            .filter(|p| p.attr("workflow_type").as_deref() != Some("research"))
            .filter_map(|p| p.value)
            .sum();
        let entry = latest.entry(r.to_string()).or_insert((0, 0.0));
        if stamp >= entry.0 {
            *entry = (stamp, total);
        }
    }
    latest
        .into_iter()
        .map(|(r, (_, total))| (r, total))
        .collect()
}

#[test]
fn three_replicas_through_agent_and_gateway_lose_nothing_across_a_gateway_restart() {
    let started = Instant::now();
    let gateway_options = RotelOptions {
        launcher: Some(rotel_config("gateway.sh")),
        exporter: "blackhole".into(),
        ..RotelOptions::default()
    };
    let gateway = Rotel::start_with(gateway_options.clone()).expect("gateway starts");
    let (grpc_port, http_port) = (gateway.grpc_port(), gateway.http_port());
    let agent = Rotel::start_with(RotelOptions {
        launcher: Some(rotel_config("agent.sh")),
        exporter: "otlp".into(),
        debug_log: Vec::new(),
        env: vec![(
            "ROTEL_OTLP_EXPORTER_ENDPOINT".into(),
            gateway.grpc_endpoint(),
        )],
        ..RotelOptions::default()
    })
    .expect("agent starts");

    let interval = EXPORT_INTERVAL_MS.to_string();
    let endpoint = agent.http_endpoint();
    let replicas: Vec<String> = (1..=REPLICAS).map(|i| format!("replica-{i}")).collect();
    let demos: Vec<_> = replicas
        .iter()
        .map(|r| {
            let attrs = format!("service.instance.id={r}");
            autobot_otel_tests::spawn_demo!(&[
                ("AUTOBOT_DEMO_TICK_MS", "100"),
                ("AUTOBOT_DEMO_DURATION_SECS", "14"),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
                ("OTEL_METRIC_EXPORT_INTERVAL", interval.as_str()),
                ("OTEL_BSP_SCHEDULE_DELAY", "200"),
                ("OTEL_RESOURCE_ATTRIBUTES", attrs.as_str()),
            ])
            .expect("demo starts")
        })
        .collect();

    // Something has gone all the way through before the restart.
    gateway
        .wait_for_span("autobot.workload.tick", Duration::from_secs(30))
        .expect("spans reach the gateway");
    std::thread::sleep(Duration::from_secs(2));
    let first_life = gateway.stop(Duration::from_secs(10)).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let gateway =
        Rotel::start_on_ports(gateway_options, grpc_port, http_port).expect("gateway restarts");

    let mut ticks = BTreeMap::new();
    for (r, demo) in replicas.iter().zip(&demos) {
        let status = demo
            .wait_exit(Duration::from_secs(60))
            .expect("demo exits by itself");
        assert!(status.success(), "demo failed:\n{}", demo.log());
        ticks.insert(r.clone(), ticks_logged(&demo.log()));
    }

    // Wait (bounded) until every tick of every replica has arrived, and each
    // replica's last metric export (the one its shutdown flushes, which may come
    // after its last spans).
    let complete = |out: &str| {
        let all = format!("{first_life}{out}");
        let got = ticks_by_replica(&all);
        let spans_done = ticks.iter().all(|(r, n)| {
            let seen: BTreeSet<u64> = got.get(r).into_iter().flatten().copied().collect();
            (1..=*n).all(|t| seen.contains(&t))
        });
        spans_done && {
            let finals = final_executions(&parse_metrics(&all));
            ticks
                .iter()
                .all(|(r, n)| finals.get(r) == Some(&(*n as f64)))
        }
    };
    let second_life = gateway
        .wait_for_output(complete, Duration::from_secs(60))
        .unwrap_or_else(|e| {
            let got = ticks_by_replica(&format!("{first_life}{}", gateway.output()));
            let missing: BTreeMap<&String, Vec<u64>> = ticks
                .iter()
                .map(|(r, n)| {
                    let seen: BTreeSet<u64> = got.get(r).into_iter().flatten().copied().collect();
                    (r, (1..=*n).filter(|t| !seen.contains(t)).collect())
                })
                .collect();
            panic!("spans lost: {missing:?}\n{e}")
        });
    let all = format!("{first_life}{second_life}");
    assert!(
        !second_life.is_empty() && ticks_by_replica(&second_life).len() == REPLICAS,
        "the restarted gateway received spans of every replica"
    );

    // Spans: each tick once (retries may deliver a batch twice: at least once).
    let got = ticks_by_replica(&all);
    for (r, n) in &ticks {
        assert!(*n > 100, "{r} played only {n} ticks");
        let spans = &got[r];
        let duplicates = spans.len() as u64 - n;
        eprintln!(
            "{r}: {n} ticks, {} spans arrived ({duplicates} duplicates)",
            spans.len()
        );
    }

    // Metrics: every catalog metric of every replica; exports without a gap; the final counts.
    let metrics = parse_metrics(&all);
    for r in &replicas {
        let mine: Vec<_> = metrics
            .iter()
            .filter(|m| m.resource_attr("service.instance.id").as_deref() == Some(r))
            .collect();
        let names: BTreeSet<&str> = mine.iter().map(|m| m.name.as_str()).collect();
        for def in CATALOG {
            assert!(
                names.contains(def.otel_name()),
                "{r}: {} missing",
                def.otel_name()
            );
        }
        let executions: Vec<_> = mine
            .iter()
            .filter(|m| m.name == "autobot_workflow_executions")
            .flat_map(|m| &m.points)
            .collect();
        let mut stamps: Vec<u64> = executions.iter().filter_map(|p| p.timestamp).collect();
        stamps.sort_unstable();
        stamps.dedup();
        let max_gap = stamps
            .windows(2)
            .map(|w| Duration::from_nanos(w[1] - w[0]))
            .max()
            .unwrap_or_default();
        eprintln!(
            "{r}: {} metric exports arrived, largest gap between two {:?}",
            stamps.len(),
            max_gap
        );
        assert!(
            max_gap < Duration::from_millis(EXPORT_INTERVAL_MS * 2),
            "{r}: an export is missing (gap {max_gap:?})"
        );
        let last = *stamps.last().unwrap();
        let final_count: f64 = executions
            .iter()
            .filter(|p| p.timestamp == Some(last))
            .filter(|p| p.attr("workflow_type").as_deref() != Some("research"))
            .filter_map(|p| p.value)
            .sum();
        assert_eq!(
            final_count, ticks[r] as f64,
            "{r}: final workflow executions"
        );
    }
    drop(agent);
    eprintln!("took {:?}", started.elapsed());
}
