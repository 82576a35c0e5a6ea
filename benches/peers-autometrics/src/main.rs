//! One round of the `#[autometrics]` baseline for autobot-otel's `peers`
//! benchmark: ns per call of a bare function, of an `Instant` pair around it, and
//! of the same function under `#[autometrics]` (prometheus-exporter feature,
//! its default backend), each run `--calls` times, interleaved over a few inner
//! rounds (median of each). Prints one JSON object on stdout:
//!
//! ```text
//! {"bare_ns":1.1,"instant_pair_ns":45.0,"autometrics_ns":950.0,"rounds":5,"calls":20000}
//! ```
//!
//! The `Instant` pair is measured here, in the same process, so that the
//! harness compares ratios (added cost ÷ an `Instant` pair), not absolute times
//! of two processes.

use std::hint::black_box;
use std::time::Instant;

use autometrics::autometrics;

#[autometrics]
fn timed(x: u64) -> u64 {
    black_box(x) + 1
}

#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x) + 1
}

fn ns_per_call(calls: u64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_nanos() as f64 / calls.max(1) as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn main() {
    let mut calls: u64 = 20_000;
    let mut rounds: usize = 5;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), v) {
            ("--calls", Some(v)) => calls = v.max(1),
            ("--rounds", Some(v)) => rounds = (v as usize).max(1),
            _ => {
                eprintln!("usage: peers-autometrics [--calls N] [--rounds N]");
                std::process::exit(2);
            }
        }
    }
    autometrics::prometheus_exporter::init();

    let mut cands: [(&str, Box<dyn FnMut() -> f64>); 3] = [
        (
            "bare",
            Box::new(|| {
                ns_per_call(calls, || {
                    black_box(bare(black_box(1)));
                })
            }),
        ),
        (
            "instant_pair",
            Box::new(|| {
                ns_per_call(calls, || {
                    let start = Instant::now();
                    black_box(bare(black_box(1)));
                    black_box(start.elapsed());
                })
            }),
        ),
        (
            "autometrics",
            Box::new(|| {
                ns_per_call(calls, || {
                    black_box(timed(black_box(1)));
                })
            }),
        ),
    ];
    for (_, run) in cands.iter_mut() {
        black_box(run()); // warm-up
    }
    let mut samples = vec![Vec::new(); cands.len()];
    for round in 0..rounds {
        for k in 0..cands.len() {
            let i = (round + k) % cands.len();
            samples[i].push((cands[i].1)());
        }
    }
    // The calls were recorded: the scrape has the function's counter.
    let scrape = autometrics::prometheus_exporter::encode_to_string().unwrap_or_default();
    if !scrape.contains("function=\"timed\"") {
        eprintln!("peers-autometrics: the scrape has no series of `timed`:\n{scrape}");
        std::process::exit(1);
    }
    let m: Vec<f64> = samples.into_iter().map(median).collect();
    println!(
        "{{\"bare_ns\":{:.3},\"instant_pair_ns\":{:.3},\"autometrics_ns\":{:.3},\"rounds\":{rounds},\"calls\":{calls}}}",
        m[0], m[1], m[2]
    );
}
