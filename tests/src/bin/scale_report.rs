//! `autobot-scale-report`: the measurements behind `docs/scaling.md`. Run it with
//! `scripts/scale-report.sh` (release build). A measurement, not a test: it prints
//! figures and asserts nothing about them.
//!
//! Three demo replicas (`autobot-test-demo`, next to this binary), each grown to
//! about `--series` series with `AUTOBOT_DEMO_EXTRA_SERIES`, all on 127.0.0.1:
//!
//! 1. the endpoint's CPU per scrape: one replica's CPU time (all threads,
//!    `/proc/<pid>/task/*/schedstat`) over sequential scrapes, less its CPU while
//!    idle for as long;
//! 2. a real Prometheus scraping the three every `--interval` and remote-writing with
//!    the shipped stanza to a real VictoriaMetrics: scrape duration per replica,
//!    samples appended per second by Prometheus and inserted per second by
//!    VictoriaMetrics, remote-write bytes, CPU and memory of both;
//! 3. the OTLP/HTTP push size per export interval of one more replica of the same
//!    size, pushing to a recording HTTP server (raw protobuf and gzip -6).
//!
//! Options: `--series N` (10000), `--replicas N` (3), `--interval SECS` (5),
//! `--window SECS` (60).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use autobot_otel_tests::{
    DemoProcess, HttpSink, PrometheusOptions, PrometheusServer, Result, VictoriaMetrics,
    VictoriaOptions, http_get, now_unix, repo_root, sum_metric,
};

const METRICS_PATH: &str = "/api/monitoring/metrics";

struct Options {
    series: usize,
    replicas: usize,
    interval: u64,
    window: u64,
}

fn parse_args() -> std::result::Result<Options, String> {
    let mut o = Options {
        series: 10_000,
        replicas: 3,
        interval: 5,
        window: 60,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--series" => o.series = n as usize,
            "--replicas" => o.replicas = (n as usize).clamp(1, 10),
            "--interval" => o.interval = n.clamp(1, 60),
            "--window" => o.window = n.clamp(10, 600),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(o)
}

/// CPU time of every thread of `pid` (`/proc/<pid>/task/*/schedstat`, first field).
fn cpu_time(pid: u32) -> Duration {
    let mut ns = 0u64;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
                ns += s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    Duration::from_nanos(ns)
}

/// Resident memory of `pid` in MiB (`VmRSS`).
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// Series (sample lines) in a Prometheus text scrape.
fn series_in(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count()
}

fn scrape(demo: &DemoProcess) -> Result<String> {
    Ok(http_get(&format!("{}{METRICS_PATH}", demo.base_url()))?.body)
}

fn gzip_size(bytes: &[u8]) -> Option<usize> {
    use std::io::Write;
    let mut child = Command::new("gzip")
        .arg("-6")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let data = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    Some(out.stdout.len())
}

fn shipped_remote_write(url: &str) -> Result<String> {
    let path = repo_root().join("collector-config/prometheus/prometheus-scale-out.yml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| autobot_otel_tests::HarnessError::new(format!("{}: {e}", path.display())))?;
    let doc: serde_yaml::Value = serde_yaml::from_str(&text)
        .map_err(|e| autobot_otel_tests::HarnessError::new(e.to_string()))?;
    let mut stanza = doc["remote_write"].clone();
    if let Some(q) = stanza.as_sequence_mut().and_then(|s| s.first_mut()) {
        q["url"] = serde_yaml::Value::String(url.to_string());
    }
    let mut top = serde_yaml::Mapping::new();
    top.insert("remote_write".into(), stanza);
    serde_yaml::to_string(&top).map_err(|e| autobot_otel_tests::HarnessError::new(e.to_string()))
}

struct Snapshot {
    at: Instant,
    prom_appended: f64,
    prom_rw_samples: f64,
    prom_rw_bytes: f64,
    vm_rows: f64,
    prom_cpu: Duration,
    vm_cpu: Duration,
}

fn snapshot(prom: &PrometheusServer, vm: &VictoriaMetrics, prom_pid: u32) -> Result<Snapshot> {
    let p = http_get(&format!("{}/metrics", prom.base_url()))?.body;
    Ok(Snapshot {
        at: Instant::now(),
        prom_appended: sum_metric(&p, "prometheus_tsdb_head_samples_appended_total"),
        prom_rw_samples: sum_metric(&p, "prometheus_remote_storage_samples_total"),
        prom_rw_bytes: sum_metric(&p, "prometheus_remote_storage_bytes_total"),
        vm_rows: vm.self_metric("vm_rows_inserted_total")?,
        prom_cpu: cpu_time(prom_pid),
        vm_cpu: cpu_time(vm.pid()),
    })
}

/// Every `prometheus_rule_group_last_duration_seconds` line of a
/// Prometheus `/metrics` text, as `(group name, seconds)`.
fn rule_group_durations(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("prometheus_rule_group_last_duration_seconds{")?;
            let (labels, value) = rest.rsplit_once("} ")?;
            let group = labels
                .split("rule_group=\"")
                .nth(1)?
                .split('"')
                .next()?
                .rsplit(';')
                .next()?
                .to_string();
            Some((group, value.trim().parse().ok()?))
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(o: &Options, demo_exe: &Path) -> Result<()> {
    println!(
        "# autobot-scale-report: {} replicas x ~{} series, scrape interval {} s, window {} s",
        o.replicas, o.series, o.interval, o.window
    );
    // The base workload's series, to size the extra ones.
    let probe = DemoProcess::spawn(demo_exe, &[("AUTOBOT_DEMO_DURATION_SECS", "30")])?;
    std::thread::sleep(Duration::from_secs(3));
    let base = series_in(&scrape(&probe)?);
    drop(probe);
    let extra = o.series.saturating_sub(base).to_string();

    let seeds: Vec<String> = (1..=o.replicas).map(|i| i.to_string()).collect();
    let demos = seeds
        .iter()
        .map(|seed| {
            DemoProcess::spawn(
                demo_exe,
                &[
                    ("AUTOBOT_DEMO_EXTRA_SERIES", extra.as_str()),
                    ("AUTOBOT_DEMO_SEED", seed.as_str()),
                    ("AUTOBOT_DEMO_DURATION_SECS", "900"),
                ],
            )
        })
        .collect::<Result<Vec<_>>>()?;
    std::thread::sleep(Duration::from_secs(3));
    println!("\n## Replicas\n");
    println!("| replica | series on the scrape | scrape size (bytes) |");
    println!("|---|---|---|");
    for d in &demos {
        let text = scrape(d)?;
        println!("| {} | {} | {} |", d.target(), series_in(&text), text.len());
    }

    // 1. CPU per scrape of one replica, before anything else scrapes it.
    let d = &demos[0];
    let idle_for = Duration::from_secs(10);
    let c0 = cpu_time(d.pid());
    let t0 = Instant::now();
    std::thread::sleep(idle_for);
    let idle_cpu = cpu_time(d.pid()) - c0;
    let idle_rate = idle_cpu.as_secs_f64() / t0.elapsed().as_secs_f64();
    let scrapes = 20u32;
    let c1 = cpu_time(d.pid());
    let t1 = Instant::now();
    let mut walls = Vec::new();
    let mut bytes = 0;
    for _ in 0..scrapes {
        let s = Instant::now();
        bytes = scrape(d)?.len();
        walls.push(s.elapsed());
    }
    let elapsed = t1.elapsed();
    let busy = (cpu_time(d.pid()) - c1).as_secs_f64() - idle_rate * elapsed.as_secs_f64();
    walls.sort();
    println!("\n## Endpoint cost per scrape (replica {})\n", d.target());
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| CPU per scrape | {:.1} ms |",
        busy * 1000.0 / f64::from(scrapes)
    );
    println!(
        "| scrape wall time, median / max of {scrapes} (client side) | {:.1} ms / {:.1} ms |",
        ms(walls[walls.len() / 2]),
        ms(walls[walls.len() - 1])
    );
    println!("| response size | {bytes} bytes |");
    println!(
        "| workload CPU while not scraped | {:.1} % of one core |",
        idle_rate * 100.0
    );

    // 2. Prometheus + remote write into VictoriaMetrics.
    let vm = VictoriaMetrics::start(VictoriaOptions::default())?;
    let mut options = PrometheusOptions::default()
        .scrape_interval(Duration::from_secs(o.interval))
        .extra_config(shipped_remote_write(&vm.remote_write_url())?);
    for d in &demos {
        options = options.target(d.target());
    }
    // The shipped rules, the generated SLO rules among them, evaluated at the
    // scrape interval: their evaluation cost is reported below.
    for path in autobot_otel_tests::shipped::rule_files()? {
        options = options.rule_file(path);
    }
    options = options.rule_file(autobot_otel_tests::shipped::slo_rule_file());
    let prom = PrometheusServer::start(options)?;
    prom.wait_for_target_up(Duration::from_secs(60))?;
    prom.wait_for_scrapes(2, Duration::from_secs(60))?;
    let prom_pid = prom.pid();
    std::thread::sleep(Duration::from_secs(o.interval * 2));
    let a = snapshot(&prom, &vm, prom_pid)?;
    // Sampled once per evaluation over the window: each rule group's last
    // evaluation duration (Prometheus' own /metrics; the harness' Prometheus
    // does not scrape itself).
    let mut durations: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    let end = Instant::now() + Duration::from_secs(o.window);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_secs(o.interval));
        let text = http_get(&format!("{}/metrics", prom.base_url()))?.body;
        for (group, value) in rule_group_durations(&text) {
            let e = durations.entry(group).or_default();
            e.0 += value;
            e.1 += 1.0;
        }
    }
    let b = snapshot(&prom, &vm, prom_pid)?;
    let secs = (b.at - a.at).as_secs_f64();
    let window = format!("{}s", o.window);

    println!(
        "\n## Scrapes by Prometheus (every {} s, over {window})\n",
        o.interval
    );
    println!("| replica | samples per scrape | scrape duration avg | max |");
    println!("|---|---|---|---|");
    let avg = prom.query_vector(&format!("avg_over_time(scrape_duration_seconds[{window}])"))?;
    let max = prom.query_vector(&format!("max_over_time(scrape_duration_seconds[{window}])"))?;
    let samples = prom.query_vector("scrape_samples_scraped")?;
    for d in &demos {
        let t = d.target();
        let pick = |v: &[autobot_otel_tests::Sample]| {
            v.iter()
                .find(|s| s.label("instance") == Some(t.as_str()))
                .map(|s| s.value)
                .unwrap_or(f64::NAN)
        };
        println!(
            "| {t} | {:.0} | {:.1} ms | {:.1} ms |",
            pick(&samples),
            pick(&avg) * 1000.0,
            pick(&max) * 1000.0
        );
    }

    // Rule evaluation: Prometheus' own duration of each group's last run
    // (`prometheus_rule_group_last_duration_seconds`), averaged over the
    // window's samples (the SLO groups: per objective sli, meta, alerts).
    let text = http_get(&format!("{}/metrics", prom.base_url()))?.body;
    let missed = sum_metric(&text, "prometheus_rule_group_iterations_missed_total");
    let slo_series = prom.query_vector(r#"count({__name__=~"slo:.+"})"#)?;
    let avg: Vec<(String, f64)> = durations
        .iter()
        .map(|(g, (sum, n))| (g.clone(), sum / n))
        .collect();
    let sum_where = |f: &dyn Fn(&str) -> bool| -> f64 {
        avg.iter().filter(|(g, _)| f(g)).map(|(_, v)| v).sum()
    };
    println!(
        "\n## Rule evaluation (every {} s, avg over {window})\n",
        o.interval
    );
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| all SLO groups, per evaluation | {:.1} ms |",
        sum_where(&|g| g.starts_with("autobot-slo-")) * 1000.0
    );
    println!(
        "| SLI groups (7 windows + period SLI) | {:.1} ms |",
        sum_where(&|g| g.starts_with("autobot-slo-sli-")) * 1000.0
    );
    println!(
        "| alert groups | {:.1} ms |",
        sum_where(&|g| g.starts_with("autobot-slo-alerts-")) * 1000.0
    );
    println!(
        "| hand-written alert groups | {:.1} ms |",
        sum_where(&|g| !g.starts_with("autobot-slo-")) * 1000.0
    );
    if let Some((g, v)) = avg.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
        println!("| slowest group | {g}: {:.1} ms |", v * 1000.0);
    }
    let first_value = |v: &[autobot_otel_tests::Sample]| v.first().map_or(0.0, |s| s.value);
    println!(
        "| recorded slo:* series | {:.0} |",
        first_value(&slo_series)
    );
    println!("| iterations missed | {missed:.0} |");

    vm.force_flush()?;
    let t = now_unix() - 5.0;
    let prom_series = prom.query_vector_at(r#"count({job="autobot"})"#, t)?;
    let vm_series = vm.query_vector_at(r#"count({job="autobot"})"#, t)?;
    let first = |v: &[autobot_otel_tests::Sample]| v.first().map(|s| s.value).unwrap_or(0.0);
    println!("\n## Ingestion (over {:.0} s)\n", secs);
    println!("| figure | Prometheus | VictoriaMetrics |");
    println!("|---|---|---|");
    println!(
        "| series of the job | {:.0} | {:.0} |",
        first(&prom_series),
        first(&vm_series)
    );
    println!(
        "| samples ingested per second | {:.0} | {:.0} |",
        (b.prom_appended - a.prom_appended) / secs,
        (b.vm_rows - a.vm_rows) / secs
    );
    println!(
        "| CPU | {:.1} % of one core | {:.1} % of one core |",
        (b.prom_cpu - a.prom_cpu).as_secs_f64() / secs * 100.0,
        (b.vm_cpu - a.vm_cpu).as_secs_f64() / secs * 100.0
    );
    println!(
        "| resident memory | {:.0} MiB | {:.0} MiB |",
        rss_mib(prom_pid),
        rss_mib(vm.pid())
    );
    println!(
        "| remote write sent | {:.0} samples/s, {:.0} KiB/s (snappy) | |",
        (b.prom_rw_samples - a.prom_rw_samples) / secs,
        (b.prom_rw_bytes - a.prom_rw_bytes) / secs / 1024.0
    );
    println!(
        "| demo replica resident memory | {:.0} MiB | |",
        rss_mib(demos[0].pid())
    );
    drop(prom);
    drop(vm);
    drop(demos);

    // 3. OTLP push size per export of one replica of the same size.
    let sink = HttpSink::start()?;
    let endpoint = sink.base_url();
    let pusher = DemoProcess::spawn(
        demo_exe,
        &[
            ("AUTOBOT_DEMO_EXTRA_SERIES", extra.as_str()),
            ("AUTOBOT_DEMO_DURATION_SECS", "60"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "2000"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ],
    )?;
    let pushes = sink.wait_for(
        |r| r.iter().filter(|r| r.path == "/v1/metrics").count() >= 3,
        Duration::from_secs(60),
        "three metric exports",
    )?;
    drop(pusher);
    let last = pushes
        .iter()
        .rev()
        .find(|r| r.path == "/v1/metrics")
        .expect("waited for it");
    println!("\n## OTLP push (one replica, metrics, every export)\n");
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| OTLP/HTTP protobuf body per export | {} bytes |",
        last.body.len()
    );
    if let Some(gz) = gzip_size(&last.body) {
        println!("| same, gzip -6 | {gz} bytes |");
    }
    // Every export carries every series (cumulative temporality): the size per
    // export does not depend on the interval, the bytes per minute do.
    println!(
        "| per replica and minute, at the 60 s default interval / at 15 s | {:.0} KiB / {:.0} KiB |",
        last.body.len() as f64 / 1024.0,
        last.body.len() as f64 * 4.0 / 1024.0
    );
    Ok(())
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("autobot-scale-report: {e}");
            std::process::exit(2);
        }
    };
    let demo_exe: PathBuf = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("autobot-test-demo")))
        .unwrap_or_default();
    if !demo_exe.is_file() {
        eprintln!(
            "autobot-scale-report: {} not found; build it: cargo build --release -p autobot-otel-tests --bins",
            demo_exe.display()
        );
        std::process::exit(2);
    }
    if let Err(e) = run(&options, &demo_exe) {
        eprintln!("autobot-scale-report failed: {e}");
        std::process::exit(1);
    }
}
