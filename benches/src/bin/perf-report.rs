//! Reads the criterion results of `cargo bench -p autobot-otel-bench`, measures
//! memory in-process, and prints (and with `--write`, stores in
//! docs/performance.md) a table of ratios against the baselines measured in the
//! same run, with each goal and whether it is met.
//!
//! `scripts/bench.sh` runs the benchmarks and then this.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use autobot_otel::catalog::{Category, MetricId};
use autobot_otel::labels::Outcome;
use autobot_otel_bench::{facade, rss_bytes};

mod counting {
    //! A global allocator that counts live and peak heap bytes.
    #![allow(unsafe_code)] // a GlobalAlloc impl is unsafe by definition; it only forwards to System

    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub static LIVE: AtomicUsize = AtomicUsize::new(0);
    pub static PEAK: AtomicUsize = AtomicUsize::new(0);

    pub struct Counting;

    // SAFETY: every call is forwarded unchanged to the system allocator.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: same contract as the caller's.
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            }
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: same contract as the caller's.
            unsafe { System.dealloc(ptr, layout) };
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }

    pub fn live() -> usize {
        LIVE.load(Ordering::Relaxed)
    }

    /// Resets the peak to the current live bytes and returns them.
    pub fn reset_peak() -> usize {
        let live = live();
        PEAK.store(live, Ordering::Relaxed);
        live
    }

    pub fn peak() -> usize {
        PEAK.load(Ordering::Relaxed)
    }
}

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

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
    let m = telemetry.metrics();
    let n = 500usize;
    // Warm one series of each so that per-metric one-time costs are excluded.
    m.record_workflow_step("warm", "s", autobot_otel::labels::StepStatus::Completed);
    m.record_task_execution("warm", "a", Outcome::Success, 1.0);
    let _ = telemetry.render_prometheus();
    let start = counting::live();
    for i in 0..n {
        m.record_workflow_step(
            &format!("wf-{i}"),
            "s",
            autobot_otel::labels::StepStatus::Completed,
        );
    }
    let counter_series = (counting::live().saturating_sub(start)) as f64 / n as f64;
    rows.push(Row {
        what: "each new counter series (3 labels)".into(),
        value: format!("{counter_series:.0} B"),
        baseline: "—".into(),
        ratio: None,
        goal: "≤ 300 B".into(),
        met: Some(counter_series <= 300.0),
    });
    // The same series in plain OpenTelemetry: what the SDK itself keeps per series.
    let raw = autobot_otel_bench::RawOtel::new();
    let steps = raw.counter(MetricId::WorkflowStepsExecutedTotal);
    steps.add(1, &[opentelemetry::KeyValue::new("workflow_type", "warm")]);
    let start = counting::live();
    for i in 0..n {
        steps.add(
            1,
            &[
                opentelemetry::KeyValue::new("workflow_type", format!("wf-{i}")),
                opentelemetry::KeyValue::new("step_type", "s"),
                opentelemetry::KeyValue::new("status", "completed"),
            ],
        );
    }
    let raw_series = (counting::live().saturating_sub(start)) as f64 / n as f64;
    rows.push(Row {
        what: "each new counter series in plain OpenTelemetry (3 labels, one reader)".into(),
        value: format!("{raw_series:.0} B"),
        baseline: "—".into(),
        ratio: None,
        goal: "—".into(),
        met: None,
    });
    drop(raw);
    let start = counting::live();
    let k = 250usize;
    for i in 0..k {
        m.record_task_execution(&format!("t-{i}"), "a", Outcome::Success, 1.0);
    }
    let task_series = (counting::live().saturating_sub(start)) as f64 / k as f64;
    rows.push(Row {
        what: "each new task call series (counter + 11-bucket histogram)".into(),
        value: format!("{task_series:.0} B"),
        baseline: "—".into(),
        ratio: None,
        goal: "—".into(),
        met: None,
    });
    // Rendering: extra memory while it runs, against the output size.
    let before = counting::reset_peak();
    let text = telemetry.render_prometheus();
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

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {rustc}, release profile")
}

fn main() {
    let write = std::env::args().any(|a| a == "--write");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let m = criterion_medians(&target.join("criterion"));
    if m.is_empty() {
        eprintln!(
            "no criterion results under {}: run `cargo bench -p autobot-otel-bench` first",
            target.display()
        );
        std::process::exit(1);
    }

    let mut rows: Vec<Row> = Vec::new();
    rows.extend(ratio_row(
        &m,
        "counter, constant labels: facade handle vs prometheus pre-bound inc()",
        "constant/counter/facade_handle",
        "constant/counter/prometheus_bound",
        Some(3.0),
    ));
    rows.extend(ratio_row(
        &m,
        "counter, constant labels: facade handle vs OTel bound add()",
        "constant/counter/facade_handle",
        "constant/counter/otel_bound",
        None,
    ));
    rows.extend(ratio_row(
        &m,
        "histogram, constant labels: facade handle vs prometheus pre-bound observe()",
        "constant/histogram/facade_handle",
        "constant/histogram/prometheus_bound",
        Some(2.0),
    ));
    for c in Category::ALL.map(|c| c.key()) {
        rows.extend(ratio_row(
            &m,
            &format!("{c}: facade call (run-time labels) vs raw unbound OTel"),
            &format!("category/{c}/facade"),
            &format!("category/{c}/raw_otel"),
            Some(1.0),
        ));
        rows.extend(ratio_row(
            &m,
            &format!("{c}: facade call vs prometheus with_label_values"),
            &format!("category/{c}/facade"),
            &format!("category/{c}/prometheus"),
            None,
        ));
    }
    // Instrumented function overhead against an Instant pair and a bare span.
    if let (Some(bare), Some(pair), Some(metrics), Some(active), Some(span), Some(with_span)) = (
        m.get("instrumented/bare"),
        m.get("instrumented/instant_pair"),
        m.get("instrumented/metrics_only"),
        m.get("instrumented/metrics_only_with_active_gauge"),
        m.get("instrumented/bare_span"),
        m.get("instrumented/with_span"),
    ) {
        let pair_cost = pair - bare;
        for (what, ours) in [
            ("#[instrument_github(span = false)]", metrics),
            (
                "#[instrument_workflow(span = false)] (active gauge)",
                active,
            ),
        ] {
            let added = ours - bare;
            rows.push(Row {
                what: format!("{what}: added cost vs one Instant pair"),
                value: format!("{added:.1} ns"),
                baseline: format!("Instant pair: {pair_cost:.1} ns"),
                ratio: Some(added / pair_cost),
                goal: "≤ 2x".into(),
                met: Some(added / pair_cost <= 2.0),
            });
        }
        let added = with_span - bare;
        let span_cost = span - bare;
        rows.push(Row {
            what: "#[instrument_github] with span: added cost vs a bare tracing-opentelemetry span"
                .into(),
            value: format!("{added:.1} ns"),
            baseline: format!("bare span: {span_cost:.1} ns"),
            ratio: Some(added / span_cost),
            goal: "≤ 1.1x".into(),
            met: Some(added / span_cost <= 1.1),
        });
    }
    rows.extend(ratio_row(
        &m,
        "bound recording, two readers vs one",
        "readers/two/bound",
        "readers/one/bound",
        Some(1.4),
    ));
    rows.extend(ratio_row(
        &m,
        "facade call, two readers vs one",
        "readers/two/facade_call",
        "readers/one/facade_call",
        None,
    ));
    for s in ["same_series", "distinct_series"] {
        rows.extend(ratio_row(
            &m,
            &format!("two threads, {s}: facade vs raw OTel"),
            &format!("threads/{s}/facade"),
            &format!("threads/{s}/raw_otel"),
            None,
        ));
        rows.extend(ratio_row(
            &m,
            &format!("two threads, {s}: facade vs prometheus"),
            &format!("threads/{s}/facade"),
            &format!("threads/{s}/prometheus"),
            None,
        ));
    }
    for n in ["1k", "10k", "100k"] {
        // At least 3x faster: a ratio of at most 1/3 (shown rounded as 0.33).
        let goal = (n == "10k").then_some(1.0 / 3.0);
        rows.extend(ratio_row(
            &m,
            &format!(
                "render {n} series: endpoint path vs opentelemetry-prometheus gather + encode"
            ),
            &format!("render/{n}/endpoint"),
            &format!("render/{n}/otel_prometheus"),
            goal,
        ));
        rows.extend(ratio_row(
            &m,
            &format!("render {n} series: endpoint path vs prometheus crate encode"),
            &format!("render/{n}/endpoint"),
            &format!("render/{n}/prometheus_crate"),
            None,
        ));
    }
    rows.extend(memory_rows());

    let mut table = String::new();
    let _ = writeln!(
        table,
        "| measurement | ours | baseline (same run) | ratio | goal | met |"
    );
    let _ = writeln!(table, "|---|---|---|---|---|---|");
    for r in &rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} |",
            r.what,
            r.value,
            r.baseline,
            r.ratio
                .map(|x| format!("{x:.2}x"))
                .unwrap_or_else(|| "—".into()),
            r.goal,
            match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            }
        );
    }
    println!("{table}");
    let unmet = rows.iter().filter(|r| r.met == Some(false)).count();
    println!(
        "machine: {}; {} goals, {} unmet",
        machine(),
        rows.iter().filter(|r| r.met.is_some()).count(),
        unmet
    );

    if write {
        let path = root.join("docs/performance.md");
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let begin = "<!-- BEGIN perf-report -->";
        let end = "<!-- END perf-report -->";
        let body = format!("{begin}\nMeasured on: {}.\n\n{table}{end}", machine());
        let new = match (existing.find(begin), existing.find(end)) {
            (Some(a), Some(b)) if a < b => {
                format!("{}{body}{}", &existing[..a], &existing[b + end.len()..])
            }
            _ => format!("{existing}\n{body}\n"),
        };
        if let Err(e) = std::fs::write(&path, new) {
            eprintln!("cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("wrote {}", path.display());
    }
}
