//! Enums for the label values that form a small, fixed set: the label
//! vocabularies of the catalog ([`MetricDef::vocabularies`](crate::catalog::MetricDef::vocabularies)), defined here.
//!
//! Open-ended label values (workflow type, repository, model, ...) are `&str`
//! arguments of the recording methods; values drawn from a fixed vocabulary are
//! these enums, so a typo cannot create a new series. Each enum's `as_str()` is the
//! exact label value written to the series; `VALUES` lists the vocabulary, which
//! the catalog also gives per metric label
//! ([`MetricDef::vocabulary`](crate::catalog::MetricDef::vocabulary)).
//!
//! ```
//! use autobot_otel::labels::{CircuitState, Outcome, Priority};
//! assert_eq!(Outcome::Failed.as_str(), "failed");
//! assert_eq!(Priority::High.as_str(), "high");
//! assert_eq!(CircuitState::HalfOpen.code(), 2);
//! assert_eq!(Outcome::VALUES, ["success", "failed", "cancelled"]);
//! ```

pub use autobot_otel_catalog::labels::*;

/// Longest label value kept; longer values are truncated at a character boundary.
pub const MAX_LABEL_VALUE_BYTES: usize = 256;

/// Label value written in place of an empty one.
pub const EMPTY_LABEL_VALUE: &str = "unknown";

/// A label value as it is exported: empty becomes [`EMPTY_LABEL_VALUE`], values
/// longer than [`MAX_LABEL_VALUE_BYTES`] are truncated at a character boundary.
/// Never allocates. Every recording path cleans through this one function
/// (in the series tables, before anything keys on the values).
pub(crate) fn clean_label_value(value: &str) -> &str {
    if value.is_empty() {
        return EMPTY_LABEL_VALUE;
    }
    if value.len() <= MAX_LABEL_VALUE_BYTES {
        return value;
    }
    let mut end = MAX_LABEL_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_cleaned() {
        assert_eq!(clean_label_value(""), "unknown");
        assert_eq!(clean_label_value("ok"), "ok");
        let long = "é".repeat(200); // 400 bytes
        assert_eq!(clean_label_value(&long).len(), 256);
        let odd = format!("a{}", "é".repeat(200)); // boundary falls inside a char
        assert_eq!(clean_label_value(&odd).len(), 255);
        for v in ["", "x", long.as_str(), odd.as_str()] {
            let once = clean_label_value(v);
            assert_eq!(clean_label_value(once), once, "cleaning is idempotent");
        }
    }
}
