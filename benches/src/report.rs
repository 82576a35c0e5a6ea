//! What the `peers` binary writes to `target/peers.json` and `perf-report` reads
//! back to render the table "against peer libraries" of docs/performance.md.
//!
//! Figures are keyed by a path (see [`key`]); times are nanoseconds, memory is
//! bytes or blocks per series, ratios are autobot-otel ÷ the peer.
//!
//! ```
//! use autobot_otel_bench::report::{PeersReport, Stat, key};
//! let mut r = PeersReport::default();
//! r.figures.insert(key(&["render", "10k", "prometheus"]), Stat::of(&[3.0, 1.0, 2.0]));
//! let back: PeersReport = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
//! assert_eq!(back.figure(&["render", "10k", "prometheus"]).unwrap().median, 2.0);
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Every attribute with its span that `peers` measures beside a bare
/// `#[tracing::instrument]` on the same function body: the name in its figures'
/// keys (`ratio/attr/with_span/<name>/tracing_instrument`), the attribute, and
/// the candidate of its `#[tracing::instrument]` twin (`attr/added/<twin>`).
pub const WITH_SPAN: [(&str, &str, &str); 8] = [
    ("workflow", "instrument_workflow", "tracing_instrument"),
    ("task", "instrument_task", "tracing_instrument"),
    ("github", "instrument_github", "tracing_instrument"),
    ("redis", "instrument_redis", "tracing_instrument"),
    ("knowledge", "instrument_knowledge", "tracing_instrument"),
    // Non-streaming; its function returns the token usage, as does its twin.
    ("llm", "instrument_llm", "tracing_instrument_llm"),
    ("agent", "instrument_agent", "tracing_instrument"),
    ("tool", "instrument_tool", "tracing_instrument"),
];

/// Median and range of a figure's per-round values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// The median (of an even count: the mean of the two middle values).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// How many values (rounds).
    pub n: usize,
}

impl Stat {
    /// The statistics of `values` (all zero when empty).
    pub fn of(values: &[f64]) -> Stat {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Stat::default();
        }
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Stat {
            median,
            min: v[0],
            max: v[v.len() - 1],
            n: v.len(),
        }
    }
}

/// Heap kept per new series of one library and instrument kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// The library (see [`crate::peers`] for the names).
    pub library: String,
    /// What was measured, e.g. `counter`, `histogram`, `gauge cell`, `rolling rate`.
    pub instrument: String,
    /// Label keys of each series.
    pub labels: usize,
    /// New series recorded for the measurement.
    pub series: usize,
    /// Live heap bytes per new series (after a scrape).
    pub bytes: f64,
    /// Live heap blocks (allocations not freed) per new series.
    pub blocks: f64,
}

/// The whole result of one `peers` run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeersReport {
    /// CPU, cores, compiler.
    pub machine: String,
    /// `full` or `quick`.
    pub mode: String,
    /// Rounds run per group of candidates.
    pub rounds: BTreeMap<String, usize>,
    /// Prometheus series (sample lines) of each rendered shape, as autobot-otel renders it.
    pub shapes: BTreeMap<String, usize>,
    /// Memory per series.
    pub memory: Vec<Memory>,
    /// Every timed figure and ratio, by [`key`].
    pub figures: BTreeMap<String, Stat>,
    /// What could not be measured, and why.
    pub notes: Vec<String>,
}

/// The key of a figure: its parts joined by `/`, e.g.
/// `render/10k/prometheus-client` (ns per scrape) or
/// `ratio/render/10k/prometheus-client` (autobot-otel ÷ prometheus-client).
pub fn key(parts: &[&str]) -> String {
    parts.join("/")
}

impl PeersReport {
    /// The figure at `parts`.
    pub fn figure(&self, parts: &[&str]) -> Option<&Stat> {
        self.figures.get(&key(parts))
    }

    /// The memory row of `library` and `instrument`.
    pub fn memory(&self, library: &str, instrument: &str) -> Option<&Memory> {
        self.memory
            .iter()
            .find(|m| m.library == library && m.instrument == instrument)
    }

    /// Reads a report written by [`PeersReport::write`].
    pub fn read(path: &Path) -> Result<PeersReport, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes the report as JSON.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The workspace's target directory (`CARGO_TARGET_DIR`, else `<root>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The workspace root (the bench crate's parent directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// CPU model, cores and compiler of this machine.
pub fn machine() -> String {
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
