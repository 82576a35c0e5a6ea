//! Rolling-window rates behind `autobot_timeout_rate` and `autobot_redis_success_rate`.
//!
//! Each label set keeps one slot per second for the longest window (15 minutes):
//! how many operations were counted and how many of them were "hits" (timeouts, or
//! successes). When the gauge is collected, the rate over each window
//! ([`WINDOWS`]: `1m`, `5m`, `15m`) is `100 * hits / total` over the slots of the
//! last `window` seconds, the current second included. A window in which nothing
//! was counted has no rate, so its series is absent rather than a made-up 0 or 100.
//!
//! Time comes from a [`Clock`], so tests drive the windows without sleeping.
//!
//! ```
//! use autobot_otel::testing::{ManualClock, Scrape};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! let clock = Arc::new(ManualClock::new());
//! let t = autobot_otel::Telemetry::builder().without_otlp().with_clock(clock.clone()).build().unwrap();
//! t.metrics().record_timeout("redis_get", "main", true);
//! t.metrics().record_timeout("redis_get", "main", false);
//! clock.advance(Duration::from_secs(90)); // the 1m window no longer sees them
//! t.metrics().record_timeout("redis_get", "main", false);
//! let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
//! let rate = |w| scrape.value("autobot_timeout_rate", &[("operation_type", "redis_get"), ("database", "main"), ("time_window", w)]);
//! assert_eq!(rate("1m"), Some(0.0));
//! assert_eq!(rate("5m"), Some(100.0 / 3.0));
//! ```

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::series::{Key, Series, SeriesTable};
use crate::labels::TimeWindow;

/// The rolling windows reported: the `time_window` vocabulary of the catalog.
pub const WINDOWS: &[TimeWindow] = TimeWindow::ALL;

/// One slot per second of the longest window.
const SLOTS: usize = TimeWindow::FifteenMinutes.seconds() as usize;

/// A source of monotonic time, in whole seconds since an arbitrary origin
/// (public as `autobot_otel::testing::Clock`, feature `testing`).
///
/// ```
/// use autobot_otel::testing::{Clock, ManualClock};
/// assert_eq!(ManualClock::new().now_secs(), 0);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds elapsed since the clock's origin.
    fn now_secs(&self) -> u64;
}

/// The real monotonic clock ([`Instant`]).
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now_secs(&self) -> u64 {
        self.origin.elapsed().as_secs()
    }
}

/// A clock that only moves when told to, for tests (cargo feature `testing`).
///
/// ```
/// use autobot_otel::testing::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_secs(61));
/// assert_eq!(clock.now_secs(), 61);
/// ```
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
pub struct ManualClock {
    secs: std::sync::atomic::AtomicU64,
}

#[cfg(any(test, feature = "testing"))]
impl ManualClock {
    /// A clock at second 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward (whole seconds; the fraction is dropped).
    pub fn advance(&self, by: std::time::Duration) {
        self.secs
            .fetch_add(by.as_secs(), std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(any(test, feature = "testing"))]
impl Clock for ManualClock {
    fn now_secs(&self) -> u64 {
        self.secs.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[derive(Clone, Copy, Default)]
struct Slot {
    second: u64,
    hits: u32,
    total: u32,
}

struct Ring {
    slots: Box<[Slot]>,
}

impl Ring {
    fn new() -> Self {
        Ring {
            // `second: u64::MAX` marks a slot that was never written.
            slots: vec![
                Slot {
                    second: u64::MAX,
                    hits: 0,
                    total: 0
                };
                SLOTS
            ]
            .into_boxed_slice(),
        }
    }

    fn record(&mut self, now: u64, hit: bool) {
        let slot = &mut self.slots[(now % SLOTS as u64) as usize];
        if slot.second != now {
            *slot = Slot {
                second: now,
                hits: 0,
                total: 0,
            };
        }
        slot.total = slot.total.saturating_add(1);
        slot.hits = slot.hits.saturating_add(u32::from(hit));
    }

    fn rate(&self, now: u64, window_secs: u64) -> Option<f64> {
        let (mut hits, mut total) = (0u64, 0u64);
        for slot in self.slots.iter() {
            if slot.second != u64::MAX && slot.second <= now && now - slot.second < window_secs {
                hits += u64::from(slot.hits);
                total += u64::from(slot.total);
            }
        }
        (total > 0).then(|| 100.0 * hits as f64 / total as f64)
    }

    fn is_idle(&self, now: u64) -> bool {
        self.rate(now, SLOTS as u64).is_none()
    }
}

/// The ring of one label set, keyed like every series: by its cleaned values.
struct RateSeries {
    key: Key,
    ring: Mutex<Ring>,
}

impl Series for RateSeries {
    fn key(&self) -> &Key {
        &self.key
    }
}

impl RateSeries {
    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        // A ring is consistent after any single update, so a poisoned lock is taken over.
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Per-label-set rolling hit rates over the [`WINDOWS`].
///
/// The label sets live in a [`SeriesTable`], the table every other family uses:
/// label values are cleaned ([`crate::labels::clean_label_value`]) by the same
/// code before anything keys on them, and the limit is counted the same way.
pub struct RollingRates {
    clock: Arc<dyn Clock>,
    table: SeriesTable<RateSeries>,
}

impl std::fmt::Debug for RollingRates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RollingRates").finish_non_exhaustive()
    }
}

/// Label values of one rolling series (cleaned), and its rate per window
/// (`None`: no events).
pub type RateSnapshot = (Vec<String>, Vec<(&'static str, Option<f64>)>);

impl RollingRates {
    /// Empty rates driven by `clock`, for at most `max_label_sets` label sets
    /// (each keeps a 15-minute ring of about 14 KB).
    pub fn with_limit(clock: Arc<dyn Clock>, max_label_sets: usize) -> Self {
        RollingRates {
            clock,
            table: SeriesTable::new(max_label_sets),
        }
    }

    /// Counts one event for the label set `labels`; `hit` marks it as a timeout
    /// (for the timeout rate) or a success (for the success rate). Returns `false`
    /// (and counts nothing) for a new label set once the limit is reached.
    pub fn record(&self, labels: &[&str], hit: bool) -> bool {
        let now = self.clock.now_secs();
        let make = |key| RateSeries {
            key,
            ring: Mutex::new(Ring::new()),
        };
        self.table
            .with(labels, make, |series| series.ring().record(now, hit))
            .is_ok()
    }

    /// The current rate of every label set over every window. Label sets idle for
    /// longer than the longest window are forgotten here.
    pub fn snapshot(&self) -> Vec<RateSnapshot> {
        let now = self.clock.now_secs();
        self.table.retain(|series| !series.ring().is_idle(now));
        let mut out: Vec<RateSnapshot> = self
            .table
            .all()
            .iter()
            .map(|series| {
                let values = series.key.values().map(str::to_owned).collect();
                let ring = series.ring();
                let rates = WINDOWS
                    .iter()
                    .map(|w| (w.as_str(), ring.rate(now, w.seconds())))
                    .collect();
                (values, rates)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The label position with the most distinct values among the kept label sets.
    pub(crate) fn growing_label(&self) -> Option<usize> {
        self.table.growing_label()
    }
}

/// Observes every rate of `rates` (the metric `def`, whose last label is
/// `time_window`) on `observer`. Runs inside the SDK's collection, under its
/// pipeline lock, where a panic would poison that lock and fail every later
/// collection of every metric: so a panic is caught here, counted in
/// `diagnostics` and logged at most once a minute.
pub(crate) fn observe(
    def: &'static crate::catalog::MetricDef,
    rates: &RollingRates,
    diagnostics: &crate::diagnostics::Diagnostics,
    observer: &dyn opentelemetry::metrics::AsyncInstrument<f64>,
) {
    use opentelemetry::KeyValue;
    static LAST_LOG_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let observed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for (values, windows) in rates.snapshot() {
            for (window, rate) in windows {
                let Some(rate) = rate else { continue };
                let mut attrs: Vec<KeyValue> = def.labels[..def.labels.len() - 1]
                    .iter()
                    .zip(&values)
                    .map(|(k, v)| KeyValue::new(*k, v.clone()))
                    .collect();
                attrs.push(KeyValue::new("time_window", window));
                observer.observe(rate, &attrs);
            }
        }
    }));
    if let Err(panic) = observed {
        let failures = diagnostics.callback_failed();
        if crate::diagnostics::once_a_minute(&LAST_LOG_MS) {
            tracing::error!(
                target: crate::diagnostics::COLLECT,
                metric = def.name,
                failures,
                panic = %crate::diagnostics::panic_message(panic.as_ref()),
                "observable callback panicked; its gauge is skipped in this collection"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rates() -> (Arc<ManualClock>, RollingRates) {
        let clock = Arc::new(ManualClock::new());
        (clock.clone(), RollingRates::with_limit(clock, 1000))
    }

    fn window(rates: &RollingRates, name: &str) -> Option<f64> {
        let snap = rates.snapshot();
        snap[0].1.iter().find(|(n, _)| *n == name).unwrap().1
    }

    #[test]
    fn empty_rates_have_no_series() {
        let (_, r) = rates();
        assert!(r.snapshot().is_empty());
    }

    #[test]
    fn rate_is_percentage_of_hits() {
        let (_, r) = rates();
        for i in 0..4 {
            r.record(&["op", "db"], i == 0);
        }
        assert_eq!(window(&r, "1m"), Some(25.0));
        assert_eq!(window(&r, "15m"), Some(25.0));
    }

    #[test]
    fn events_leave_each_window_after_its_length() {
        let (clock, r) = rates();
        r.record(&["db"], true);
        clock.advance(Duration::from_secs(59));
        r.record(&["db"], false);
        assert_eq!(window(&r, "1m"), Some(50.0));
        clock.advance(Duration::from_secs(1)); // first event is now 60 s old
        assert_eq!(window(&r, "1m"), Some(0.0));
        assert_eq!(window(&r, "5m"), Some(50.0));
        clock.advance(Duration::from_secs(60)); // both older than 1m
        assert_eq!(window(&r, "1m"), None);
        assert_eq!(window(&r, "5m"), Some(50.0));
        clock.advance(Duration::from_secs(240)); // first is 360 s old, second 301 s
        assert_eq!(window(&r, "5m"), None);
        assert_eq!(window(&r, "15m"), Some(50.0));
    }

    #[test]
    fn slots_are_reused_after_a_full_cycle() {
        let (clock, r) = rates();
        r.record(&["db"], true);
        clock.advance(Duration::from_secs(900)); // same slot index, new second
        r.record(&["db"], false);
        assert_eq!(window(&r, "15m"), Some(0.0));
    }

    #[test]
    fn idle_label_sets_are_forgotten() {
        let (clock, r) = rates();
        r.record(&["a"], true);
        clock.advance(Duration::from_secs(900));
        assert!(r.snapshot().is_empty());
    }

    #[test]
    fn new_label_sets_past_the_limit_are_refused() {
        let r = RollingRates::with_limit(Arc::new(ManualClock::new()), 2);
        assert!(r.record(&["a"], true));
        assert!(r.record(&["b"], true));
        assert!(!r.record(&["c"], true));
        assert!(r.record(&["a"], false), "known label sets still count");
        assert_eq!(r.snapshot().len(), 2);
    }

    #[test]
    fn label_values_are_cleaned_like_every_family() {
        let (_, r) = rates();
        let long = "é".repeat(200); // 400 bytes: cut at 256, a character boundary
        r.record(&["", &long], true);
        r.record(&["unknown", &long[..256]], false);
        let snap = r.snapshot();
        assert_eq!(snap.len(), 1, "the cleaned values are one label set");
        assert_eq!(snap[0].0, ["unknown", &long[..256]]);
        assert_eq!(snap[0].1[0].1, Some(50.0));
    }

    #[test]
    fn label_sets_are_independent() {
        let (_, r) = rates();
        r.record(&["a"], true);
        r.record(&["b"], false);
        let snap = r.snapshot();
        assert_eq!(snap[0].0, ["a"]);
        assert_eq!(snap[0].1[0].1, Some(100.0));
        assert_eq!(snap[1].1[0].1, Some(0.0));
    }
}
