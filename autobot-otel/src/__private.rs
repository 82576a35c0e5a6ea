//! Runtime of the instrumentation attributes. Not public API: only the code that
//! `autobot-otel-macros` generates calls it, by its full path.
//!
//! Every attribute records through the same series tables as the typed API
//! ([`MetricsManager`]), so series limits, overflow and the limit report work the
//! same on both paths. A call site whose labels are all constant resolves its
//! series once (per pipeline) and keeps them.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::catalog::MetricId;
use crate::catalog::instrument::{InstrumentSpec, StatusValues};
use crate::exemplars::ExemplarFilter;
use crate::global::Current;
use crate::labels::clean_label_value;
use crate::manager::{CounterSeries, GaugeSeries, HistogramSeries, MetricsManager};

pub use crate::catalog::instrument as specs;
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

impl CallOutcome {
    /// This outcome's value among `values`.
    fn pick(&self, values: StatusValues) -> &'static str {
        match self {
            CallOutcome::Success => values.success,
            CallOutcome::Failure(_) => values.failure,
            CallOutcome::Cancelled => values.cancelled,
        }
    }

    fn index(&self) -> usize {
        match self {
            CallOutcome::Success => 0,
            CallOutcome::Failure(_) => 1,
            CallOutcome::Cancelled => 2,
        }
    }
}

/// Token usage reported by an [`crate::instrument::LlmUsage`] value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    input: u64,
    output: u64,
    cost: Option<f64>,
}

/// The series of a constant call site, resolved in one pipeline.
struct SiteSeries {
    /// The manager they belong to.
    owner: u64,
    /// The counter series per outcome (success, failure, cancelled).
    counters: [OnceLock<Option<Arc<CounterSeries>>>; 3],
    histogram: OnceLock<Option<Arc<HistogramSeries>>>,
    /// `None` inside: past the gauge's series limit (each move is then dropped).
    active: OnceLock<Option<Arc<GaugeSeries>>>,
}

/// Records one attribute's metrics for one set of label values.
pub struct Recorder {
    spec: &'static InstrumentSpec,
    /// The label values, one per `spec.args`, as written (cleaned on use).
    values: Box<[Cow<'static, str>]>,
    /// What created the call (for the error of a late `init()`).
    origin: &'static str,
    /// Series kept by a constant call site.
    site: Option<OnceLock<SiteSeries>>,
}

impl Recorder {
    /// A recorder for labels computed at this call.
    pub fn dynamic(
        spec: &'static InstrumentSpec,
        values: Vec<String>,
        origin: &'static str,
    ) -> Box<Recorder> {
        Box::new(Recorder {
            spec,
            values: values.into_iter().map(Cow::Owned).collect(),
            origin,
            site: None,
        })
    }

    /// The value of label argument `index`, as exported.
    #[inline]
    pub fn label(&self, index: usize) -> &str {
        self.values
            .get(index)
            .map(|v| clean_label_value(v))
            .unwrap_or("")
    }

    /// The counter's `status` value for `outcome`, if the counter has that label.
    fn status(&self, outcome: &CallOutcome) -> Option<&'static str> {
        self.spec.status.map(|s| outcome.pick(s))
    }

    /// The position of counter status value `status` in its vocabulary.
    fn status_slot(&self, status: &str) -> usize {
        self.spec
            .counter
            .def()
            .vocabulary("status")
            .and_then(|v| v.iter().position(|s| *s == status))
            .unwrap_or(usize::MAX)
    }

    /// The span's `autobot.status` value for `outcome`: the counter's `status`
    /// value, or the [`Outcome`](crate::labels::Outcome) value when it has none.
    fn span_status(&self, outcome: &CallOutcome) -> &'static str {
        outcome.pick(self.spec.span_status())
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
                other => self.arg(other),
            })
            .collect()
    }

    fn arg(&self, name: &str) -> &str {
        self.spec
            .arg_index(name)
            .map(|i| self.label(i))
            .unwrap_or("")
    }

    /// The series this constant site keeps for manager `m`, if it is the one
    /// they were resolved in.
    fn site_series(&self, m: &MetricsManager) -> Option<&SiteSeries> {
        let site = self.site.as_ref()?.get_or_init(|| SiteSeries {
            owner: m.id(),
            counters: Default::default(),
            histogram: OnceLock::new(),
            active: OnceLock::new(),
        });
        (site.owner == m.id()).then_some(site)
    }

    fn begin(&self, m: &MetricsManager) {
        self.adjust_active(m, 1.0);
    }

    fn adjust_active(&self, m: &MetricsManager, delta: f64) {
        let Some(active) = self.spec.active else {
            return;
        };
        match self.site_series(m) {
            Some(site) => match site
                .active
                .get_or_init(|| m.gauge_series(active, &self.values_for(active, None, None)))
            {
                Some(series) => m.adjust_series(series, delta),
                None => m.adjust(active, delta, &self.values_for(active, None, None)),
            },
            None => m.adjust(active, delta, &self.values_for(active, None, None)),
        }
    }

    #[inline]
    fn end(&self, m: &MetricsManager, outcome: &CallOutcome, seconds: f64, usage: Option<Usage>) {
        let spec = self.spec;
        let status = self.status(outcome);
        match self.site_series(m) {
            Some(site) => {
                let counter = site.counters[outcome.index()].get_or_init(|| {
                    m.counter_series(spec.counter, &self.values_for(spec.counter, status, None))
                });
                if let Some(series) = counter {
                    m.add_to(series, 1);
                }
                let histogram = site.histogram.get_or_init(|| {
                    m.histogram_series(spec.histogram, &self.values_for(spec.histogram, None, None))
                });
                match histogram {
                    Some(series) => m.record_to(series, seconds),
                    None => m.drop_measurement(),
                }
            }
            None if MetricsManager::shares_labels(
                spec.counter,
                spec.histogram,
                status.is_some(),
            ) =>
            {
                m.count_and_observe(
                    spec.counter,
                    status.map(|status| (self.status_slot(status), status)),
                    1,
                    spec.histogram,
                    seconds,
                    &self.values_for(spec.histogram, None, None),
                )
            }
            None => {
                m.count_values(
                    spec.counter,
                    1,
                    &self.values_for(spec.counter, status, None),
                );
                m.observe_values(
                    spec.histogram,
                    seconds,
                    &self.values_for(spec.histogram, None, None),
                );
            }
        }
        self.adjust_active(m, -1.0);
        if let Some(errors) = spec.errors {
            let error_type = match outcome {
                CallOutcome::Success => None,
                CallOutcome::Failure(e) => Some(e.as_ref()),
                CallOutcome::Cancelled => Some(crate::labels::Outcome::Cancelled.as_str()),
            };
            if let Some(error_type) = error_type {
                m.count_values(errors, 1, &self.values_for(errors, None, Some(error_type)));
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
}

/// A call site whose labels are all constant: its recorder is built on first
/// use and shared by every later call, and keeps the series it records into.
pub struct Site {
    spec: &'static InstrumentSpec,
    values: &'static [&'static str],
    origin: &'static str,
    recorder: OnceLock<Recorder>,
}

impl Site {
    /// A site of attribute `spec` with constant label `values`; `origin` names
    /// the instrumented function.
    pub const fn new(
        spec: &'static InstrumentSpec,
        values: &'static [&'static str],
        origin: &'static str,
    ) -> Site {
        Site {
            spec,
            values,
            origin,
            recorder: OnceLock::new(),
        }
    }

    /// The site's recorder.
    #[inline]
    pub fn recorder(&'static self) -> &'static Recorder {
        self.recorder.get_or_init(|| Recorder {
            spec: self.spec,
            values: self.values.iter().map(|v| Cow::Borrowed(*v)).collect(),
            origin: self.origin,
            site: Some(OnceLock::new()),
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

/// One running call: records exactly once, on [`Call::finish`] or on drop, into
/// the pipeline that was current when it started.
pub struct Call {
    recorder: RecorderRef,
    pipeline: Current,
    span: tracing::Span,
    started: Instant,
    done: bool,
}

impl Call {
    /// Starts timing (and raises the active gauge, if the attribute has one).
    #[inline]
    pub fn start(recorder: RecorderRef, span: tracing::Span) -> Call {
        let origin = crate::global::Origin::Attribute(recorder.get().origin);
        let pipeline = crate::global::current(origin);
        recorder.get().begin(pipeline.metrics());
        Call {
            recorder,
            pipeline,
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
        let metrics = self.pipeline.metrics();
        let span = &self.span;
        if span.is_disabled() || metrics.exemplar_filter() == ExemplarFilter::AlwaysOff {
            recorder.end(metrics, &outcome, seconds, usage);
        } else {
            // Recorded inside the call's span, so its exemplars are this
            // span's (its OpenTelemetry context is current while entered).
            span.in_scope(|| recorder.end(metrics, &outcome, seconds, usage));
        }
        if span.is_disabled() {
            return;
        }
        span.record("autobot.status", recorder.span_status(&outcome));
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

    /// The `error_type` of an error type that does not implement [`ErrorType`]:
    /// its path as [`std::any::type_name`] gives it, without generic arguments,
    /// looking through `Box`, `Arc`, `Rc` and references (`reqwest::error::Error`,
    /// `Box<dyn Error + Send>` → `dyn core::error::Error`).
    pub fn error_type_name<E: ?Sized>() -> &'static str {
        type_path(std::any::type_name::<E>())
    }

    fn type_path(mut name: &'static str) -> &'static str {
        loop {
            name = name.trim_start_matches('&').trim_start_matches("mut ");
            let inner = ["alloc::boxed::Box<", "alloc::sync::Arc<", "alloc::rc::Rc<"]
                .iter()
                .find_map(|p| name.strip_prefix(p));
            match inner {
                Some(rest) => name = rest.strip_suffix('>').unwrap_or(rest),
                None => break,
            }
        }
        let end = name.find(['<', '+']).unwrap_or(name.len());
        name[..end].trim_end()
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
                Err(_) => CallOutcome::Failure(Cow::Borrowed(error_type_name::<E>())),
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

        #[test]
        fn error_type_names_are_full_paths_without_generics() {
            struct Generic<T>(T);
            assert_eq!(error_type_name::<std::fmt::Error>(), "core::fmt::Error");
            assert_eq!(
                error_type_name::<Generic<String>>(),
                "autobot_otel::__private::probe::tests::error_type_names_are_full_paths_without_generics::Generic"
            );
            assert_eq!(
                error_type_name::<Box<dyn std::error::Error + Send + Sync>>(),
                "dyn core::error::Error"
            );
            assert_eq!(
                error_type_name::<std::sync::Arc<std::fmt::Error>>(),
                "core::fmt::Error"
            );
            assert_eq!(error_type_name::<&std::fmt::Error>(), "core::fmt::Error");
        }

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
                CallOutcome::Failure("other".into()),
                "io::Error implements ErrorType: its kind"
            );
            let fmt: Result<u8, std::fmt::Error> = Err(std::fmt::Error);
            assert_eq!(
                (&&&Wrap(&fmt)).__autobot_outcome(),
                CallOutcome::Failure("core::fmt::Error".into())
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

    static SITE: Site = Site::new(
        &specs::INSTRUMENT_WORKFLOW,
        &["private_site_test"],
        "test site",
    );

    #[test]
    fn a_constant_site_builds_its_recorder_and_series_once() {
        let t = crate::Telemetry::builder().without_otlp().build().unwrap();
        t.in_scope(|| {
            let first: *const Recorder = SITE.recorder();
            for _ in 0..3 {
                let mut call =
                    Call::start(RecorderRef::Static(SITE.recorder()), tracing::Span::none());
                call.finish(CallOutcome::Success, None);
            }
            assert!(
                std::ptr::eq(first, SITE.recorder()),
                "one recorder per call site"
            );
        });
        let site = SITE
            .recorder()
            .site
            .as_ref()
            .unwrap()
            .get()
            .expect("resolved");
        assert_eq!(site.owner, t.metrics().id());
        assert!(site.counters[0].get().is_some_and(Option::is_some));
        assert!(
            site.counters[1].get().is_none(),
            "failure counter not resolved before a failure"
        );
        assert!(site.histogram.get().is_some_and(Option::is_some));
        assert!(site.active.get().is_some_and(Option::is_some));
        let text = t.render_prometheus();
        assert!(text.contains(
            r#"autobot_workflow_executions_total{status="success",workflow_type="private_site_test"} 3"#
        ));
        assert!(text.contains(r#"autobot_active_workflows{workflow_type="private_site_test"} 0"#));
        // Another pipeline: the site records there too, through its tables.
        let other = crate::Telemetry::builder().without_otlp().build().unwrap();
        other.in_scope(|| {
            let mut call = Call::start(RecorderRef::Static(SITE.recorder()), tracing::Span::none());
            call.finish(CallOutcome::Cancelled, None);
        });
        assert!(other.render_prometheus().contains(
            r#"autobot_workflow_executions_total{status="cancelled",workflow_type="private_site_test"} 1"#
        ));
    }

    #[test]
    fn dynamic_recorders_keep_no_series() {
        let recorder = Recorder::dynamic(
            &specs::INSTRUMENT_WORKFLOW,
            vec!["private_dynamic".into()],
            "test",
        );
        assert!(recorder.site.is_none());
        assert_eq!(recorder.label(0), "private_dynamic");
        assert_eq!(recorder.label(9), "");
        let empty = Recorder::dynamic(&specs::INSTRUMENT_WORKFLOW, vec![String::new()], "test");
        assert_eq!(empty.label(0), "unknown", "labels are exported cleaned");
    }
}
