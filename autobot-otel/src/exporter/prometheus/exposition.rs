//! The two exposition formats the metrics endpoint serves.

/// An exposition format: what [`Telemetry::render`](crate::Telemetry::render)
/// writes and what [`http::negotiate`](crate::http::negotiate) picks from a
/// request's `Accept` header (feature `prometheus`).
///
/// ```
/// use autobot_otel::{Exposition, Telemetry};
///
/// assert_eq!(Exposition::Text.content_type(), "text/plain; version=0.0.4; charset=utf-8");
/// let t = Telemetry::builder().without_otlp().build()?;
/// let body = t.render(Exposition::OpenMetrics);
/// assert!(body.ends_with("# EOF\n"));
/// # Ok::<(), autobot_otel::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Exposition {
    /// The Prometheus text format 0.0.4 (`text/plain; version=0.0.4`): what a
    /// client that asks for nothing else gets.
    #[default]
    Text,
    /// OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`):
    /// counter families named without `_total`, `# UNIT`, exemplars, `# EOF`.
    OpenMetrics,
}

impl Exposition {
    /// The `Content-Type` of a body in this format.
    ///
    /// ```
    /// use autobot_otel::Exposition;
    /// assert_eq!(
    ///     Exposition::OpenMetrics.content_type(),
    ///     "application/openmetrics-text; version=1.0.0; charset=utf-8"
    /// );
    /// ```
    pub const fn content_type(self) -> &'static str {
        match self {
            Exposition::Text => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}
