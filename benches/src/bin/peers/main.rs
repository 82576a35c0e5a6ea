//! Measures autobot-otel against the peer libraries a user would pick instead
//! (`prometheus-client`, `metrics` + `metrics-exporter-prometheus`, the
//! `prometheus` crate, plain OpenTelemetry with `opentelemetry-prometheus`, and
//! `autometrics` in its own process), each through its public API, candidates
//! interleaved round by round ([`autobot_otel_bench::rounds`]), and writes
//! `target/peers.json` ([`autobot_otel_bench::report`]) for `perf-report`.
//!
//! ```text
//! peers [--quick] [--autometrics PATH] [--only memory|render|demo|pool|attributes]... [--out PATH]
//! ```
//!
//! `--quick`: fewer rounds and no 100k-series shape (about a minute).
//! `--autometrics`: the `benches/peers-autometrics` binary (`scripts/bench.sh`
//! builds it); without it the autometrics figures are left out (and noted).
//! Run the release build, on an otherwise idle machine.

mod attributes;
mod memory;
mod pool;
mod render;

use std::path::PathBuf;
use std::time::Instant;

use autobot_otel_bench::report::{self, PeersReport};

#[global_allocator]
static ALLOCATOR: autobot_otel_bench::counting::Counting = autobot_otel_bench::counting::Counting;

/// Command-line options.
pub struct Options {
    /// Fewer rounds, smaller shapes.
    pub quick: bool,
    /// The autometrics measurement binary.
    pub autometrics: Option<PathBuf>,
    only: Vec<String>,
    out: PathBuf,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut o = Options {
            quick: false,
            autometrics: None,
            only: Vec::new(),
            out: report::target_dir().join("peers.json"),
        };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match a.as_str() {
                "--quick" => o.quick = true,
                "--autometrics" => o.autometrics = Some(value("--autometrics")?.into()),
                "--only" => o.only.push(value("--only")?),
                "--out" => o.out = value("--out")?.into(),
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(o)
    }

    fn runs(&self, group: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|g| g == group)
    }

    /// `full` rounds, or `quick` ones with `--quick`.
    pub fn rounds(&self, full: usize, quick: usize) -> usize {
        if self.quick { quick } else { full }
    }
}

fn main() {
    let opts = match Options::parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("peers: {e}");
            std::process::exit(2);
        }
    };
    let mut report = PeersReport {
        machine: report::machine(),
        mode: if opts.quick { "quick" } else { "full" }.into(),
        ..PeersReport::default()
    };
    // Memory first: nothing else has been allocated yet.
    type Group = fn(&Options, &mut PeersReport);
    let groups: [(&str, Group); 5] = [
        ("memory", memory::run),
        ("render", render::run),
        ("demo", render::run_demo),
        ("pool", pool::run),
        ("attributes", attributes::run),
    ];
    // The `metrics` macros of the pool and attribute rows record into the
    // global recorder, as an application's would.
    metrics::set_global_recorder(autobot_otel_bench::peers::builder().build_recorder())
        .expect("the only global metrics recorder");
    for (name, run) in groups {
        if opts.runs(name) {
            let start = Instant::now();
            eprintln!("peers: {name}...");
            run(&opts, &mut report);
            eprintln!(
                "peers: {name} done in {:.1} s",
                start.elapsed().as_secs_f64()
            );
        }
    }
    if let Some(dir) = opts.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = report.write(&opts.out) {
        eprintln!("peers: {e}");
        std::process::exit(1);
    }
    for (k, s) in &report.figures {
        println!(
            "{k:<60} {:>14.2}  [{:.2} .. {:.2}] n={}",
            s.median, s.min, s.max, s.n
        );
    }
    for m in &report.memory {
        println!(
            "memory {:<28} {:<22} {:>8.0} B {:>6.2} blocks per series ({} series, {} labels)",
            m.library, m.instrument, m.bytes, m.blocks, m.series, m.labels
        );
    }
    for n in &report.notes {
        println!("note: {n}");
    }
    println!("wrote {}", opts.out.display());
}
