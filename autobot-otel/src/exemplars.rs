//! Exemplars: the trace behind a measurement, from a latency bucket to the
//! span that landed in it.
//!
//! A histogram observation or counter increment recorded while a **sampled**
//! span is current keeps that span's trace and span IDs, the measured value
//! and the time, as the series' exemplar: one per histogram bucket per series
//! and one per counter series, the most recent one winning. They are served in
//! the OpenMetrics exposition (`Accept: application/openmetrics-text`, see
//! [`crate::http`]), after the bucket or `_total` sample:
//!
//! ```text
//! autobot_llm_request_latency_seconds_bucket{model="gpt-4o",provider="openai",le="1"} 3 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 0.734 1764412800.123
//! ```
//!
//! The text format 0.0.4 has no exemplars and is unchanged by them. OTLP
//! carries none either: the SDK's data points only take exemplars from its own
//! reservoirs, which `opentelemetry_sdk` 0.33 does not have yet
//! (opentelemetry-rust issue #3369).
//!
//! Which span: an attribute (`#[instrument_llm]`, ...) uses the span it opens
//! (with `span = false`, the caller's); a plain `record_*` call or handle uses
//! the current span's OpenTelemetry context, which `tracing-opentelemetry`
//! sets while a `tracing` span is entered (its default context activation).
//! Memory is bounded by the series limits: counter series keep one exemplar,
//! histogram series one per bucket, allocated the first time one is kept.
//!
//! Which measurements keep one is the [`ExemplarFilter`]: by default
//! [`ExemplarFilter::TraceBased`] when the pipeline exports spans (an OTLP
//! traces endpoint: spans the exemplars can point at), and
//! [`ExemplarFilter::AlwaysOff`] when it does not (no cost at all);
//! [`TelemetryBuilder::with_exemplar_filter`] or the standard variable
//! `OTEL_METRICS_EXEMPLAR_FILTER` (`always_on`, `always_off`, `trace_based`)
//! set it, the builder call winning. Set it when your own
//! `tracing-opentelemetry` layer exports the spans. A build
//! without the `prometheus` feature has no exposition to serve them in, and
//! keeps none (its filter is always [`ExemplarFilter::AlwaysOff`]).
//!
//! [`TelemetryBuilder::with_exemplar_filter`]: crate::pipeline::TelemetryBuilder::with_exemplar_filter

use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;
#[cfg(feature = "prometheus")]
use std::time::UNIX_EPOCH;

use opentelemetry::Context;
use opentelemetry::trace::TraceContextExt as _;

/// Which measurements keep an exemplar (the OpenTelemetry specification's
/// exemplar filter, variable `OTEL_METRICS_EXEMPLAR_FILTER`). `Default` is the
/// specification's default, `TraceBased`; a pipeline that exports no spans
/// defaults to `AlwaysOff` (see the [module docs](self)).
///
/// ```
/// use autobot_otel::exemplars::ExemplarFilter;
/// assert_eq!(ExemplarFilter::default(), ExemplarFilter::TraceBased);
/// assert_eq!(ExemplarFilter::parse("always_off"), Some(ExemplarFilter::AlwaysOff));
/// assert_eq!(ExemplarFilter::parse(" Trace_Based "), Some(ExemplarFilter::TraceBased));
/// assert_eq!(ExemplarFilter::parse("sometimes"), None);
/// assert_eq!(ExemplarFilter::AlwaysOn.as_str(), "always_on");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ExemplarFilter {
    /// Every measurement: inside a span (sampled or not) with its IDs,
    /// outside any span with none (`# {} value time`).
    AlwaysOn,
    /// None.
    AlwaysOff,
    /// Measurements made while a sampled span is current (the default).
    #[default]
    TraceBased,
}

impl ExemplarFilter {
    /// The environment variable that sets the filter.
    pub const ENV: &'static str = "OTEL_METRICS_EXEMPLAR_FILTER";

    /// The filter named `value` (`always_on`, `always_off`, `trace_based`;
    /// case and surrounding spaces ignored), `None` for anything else.
    pub fn parse(value: &str) -> Option<ExemplarFilter> {
        let value = value.trim();
        [Self::AlwaysOn, Self::AlwaysOff, Self::TraceBased]
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(value))
    }

    /// The filter's name, as `OTEL_METRICS_EXEMPLAR_FILTER` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExemplarFilter::AlwaysOn => "always_on",
            ExemplarFilter::AlwaysOff => "always_off",
            ExemplarFilter::TraceBased => "trace_based",
        }
    }

    /// The filter `value` of `OTEL_METRICS_EXEMPLAR_FILTER` sets (read by the
    /// pipeline's configuration table, `crate::ENV_VARIABLES`):
    /// `Ok(None)` when it is unset or empty, and an `Err` with a
    /// [`ConfigWarning`](crate::diagnostics::ConfigWarning) when its value is
    /// unknown (logged as a `WARN` under [`crate::diagnostics::CONFIG`] once
    /// the pipeline is built), so the pipeline's default applies.
    pub(crate) fn from_env_value(
        value: Option<String>,
    ) -> Result<Option<ExemplarFilter>, crate::diagnostics::ConfigWarning> {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        match Self::parse(&value) {
            Some(filter) => Ok(Some(filter)),
            None => Err(crate::diagnostics::ConfigWarning {
                variable: Self::ENV,
                value,
                message: "unknown exemplar filter (always_on, always_off, trace_based); using the default",
            }),
        }
    }
}

impl fmt::Display for ExemplarFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One kept measurement: its span (all-zero IDs: none), value and time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Exemplar {
    pub(crate) trace_id: [u8; 16],
    pub(crate) span_id: [u8; 8],
    pub(crate) value: f64,
    pub(crate) time: SystemTime,
}

impl Exemplar {
    /// The exemplar of a measurement of `value` made now, if `filter` keeps
    /// it. With no span current this is a read of a thread-local: no clock,
    /// no allocation.
    #[inline]
    pub(crate) fn capture(filter: ExemplarFilter, value: f64) -> Option<Exemplar> {
        if filter == ExemplarFilter::AlwaysOff {
            return None;
        }
        let ids = Context::map_current(|cx| {
            let span = cx.span();
            let sc = span.span_context();
            let keep = sc.is_valid() && (sc.is_sampled() || filter == ExemplarFilter::AlwaysOn);
            keep.then(|| (sc.trace_id().to_bytes(), sc.span_id().to_bytes()))
        });
        let (trace_id, span_id) = match (ids, filter) {
            (Some(ids), _) => ids,
            (None, ExemplarFilter::AlwaysOn) => ([0; 16], [0; 8]),
            (None, _) => return None,
        };
        Some(Exemplar {
            trace_id,
            span_id,
            value,
            time: SystemTime::now(),
        })
    }

    /// Whether it has a span (non-zero IDs).
    #[cfg(feature = "prometheus")]
    pub(crate) fn has_span(&self) -> bool {
        self.trace_id != [0; 16]
    }

    /// Seconds since the Unix epoch, and milliseconds.
    #[cfg(feature = "prometheus")]
    pub(crate) fn unix_time(&self) -> (u64, u32) {
        let since = self.time.duration_since(UNIX_EPOCH).unwrap_or_default();
        (since.as_secs(), since.subsec_millis())
    }
}

/// The exemplars of one series: `len` slots (1 for a counter, one per bucket
/// for a histogram), allocated on the first exemplar kept.
#[derive(Default)]
pub(crate) struct ExemplarSlots(OnceLock<Mutex<Box<[Option<Exemplar>]>>>);

impl ExemplarSlots {
    /// Keeps `exemplar` in slot `slot` of `len`, replacing the one there.
    pub(crate) fn keep(&self, len: usize, slot: usize, exemplar: Exemplar) {
        let slots = self.0.get_or_init(|| Mutex::new(vec![None; len].into()));
        let mut slots = slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slots.get_mut(slot) {
            *s = Some(exemplar);
        }
    }

    /// Appends a copy of the slots to `out` (nothing when none was kept yet).
    #[cfg(feature = "prometheus")]
    pub(crate) fn copy_to(&self, out: &mut Vec<Option<Exemplar>>) {
        if let Some(slots) = self.0.get() {
            out.extend_from_slice(&slots.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }
}

/// Where the Prometheus reader finds the exemplars of a catalog series: the
/// pipeline's recording tables.
#[cfg(feature = "prometheus")]
pub(crate) trait ExemplarSource: Send + Sync {
    /// Appends the exemplar slots of the series of catalog metric `id` with
    /// `attributes` to `out`; nothing when it has none.
    fn exemplars(
        &self,
        id: crate::catalog::MetricId,
        attributes: &[&opentelemetry::KeyValue],
        out: &mut Vec<Option<Exemplar>>,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

    fn in_span<T>(sampled: bool, f: impl FnOnce() -> T) -> T {
        let sc = SpanContext::new(
            TraceId::from_bytes([7; 16]),
            SpanId::from_bytes([9; 8]),
            if sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::default()
            },
            false,
            TraceState::default(),
        );
        let _guard = Context::current().with_remote_span_context(sc).attach();
        f()
    }

    #[test]
    fn the_filter_decides_which_measurements_keep_one() {
        use ExemplarFilter::*;
        assert_eq!(Exemplar::capture(TraceBased, 1.0), None, "no span");
        assert_eq!(Exemplar::capture(AlwaysOff, 1.0), None);
        let outside = Exemplar::capture(AlwaysOn, 1.0).expect("always_on");
        assert!(!outside.has_span());
        let sampled = in_span(true, || Exemplar::capture(TraceBased, 2.5)).expect("sampled");
        assert_eq!((sampled.trace_id, sampled.span_id), ([7; 16], [9; 8]));
        assert_eq!(sampled.value, 2.5);
        assert_eq!(in_span(false, || Exemplar::capture(TraceBased, 1.0)), None);
        assert!(in_span(false, || Exemplar::capture(AlwaysOn, 1.0)).is_some_and(|e| e.has_span()));
        assert_eq!(in_span(true, || Exemplar::capture(AlwaysOff, 1.0)), None);
    }

    #[test]
    fn the_variable_sets_the_filter_and_bad_values_fall_back() {
        let from = |v: &str| ExemplarFilter::from_env_value(Some(v.to_string()));
        use ExemplarFilter::*;
        assert_eq!(from("always_off"), Ok(Some(AlwaysOff)));
        assert_eq!(from("ALWAYS_ON"), Ok(Some(AlwaysOn)));
        assert_eq!(from("trace_based"), Ok(Some(TraceBased)));
        // Unset, empty or unknown: the pipeline's default applies.
        assert_eq!(from(""), Ok(None));
        assert_eq!(ExemplarFilter::from_env_value(None), Ok(None));
        let warning = from("nope").expect_err("an unknown value is reported");
        assert_eq!(
            (warning.variable, &*warning.value),
            (ExemplarFilter::ENV, "nope")
        );
    }

    #[cfg(feature = "prometheus")]
    #[test]
    fn slots_keep_the_latest_per_slot() {
        let slots = ExemplarSlots::default();
        let mut out = Vec::new();
        slots.copy_to(&mut out);
        assert!(out.is_empty(), "nothing allocated before the first");
        let e = |v| Exemplar {
            trace_id: [1; 16],
            span_id: [2; 8],
            value: v,
            time: std::time::UNIX_EPOCH,
        };
        slots.keep(3, 1, e(1.0));
        slots.keep(3, 1, e(2.0));
        slots.keep(3, 7, e(3.0)); // out of range: ignored
        slots.copy_to(&mut out);
        assert_eq!(out, [None, Some(e(2.0)), None]);
    }
}
