//! [`OtlpHeaders`]: the headers of every export, whose values nothing prints.

use std::fmt;

/// Headers (gRPC metadata) sent with every OTLP export, typically credentials.
///
/// Values are write-only: no method returns them, and `Debug` prints
/// `<redacted>` in their place. Names are case-insensitive; inserting a name
/// again replaces its value.
///
/// ```
/// use autobot_otel::otlp::OtlpHeaders;
/// let mut headers = OtlpHeaders::default();
/// headers.insert("Authorization", "Bearer s3cret");
/// headers.insert("x-tenant", "team-a");
/// headers.insert("authorization", "Bearer n3w");
/// assert_eq!(headers.names().collect::<Vec<_>>(), ["authorization", "x-tenant"]);
/// let debug = format!("{headers:?}");
/// assert_eq!(debug, r#"{"authorization": <redacted>, "x-tenant": <redacted>}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OtlpHeaders {
    /// (lower-cased name, value), in insertion order.
    pub(super) entries: Vec<(String, String)>,
}

impl OtlpHeaders {
    /// Sets header `name` (lower-cased) to `value`, replacing an earlier value.
    /// Names and values that HTTP does not allow make the pipeline's build fail
    /// with an error that names the header, never its value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into().trim().to_ascii_lowercase();
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// The header names, lower-cased, in insertion order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_str())
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }
}

impl fmt::Debug for OtlpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
        f.debug_map()
            .entries(self.entries.iter().map(|(name, _)| (name, Redacted)))
            .finish()
    }
}
