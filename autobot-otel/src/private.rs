//! Runtime of the instrumentation attributes. Not public API: only the code that
//! `autobot-otel-macros` generates calls it, by its full path.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Instant;

use opentelemetry::metrics::{BoundCounter, BoundHistogram};

use crate::catalog::MetricId;
use crate::catalog::instrument::{INSTRUMENTS, InstrumentSpec};
use crate::manager::{GaugeSeries, MetricsManager, attributes_of, clean_label_value};

pub use tracing;
pub use tracing::Instrument;

/// How a call ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// Returned `Ok` or a value that is not a `Result`.
    Success,
    /// Returned `Err` (with its error type) or panicked.
    Failure(Cow<'static, str>),
    /// Dropped before it completed.
    Cancelled,
}

/// Token usage reported by an [`crate::instrument::LlmUsage`] value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    input: u64,
    output: u64,
    cost: Option<f64>,
}

const OUTCOMES: usize = 3;

fn outcome_index(outcome: &CallOutcome) -> usize {
    match outcome {
        CallOutcome::Success => 0,
        CallOutcome::Failure(_) => 1,
        CallOutcome::Cancelled => 2,
    }
}

/// Handles bound once per call site (constant labels).
struct Bound {
    counters: [OnceLock<Option<BoundCounter<u64>>>; OUTCOMES],
    histogram: OnceLock<Option<BoundHistogram<f64>>>,
    active: OnceLock<Option<GaugeSeries>>,
}

/// Records one attribute's metrics for one set of label values.
pub struct Recorder {
    spec: &'static InstrumentSpec,
    values: Box<[String]>,
    bound: Option<Bound>,
}

impl Recorder {
    fn new(spec_index: usize, values: impl Iterator<Item = String>, bound: bool) -> Recorder {
        let spec = &INSTRUMENTS[spec_index];
        Recorder {
            spec,
            values: values.map(|v| clean_label_value(&v).into_owned()).collect(),
            bound: bound.then(|| Bound {
                counters: Default::default(),
                histogram: OnceLock::new(),
                active: OnceLock::new(),
            }),
        }
    }

    /// A recorder for labels computed at this call.
    pub fn dynamic(spec_index: usize, values: Vec<String>) -> Box<Recorder> {
        Box::new(Recorder::new(spec_index, values.into_iter(), false))
    }

    /// The value of label argument `index`.
    #[inline]
    pub fn label(&self, index: usize) -> &str {
        self.values.get(index).map(String::as_str).unwrap_or("")
    }

    fn status(&self, outcome: &CallOutcome) -> Option<&'static str> {
        self.spec.status.map(|s| match outcome {
            CallOutcome::Success => s.success,
            CallOutcome::Failure(_) => s.failure,
            CallOutcome::Cancelled => s.cancelled,
        })
    }

    /// Label values of metric `id` in catalog order.
    fn values_for<'a>(
        &'a self,
        id: MetricId,
        status: Option<&'a str>,
        error: Option<&'a str>,
    ) -> Vec<&'a str> {
        id.def()
            .labels
            .iter()
            .map(|label| match *label {
                "status" if status.is_some() => status.unwrap_or_default(),
                "error_type" if error.is_some() => error.unwrap_or_default(),
                other => self
                    .spec
                    .arg_index(other)
                    .map(|i| self.label(i))
                    .unwrap_or(""),
            })
            .collect()
    }

    fn begin(&self, m: &MetricsManager) {
        self.adjust_active(m, 1.0);
    }

    fn adjust_active(&self, m: &MetricsManager, delta: f64) {
        let Some(active) = self.spec.active else {
            return;
        };
        match &self.bound {
            Some(bound) => {
                let series = bound
                    .active
                    .get_or_init(|| m.gauge_series(active, &self.values_for(active, None, None)));
                if let Some(series) = series {
                    m.adjust_series(series, delta);
                }
            }
            None => m.adjust(active, delta, &self.values_for(active, None, None)),
        }
    }

    #[inline]
    fn end(&self, m: &MetricsManager, outcome: &CallOutcome, seconds: f64, usage: Option<Usage>) {
        let spec = self.spec;
        let status = self.status(outcome);
        match &self.bound {
            Some(bound) => {
                let counter = bound.counters[outcome_index(outcome)].get_or_init(|| {
                    m.bind_counter(
                        spec.counter,
                        &attributes_of(spec.counter, &self.values_for(spec.counter, status, None)),
                    )
                });
                if let Some(c) = counter {
                    c.add(1);
                }
                let histogram = bound.histogram.get_or_init(|| {
                    m.bind_histogram(
                        spec.histogram,
                        &attributes_of(
                            spec.histogram,
                            &self.values_for(spec.histogram, None, None),
                        ),
                    )
                });
                if let Some(h) = histogram {
                    h.record(seconds);
                }
            }
            None => {
                let attrs =
                    attributes_of(spec.counter, &self.values_for(spec.counter, status, None));
                m.count_with(spec.counter, 1, &attrs);
                let attrs =
                    attributes_of(spec.histogram, &self.values_for(spec.histogram, None, None));
                m.observe_with(spec.histogram, seconds, &attrs);
            }
        }
        self.adjust_active(m, -1.0);
        if let Some(errors) = spec.errors {
            let error_type = match outcome {
                CallOutcome::Success => None,
                CallOutcome::Failure(e) => Some(e.as_ref()),
                CallOutcome::Cancelled => Some("cancelled"),
            };
            if let Some(error_type) = error_type {
                let attrs = attributes_of(errors, &self.values_for(errors, None, Some(error_type)));
                m.count_with(errors, 1, &attrs);
            }
        }
        if let Some(usage) = usage {
            let (provider, model) = (self.arg("provider"), self.arg("model"));
            m.record_llm_tokens(provider, model, usage.input, usage.output);
            if let Some(cost) = usage.cost {
                m.record_llm_cost(provider, model, cost);
            }
        }
    }

    fn arg(&self, name: &str) -> &str {
        self.spec
            .arg_index(name)
            .map(|i| self.label(i))
            .unwrap_or("")
    }
}

/// A call site whose labels are all constant: its recorder (with bound
/// instruments) is built on first use and shared by every later call.
pub struct Site {
    spec_index: usize,
    values: &'static [&'static str],
    recorder: OnceLock<Recorder>,
}

impl Site {
    /// A site of attribute `spec_index` with constant label `values`.
    pub const fn new(spec_index: usize, values: &'static [&'static str]) -> Site {
        Site {
            spec_index,
            values,
            recorder: OnceLock::new(),
        }
    }

    /// The site's recorder.
    #[inline]
    pub fn recorder(&'static self) -> &'static Recorder {
        self.recorder.get_or_init(|| {
            Recorder::new(
                self.spec_index,
                self.values.iter().map(|v| v.to_string()),
                true,
            )
        })
    }
}

/// A cached or per-call recorder.
pub enum RecorderRef {
    /// Cached at the call site.
    Static(&'static Recorder),
    /// Built for this call.
    Owned(Box<Recorder>),
}

impl RecorderRef {
    fn get(&self) -> &Recorder {
        match self {
            RecorderRef::Static(r) => r,
            RecorderRef::Owned(r) => r,
        }
    }

    /// The value of label argument `index`.
    #[inline]
    pub fn label(&self, index: usize) -> &str {
        self.get().label(index)
    }
}

/// One running call: records exactly once, on [`Call::finish`] or on drop.
pub struct Call {
    recorder: RecorderRef,
    span: tracing::Span,
    started: Instant,
    done: bool,
}

impl Call {
    /// Starts timing (and raises the active gauge, if the attribute has one).
    #[inline]
    pub fn start(recorder: RecorderRef, span: tracing::Span) -> Call {
        recorder.get().begin(crate::get_metrics_manager());
        Call {
            recorder,
            span,
            started: Instant::now(),
            done: false,
        }
    }

    /// The call's span.
    #[inline]
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Records the outcome of a call that completed.
    #[inline]
    pub fn finish(&mut self, outcome: CallOutcome, usage: Option<Usage>) {
        self.done = true;
        self.record(outcome, usage);
    }

    #[inline]
    fn record(&self, outcome: CallOutcome, usage: Option<Usage>) {
        let seconds = self.started.elapsed().as_secs_f64();
        let recorder = self.recorder.get();
        recorder.end(crate::get_metrics_manager(), &outcome, seconds, usage);
        let span = &self.span;
        if span.is_disabled() {
            return;
        }
        let status = match &outcome {
            CallOutcome::Success => "success",
            CallOutcome::Failure(_) => "failure",
            CallOutcome::Cancelled => "cancelled",
        };
        span.record("autobot.status", status);
        if let CallOutcome::Failure(error_type) = &outcome {
            span.record("error.type", error_type.as_ref());
            span.record("otel.status_code", "ERROR");
        }
        if let Some(usage) = usage {
            // As i64: OpenTelemetry attributes have no unsigned integers.
            let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            span.record("gen_ai.usage.input_tokens", int(usage.input));
            span.record("gen_ai.usage.output_tokens", int(usage.output));
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if !self.done {
            let outcome = if std::thread::panicking() {
                CallOutcome::Failure(Cow::Borrowed("panic"))
            } else {
                CallOutcome::Cancelled
            };
            self.record(outcome, None);
        }
    }
}

/// Compile-time dispatch on the return type (autoref specialization): the most
/// specific impl that applies wins.
pub mod probe {
    use std::borrow::Cow;

    use super::{CallOutcome, Usage};
    use crate::instrument::{ErrorType, LlmUsage};

    /// Wraps a reference to the return value for method probing.
    pub struct Wrap<T>(pub T);

    fn short_type_name<E>() -> &'static str {
        let full = std::any::type_name::<E>();
        let base = full.split('<').next().unwrap_or(full);
        base.rsplit("::").next().unwrap_or(base)
    }

    /// `Result` whose error implements [`ErrorType`].
    pub trait ErrWithType {
        /// The outcome.
        fn __autobot_outcome(&self) -> CallOutcome;
    }
    impl<T, E: ErrorType> ErrWithType for &&Wrap<&Result<T, E>> {
        fn __autobot_outcome(&self) -> CallOutcome {
            match self.0 {
                Ok(_) => CallOutcome::Success,
                Err(e) => CallOutcome::Failure(Cow::Borrowed(e.error_type())),
            }
        }
    }

    /// Any other `Result`: the error type's name.
    pub trait ErrWithoutType {
        /// The outcome.
        fn __autobot_outcome(&self) -> CallOutcome;
    }
    impl<T, E> ErrWithoutType for &Wrap<&Result<T, E>> {
        fn __autobot_outcome(&self) -> CallOutcome {
            match self.0 {
                Ok(_) => CallOutcome::Success,
                Err(_) => CallOutcome::Failure(Cow::Borrowed(short_type_name::<E>())),
            }
        }
    }

    /// Not a `Result`: success.
    pub trait NotAResult {
        /// The outcome.
        fn __autobot_outcome(&self) -> CallOutcome;
    }
    impl<T: ?Sized> NotAResult for Wrap<&T> {
        fn __autobot_outcome(&self) -> CallOutcome {
            CallOutcome::Success
        }
    }

    fn usage_of<U: LlmUsage + ?Sized>(u: &U) -> Usage {
        Usage {
            input: u.input_tokens(),
            output: u.output_tokens(),
            cost: u.cost_dollars(),
        }
    }

    /// `Ok` value implements [`LlmUsage`].
    pub trait UsageInResult {
        /// The usage, if reported.
        fn __autobot_usage(&self) -> Option<Usage>;
    }
    impl<T: LlmUsage, E> UsageInResult for &&Wrap<&Result<T, E>> {
        fn __autobot_usage(&self) -> Option<Usage> {
            self.0.as_ref().ok().map(usage_of)
        }
    }

    /// The value implements [`LlmUsage`].
    pub trait UsageInValue {
        /// The usage, if reported.
        fn __autobot_usage(&self) -> Option<Usage>;
    }
    impl<T: LlmUsage + ?Sized> UsageInValue for &Wrap<&T> {
        fn __autobot_usage(&self) -> Option<Usage> {
            Some(usage_of(self.0))
        }
    }

    /// No usage.
    pub trait NoUsage {
        /// The usage, if reported.
        fn __autobot_usage(&self) -> Option<Usage>;
    }
    impl<T: ?Sized> NoUsage for Wrap<&T> {
        fn __autobot_usage(&self) -> Option<Usage> {
            None
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        struct Typed;
        impl ErrorType for Typed {
            fn error_type(&self) -> &'static str {
                "typed"
            }
        }

        #[test]
        #[allow(clippy::needless_borrow)] // the extra borrows are the dispatch
        fn outcome_dispatch() {
            let ok: Result<u8, std::io::Error> = Ok(1);
            assert_eq!((&&&Wrap(&ok)).__autobot_outcome(), CallOutcome::Success);
            let io: Result<u8, std::io::Error> = Err(std::io::Error::other("x"));
            assert_eq!(
                (&&&Wrap(&io)).__autobot_outcome(),
                CallOutcome::Failure("Error".into())
            );
            let typed: Result<u8, Typed> = Err(Typed);
            assert_eq!(
                (&&&Wrap(&typed)).__autobot_outcome(),
                CallOutcome::Failure("typed".into())
            );
            let none: Option<u8> = None;
            assert_eq!((&&&Wrap(&none)).__autobot_outcome(), CallOutcome::Success);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SITE: Site = Site::new(0, &["private_site_test"]);

    #[test]
    fn a_constant_site_builds_its_recorder_and_handles_once() {
        let first: *const Recorder = SITE.recorder();
        for _ in 0..3 {
            let mut call = Call::start(RecorderRef::Static(SITE.recorder()), tracing::Span::none());
            call.finish(CallOutcome::Success, None);
        }
        assert!(
            std::ptr::eq(first, SITE.recorder()),
            "one recorder per call site"
        );
        let bound = SITE.recorder().bound.as_ref().expect("constant sites bind");
        assert!(
            bound.counters[0].get().is_some_and(Option::is_some),
            "success counter bound"
        );
        assert!(
            bound.counters[1].get().is_none(),
            "failure counter not bound before a failure"
        );
        assert!(bound.histogram.get().is_some_and(Option::is_some));
        assert!(bound.active.get().is_some_and(Option::is_some));
        let text = crate::global().render_prometheus();
        assert!(text.contains(
            r#"autobot_workflow_executions_total{status="success",workflow_type="private_site_test"} 3"#
        ));
        assert!(text.contains(r#"autobot_active_workflows{workflow_type="private_site_test"} 0"#));
    }

    #[test]
    fn dynamic_recorders_do_not_bind() {
        let recorder = Recorder::dynamic(0, vec!["private_dynamic".into()]);
        assert!(recorder.bound.is_none());
        assert_eq!(recorder.label(0), "private_dynamic");
        assert_eq!(recorder.label(9), "");
    }
}
