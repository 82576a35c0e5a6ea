//! Durations and amounts as the recording methods take them: seconds as
//! `f64`/`f32` or a [`std::time::Duration`], optionally unknown.

/// A duration or amount in seconds: `f64`/`f32` seconds, or a [`std::time::Duration`].
///
/// ```
/// use autobot_otel::IntoSeconds;
/// use std::time::Duration;
/// assert_eq!(Duration::from_millis(1500).into_seconds(), 1.5);
/// assert_eq!(2.0_f64.into_seconds(), 2.0);
/// ```
pub trait IntoSeconds {
    /// The value in seconds.
    fn into_seconds(self) -> f64;
}

impl IntoSeconds for f64 {
    fn into_seconds(self) -> f64 {
        self
    }
}

impl IntoSeconds for f32 {
    fn into_seconds(self) -> f64 {
        f64::from(self)
    }
}

impl IntoSeconds for std::time::Duration {
    fn into_seconds(self) -> f64 {
        self.as_secs_f64()
    }
}

/// A duration that may be unknown: anything [`IntoSeconds`], or an `Option` of it.
///
/// ```
/// use autobot_otel::OptionalSeconds;
/// assert_eq!(0.5.into_optional_seconds(), Some(0.5));
/// assert_eq!(None::<f64>.into_optional_seconds(), None);
/// assert_eq!(Some(std::time::Duration::from_secs(2)).into_optional_seconds(), Some(2.0));
/// ```
pub trait OptionalSeconds {
    /// The value in seconds, if known.
    fn into_optional_seconds(self) -> Option<f64>;
}

impl<T: IntoSeconds> OptionalSeconds for T {
    fn into_optional_seconds(self) -> Option<f64> {
        Some(self.into_seconds())
    }
}

impl<T: IntoSeconds> OptionalSeconds for Option<T> {
    fn into_optional_seconds(self) -> Option<f64> {
        self.map(IntoSeconds::into_seconds)
    }
}
