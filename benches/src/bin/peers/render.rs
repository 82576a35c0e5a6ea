//! Scrape rendering through each library's public call: one metric with 1, 1k,
//! 10k and 100k three-label series (every size and library interleaved in each
//! round), the OpenTelemetry SDK's own collection of the same data as the floor,
//! the growth of the per-series cost from 1k to 100k series, and the mixed demo
//! shape.

use std::hint::black_box;
use std::time::Instant;

use autobot_otel_bench::demo_shape::{self, replay};
use autobot_otel_bench::one_metric::{METRIC, OneMetric, all, series_labels};
use autobot_otel_bench::peers::{self, MetricsExporter, PromClient, Replay};
use autobot_otel_bench::report::{PeersReport, Stat, key};
use autobot_otel_bench::rounds::{Candidate, Samples, interleave};
use autobot_otel_bench::{PromCrate, RawOptions, RawOtel};

use crate::Options;

/// Renders per sample: enough for a few milliseconds at the smaller sizes.
fn reps(series: usize) -> usize {
    (20_000 / series.max(1)).clamp(1, 200)
}

/// Nanoseconds per call of `f`, `reps` calls.
fn ns_per(reps: usize, mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    for _ in 0..reps {
        black_box(f());
    }
    start.elapsed().as_nanos() as f64 / reps as f64
}

/// Sample lines (series) of a text exposition.
fn sample_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count()
}

/// Stores every candidate's figure, and the ratio autobot-otel ÷ each other
/// library of the same shape, per round.
fn store(report: &mut PeersReport, samples: &Samples, shape: &str, libraries: &[&str]) {
    let ours = format!("{shape}/{}", peers::AUTOBOT);
    for lib in libraries {
        let name = format!("{shape}/{lib}");
        report
            .figures
            .insert(key(&["render", shape, lib]), samples.stat(&name));
        if *lib != peers::AUTOBOT {
            let r = samples.per_round(|r| r.get(&ours) / r.get(&name));
            report
                .figures
                .insert(key(&["ratio", "render", shape, lib]), Stat::of(&r));
        }
    }
}

pub fn run(opts: &Options, report: &mut PeersReport) {
    let mut sizes = vec![("1", 1usize), ("1k", 1_000), ("10k", 10_000)];
    if !opts.quick {
        sizes.push(("100k", 100_000));
    }
    let libraries: Vec<&str> = all(1, true).iter().map(|l| l.name()).collect();
    type Fixture = (&'static str, usize, Vec<Box<dyn OneMetric>>);
    let mut fixtures: Vec<Fixture> = Vec::new();
    for &(shape, n) in &sizes {
        let libs = all(n + 16, true);
        for i in 0..n {
            let (a, b) = series_labels(i);
            for lib in &libs {
                lib.add(&a, &b);
            }
        }
        // Every library holds all `n` series (none folded into an overflow series).
        for lib in libs.iter().filter(|l| l.name() != peers::SDK_COLLECT) {
            let held = lib
                .text()
                .lines()
                .filter(|l| l.starts_with(METRIC.def().name) && l.contains("workflow_type=\""))
                .count();
            assert_eq!(held, n, "{} holds {held} of the {n} series", lib.name());
        }
        report.shapes.insert(format!("one metric, {shape}"), n);
        fixtures.push((shape, n, libs));
    }
    let mut candidates = Vec::new();
    for (shape, n, libs) in &fixtures {
        let reps = reps(*n);
        for lib in libs {
            candidates.push(Candidate::new(
                format!("{shape}/{}", lib.name()),
                move || ns_per(reps, || lib.render()),
            ));
        }
    }
    let rounds = opts.rounds(15, 3);
    let samples = interleave(&mut candidates, rounds);
    report.rounds.insert("render".into(), rounds);
    for &(shape, _) in &sizes {
        store(report, &samples, shape, &libraries);
    }
    // Growth: per-series time at the largest size ÷ at 1k, per round.
    let &(large, n_large) = sizes.last().expect("sizes");
    for lib in &libraries {
        let g = samples.per_round(|r| {
            (r.get(&format!("{large}/{lib}")) / n_large as f64)
                / (r.get(&format!("1k/{lib}")) / 1_000.0)
        });
        report
            .figures
            .insert(key(&["growth", &format!("1k-{large}"), lib]), Stat::of(&g));
    }
}

/// The demo workload's series (300 ticks, one minute of the demo), and the same
/// with about 10,000 extra series (the shape of `scripts/scale-report.sh`).
pub fn run_demo(opts: &Options, report: &mut PeersReport) {
    let shapes: &[(&str, usize)] = if opts.quick {
        &[("demo", 0)]
    } else {
        &[("demo", 0), ("demo+10k", 10_000)]
    };
    let libraries = [
        peers::AUTOBOT,
        peers::PROM_CLIENT,
        peers::METRICS,
        peers::PROMETHEUS,
        peers::OTEL,
        peers::SDK_COLLECT,
    ];
    struct Fixture {
        shape: &'static str,
        ours: autobot_otel::Telemetry,
        client: PromClient,
        metrics: MetricsExporter,
        prom: PromCrate,
        otel: RawOtel,
        floor: RawOtel,
        reps: usize,
    }
    let mut fixtures = Vec::new();
    for &(shape, extra) in shapes {
        let (ours, series) = demo_shape::demo(300, extra);
        let client = PromClient::new();
        let metrics = MetricsExporter::new();
        let prom = PromCrate::new();
        let otel = RawOtel::new();
        let floor = RawOtel::with_options(RawOptions {
            manual_reader: true,
            shared_values: true,
            ..RawOptions::default()
        });
        for r in [&client as &dyn Replay, &metrics, &prom, &otel, &floor] {
            replay(&series, r);
        }
        let lines = sample_lines(&ours.render(autobot_otel::Exposition::Text));
        report.shapes.insert(shape.to_string(), lines);
        fixtures.push(Fixture {
            shape,
            ours,
            client,
            metrics,
            prom,
            otel,
            floor,
            reps: reps(lines),
        });
    }
    let mut candidates = Vec::new();
    for f in &fixtures {
        let (s, reps) = (f.shape, f.reps);
        candidates.extend([
            Candidate::new(format!("{s}/{}", peers::AUTOBOT), move || {
                ns_per(reps, || f.ours.render(autobot_otel::Exposition::Text).len())
            }),
            Candidate::new(format!("{s}/{}", peers::PROM_CLIENT), move || {
                ns_per(reps, || f.client.render())
            }),
            Candidate::new(format!("{s}/{}", peers::METRICS), move || {
                ns_per(reps, || f.metrics.render())
            }),
            Candidate::new(format!("{s}/{}", peers::PROMETHEUS), move || {
                ns_per(reps, || f.prom.render())
            }),
            Candidate::new(format!("{s}/{}", peers::OTEL), move || {
                ns_per(reps, || f.otel.render())
            }),
            Candidate::new(format!("{s}/{}", peers::SDK_COLLECT), move || {
                ns_per(reps, || f.floor.collect())
            }),
        ]);
    }
    let rounds = opts.rounds(15, 3);
    let samples = interleave(&mut candidates, rounds);
    report.rounds.insert("demo".into(), rounds);
    for &(shape, _) in shapes {
        store(report, &samples, shape, &libraries);
    }
}
