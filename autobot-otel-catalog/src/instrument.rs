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
    /// For a label from a fixed vocabulary, the allowed values (a string literal
    /// argument is checked against them at compile time).
    pub values: Option<&'static [&'static str]>,
    /// The span attribute the value is recorded under.
    pub span_field: &'static str,
}

/// The `status` label values an attribute writes for each outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusValues {
    /// `Ok` or a plain return value.
    pub success: &'static str,
    /// `Err`, or a panic.
    pub failure: &'static str,
    /// The future was dropped before it completed.
    pub cancelled: &'static str,
}

/// Outcome labels of workflows, tasks and GitHub calls.
pub const OUTCOME: StatusValues = StatusValues {
    success: "success",
    failure: "failed",
    cancelled: "cancelled",
};

/// Outcome labels of Redis operations.
pub const REDIS_STATUS: StatusValues = StatusValues {
    success: "success",
    failure: "error",
    cancelled: "cancelled",
};

/// One instrumentation attribute.
#[derive(Debug, PartialEq)]
pub struct InstrumentSpec {
    /// The attribute's name, e.g. `instrument_workflow`.
    pub attribute: &'static str,
    /// Counter incremented once per call (with `status` when [`Self::status`] is set).
    pub counter: MetricId,
    /// Histogram observing the call's duration in seconds.
    pub histogram: MetricId,
    /// Gauge held one higher while a call runs.
    pub active: Option<MetricId>,
    /// Counter of failures by `error_type` (LLM calls).
    pub errors: Option<MetricId>,
    /// `status` label values, if the counter has a `status` label.
    pub status: Option<StatusValues>,
    /// The label arguments, in order.
    pub args: &'static [LabelArg],
}

const fn arg(name: &'static str, default: ArgDefault) -> LabelArg {
    LabelArg {
        name,
        default,
        values: None,
        span_field: name,
    }
}

/// Every instrumentation attribute.
pub static INSTRUMENTS: &[InstrumentSpec] = &[
    InstrumentSpec {
        attribute: "instrument_workflow",
        counter: MetricId::WorkflowExecutionsTotal,
        histogram: MetricId::WorkflowDurationSeconds,
        active: Some(MetricId::ActiveWorkflows),
        errors: None,
        status: Some(OUTCOME),
        args: &[arg("workflow_type", ArgDefault::FnName)],
    },
    InstrumentSpec {
        attribute: "instrument_task",
        counter: MetricId::TasksExecutedTotal,
        histogram: MetricId::TaskDurationSeconds,
        active: Some(MetricId::ActiveTasks),
        errors: None,
        status: Some(OUTCOME),
        args: &[
            arg("task_type", ArgDefault::FnName),
            arg("agent_type", ArgDefault::Required),
        ],
    },
    InstrumentSpec {
        attribute: "instrument_github",
        counter: MetricId::GithubOperationsTotal,
        histogram: MetricId::GithubApiDurationSeconds,
        active: None,
        errors: None,
        status: Some(OUTCOME),
        args: &[arg("operation", ArgDefault::FnName)],
    },
    InstrumentSpec {
        attribute: "instrument_redis",
        counter: MetricId::RedisOperationsTotal,
        histogram: MetricId::RedisOperationLatencySeconds,
        active: None,
        errors: None,
        status: Some(REDIS_STATUS),
        args: &[
            arg("database", ArgDefault::Required),
            arg("operation", ArgDefault::FnName),
        ],
    },
    InstrumentSpec {
        attribute: "instrument_knowledge",
        counter: MetricId::KnowledgeSearchRequestsTotal,
        histogram: MetricId::KnowledgeSearchLatencySeconds,
        active: None,
        errors: None,
        status: None,
        args: &[
            LabelArg {
                name: "search_type",
                default: ArgDefault::Required,
                values: Some(&["semantic", "keyword", "hybrid"]),
                span_field: "search_type",
            },
            arg("collection", ArgDefault::Required),
        ],
    },
    InstrumentSpec {
        attribute: "instrument_llm",
        counter: MetricId::LlmRequestsTotal,
        histogram: MetricId::LlmRequestLatencySeconds,
        active: None,
        errors: Some(MetricId::LlmErrorsTotal),
        status: None,
        args: &[
            LabelArg {
                span_field: "gen_ai.provider.name",
                ..arg("provider", ArgDefault::Required)
            },
            LabelArg {
                span_field: "gen_ai.request.model",
                ..arg("model", ArgDefault::Required)
            },
            LabelArg {
                span_field: "gen_ai.operation.name",
                ..arg("request_type", ArgDefault::Literal("chat"))
            },
        ],
    },
];

/// The spec of an attribute by name.
///
/// ```
/// assert!(autobot_otel_catalog::instrument::spec("instrument_llm").is_some());
/// assert!(autobot_otel_catalog::instrument::spec("instrument_nothing").is_none());
/// ```
pub fn spec(attribute: &str) -> Option<&'static InstrumentSpec> {
    INSTRUMENTS.iter().find(|s| s.attribute == attribute)
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

    /// The metrics this attribute records.
    pub fn metrics(&self) -> impl Iterator<Item = MetricId> + '_ {
        [
            Some(self.counter),
            Some(self.histogram),
            self.active,
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
    fn durations_are_histograms_in_seconds() {
        for spec in INSTRUMENTS {
            assert_eq!(spec.histogram.def().unit, "s", "{}", spec.attribute);
            assert!(spec.counter.def().kind.is_counter());
        }
    }
}
