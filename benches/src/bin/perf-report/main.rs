//! Reads the criterion results of `cargo bench -p autobot-otel-bench`, measures
//! memory in-process, and prints (and with `--write`, stores in
//! docs/performance.md) a table of ratios against the baselines measured in the
//! same run, with each goal and whether it is met; then the table "against peer
//! libraries" from the `peers` binary's `target/peers.json`
//! ([`peers_table`]), whose headline rows also go to the README's "Performance"
//! section.
//!
//! `scripts/bench.sh` runs the benchmarks, then `peers`, then this.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use autobot_otel::catalog::Category;
use autobot_otel::labels::{Outcome, StepStatus};
use autobot_otel_bench::counting;
use autobot_otel_bench::report::{self, PeersReport};
use autobot_otel_bench::{facade, rss_bytes};

mod peers_table;

#[global_allocator]
static ALLOCATOR: autobot_otel_bench::counting::Counting = autobot_otel_bench::counting::Counting;

/// Median time (ns) of every benchmark, by `group/function`.
fn criterion_medians(dir: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "new") {
                    let (Ok(b), Ok(est)) = (
                        std::fs::read_to_string(p.join("benchmark.json")),
                        std::fs::read_to_string(p.join("estimates.json")),
                    ) else {
                        continue;
                    };
                    let (Ok(b), Ok(est)) = (
                        serde_json::from_str::<serde_json::Value>(&b),
                        serde_json::from_str::<serde_json::Value>(&est),
                    ) else {
                        continue;
                    };
                    let name = format!(
                        "{}/{}",
                        b["group_id"].as_str().unwrap_or(""),
                        b["function_id"].as_str().unwrap_or("")
                    );
                    if let Some(ns) = est["median"]["point_estimate"].as_f64() {
                        out.insert(name, ns);
                    }
                } else {
                    stack.push(p);
                }
            }
        }
    }
    out
}

struct Row {
    what: String,
    value: String,
    baseline: String,
    ratio: Option<f64>,
    goal: String,
    met: Option<bool>,
}

fn ratio_row(
    m: &BTreeMap<String, f64>,
    what: &str,
    ours: &str,
    base: &str,
    limit: Option<f64>,
) -> Option<Row> {
    let (a, b) = (*m.get(ours)?, *m.get(base)?);
    let ratio = a / b;
    Some(Row {
        what: what.to_string(),
        value: format!("{a:.1} ns"),
        baseline: format!("{base}: {b:.1} ns"),
        ratio: Some(ratio),
        goal: limit
            .map(|l| format!("≤ {}x", (l * 100.0).round() / 100.0))
            .unwrap_or_else(|| "—".into()),
        met: limit.map(|l| ratio <= l),
    })
}

/// A row for the cost `ours` adds on top of `base` (both criterion medians, ns),
/// against an absolute goal in ns.
fn added_cost_row(
    m: &BTreeMap<String, f64>,
    what: &str,
    ours: &str,
    base: &str,
    limit_ns: Option<f64>,
) -> Option<Row> {
    let (a, b) = (*m.get(ours)?, *m.get(base)?);
    let added = a - b;
    Some(Row {
        what: what.to_string(),
        value: format!("+{added:.1} ns ({a:.1} ns)"),
        baseline: format!("{base}: {b:.1} ns"),
        ratio: Some(a / b),
        goal: limit_ns
            .map(|l| format!("≤ +{l} ns"))
            .unwrap_or_else(|| "—".into()),
        met: limit_ns.map(|l| added <= l),
    })
}

fn memory_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    let before = counting::live();
    let rss_before = rss_bytes().unwrap_or(0);
    let telemetry = facade(true);
    let idle = counting::live().saturating_sub(before);
    let rss_idle = rss_bytes().unwrap_or(0).saturating_sub(rss_before);
    rows.push(Row {
        what: "idle SDK: 56 instruments, Prometheus + OTLP readers (heap)".into(),
        value: format!("{:.2} MB", idle as f64 / 1e6),
        baseline: format!("RSS growth {:.2} MB", rss_idle as f64 / 1e6),
        ratio: None,
        goal: "≤ 4 MB".into(),
        met: Some(idle <= 4_000_000),
    });
    // Something to render: 500 counter series and 250 task calls (counter +
    // histogram). What each new series keeps is in the peers table.
    let m = telemetry.metrics();
    for i in 0..500 {
        m.record_workflow_step(&format!("wf-{i}"), "s", StepStatus::Completed);
    }
    for i in 0..250 {
        m.record_task_execution(&format!("t-{i}"), "a", Outcome::Success, 1.0);
    }
    // Rendering: extra memory while it runs, against the output size.
    let before = counting::reset_peak();
    let text = telemetry.render(autobot_otel::Exposition::Text);
    let extra = counting::peak()
        .saturating_sub(before)
        .saturating_sub(text.len());
    rows.push(Row {
        what: format!(
            "extra memory while rendering {} series",
            text.lines().filter(|l| !l.starts_with('#')).count()
        ),
        value: format!("{:.0} KB", extra as f64 / 1e3),
        baseline: format!("output {:.0} KB", text.len() as f64 / 1e3),
        ratio: Some(extra as f64 / text.len() as f64),
        goal: "≤ 2x output".into(),
        met: Some(extra <= 2 * text.len()),
    });
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args.iter().any(|a| a == "--write");
    // `--peers-only`: only the table against the peer libraries (no criterion run needed).
    let peers_only = args.iter().any(|a| a == "--peers-only");
    let root = report::workspace_root();
    let target = report::target_dir();
    let table = if peers_only {
        None
    } else {
        let m = criterion_medians(&target.join("criterion"));
        if m.is_empty() {
            eprintln!(
                "no criterion results under {}: run `cargo bench -p autobot-otel-bench` first",
                target.display()
            );
            std::process::exit(1);
        }
        Some(hot_path_table(&m))
    };
    // The second table: against the peer libraries (`peers` binary's results).
    let peers_path = target.join("peers.json");
    let peers = match PeersReport::read(&peers_path) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("no peers table: {e} (run the `peers` binary, as scripts/bench.sh does)");
            if peers_only {
                std::process::exit(1);
            }
            None
        }
    };
    let peers_section = peers.as_ref().map(|p| {
        let (rows, notes) = peers_table::rows(p);
        let table = markdown(
            "| measurement | autobot-otel | peers, same run (ratio = autobot-otel ÷ peer, median of rounds [range]) | goal | met |",
            rows.iter().map(|r| {
                vec![
                    r.what.clone(),
                    r.ours.clone(),
                    r.peers.clone(),
                    r.goal.clone(),
                    met(r.met).into(),
                ]
            }),
        );
        println!("{table}");
        println!(
            "against peers: {} goals, {} unmet",
            rows.iter().filter(|r| r.met.is_some()).count(),
            rows.iter().filter(|r| r.met == Some(false)).count()
        );
        let mut body = format!(
            "Measured on: {} ({} run; rounds: {}).\n\n{table}",
            p.machine,
            p.mode,
            p.rounds
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for n in notes.iter().chain(&p.notes) {
            let _ = writeln!(body, "\n{n}");
        }
        let headline = markdown(
            "| measurement | autobot-otel | baseline, same run (ratio = autobot-otel ÷ baseline) | goal | met |",
            rows.iter().filter_map(|r| {
                let (what, baseline) = r.headline.clone()?;
                Some(vec![what, r.ours.clone(), baseline, r.goal.clone(), met(r.met).into()])
            }),
        );
        let headline = format!(
            "Latest run ({}, {} run):\n\n{headline}",
            p.machine, p.mode
        );
        (body, headline)
    });

    if write {
        let path = root.join("docs/performance.md");
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(table) = &table {
            text = replace_section(
                &text,
                "perf-report",
                &format!("Measured on: {}.\n\n{table}", report::machine()),
            );
        }
        if let Some((body, _)) = &peers_section {
            text = replace_section(&text, "peers-report", body);
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("wrote {}", path.display());
        // The README's "Performance" section shows the headline rows.
        if let Some((_, headline)) = &peers_section {
            let readme = root.join("README.md");
            let text = std::fs::read_to_string(&readme).unwrap_or_default();
            if !text.contains("<!-- BEGIN peers-headline -->") {
                eprintln!("{}: no peers-headline section to update", readme.display());
                std::process::exit(1);
            }
            let text = replace_section(&text, "peers-headline", headline);
            if let Err(e) = std::fs::write(&readme, text) {
                eprintln!("cannot write {}: {e}", readme.display());
                std::process::exit(1);
            }
            println!("wrote {}", readme.display());
        }
    }
}

/// The table of the criterion results and in-process memory figures.
fn hot_path_table(m: &BTreeMap<String, f64>) -> String {
    let mut rows: Vec<Row> = Vec::new();
    rows.extend(ratio_row(
        m,
        "counter, constant labels: facade handle vs prometheus pre-bound inc()",
        "constant/counter/facade_handle",
        "constant/counter/prometheus_bound",
        Some(3.0),
    ));
    rows.extend(ratio_row(
        m,
        "counter, constant labels: facade handle vs OTel bound add()",
        "constant/counter/facade_handle",
        "constant/counter/otel_bound",
        None,
    ));
    rows.extend(ratio_row(
        m,
        "histogram, constant labels: facade handle vs prometheus pre-bound observe()",
        "constant/histogram/facade_handle",
        "constant/histogram/prometheus_bound",
        Some(2.0),
    ));
    for c in Category::ALL.map(|c| c.key()) {
        rows.extend(ratio_row(
            m,
            &format!("{c}: facade call (run-time labels) vs raw unbound OTel"),
            &format!("category/{c}/facade"),
            &format!("category/{c}/raw_otel"),
            Some(1.0),
        ));
        rows.extend(ratio_row(
            m,
            &format!("{c}: facade call vs prometheus with_label_values"),
            &format!("category/{c}/facade"),
            &format!("category/{c}/prometheus"),
            None,
        ));
    }
    rows.extend(ratio_row(
        m,
        "bound recording, two readers vs one",
        "readers/two/bound",
        "readers/one/bound",
        Some(1.4),
    ));
    rows.extend(ratio_row(
        m,
        "facade call, two readers vs one",
        "readers/two/facade_call",
        "readers/one/facade_call",
        None,
    ));
    for s in ["same_series", "distinct_series"] {
        rows.extend(ratio_row(
            m,
            &format!("two threads, {s}: facade vs raw OTel"),
            &format!("threads/{s}/facade"),
            &format!("threads/{s}/raw_otel"),
            None,
        ));
        rows.extend(ratio_row(
            m,
            &format!("two threads, {s}: facade vs prometheus"),
            &format!("threads/{s}/facade"),
            &format!("threads/{s}/prometheus"),
            None,
        ));
    }
    rows.extend(added_cost_row(
        m,
        "streaming LLM call, per chunk: instrumented stream vs the bare stream",
        "streaming/per_chunk/metrics_only",
        "streaming/per_chunk/unwrapped",
        Some(50.0),
    ));
    rows.extend(added_cost_row(
        m,
        "streaming LLM call, per chunk, GenAI metrics on",
        "streaming/per_chunk/genai_metrics",
        "streaming/per_chunk/unwrapped",
        None,
    ));
    // The former ratio bound of the collector_outages test (which now checks
    // only that recording never blocks during an outage).
    for (what, ours) in [
        ("connections refused", "outage/recording/otlp_refused"),
        ("never answers", "outage/recording/otlp_never_answers"),
    ] {
        rows.extend(ratio_row(
            m,
            &format!("recording while the OTLP collector {what} vs without OTLP"),
            ours,
            "outage/recording/no_otlp",
            Some(1.2),
        ));
    }
    rows.extend(memory_rows());

    let table = markdown(
        "| measurement | ours | baseline (same run) | ratio | goal | met |",
        rows.iter().map(|r| {
            vec![
                r.what.clone(),
                r.value.clone(),
                r.baseline.clone(),
                r.ratio
                    .map(|x| format!("{x:.2}x"))
                    .unwrap_or_else(|| "—".into()),
                r.goal.clone(),
                met(r.met).into(),
            ]
        }),
    );
    println!("{table}");
    let unmet = rows.iter().filter(|r| r.met == Some(false)).count();
    println!(
        "machine: {}; {} goals, {} unmet",
        report::machine(),
        rows.iter().filter(|r| r.met.is_some()).count(),
        unmet
    );
    table
}

fn met(m: Option<bool>) -> &'static str {
    match m {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "—",
    }
}

/// A markdown table: the header line, its rule, one line per row.
fn markdown(header: &str, rows: impl Iterator<Item = Vec<String>>) -> String {
    let columns = header.matches('|').count() - 1;
    let mut t = format!("{header}\n|{}\n", "---|".repeat(columns));
    for r in rows {
        let _ = writeln!(t, "| {} |", r.join(" | "));
    }
    t
}

/// `text` with the part between `<!-- BEGIN name -->` and `<!-- END name -->`
/// replaced by `body` (appended with the markers when they are missing).
fn replace_section(text: &str, name: &str, body: &str) -> String {
    let (begin, end) = (
        format!("<!-- BEGIN {name} -->"),
        format!("<!-- END {name} -->"),
    );
    let body = format!("{begin}\n{body}{end}");
    match (text.find(&begin), text.find(&end)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{body}{}", &text[..a], &text[b + end.len()..])
        }
        _ => format!("{text}\n{body}\n"),
    }
}
