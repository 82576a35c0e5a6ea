//! Rate limit for repeated failure logs: a failure that repeats every export or
//! every collection is logged at most once a minute, with a running count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How often a repeating failure is logged.
pub(crate) const LOG_INTERVAL_MS: u64 = 60_000;

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Whether a failure may be logged now: true the first time and then at most once
/// per [`LOG_INTERVAL_MS`]; `last` remembers when it last was (0: never).
pub(crate) fn once_a_minute(last: &AtomicU64) -> bool {
    let now = unix_ms().max(1);
    let previous = last.load(Ordering::Relaxed);
    (previous == 0 || now.saturating_sub(previous) >= LOG_INTERVAL_MS)
        && last
            .compare_exchange(previous, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failure_logs_then_not_again_within_the_interval() {
        let last = AtomicU64::new(0);
        assert!(once_a_minute(&last));
        assert!(!once_a_minute(&last));
        last.store(unix_ms() - LOG_INTERVAL_MS, Ordering::Relaxed);
        assert!(once_a_minute(&last));
        assert!(!once_a_minute(&last));
    }
}
