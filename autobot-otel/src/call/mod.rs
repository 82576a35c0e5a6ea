//! One instrumented call: its recorder (the label values and the series a
//! constant call site keeps), the guard that records it exactly once ([`Call`]),
//! what an LLM call's response reported (`llm.rs`), and a call timed over the
//! life of the stream it returned (`stream.rs`, [`CallStream`]). The attributes'
//! expansions reach it through `__private`; [`crate::llm::LlmCall`] and
//! [`crate::llm::LlmStream`] build on it.
//!
//! Every call records through the same series tables as the typed API
//! ([`MetricsManager`]), so series limits, overflow and the limit report work the
//! same on both paths. A call site whose labels are all constant resolves its
//! series once (per pipeline) and keeps them.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use tokio::time::Instant;

use crate::catalog::MetricId;
use crate::catalog::instrument::span_fields as field;
use crate::catalog::instrument::{InstrumentSpec, Rollup, StatusValues};
use crate::exemplars::ExemplarFilter;
use crate::global::{Current, Origin};
use crate::instrument::LlmUsage;
use crate::labels::clean_label_value;
use crate::manager::genai::GenAiCall;
use crate::manager::{CounterSeries, FloatSeries, GaugeSeries, HistogramSeries, MetricsManager};

mod fields;
mod llm;
mod rollup;
mod stream;

use crate::pricing::CallCost;
use fields::EndFields;
pub use llm::{Response, Server};
use llm::{record_cost, record_finish_reasons, response_fields};
pub(crate) use rollup::Invocation;
pub use rollup::{Entered, Within};
pub use stream::{CallStream, Outcomes, Report, Watch};

/// Where durations are read: tokio's clock, so a runtime with a paused clock
/// (tests, `test-util`) gives exact times; the system's monotonic clock otherwise.
#[inline]
pub(crate) fn now() -> Instant {
    Instant::now()
}

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

/// The series of a constant call site, resolved in one pipeline.
struct SiteSeries {
    /// The manager they belong to.
    owner: u64,
    /// The counter series per outcome (success, failure, cancelled).
    counters: [OnceLock<Option<Arc<CounterSeries>>>; 3],
    histogram: OnceLock<Option<Arc<HistogramSeries>>>,
    /// `None` inside: past the gauge's series limit (each move is then dropped).
    active: OnceLock<Option<Arc<GaugeSeries>>>,
    /// Time to first chunk (streaming LLM calls).
    first_chunk: OnceLock<Option<Arc<HistogramSeries>>>,
    /// An agent's LLM and tool calls per invocation, in [`PER_INVOCATION`] order.
    per_invocation: [OnceLock<Option<Arc<HistogramSeries>>>; 2],
    /// The price of the first priced or unpriced call's models (LLM calls).
    price: OnceLock<llm::SitePrice>,
    /// `autobot_llm_cost_dollars_total` per `cost_type` (in `CostType::ALL`'s order).
    cost: [OnceLock<Option<Arc<FloatSeries>>>; 6],
}

/// The histograms of what one agent invocation called, in the order of
/// [`Invocation::calls`] (LLM calls, tool calls).
const PER_INVOCATION: [MetricId; 2] = [
    MetricId::AgentLlmCallsPerInvocation,
    MetricId::AgentToolCallsPerInvocation,
];

/// Records one attribute's metrics for one set of label values.
pub struct Recorder {
    spec: &'static InstrumentSpec,
    /// The label values, one per `spec.args`, as written (cleaned on use).
    values: Box<[Cow<'static, str>]>,
    /// What created the call (for the error of a late `init()`).
    origin: &'static str,
    /// Series kept by a constant call site.
    site: Option<OnceLock<SiteSeries>>,
    /// The OpenTelemetry span name (`otel.name`), when the attribute names its
    /// spans by the conventions ([`InstrumentSpec::span_name`]).
    span_name: Option<Box<str>>,
}

impl Recorder {
    /// A recorder for labels computed at this call.
    pub fn dynamic(
        spec: &'static InstrumentSpec,
        values: Vec<String>,
        origin: &'static str,
    ) -> Box<Recorder> {
        Box::new(Recorder::new(
            spec,
            values.into_iter().map(Cow::Owned).collect(),
            origin,
            None,
        ))
    }

    fn new(
        spec: &'static InstrumentSpec,
        values: Box<[Cow<'static, str>]>,
        origin: &'static str,
        site: Option<OnceLock<SiteSeries>>,
    ) -> Recorder {
        let mut recorder = Recorder {
            spec,
            values,
            origin,
            site,
            span_name: None,
        };
        recorder.span_name = spec
            .span_name_of(|i| recorder.span_label(i))
            .map(String::into_boxed_str);
        recorder
    }

    /// The value of label argument `index` as its span attribute: the label
    /// value, and for the conventions' `gen_ai.operation.name` (an LLM call's
    /// `request_type`) the conventions' operation
    /// ([`operation_name`](autobot_otel_catalog::genai::operation_name):
    /// `completion` → `text_completion`). The label itself keeps the value.
    #[inline]
    pub fn span_label(&self, index: usize) -> &str {
        let label = self.label(index);
        match self.spec.args.get(index) {
            Some(arg)
                if arg.span_field == field::OPERATION_NAME
                    || arg.genai_field == Some(field::OPERATION_NAME) =>
            {
                autobot_otel_catalog::genai::operation_name(label)
            }
            _ => label,
        }
    }

    /// Whether the call is an LLM call of operation `embeddings` (its span and
    /// token metrics have input tokens only).
    fn is_embeddings(&self) -> bool {
        self.spec.genai
            && autobot_otel_catalog::genai::operation_name(self.arg("request_type")) == "embeddings"
    }

    /// The OpenTelemetry span name of the call (`invoke_agent planner`, `chat
    /// gpt-4o`): the attribute's [`InstrumentSpec::span_name`] over the cleaned
    /// label values; `""` when the span keeps the function's name.
    #[inline]
    pub fn span_name(&self) -> &str {
        self.span_name.as_deref().unwrap_or("")
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
    /// they were resolved in. Resolving them (the site's first call) creates
    /// its counter's series of every outcome at 0 ([`Self::outcome_counters`]).
    fn site_series(&self, m: &MetricsManager) -> Option<&SiteSeries> {
        let site = self.site.as_ref()?.get_or_init(|| SiteSeries {
            owner: m.id(),
            counters: self.outcome_counters(m),
            histogram: OnceLock::new(),
            active: OnceLock::new(),
            first_chunk: OnceLock::new(),
            per_invocation: Default::default(),
            price: OnceLock::new(),
            cost: Default::default(),
        });
        (site.owner == m.id()).then_some(site)
    }

    /// The counter series of a constant site (every label constant: a bounded
    /// set, known from the code) for each outcome (success, failure,
    /// cancelled), each created at 0 in the pipeline the site first records
    /// into (an application's global one). A call with run-time labels, a
    /// guard's, or a constant site's in another pipeline creates only the
    /// series it records (its label sets count against the series limit). A ratio of failures to calls (an
    /// objective's SLI, `autobot-slos.yml`) has its failure series from the
    /// site's first call on, so `rate()` sees the first failure as an increase
    /// from 0 instead of the start of a new series. Past the series limit an
    /// outcome's series is `None` (each call with it then dropped and counted).
    fn outcome_counters(&self, m: &MetricsManager) -> [OnceLock<Option<Arc<CounterSeries>>>; 3] {
        let outcomes = [
            CallOutcome::Success,
            CallOutcome::Failure(Cow::Borrowed("")),
            CallOutcome::Cancelled,
        ];
        outcomes.map(|outcome| {
            let status = self.status(&outcome);
            let series = m.counter_series(
                self.spec.counter,
                &self.values_for(self.spec.counter, status, None),
            );
            if let Some(series) = &series {
                series.touch();
            }
            OnceLock::from(series)
        })
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
    fn end(
        &self,
        m: &MetricsManager,
        outcome: &CallOutcome,
        seconds: f64,
        response: &Response<'_>,
        server: &Server,
    ) -> Option<CallCost> {
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
        self.end_genai_duration(m, outcome, seconds);
        self.end_llm(m, outcome, seconds, response, server)
    }

    /// What the call adds to the invocations around it, when it ends: an LLM
    /// call's usage and cost (to its agent and workflow); an agent's
    /// per-invocation call counts (`autobot_agent_llm_calls_per_invocation`,
    /// `autobot_agent_tool_calls_per_invocation`), whatever its outcome.
    fn end_rollup(
        &self,
        m: &MetricsManager,
        invocation: &Arc<Invocation>,
        response: &Response<'_>,
        cost: Option<CallCost>,
    ) {
        match self.spec.rollup {
            Rollup::Llm => {
                if let Some(usage) = response.usage {
                    invocation.add_usage(usage, self.is_embeddings());
                }
                if let Some(cost) = cost {
                    invocation.add_cost(cost.amount);
                }
            }
            Rollup::Agent => {
                let (llm, tools) = invocation.calls();
                let site = self.site_series(m);
                for (slot, calls) in [llm, tools].into_iter().enumerate() {
                    let id = PER_INVOCATION[slot];
                    let calls = calls as f64;
                    match site {
                        Some(site) => match site.per_invocation[slot].get_or_init(|| {
                            m.histogram_series(id, &self.values_for(id, None, None))
                        }) {
                            Some(series) => m.record_to(series, calls),
                            None => m.drop_measurement(),
                        },
                        None => m.observe_values(id, calls, &self.values_for(id, None, None)),
                    }
                }
            }
            Rollup::Workflow | Rollup::Tool | Rollup::None => {}
        }
    }

    /// The GenAI conventions' duration of an agent invocation, tool call or
    /// workflow ([`InstrumentSpec::genai_duration`]), when the pipeline records
    /// them: the same `seconds` as the catalog's histogram. Its attributes are
    /// the label values under their conventions' keys and `error.type` (a
    /// failure's type, `cancelled` for a cancelled call, none on success).
    fn end_genai_duration(&self, m: &MetricsManager, outcome: &CallOutcome, seconds: f64) {
        let (Some(id), Some(genai)) = (self.spec.genai_duration, m.genai()) else {
            return;
        };
        let error = match outcome {
            CallOutcome::Success => "",
            CallOutcome::Failure(e) if e.is_empty() => crate::catalog::genai::OTHER_ERROR,
            CallOutcome::Failure(e) => e.as_ref(),
            CallOutcome::Cancelled => crate::labels::Outcome::Cancelled.as_str(),
        };
        let values: Vec<&str> = id
            .def()
            .labels
            .iter()
            .map(|key| match *key {
                field::ERROR_TYPE => error,
                key => self
                    .spec
                    .args
                    .iter()
                    .position(|a| a.span_field == key || a.genai_field == Some(key))
                    .map_or("", |i| self.label(i)),
            })
            .collect();
        genai.duration(m.diagnostics(), id, &values, seconds);
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
        self.recorder.get_or_init(|| {
            Recorder::new(
                self.spec,
                self.values.iter().map(|v| Cow::Borrowed(*v)).collect(),
                self.origin,
                Some(OnceLock::new()),
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

    /// The value of label argument `index` as a span attribute
    /// ([`Recorder::span_label`]).
    #[inline]
    pub fn span_label(&self, index: usize) -> &str {
        self.get().span_label(index)
    }

    /// The OpenTelemetry span name ([`Recorder::span_name`]).
    #[inline]
    pub fn span_name(&self) -> &str {
        self.get().span_name()
    }
}

/// One running call: records exactly once, on [`Call::finish`] or on drop, into
/// the pipeline that was current when it started.
pub struct Call {
    recorder: RecorderRef,
    pipeline: Current,
    span: tracing::Span,
    started: Instant,
    server: Server,
    /// An agent's or workflow's own invocation; the invocation an LLM or tool
    /// call runs in ([`Invocation`]).
    invocation: Option<Arc<Invocation>>,
    done: bool,
}

impl Call {
    /// Starts timing (and raises the active gauge, if the attribute has one).
    #[inline]
    pub fn start(recorder: RecorderRef, span: tracing::Span) -> Call {
        let origin = Origin::Attribute(recorder.get().origin);
        Call::start_from(recorder, span, origin)
    }

    /// [`Call::start`], for a call that `origin` makes.
    #[inline]
    pub(crate) fn start_from(recorder: RecorderRef, span: tracing::Span, origin: Origin) -> Call {
        let pipeline = crate::global::current(origin);
        recorder.get().begin(pipeline.metrics());
        let invocation = match recorder.get().spec.rollup {
            kind @ (Rollup::Agent | Rollup::Workflow) => Some(Invocation::open(kind, &span)),
            kind @ (Rollup::Llm | Rollup::Tool) => Invocation::current().inspect(|i| i.count(kind)),
            Rollup::None => None,
        };
        Call {
            recorder,
            pipeline,
            span,
            started: now(),
            server: Server::default(),
            invocation,
            done: false,
        }
    }

    /// `future`, with this call's invocation (an agent's or workflow's) current
    /// at every poll: the LLM and tool calls it awaits count into it.
    #[inline]
    pub fn within<F>(&self, future: F) -> Within<F> {
        Within::new(self.own_invocation().cloned(), future)
    }

    /// Makes this call's invocation (an agent's or workflow's) current on this
    /// thread until the returned guard drops (a sync body).
    #[inline]
    pub fn enter_invocation(&self) -> Option<Entered> {
        self.own_invocation().map(Invocation::enter)
    }

    /// The invocation this call owns (agents and workflows).
    fn own_invocation(&self) -> Option<&Arc<Invocation>> {
        self.recorder
            .get()
            .spec
            .rollup
            .collects()
            .then_some(self.invocation.as_ref())
            .flatten()
    }

    /// The provider's address (LLM calls), also recorded on the span.
    #[inline]
    pub fn with_server(mut self, server: Server) -> Call {
        if !self.span.is_disabled() {
            if let Some(address) = server.address() {
                self.span.record(field::SERVER_ADDRESS, address);
            }
            if let Some(port) = server.port() {
                self.span.record(field::SERVER_PORT, i64::from(port));
            }
        }
        self.server = server;
        self
    }

    /// Sets label argument `index` of a call whose recorder is its own (a
    /// guard's builder method, before the call ends). Only for attributes
    /// without an active gauge: the gauge went up under the first values.
    pub(crate) fn set_label(&mut self, index: usize, value: &str) {
        debug_assert!(self.recorder.get().spec.active.is_none());
        if let RecorderRef::Owned(recorder) = &mut self.recorder
            && let Some(slot) = recorder.values.get_mut(index)
        {
            *slot = Cow::Owned(value.to_owned());
        }
    }

    /// Closes the span now (a stream that ended), rather than when the call is
    /// dropped.
    pub(crate) fn close_span(&mut self) {
        self.span = tracing::Span::none();
    }

    /// The call's span.
    #[inline]
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// When the call started.
    #[inline]
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// The pipeline the call records into.
    #[inline]
    pub(crate) fn metrics(&self) -> &MetricsManager {
        self.pipeline.metrics()
    }

    /// The GenAI view of this call (for a stream's chunk series).
    pub(crate) fn genai_call<'a>(&'a self, model: Option<&'a str>) -> GenAiCall<'a> {
        self.recorder.get().genai_call(&self.server, model)
    }

    /// Whether the call's GenAI metrics are recorded.
    pub(crate) fn records_genai(&self) -> bool {
        self.recorder.get().spec.genai && self.metrics().genai().is_some()
    }

    /// Records the outcome of a call that completed.
    #[inline]
    pub fn finish(&mut self, outcome: CallOutcome, usage: Option<&dyn LlmUsage>) {
        self.finish_with(outcome, &Response::of(usage));
    }

    /// Records the outcome of a call that completed, with what its response
    /// reported.
    #[inline]
    pub(crate) fn finish_with(&mut self, outcome: CallOutcome, response: &Response<'_>) {
        if !self.done {
            self.done = true;
            self.record(outcome, response);
        }
    }

    /// Runs `record` with the call's span as the exemplars' span when they are
    /// kept: its OpenTelemetry context read from `tracing-opentelemetry`
    /// (features `otlp-*`), or else the span entered around `record` (any
    /// bridge that makes the context current while a span is entered).
    #[inline]
    fn in_span(&self, record: impl FnOnce()) {
        let span = &self.span;
        if span.is_disabled() || self.metrics().exemplar_filter() == ExemplarFilter::AlwaysOff {
            return record();
        }
        #[cfg(feature = "_otlp")]
        {
            use opentelemetry::trace::TraceContextExt as _;
            use tracing_opentelemetry::OpenTelemetrySpanExt as _;
            let cx = span.context();
            if cx.span().span_context().is_valid() {
                // Current for `record` only: what the exemplars read.
                let _current = cx.attach();
                return record();
            }
        }
        span.in_scope(record);
    }

    /// Whether the outcome is recorded.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// A streaming call's first chunk, with the model the stream named so far.
    pub(crate) fn first_chunk(&self, seconds: f64, model: Option<&str>) {
        let recorder = self.recorder.get();
        self.in_span(|| recorder.first_chunk(self.metrics(), seconds, &self.server, model));
        if !self.span.is_disabled() {
            self.span.record(field::TIME_TO_FIRST_CHUNK, seconds);
        }
    }

    #[inline]
    fn record(&self, outcome: CallOutcome, response: &Response<'_>) {
        let seconds = self.started.elapsed().as_secs_f64();
        let recorder = self.recorder.get();
        let mut cost = None;
        self.in_span(|| {
            let m = self.pipeline.metrics();
            cost = recorder.end(m, &outcome, seconds, response, &self.server);
            if let Some(invocation) = &self.invocation {
                recorder.end_rollup(m, invocation, response, cost);
            }
        });
        let span = &self.span;
        if span.is_disabled() {
            return;
        }
        let status = recorder.span_status(&outcome);
        // The summed usage of the calls inside, when any reported usage.
        let usage = self
            .own_invocation()
            .map(|i| i.tokens())
            .filter(|t| t.iter().any(Option::is_some));
        let failed = matches!(outcome, CallOutcome::Failure(_));
        if !failed && response.is_empty() && usage.is_none() {
            // The one field of most calls: no batch to build.
            span.record(field::STATUS, status);
        } else {
            let mut end = EndFields::new();
            end.str(field::STATUS, status);
            if let CallOutcome::Failure(error_type) = &outcome {
                end.str(field::ERROR_TYPE, error_type.as_ref());
                end.str(field::STATUS_CODE, "ERROR");
            }
            response_fields(&mut end, response, recorder.is_embeddings());
            if let Some(usage) = usage {
                let fields = match recorder.spec.rollup {
                    Rollup::Agent => &field::AGENT_USAGE,
                    _ => &field::WORKFLOW_USAGE,
                };
                for (key, tokens) in fields.iter().zip(usage) {
                    if let Some(tokens) = tokens {
                        end.u64(key, tokens);
                    }
                }
            }
            end.record(span);
            if !recorder.is_embeddings() {
                record_finish_reasons(span, &response.finish_reasons);
            }
        }
        // On inference spans only (the proposal defines no cost on the
        // embeddings span); the roll-up counts every call's cost.
        if let Some(cost) = cost.filter(|_| !recorder.is_embeddings()) {
            record_cost(span, cost.amount, Some(cost.source.as_str()));
        }
        if let Some(amount) = self.own_invocation().and_then(|i| i.cost()) {
            record_cost(span, amount, None);
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if !self.done {
            self.done = true;
            let outcome = if std::thread::panicking() {
                CallOutcome::Failure(Cow::Borrowed("panic"))
            } else {
                CallOutcome::Cancelled
            };
            self.record(outcome, &Response::default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::instrument as specs;

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
            site.counters[1].get().is_some_and(Option::is_some),
            "every outcome's counter resolved with the site (at 0 until used)"
        );
        assert!(site.histogram.get().is_some_and(Option::is_some));
        assert!(site.active.get().is_some_and(Option::is_some));
        let text = t.render(crate::Exposition::Text);
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
        assert!(other.render(crate::Exposition::Text).contains(
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
