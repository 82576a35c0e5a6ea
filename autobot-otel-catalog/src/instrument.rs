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
    /// Work inside the service (workflows, tasks, knowledge-base searches).
    Internal,
    /// A call to another service (GitHub, Redis, an LLM provider).
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
    /// The label arguments, in order.
    pub args: &'static [LabelArg],
}

const fn arg(name: &'static str, default: ArgDefault) -> LabelArg {
    LabelArg {
        name,
        default,
        span_field: name,
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
    /// `#[instrument_workflow]`.
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
        args: &[arg("workflow_type", ArgDefault::FnName)],
    };
    /// `#[instrument_task]`.
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
        args: &[
            arg("task_type", ArgDefault::FnName),
            arg("agent_type", ArgDefault::Required),
        ],
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
        args: &[arg("operation", ArgDefault::FnName)],
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
        args: &[
            arg("database", ArgDefault::Required),
            arg("operation", ArgDefault::FnName),
        ],
    };
    /// `#[instrument_knowledge]`.
    INSTRUMENT_KNOWLEDGE = InstrumentSpec {
        attribute: "instrument_knowledge",
        counter: MetricId::KnowledgeSearchRequestsTotal,
        histogram: MetricId::KnowledgeSearchLatencySeconds,
        active: None,
        first_chunk: None,
        errors: None,
        status: None,
        span_kind: SpanKind::Internal,
        genai: false,
        args: &[
            arg("search_type", ArgDefault::Required),
            arg("collection", ArgDefault::Required),
        ],
    };
    /// `#[instrument_llm]`.
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
        args: &[
            LabelArg {
                span_field: attributes::PROVIDER_NAME,
                ..arg("provider", ArgDefault::Required)
            },
            LabelArg {
                span_field: attributes::REQUEST_MODEL,
                ..arg("model", ArgDefault::Required)
            },
            LabelArg {
                span_field: attributes::OPERATION_NAME,
                ..arg("request_type", ArgDefault::Literal("chat"))
            },
        ],
    };
}

/// Span fields of the attributes beyond their labels: one name each (defined in
/// [`crate::attributes`]), used by the expansions (which declare them), the
/// runtime (which records them) and `autobot_otel::llm::LlmCall` (a test checks
/// it declares the same).
pub mod span_fields {
    pub use crate::attributes::{
        CACHE_CREATION_TOKENS, CACHE_READ_TOKENS, ERROR_TYPE, FINISH_REASONS, INPUT_TOKENS,
        OUTPUT_TOKENS, REASONING_TOKENS, RESPONSE_MODEL, SERVER_ADDRESS, SERVER_PORT, STATUS,
        STATUS_CODE, TIME_TO_FIRST_CHUNK,
    };

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
        self.metrics().find_map(|id| id.def().vocabulary(name))
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
                assert!(
                    spec.metrics().any(|id| id.def().labels.contains(&arg.name)),
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
