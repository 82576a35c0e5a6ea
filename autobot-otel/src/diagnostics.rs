//! How the pipeline reports on itself: the log targets it writes under, and the
//! counters behind the health report and the `autobot_otel_*` self-metrics.
//!
//! Every log line of this crate has a target under `autobot_otel::`, so
//! `RUST_LOG=autobot_otel=warn` (or `autobot_otel::export=off`) selects them:
//!
//! | target | what is logged |
//! |---|---|
//! | [`CARDINALITY`] | a metric reached its series limit (once per metric, naming the label that grows) |
//! | [`COLLECT`] | a collection failed, or one of the crate's observable callbacks panicked (at most once a minute) |
//! | [`EXPORT`] | an OTLP export failed (at most once a minute), the pipeline could not be built |
//! | [`API`] | a handle was asked for with the wrong metric kind or label count |
//! | [`CONFIG`] | a setting's value was not understood and its default is used (`OTEL_METRICS_EXEMPLAR_FILTER`) |
//!
//! ```
//! assert_eq!(autobot_otel::diagnostics::CARDINALITY, "autobot_otel::cardinality");
//! ```

#[cfg(feature = "prometheus")]
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::catalog::{CATALOG, MetricId};

/// Log target of the once-per-metric series limit warning.
pub const CARDINALITY: &str = "autobot_otel::cardinality";

/// Log target of failed collections and panicking observable callbacks.
pub const COLLECT: &str = "autobot_otel::collect";

/// Log target of OTLP export failures and of a pipeline that could not be built.
pub const EXPORT: &str = "autobot_otel::export";

/// Log target of API misuse (handles of the wrong kind or label count).
pub const API: &str = "autobot_otel::api";

/// Log target of settings whose value was not understood (the default is used).
pub const CONFIG: &str = "autobot_otel::config";

/// A setting whose value was not understood while a pipeline was built (its
/// default is used). Building collects these and logs them under [`CONFIG`]
/// once it is done: `build()` to the subscriber in force, `install()` and
/// `init()` after they installed theirs, so none is lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConfigWarning {
    /// The variable that was read.
    pub(crate) variable: &'static str,
    /// Its value.
    pub(crate) value: String,
    /// What was wrong and what is used instead.
    pub(crate) message: &'static str,
}

impl ConfigWarning {
    /// Logs each warning, a `WARN` under [`CONFIG`].
    pub(crate) fn log_all(warnings: Vec<ConfigWarning>) {
        for w in warnings {
            tracing::warn!(
                target: CONFIG,
                variable = w.variable,
                value = %w.value,
                "{}",
                w.message
            );
        }
    }
}

/// The counters the health report and the self-metrics read; shared by the
/// recording API, the observable callbacks and the readers of one pipeline.
#[derive(Debug)]
pub(crate) struct Diagnostics {
    dropped: AtomicU64,
    callback_failures: AtomicU64,
    limit_reached: Box<[AtomicBool]>,
}

impl Default for Diagnostics {
    fn default() -> Self {
        Diagnostics {
            dropped: AtomicU64::new(0),
            callback_failures: AtomicU64::new(0),
            limit_reached: CATALOG.iter().map(|_| AtomicBool::new(false)).collect(),
        }
    }
}

impl Diagnostics {
    /// Counts one measurement dropped by design.
    pub(crate) fn drop_measurement(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Measurements dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Counts one collection in which a callback of ours panicked; returns the
    /// count so far.
    pub(crate) fn callback_failed(&self) -> u64 {
        self.callback_failures.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Collections in which a callback of ours panicked.
    pub(crate) fn callback_failures(&self) -> u64 {
        self.callback_failures.load(Ordering::Relaxed)
    }

    /// Marks `id` as having reached its series limit; `true` the first time.
    pub(crate) fn reach_limit(&self, id: MetricId) -> bool {
        !self.limit_reached[id as usize].swap(true, Ordering::Relaxed)
    }

    /// Whether `id` reached its series limit.
    pub(crate) fn limit_reached(&self, id: MetricId) -> bool {
        self.limit_reached[id as usize].load(Ordering::Relaxed)
    }
}

/// How many instruments the last render left out of each family, for the
/// `autobot_otel_instrument_conflicts` self-metric (see
/// [`crate::self_metrics`]). Its own lock, never held during a collection,
/// so the self-metric's callback can read it while a render collects.
#[cfg(feature = "prometheus")]
#[derive(Default)]
pub(crate) struct Conflicts {
    dropped: Mutex<BTreeMap<String, u64>>,
}

#[cfg(feature = "prometheus")]
impl Conflicts {
    /// The instruments left out by the last render, by family name.
    pub(crate) fn snapshot(&self) -> Vec<(String, u64)> {
        let dropped = self.dropped.lock().unwrap_or_else(PoisonError::into_inner);
        dropped.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// Publishes the counts of a render; whether they changed.
    pub(crate) fn publish(&self, counts: BTreeMap<String, u64>) -> bool {
        let mut dropped = self.dropped.lock().unwrap_or_else(PoisonError::into_inner);
        if *dropped == counts {
            return false;
        }
        *dropped = counts;
        true
    }
}

/// Scrape counters of one pipeline (shown by the health report).
#[derive(Debug, Default)]
pub(crate) struct ScrapeStatus {
    succeeded: AtomicU64,
    failed: AtomicU64,
    last_success_ms: AtomicU64,
    /// The last failure: its message and when (ms since the Unix epoch).
    last_error: Mutex<Option<(String, u64)>>,
}

impl ScrapeStatus {
    /// Records one render: `Ok` or the reason it failed.
    #[cfg(feature = "prometheus")]
    pub(crate) fn record(&self, result: Result<(), &str>) {
        let now = unix_ms();
        match result {
            Ok(()) => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
                self.last_success_ms.store(now, Ordering::Relaxed);
            }
            Err(message) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                let mut last = self
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                *last = Some((message.to_string(), now));
            }
        }
    }

    /// Scrapes succeeded and failed.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.succeeded.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }

    /// When the last scrape succeeded (ms since the Unix epoch), if one did.
    pub(crate) fn last_success_ms(&self) -> Option<u64> {
        Some(self.last_success_ms.load(Ordering::Relaxed)).filter(|ms| *ms > 0)
    }

    /// The last failure: its message and when.
    pub(crate) fn last_error(&self) -> Option<(String, u64)> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// How often a repeating failure is logged.
pub(crate) const LOG_INTERVAL_MS: u64 = 60_000;

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Milliseconds on the process's monotonic clock (from its first reading; a
/// wall-clock step never makes a log repeat early or stop).
fn monotonic_ms() -> u64 {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

/// Whether a repeating failure may be logged now: true the first time and then
/// at most once per [`LOG_INTERVAL_MS`] of the monotonic clock; `last`
/// remembers when it last was (0: never).
pub(crate) fn once_a_minute(last: &AtomicU64) -> bool {
    // +1: 0 means "never", and the clock's first reading is 0.
    may_log(last, monotonic_ms() + 1)
}

/// [`once_a_minute`] at the monotonic time `now` (ms, never 0).
fn may_log(last: &AtomicU64, now: u64) -> bool {
    let previous = last.load(Ordering::Relaxed);
    (previous == 0 || now.saturating_sub(previous) >= LOG_INTERVAL_MS)
        && last
            .compare_exchange(previous, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// The message of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs a collection: an error or a panic (from an observable callback registered
/// on the meter provider by the application) is logged under [`COLLECT`] at most
/// once a minute and gives `None`, so neither reaches the scrape handler or the
/// push thread.
pub(crate) fn guarded<T>(
    what: &str,
    work: impl FnOnce() -> Result<T, opentelemetry_sdk::error::OTelSdkError>,
) -> Option<T> {
    static LAST_LOG_MS: AtomicU64 = AtomicU64::new(0);
    let error = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(err)) => err.to_string(),
        Err(panic) => format!(
            "a callback panicked during collection: {}",
            panic_message(panic.as_ref())
        ),
    };
    if once_a_minute(&LAST_LOG_MS) {
        tracing::error!(target: COLLECT, error = %error, "{what} failed");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failure_logs_then_not_again_within_the_interval() {
        let last = AtomicU64::new(0);
        assert!(once_a_minute(&last));
        assert!(!once_a_minute(&last));
        let last = AtomicU64::new(0);
        assert!(may_log(&last, 5));
        assert!(!may_log(&last, 5 + LOG_INTERVAL_MS - 1));
        assert!(
            may_log(&last, 5 + LOG_INTERVAL_MS),
            "a minute after the last log"
        );
        assert!(!may_log(&last, 6 + LOG_INTERVAL_MS));
        assert!(!once_a_minute(&last));
    }

    #[test]
    fn a_limit_is_reached_once() {
        let d = Diagnostics::default();
        assert!(!d.limit_reached(MetricId::LlmTokensTotal));
        assert!(d.reach_limit(MetricId::LlmTokensTotal));
        assert!(!d.reach_limit(MetricId::LlmTokensTotal));
        assert!(d.limit_reached(MetricId::LlmTokensTotal));
    }

    #[test]
    fn targets_share_one_scheme() {
        for target in [CARDINALITY, COLLECT, EXPORT, API, CONFIG] {
            assert!(target.starts_with("autobot_otel::"), "{target}");
        }
    }
}
