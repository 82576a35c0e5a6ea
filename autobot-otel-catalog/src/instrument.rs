//! The instrumentation attributes (`#[instrument_workflow]`, `#[instrument_llm]`, ...):
//! which catalog metrics each one records and which label arguments it takes.
//!
//! The proc macros validate their arguments against this table at compile time,
//! and the runtime records through it, so an attribute can only ever name labels
//! that its metrics have.
//!
//! ```
//! use autobot_otel_catalog::instrument::{spec, ArgDefault};
//! use autobot_otel_catalog::MetricId;
//!
//! let workflow = spec("instrument_workflow").unwrap();
//! assert_eq!(workflow.counter, MetricId::WorkflowExecutionsTotal);
//! assert_eq!(workflow.args[0].name, "workflow_type");
//! assert_eq!(workflow.args[0].default, ArgDefault::FnName);
//! ```

use crate::MetricId;
use crate::attributes;
use crate::genai::GenAiMetricId;
use crate::labels::{Outcome, RedisStatus};

/// What a label argument is when the attribute does not give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgDefault {
    /// The name of the instrumented function.
    FnName,
    /// This fixed value.
    Literal(&'static str),
    /// No default: the attribute must give it.
    Required,
}

/// One label argument of an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelArg {
    /// The label key (also the argument name).
    pub name: &'static str,
    /// The value when the argument is omitted.
    pub default: ArgDefault,
    /// The span attribute the value is recorded under.
    pub span_field: &'static str,
    /// The OpenTelemetry GenAI conventions' attribute the span also carries the
    /// value under, when [`LabelArg::span_field`] is the guide's key
    /// (`workflow_type` → `gen_ai.workflow.name`).
    pub genai_field: Option<&'static str>,
}

/// One part of an attribute's span name ([`InstrumentSpec::span_name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamePart {
    /// This text (the conventions' operation, e.g. `invoke_agent`).
    Literal(&'static str),
    /// The value of this label argument (cleaned, as exported).
    Arg(&'static str),
}

/// An argument that goes on the span only, never on a metric: an id, a
/// description, the provider of an agent. Its value is a string literal or an
/// expression (`Display`), evaluated when the call starts and given to the span
/// when it is created; left out, the span has no such attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanArg {
    /// The argument name.
    pub name: &'static str,
    /// The span attribute (a key of [`crate::attributes`]).
    pub field: &'static str,
    /// Whether the conventions define the attribute on the remote (CLIENT)
    /// span only: `gen_ai.provider.name`, `gen_ai.agent.id` and
    /// `gen_ai.agent.version` of an agent (the in-process `invoke_agent` span
    /// has none of them). Such an argument needs `remote = true`.
    pub remote_only: bool,
}

/// The `status` values an attribute writes for each outcome, on its counter's
/// `status` label and on its span's `autobot.status` field alike. Built from the
/// label vocabularies ([`crate::labels`]), never spelt out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusValues {
    /// `Ok` or a plain return value.
    pub success: &'static str,
    /// `Err`, or a panic.
    pub failure: &'static str,
    /// The future was dropped before it completed.
    pub cancelled: &'static str,
}

impl StatusValues {
    /// The three values, in the order success, failure, cancelled.
    ///
    /// ```
    /// use autobot_otel_catalog::instrument::OUTCOME;
    /// assert_eq!(OUTCOME.all(), ["success", "failed", "cancelled"]);
    /// ```
    pub const fn all(&self) -> [&'static str; 3] {
        [self.success, self.failure, self.cancelled]
    }
}

/// Outcome values of workflows, tasks, GitHub calls, and the span status of every
/// attribute whose counter has no `status` label: [`Outcome`].
pub const OUTCOME: StatusValues = StatusValues {
    success: Outcome::Success.as_str(),
    failure: Outcome::Failed.as_str(),
    cancelled: Outcome::Cancelled.as_str(),
};

/// Outcome values of Redis operations: [`RedisStatus`].
pub const REDIS_STATUS: StatusValues = StatusValues {
    success: RedisStatus::Success.as_str(),
    failure: RedisStatus::Error.as_str(),
    cancelled: RedisStatus::Cancelled.as_str(),
};

/// The OpenTelemetry span kind of an attribute's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// Work inside the service (workflows, tasks, an in-process agent, a tool).
    Internal,
    /// A call to another service (GitHub, Redis, an LLM provider, a knowledge
    /// base's retrieval: the conventions' `retrieval` span is CLIENT).
    Client,
}

impl SpanKind {
    /// The `otel.kind` value `tracing-opentelemetry` reads.
    ///
    /// ```
    /// assert_eq!(autobot_otel_catalog::instrument::SpanKind::Client.as_str(), "client");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            SpanKind::Internal => "internal",
            SpanKind::Client => "client",
        }
    }
}

/// What a call is to the agent invocations and workflows around it (issue 20,
/// "what happened inside one invocation").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rollup {
    /// Neither counted nor summing.
    None,
    /// An agent invocation: counts the LLM and tool calls made inside it
    /// (`autobot_agent_llm_calls_per_invocation`,
    /// `autobot_agent_tool_calls_per_invocation`) and sums their token usage on
    /// its span ([`span_fields::AGENT_USAGE`]).
    Agent,
    /// A workflow: sums the token usage of the LLM calls inside it, through its
    /// agents or directly, on its span ([`span_fields::WORKFLOW_USAGE`]).
    Workflow,
    /// An LLM call: counted by the invocation it runs in, its usage summed.
    Llm,
    /// A tool call: counted by the invocation it runs in.
    Tool,
}

impl Rollup {
    /// Whether calls of this kind collect what runs inside them (agents and
    /// workflows).
    ///
    /// ```
    /// use autobot_otel_catalog::instrument::Rollup;
    /// assert!(Rollup::Agent.collects() && !Rollup::Llm.collects());
    /// ```
    pub const fn collects(self) -> bool {
        matches!(self, Rollup::Agent | Rollup::Workflow)
    }
}

/// One instrumentation attribute.
#[derive(Debug, PartialEq)]
pub struct InstrumentSpec {
    /// The attribute's name, e.g. `instrument_workflow`.
    pub attribute: &'static str,
    /// Counter incremented once per call (with `status` when [`Self::status`] is set).
    pub counter: MetricId,
    /// Histogram observing the call's duration in seconds.
    pub histogram: MetricId,
    /// Gauge held one higher while a call runs (for a streaming call: until its
    /// stream ends).
    pub active: Option<MetricId>,
    /// Histogram observing a streaming call's time to its first chunk, in seconds.
    pub first_chunk: Option<MetricId>,
    /// Counter of failures by `error_type` (LLM calls).
    pub errors: Option<MetricId>,
    /// `status` label values, if the counter has a `status` label.
    pub status: Option<StatusValues>,
    /// The kind of the span the attribute opens.
    pub span_kind: SpanKind,
    /// Whether calls are LLM calls in the OpenTelemetry GenAI conventions' sense:
    /// they take the `server_address` and `server_port` arguments, may return a
    /// stream of chunks, and feed the GenAI metrics ([`crate::genai`]) when those
    /// are on.
    pub genai: bool,
    /// Whether a function that returns a stream (`impl Stream<..>`, or a
    /// `Result` of one) is timed over the stream's life, until its end, its
    /// first `Err` item or its drop (LLM calls, agent invocations, tool calls);
    /// otherwise until it returns.
    pub streams: bool,
    /// The label arguments, in order.
    pub args: &'static [LabelArg],
    /// The OpenTelemetry span name, its parts joined by a space (`invoke_agent
    /// {agent_name}`, `{request_type} {model}`); empty: the function's name.
    /// It is the `otel.name` field (a `tracing` span's own name is static: the
    /// function's name, also `code.function.name`).
    pub span_name: &'static [NamePart],
    /// The conventions' `gen_ai.operation.name` the span carries, when it is
    /// fixed (`invoke_agent`, `execute_tool`, `invoke_workflow`, `retrieval`).
    pub operation: Option<&'static str>,
    /// Arguments recorded on the span only ([`SpanArg`]).
    pub span_args: &'static [SpanArg],
    /// The span kind when the attribute is given `remote = true` (an agent run
    /// by another service: CLIENT); `None`: no `remote` argument.
    pub remote_kind: Option<SpanKind>,
    /// The GenAI conventions' duration histogram the call's duration is also
    /// recorded into when the GenAI metrics are on. Its attributes are looked up
    /// by key: a label argument's [`LabelArg::span_field`] or
    /// [`LabelArg::genai_field`], `error.type` from the outcome.
    pub genai_duration: Option<GenAiMetricId>,
    /// What the call is to the agent invocations and workflows around it.
    pub rollup: Rollup,
}

const fn arg(name: &'static str, default: ArgDefault) -> LabelArg {
    LabelArg {
        name,
        default,
        span_field: name,
        genai_field: None,
    }
}

/// An argument the conventions name: recorded under their key only.
const fn genai_arg(name: &'static str, default: ArgDefault, field: &'static str) -> LabelArg {
    LabelArg {
        name,
        default,
        span_field: field,
        genai_field: None,
    }
}

/// A guide label also recorded under the conventions' key.
const fn aliased_arg(name: &'static str, default: ArgDefault, field: &'static str) -> LabelArg {
    LabelArg {
        name,
        default,
        span_field: name,
        genai_field: Some(field),
    }
}

const fn span_arg(name: &'static str, field: &'static str) -> SpanArg {
    SpanArg {
        name,
        field,
        remote_only: false,
    }
}

/// A span argument of the remote (CLIENT) span only ([`SpanArg::remote_only`]).
const fn remote_span_arg(name: &'static str, field: &'static str) -> SpanArg {
    SpanArg {
        name,
        field,
        remote_only: true,
    }
}

macro_rules! instruments {
    ($( $(#[$doc:meta])* $name:ident = $spec:expr; )*) => {
        $( $(#[$doc])* pub static $name: InstrumentSpec = $spec; )*

        /// Every instrumentation attribute. The attributes' expansions name their
        /// spec by its static (`INSTRUMENT_WORKFLOW`, ...), never by position, so a
        /// mismatched macro crate cannot record into another attribute's metrics.
        pub static INSTRUMENTS: &[&InstrumentSpec] = &[$(&$name),*];
    };
}

instruments! {
    /// `#[instrument_workflow]`: span `invoke_workflow {workflow_type}`.
    INSTRUMENT_WORKFLOW = InstrumentSpec {
        attribute: "instrument_workflow",
        counter: MetricId::WorkflowExecutionsTotal,
        histogram: MetricId::WorkflowDurationSeconds,
        active: Some(MetricId::ActiveWorkflows),
        first_chunk: None,
        errors: None,
        status: Some(OUTCOME),
        span_kind: SpanKind::Internal,
        genai: false,
        streams: false,
        args: &[aliased_arg("workflow_type", ArgDefault::FnName, attributes::WORKFLOW_NAME)],
        span_name: &[NamePart::Literal("invoke_workflow"), NamePart::Arg("workflow_type")],
        operation: Some("invoke_workflow"),
        span_args: &[],
        remote_kind: None,
        genai_duration: Some(GenAiMetricId::WorkflowDuration),
        rollup: Rollup::Workflow,
    };
    /// `#[instrument_task]`: the span carries `gen_ai.agent.name` = `agent_type`.
    INSTRUMENT_TASK = InstrumentSpec {
        attribute: "instrument_task",
        counter: MetricId::TasksExecutedTotal,
        histogram: MetricId::TaskDurationSeconds,
        active: Some(MetricId::ActiveTasks),
        first_chunk: None,
        errors: None,
        status: Some(OUTCOME),
        span_kind: SpanKind::Internal,
        genai: false,
        streams: false,
        args: &[
            arg("task_type", ArgDefault::FnName),
            aliased_arg("agent_type", ArgDefault::Required, attributes::AGENT_NAME),
        ],
        span_name: &[],
        operation: None,
        span_args: &[],
        remote_kind: None,
        genai_duration: None,
        rollup: Rollup::None,
    };
    /// `#[instrument_github]`.
    INSTRUMENT_GITHUB = InstrumentSpec {
        attribute: "instrument_github",
        counter: MetricId::GithubOperationsTotal,
        histogram: MetricId::GithubApiDurationSeconds,
        active: None,
        first_chunk: None,
        errors: None,
        status: Some(OUTCOME),
        span_kind: SpanKind::Client,
        genai: false,
        streams: false,
        args: &[arg("operation", ArgDefault::FnName)],
        span_name: &[],
        operation: None,
        span_args: &[],
        remote_kind: None,
        genai_duration: None,
        rollup: Rollup::None,
    };
    /// `#[instrument_redis]`.
    INSTRUMENT_REDIS = InstrumentSpec {
        attribute: "instrument_redis",
        counter: MetricId::RedisOperationsTotal,
        histogram: MetricId::RedisOperationLatencySeconds,
        active: None,
        first_chunk: None,
        errors: None,
        status: Some(REDIS_STATUS),
        span_kind: SpanKind::Client,
        genai: false,
        streams: false,
        args: &[
            arg("database", ArgDefault::Required),
            arg("operation", ArgDefault::FnName),
        ],
        span_name: &[],
        operation: None,
        span_args: &[],
        remote_kind: None,
        genai_duration: None,
        rollup: Rollup::None,
    };
    /// `#[instrument_knowledge]`: span `retrieval {collection}` (CLIENT).
    INSTRUMENT_KNOWLEDGE = InstrumentSpec {
        attribute: "instrument_knowledge",
        counter: MetricId::KnowledgeSearchRequestsTotal,
        histogram: MetricId::KnowledgeSearchLatencySeconds,
        active: None,
        first_chunk: None,
        errors: None,
        status: None,
        span_kind: SpanKind::Client,
        genai: false,
        streams: false,
        args: &[
            arg("search_type", ArgDefault::Required),
            aliased_arg("collection", ArgDefault::Required, attributes::DATA_SOURCE_ID),
        ],
        span_name: &[NamePart::Literal("retrieval"), NamePart::Arg("collection")],
        operation: Some("retrieval"),
        span_args: &[],
        remote_kind: None,
        genai_duration: None,
        rollup: Rollup::None,
    };
    /// `#[instrument_llm]`: span `{request_type} {model}` (`chat gpt-4o`).
    INSTRUMENT_LLM = InstrumentSpec {
        attribute: "instrument_llm",
        counter: MetricId::LlmRequestsTotal,
        histogram: MetricId::LlmRequestLatencySeconds,
        active: Some(MetricId::LlmRequestsInFlight),
        first_chunk: Some(MetricId::LlmTimeToFirstTokenSeconds),
        errors: Some(MetricId::LlmErrorsTotal),
        status: None,
        span_kind: SpanKind::Client,
        genai: true,
        streams: true,
        args: &[
            genai_arg("provider", ArgDefault::Required, attributes::PROVIDER_NAME),
            genai_arg("model", ArgDefault::Required, attributes::REQUEST_MODEL),
            genai_arg("request_type", ArgDefault::Literal("chat"), attributes::OPERATION_NAME),
        ],
        span_name: &[NamePart::Arg("request_type"), NamePart::Arg("model")],
        operation: None,
        span_args: &[],
        remote_kind: None,
        genai_duration: None,
        rollup: Rollup::Llm,
    };
    /// `#[instrument_agent]`: one agent invocation, span `invoke_agent
    /// {agent_name}` (INTERNAL; CLIENT with `remote = true`).
    INSTRUMENT_AGENT = InstrumentSpec {
        attribute: "instrument_agent",
        counter: MetricId::AgentInvocationsTotal,
        histogram: MetricId::AgentInvocationDurationSeconds,
        active: None,
        first_chunk: None,
        errors: None,
        status: Some(OUTCOME),
        span_kind: SpanKind::Internal,
        genai: false,
        streams: true,
        args: &[genai_arg("agent_name", ArgDefault::Required, attributes::AGENT_NAME)],
        span_name: &[NamePart::Literal("invoke_agent"), NamePart::Arg("agent_name")],
        operation: Some("invoke_agent"),
        span_args: &[
            remote_span_arg("agent_id", attributes::AGENT_ID),
            span_arg("agent_description", attributes::AGENT_DESCRIPTION),
            remote_span_arg("agent_version", attributes::AGENT_VERSION),
            remote_span_arg("provider", attributes::PROVIDER_NAME),
            span_arg("model", attributes::REQUEST_MODEL),
            span_arg("conversation_id", attributes::CONVERSATION_ID),
        ],
        remote_kind: Some(SpanKind::Client),
        genai_duration: Some(GenAiMetricId::InvokeAgentDuration),
        rollup: Rollup::Agent,
    };
    /// `#[instrument_tool]`: one tool call, span `execute_tool {tool_name}`
    /// (INTERNAL).
    INSTRUMENT_TOOL = InstrumentSpec {
        attribute: "instrument_tool",
        counter: MetricId::ToolCallsTotal,
        histogram: MetricId::ToolCallDurationSeconds,
        active: None,
        first_chunk: None,
        errors: None,
        status: Some(OUTCOME),
        span_kind: SpanKind::Internal,
        genai: false,
        streams: true,
        args: &[
            genai_arg("tool_name", ArgDefault::FnName, attributes::TOOL_NAME),
            // A label of `gen_ai.execute_tool.duration` only.
            genai_arg("tool_type", ArgDefault::Literal("function"), attributes::TOOL_TYPE),
        ],
        span_name: &[NamePart::Literal("execute_tool"), NamePart::Arg("tool_name")],
        operation: Some("execute_tool"),
        span_args: &[span_arg("call_id", attributes::TOOL_CALL_ID)],
        remote_kind: None,
        genai_duration: Some(GenAiMetricId::ExecuteToolDuration),
        rollup: Rollup::Tool,
    };
}

/// Span fields of the attributes beyond their labels: one name each (defined in
/// [`crate::attributes`]), used by the expansions (which declare them), the
/// runtime (which records them) and `autobot_otel::llm::LlmCall` (a test checks
/// it declares the same).
pub mod span_fields {
    pub use crate::attributes::{
        CACHE_CREATION_TOKENS, CACHE_READ_TOKENS, CODE_FUNCTION_NAME, COST_AMOUNT, COST_CURRENCY,
        COST_SOURCE, ERROR_TYPE, FINISH_REASONS, INPUT_TOKENS, OPERATION_NAME, OUTPUT_TOKENS,
        REASONING_TOKENS, RESPONSE_MODEL, ROLLUP_CACHE_CREATION_TOKENS, ROLLUP_CACHE_READ_TOKENS,
        ROLLUP_COST_AMOUNT, ROLLUP_COST_CURRENCY, ROLLUP_INPUT_TOKENS, ROLLUP_OUTPUT_TOKENS,
        ROLLUP_REASONING_TOKENS, SERVER_ADDRESS, SERVER_PORT, SPAN_KIND, SPAN_NAME, STATUS,
        STATUS_CODE, TIME_TO_FIRST_CHUNK,
    };

    /// The token usage summed on an agent's span, in the order input, output,
    /// cache read, cache creation, reasoning: the conventions' `gen_ai.usage.*`
    /// keys the `invoke_agent` spans define, and reasoning tokens (which they do
    /// not define) under [`ROLLUP_REASONING_TOKENS`].
    pub const AGENT_USAGE: [&str; 5] = [
        INPUT_TOKENS,
        OUTPUT_TOKENS,
        CACHE_READ_TOKENS,
        CACHE_CREATION_TOKENS,
        ROLLUP_REASONING_TOKENS,
    ];

    /// The token usage summed on a workflow's span, in the order of
    /// [`AGENT_USAGE`]: `autobot.usage.*` (the conventions' workflow span
    /// defines no `gen_ai.usage.*`).
    ///
    /// ```
    /// use autobot_otel_catalog::instrument::span_fields;
    /// assert_eq!(span_fields::WORKFLOW_USAGE[0], "autobot.usage.input_tokens");
    /// ```
    pub const WORKFLOW_USAGE: [&str; 5] = [
        ROLLUP_INPUT_TOKENS,
        ROLLUP_OUTPUT_TOKENS,
        ROLLUP_CACHE_READ_TOKENS,
        ROLLUP_CACHE_CREATION_TOKENS,
        ROLLUP_REASONING_TOKENS,
    ];

    /// The fields every span of an attribute declares empty, recorded at the end.
    pub const OUTCOME: &[&str] = &[STATUS, ERROR_TYPE, STATUS_CODE];

    /// The fields an LLM call's span declares empty besides [`OUTCOME`].
    ///
    /// ```
    /// use autobot_otel_catalog::instrument::span_fields;
    /// assert!(span_fields::GENAI.contains(&span_fields::RESPONSE_MODEL));
    /// assert!(!span_fields::GENAI.contains(&span_fields::FINISH_REASONS));
    /// ```
    pub const GENAI: &[&str] = &[
        INPUT_TOKENS,
        OUTPUT_TOKENS,
        CACHE_READ_TOKENS,
        CACHE_CREATION_TOKENS,
        REASONING_TOKENS,
        RESPONSE_MODEL,
        TIME_TO_FIRST_CHUNK,
        SERVER_ADDRESS,
        SERVER_PORT,
    ];
}

/// The spec of an attribute by name.
///
/// ```
/// assert!(autobot_otel_catalog::instrument::spec("instrument_llm").is_some());
/// assert!(autobot_otel_catalog::instrument::spec("instrument_nothing").is_none());
/// ```
pub fn spec(attribute: &str) -> Option<&'static InstrumentSpec> {
    INSTRUMENTS
        .iter()
        .copied()
        .find(|s| s.attribute == attribute)
}

impl InstrumentSpec {
    /// Index of a label argument.
    ///
    /// ```
    /// let llm = autobot_otel_catalog::instrument::spec("instrument_llm").unwrap();
    /// assert_eq!(llm.arg_index("model"), Some(1));
    /// ```
    pub fn arg_index(&self, name: &str) -> Option<usize> {
        self.args.iter().position(|a| a.name == name)
    }

    /// The values label argument `name` may take, when they form a fixed set: the
    /// vocabulary the catalog gives that label on the attribute's metrics (a string
    /// literal argument is checked against it at compile time).
    ///
    /// ```
    /// let knowledge = autobot_otel_catalog::instrument::spec("instrument_knowledge").unwrap();
    /// assert_eq!(knowledge.arg_values("search_type"), Some(&["semantic", "keyword", "hybrid"][..]));
    /// assert_eq!(knowledge.arg_values("collection"), None);
    /// ```
    pub fn arg_values(&self, name: &str) -> Option<&'static [&'static str]> {
        self.metrics()
            .find_map(|id| id.def().vocabulary(name))
            .or_else(|| {
                let field = self.args.iter().find(|a| a.name == name)?.span_field;
                self.genai_duration?.def().vocabulary(field)
            })
    }

    /// The span-only argument `name`, if the attribute takes it.
    ///
    /// ```
    /// let tool = autobot_otel_catalog::instrument::spec("instrument_tool").unwrap();
    /// assert_eq!(tool.span_arg("call_id").unwrap().field, "gen_ai.tool.call.id");
    /// assert!(tool.span_arg("tool_name").is_none(), "a label argument");
    /// ```
    pub fn span_arg(&self, name: &str) -> Option<&'static SpanArg> {
        self.span_args.iter().find(|a| a.name == name)
    }

    /// The OpenTelemetry span name for these label values (one per
    /// [`InstrumentSpec::args`]), or `None` when the span keeps the
    /// function's name.
    ///
    /// ```
    /// use autobot_otel_catalog::instrument::{INSTRUMENT_AGENT, INSTRUMENT_LLM, INSTRUMENT_TASK};
    /// assert_eq!(INSTRUMENT_AGENT.span_name_of(|_| "planner").as_deref(), Some("invoke_agent planner"));
    /// let llm = |i: usize| ["openai", "gpt-4o", "chat"][i];
    /// assert_eq!(INSTRUMENT_LLM.span_name_of(llm).as_deref(), Some("chat gpt-4o"));
    /// assert_eq!(INSTRUMENT_TASK.span_name_of(|_| "x"), None);
    /// ```
    pub fn span_name_of<'a>(&self, label: impl Fn(usize) -> &'a str) -> Option<String> {
        if self.span_name.is_empty() {
            return None;
        }
        let parts: Vec<&str> = self
            .span_name
            .iter()
            .map(|part| match part {
                NamePart::Literal(text) => text,
                NamePart::Arg(name) => self.arg_index(name).map_or("", &label),
            })
            .collect();
        Some(parts.join(" "))
    }

    /// The values of the span's `autobot.status` field: the counter's `status`
    /// values when it has that label, [`OUTCOME`] otherwise.
    ///
    /// ```
    /// use autobot_otel_catalog::instrument::{spec, OUTCOME, REDIS_STATUS};
    /// assert_eq!(spec("instrument_redis").unwrap().span_status(), REDIS_STATUS);
    /// assert_eq!(spec("instrument_llm").unwrap().span_status(), OUTCOME);
    /// ```
    pub fn span_status(&self) -> StatusValues {
        match self.status {
            Some(status) => status,
            None => OUTCOME,
        }
    }

    /// The metrics this attribute records.
    pub fn metrics(&self) -> impl Iterator<Item = MetricId> + '_ {
        [
            Some(self.counter),
            Some(self.histogram),
            self.active,
            self.first_chunk,
            self.errors,
        ]
        .into_iter()
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_of_every_metric_is_an_argument_or_computed() {
        for spec in INSTRUMENTS {
            for id in spec.metrics() {
                for label in id.def().labels {
                    let computed =
                        (*label == "status" && spec.status.is_some() && id == spec.counter)
                            || (*label == "error_type" && Some(id) == spec.errors);
                    assert!(
                        computed || spec.arg_index(label).is_some(),
                        "{}: {} label {label} has no argument",
                        spec.attribute,
                        id.def().name
                    );
                }
            }
            for arg in spec.args {
                let genai_label = spec
                    .genai_duration
                    .is_some_and(|g| g.def().labels.contains(&arg.span_field));
                assert!(
                    genai_label || spec.metrics().any(|id| id.def().labels.contains(&arg.name)),
                    "{}: argument {} labels no metric",
                    spec.attribute,
                    arg.name
                );
            }
        }
    }

    #[test]
    fn status_values_are_in_the_counters_vocabulary() {
        for spec in INSTRUMENTS {
            let counter = spec.counter.def();
            match spec.status {
                Some(status) => {
                    let vocabulary = counter.vocabulary("status").expect("status vocabulary");
                    for value in status.all() {
                        assert!(vocabulary.contains(&value), "{}: {value}", spec.attribute);
                    }
                }
                None => assert!(
                    counter.label_index("status").is_none(),
                    "{}",
                    spec.attribute
                ),
            }
            // Every metric of the attribute agrees on a label's vocabulary.
            for arg in spec.args {
                let vocabularies: Vec<_> = spec
                    .metrics()
                    .filter(|id| id.def().label_index(arg.name).is_some())
                    .map(|id| id.def().vocabulary(arg.name))
                    .collect();
                assert!(
                    vocabularies.windows(2).all(|w| w[0] == w[1]),
                    "{} {}",
                    spec.attribute,
                    arg.name
                );
            }
        }
    }

    #[test]
    fn span_names_and_genai_durations_name_what_the_spec_has() {
        for spec in INSTRUMENTS {
            for part in spec.span_name {
                if let NamePart::Arg(name) = part {
                    assert!(spec.arg_index(name).is_some(), "{} {name}", spec.attribute);
                }
            }
            if let Some(id) = spec.genai_duration {
                let def = id.def();
                assert_eq!(def.unit, "s");
                for key in def.labels {
                    let known = *key == attributes::ERROR_TYPE
                        || spec
                            .args
                            .iter()
                            .any(|a| a.span_field == *key || a.genai_field == Some(*key));
                    assert!(known, "{}: {key}", spec.attribute);
                }
            }
            for span_arg in spec.span_args {
                assert!(spec.arg_index(span_arg.name).is_none(), "{}", span_arg.name);
            }
        }
        assert_eq!(
            spec("instrument_tool").unwrap().arg_values("tool_type"),
            Some(crate::labels::ToolType::VALUES)
        );
    }

    #[test]
    fn durations_are_histograms_in_seconds() {
        for spec in INSTRUMENTS {
            assert_eq!(spec.histogram.def().unit, "s", "{}", spec.attribute);
            if let Some(first_chunk) = spec.first_chunk {
                assert_eq!(first_chunk.def().unit, "s", "{}", spec.attribute);
                assert_eq!(first_chunk.def().kind, crate::Kind::Histogram);
            }
            assert!(spec.counter.def().kind.is_counter());
        }
    }
}
