//! The harness's error type.

use std::fmt;

/// An error from the test harness: a missing tool, a process that failed to
/// start or exited early, a timeout, an HTTP or API failure. The message is
/// meant to be read by a human in a failing test's output and includes the
/// relevant log tail where there is one. `Debug` prints the bare message
/// too, so `.unwrap()` panics show multi-line log tails readably.
#[derive(Clone, PartialEq, Eq)]
pub struct HarnessError(pub String);

/// Result alias used throughout the harness.
pub type Result<T> = std::result::Result<T, HarnessError>;

impl HarnessError {
    /// Builds an error from any message.
    pub fn new(msg: impl Into<String>) -> Self {
        HarnessError(msg.into())
    }

    /// The error message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HarnessError {}

/// Shorthand used inside the crate: `err!("...{}", x)` builds a `HarnessError`.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::error::HarnessError(format!($($arg)*))
    };
}
pub(crate) use err;
