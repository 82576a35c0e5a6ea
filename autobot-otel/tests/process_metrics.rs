//! The process metrics against the running test process (Linux): every
//! family of `catalog::process` is in the scrape under its fixed Prometheus
//! name, one series without labels, of the catalog's type; open files raise
//! `process_open_fds`; the start time is the one `/proc` gives read by hand;
//! CPU time grows with work; `with_process_metrics(false)` leaves them out.
#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use autobot_otel::catalog::process::{PROCESS_METRICS, ProcessMetric};
use autobot_otel::testing::Scrape;
use autobot_otel::{Exposition, Telemetry};

fn telemetry() -> Telemetry {
    Telemetry::builder().without_otlp().build().unwrap()
}

fn scrape(t: &Telemetry) -> Scrape {
    Scrape::parse(&t.render(Exposition::Text)).unwrap()
}

fn value(s: &Scrape, metric: ProcessMetric) -> f64 {
    let name = metric.def().prometheus_name();
    s.value(&name, &[])
        .unwrap_or_else(|| panic!("{name} has no series without labels"))
}

#[test]
fn every_family_is_one_series_without_labels_of_the_catalog_type() {
    let t = telemetry();
    let text = t.render(Exposition::Text);
    let s = Scrape::parse(&text).unwrap();
    for def in PROCESS_METRICS {
        let name = def.prometheus_name();
        assert_eq!(
            def.fixed_prometheus_name,
            Some(name.as_str()),
            "the scrape name is the fixed one"
        );
        let family = s
            .family(&name)
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"));
        assert_eq!(family.kind, def.kind.as_str(), "{name}");
        assert_eq!(family.samples.len(), 1, "{name}");
        assert!(family.samples[0].labels.is_empty(), "{name}");
        assert!(
            text.contains(&format!("# HELP {name} {}\n", def.help)),
            "{name}"
        );
        // The OpenTelemetry name never reaches the scrape.
        let translated = def.translated_name();
        assert!(
            translated == name || s.family(&translated).is_none(),
            "{translated}"
        );
    }
    assert!(value(&s, ProcessMetric::ResidentMemory) > 0.0);
    assert!(value(&s, ProcessMetric::VirtualMemory) >= value(&s, ProcessMetric::ResidentMemory));
    assert!(value(&s, ProcessMetric::Threads) >= 1.0);
    assert!(value(&s, ProcessMetric::MaxFds) >= value(&s, ProcessMetric::OpenFds));
    assert!(!text.contains("cpu_mode"), "the modes are summed");
}

#[test]
fn opening_files_raises_the_open_fds() {
    const N: usize = 16;
    let t = telemetry();
    // Other tests of this binary open and close files at once: retry until
    // one round saw no other change.
    let exact = (0..50).any(|_| {
        let before = value(&scrape(&t), ProcessMetric::OpenFds);
        let more: Vec<std::fs::File> = (0..N)
            .map(|_| std::fs::File::open("/proc/self/stat").unwrap())
            .collect();
        let after = value(&scrape(&t), ProcessMetric::OpenFds);
        drop(more);
        after >= before + N as f64
    });
    assert!(exact, "{N} more open files never showed as {N} more fds");
}

/// The start time from `/proc/self/stat` field 22, `/proc/stat`'s `btime` and
/// `getconf CLK_TCK`, read without procfs.
fn start_time_by_hand() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name (field 2) may hold spaces: count from its `)`.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let start_ticks: f64 = after.split(' ').nth(19).unwrap().parse().unwrap();
    let btime: f64 = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let tck = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .unwrap();
    let tck: f64 = String::from_utf8(tck.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    btime + start_ticks / tck
}

#[test]
fn the_start_time_is_the_process_start_from_proc() {
    let t = telemetry();
    let reported = value(&scrape(&t), ProcessMetric::StartTime);
    let expected = start_time_by_hand();
    assert!(
        (reported - expected).abs() < 1e-6,
        "{reported} vs {expected}"
    );
}

#[test]
fn the_max_fds_is_the_soft_limit_proc_shows() {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()
        .unwrap();
    let reported = scrape(&telemetry()).value("process_max_fds", &[]);
    match soft {
        "unlimited" => assert_eq!(reported, None, "no series when unlimited"),
        n => assert_eq!(reported, Some(n.parse::<f64>().unwrap()), "{line}"),
    }
}

#[test]
fn cpu_time_grows_with_work() {
    let t = telemetry();
    let before = value(&scrape(&t), ProcessMetric::CpuTime);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut x = 0u64;
    let mut after = before;
    while after <= before && Instant::now() < deadline {
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
        std::hint::black_box(x);
        after = value(&scrape(&t), ProcessMetric::CpuTime);
    }
    assert!(after > before, "{before} then {after}");
}

#[test]
fn one_builder_call_turns_them_off() {
    let t = Telemetry::builder()
        .without_otlp()
        .with_process_metrics(false)
        .build()
        .unwrap();
    let text = t.render(Exposition::Text);
    for def in PROCESS_METRICS {
        assert!(!text.contains(&def.prometheus_name()), "{}", def.name);
    }
    assert!(text.contains("autobot_otel_callback_failures_total 0"));
    // And a disabled pipeline has none either.
    assert_eq!(Telemetry::disabled().render(Exposition::Text), "");
}
