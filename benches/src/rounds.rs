//! Candidates measured round by round: each round runs every candidate once, in
//! an order rotated by one each round, so that a slow or fast spell of the
//! (shared, 2-core) machine falls on all of them alike. A figure is then the
//! median over rounds, and a ratio is the median of the per-round ratios (each
//! taken between two runs a few milliseconds apart), not a ratio of medians.
//!
//! ```
//! use autobot_otel_bench::rounds::{Candidate, interleave, time_per_call};
//! let mut n = 0u64;
//! let mut cands = vec![
//!     Candidate::new("one", || time_per_call(100, || n += 1)),
//!     Candidate::new("two", || 2.0),
//! ];
//! let s = interleave(&mut cands, 3);
//! let ratio = s.per_round(|r| r.get("two") / 2.0);
//! assert_eq!(ratio, vec![1.0; 3]);
//! assert_eq!(s.stat("two").median, 2.0);
//! ```

use std::hint::black_box;
use std::time::Instant;

use crate::report::Stat;

/// One measured thing: each call of `run` is one sample (e.g. ns per call).
pub struct Candidate<'a> {
    name: String,
    run: Box<dyn FnMut() -> f64 + 'a>,
}

impl<'a> Candidate<'a> {
    /// A candidate named `name`.
    pub fn new(name: impl Into<String>, run: impl FnMut() -> f64 + 'a) -> Self {
        Candidate {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// The samples of every candidate, round by round.
#[derive(Clone, Debug)]
pub struct Samples {
    names: Vec<String>,
    values: Vec<Vec<f64>>,
}

/// One round of [`Samples`].
#[derive(Clone, Copy, Debug)]
pub struct Round<'a> {
    samples: &'a Samples,
    round: usize,
}

impl Round<'_> {
    /// The sample of candidate `name` in this round (panics on an unknown name).
    pub fn get(&self, name: &str) -> f64 {
        self.samples.of(name)[self.round]
    }
}

impl Samples {
    /// The rounds run.
    pub fn rounds(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    /// Every sample of candidate `name` (panics on an unknown name).
    pub fn of(&self, name: &str) -> &[f64] {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no candidate {name}"));
        &self.values[i]
    }

    /// Median and range of candidate `name`'s samples.
    pub fn stat(&self, name: &str) -> Stat {
        Stat::of(self.of(name))
    }

    /// A figure derived from each round's samples (a ratio, a difference).
    pub fn per_round(&self, f: impl Fn(Round<'_>) -> f64) -> Vec<f64> {
        (0..self.rounds())
            .map(|round| {
                f(Round {
                    samples: self,
                    round,
                })
            })
            .collect()
    }
}

/// Runs every candidate once as a warm-up, then `rounds` rounds, each in an
/// order rotated by one from the last.
pub fn interleave(candidates: &mut [Candidate<'_>], rounds: usize) -> Samples {
    let n = candidates.len();
    for c in candidates.iter_mut() {
        black_box((c.run)());
    }
    let mut values = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let v = (candidates[i].run)();
            values[i].push(v);
        }
    }
    Samples {
        names: candidates.iter().map(|c| c.name.clone()).collect(),
        values,
    }
}

/// Nanoseconds per call of `f`, over `calls` calls.
pub fn time_per_call(calls: u64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_nanos() as f64 / calls.max(1) as f64
}
