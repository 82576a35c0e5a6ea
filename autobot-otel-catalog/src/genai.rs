//! The OpenTelemetry GenAI semantic conventions' client metrics, which
//! `autobot-otel` emits alongside the `autobot_llm_*` families when they are
//! turned on (`TelemetryBuilder::with_genai_metrics`,
//! `AUTOBOT_OTEL_GENAI_METRICS=true`): the same LLM calls record both views.
//!
//! Names, units, attribute keys and the advisory bucket boundaries are the
//! conventions' ("Semantic conventions for generative AI metrics", status
//! Development). Unlike the catalog, whose contract is the Prometheus name, the
//! contract here is the OpenTelemetry name: OTLP carries it as is, and the
//! Prometheus endpoint shows the standard translation of it
//! ([`MetricDef::prometheus_name`]). The definitions are [`MetricDef`]s of
//! [`Source::GenAi`] ([`Naming::OpenTelemetry`]), built by the catalog's table
//! macro; their attribute keys are [`crate::attributes`]'.
//!
//! ```
//! use autobot_otel_catalog::genai::{GenAiMetricId, GENAI_METRICS};
//!
//! let duration = GenAiMetricId::OperationDuration.def();
//! assert_eq!(duration.name, "gen_ai.client.operation.duration");
//! assert_eq!(duration.prometheus_name(), "gen_ai_client_operation_duration_seconds");
//! assert_eq!(GenAiMetricId::TokenUsage.def().prometheus_name(), "gen_ai_client_token_usage");
//! assert_eq!(GENAI_METRICS.len(), 7);
//! assert_eq!(GenAiMetricId::InvokeAgentDuration.def().prometheus_name(), "gen_ai_invoke_agent_duration_seconds");
//! ```

use crate::attributes;
use crate::{Category, MetricDef};
#[cfg(doc)]
use crate::{Naming, Source};

/// The `error.type` value the conventions reserve for an error with no better name.
pub const OTHER_ERROR: &str = "_OTHER";

/// The conventions' advisory boundaries of the three duration histograms (s).
pub const DURATION_BUCKETS: &[f64] = &[
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// The conventions' advisory boundaries of `gen_ai.invoke_agent.duration` (s):
/// 0.1 s doubling to 409.6 s.
pub const INVOKE_AGENT_BUCKETS: &[f64] = &[
    0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
];

/// The conventions' advisory boundaries of `gen_ai.workflow.duration` (s).
pub const WORKFLOW_BUCKETS: &[f64] = &[
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0,
];

/// The boundaries of the per-invocation call counts
/// (`autobot_agent_llm_calls_per_invocation`,
/// `autobot_agent_tool_calls_per_invocation`): 1 to 128 doubling, the ladder the
/// proposed `gen_ai.invoke_agent.inference_calls` / `tool_calls` metrics use (the
/// pinned conventions define no per-invocation call count, so these are
/// extension families).
pub const CALLS_PER_INVOCATION_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// The conventions' `gen_ai.operation.name` of a `request_type` value: the
/// values AutoBot's guide spells differently map to the conventions' member
/// (`completion` → `text_completion`, `embedding` → `embeddings`); every other
/// value (`chat`, `generate_content`, `text_completion`, `embeddings`, a custom
/// one) passes through unchanged. The one mapping of every path: the LLM
/// spans' `gen_ai.operation.name` and name, and the GenAI metrics'
/// attribute. The `request_type` label of the `autobot_llm_*` families keeps
/// the caller's value.
///
/// ```
/// use autobot_otel_catalog::genai::operation_name;
/// assert_eq!(operation_name("completion"), "text_completion");
/// assert_eq!(operation_name("embedding"), "embeddings");
/// assert_eq!(operation_name("chat"), "chat");
/// assert_eq!(operation_name("rerank"), "rerank");
/// ```
pub fn operation_name(request_type: &str) -> &str {
    match request_type {
        "completion" => "text_completion",
        "embedding" => "embeddings",
        other => other,
    }
}

/// The conventions' advisory boundaries of `gen_ai.client.token.usage`.
pub const TOKEN_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

impl GenAiMetricId {
    /// The definition.
    ///
    /// ```
    /// use autobot_otel_catalog::genai::GenAiMetricId;
    /// assert!(GenAiMetricId::TimePerOutputChunk.def().streaming_only);
    /// ```
    pub fn def(self) -> &'static MetricDef<GenAiMetricId> {
        &GENAI_METRICS[self as usize]
    }

    /// Looks a metric up by its OpenTelemetry name.
    ///
    /// ```
    /// use autobot_otel_catalog::genai::GenAiMetricId;
    /// assert_eq!(GenAiMetricId::from_name("gen_ai.client.token.usage"), Some(GenAiMetricId::TokenUsage));
    /// assert_eq!(GenAiMetricId::from_name("gen_ai.client.token.use"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<GenAiMetricId> {
        GENAI_METRICS.iter().find(|d| d.name == name).map(|d| d.id)
    }
}

metric_table! {
    /// Typed identifier of each GenAI metric; `id.def()` gives its definition.
    /// Its [`MetricDef::labels`] are the attribute keys a data point may carry,
    /// required ones first; keys without a known value are left out (never
    /// written as `unknown`).
    enum GenAiMetricId;
    /// The four client metrics, then the agent, tool and workflow durations,
    /// in [`GenAiMetricId`] order.
    static GENAI_METRICS;
    defaults { category: Some(Category::Llm), source: GenAi, max_series: 500 }

    OperationDuration {
        name: "gen_ai.client.operation.duration", kind: Histogram, unit: "s",
        labels: [
            (attributes::OPERATION_NAME), (attributes::PROVIDER_NAME),
            (attributes::REQUEST_MODEL), (attributes::RESPONSE_MODEL),
            (attributes::SERVER_ADDRESS), (attributes::SERVER_PORT),
            (attributes::ERROR_TYPE),
        ],
        help: "GenAI operation duration.",
        buckets: DURATION_BUCKETS, max_series: 500,
    },
    TokenUsage {
        name: "gen_ai.client.token.usage", kind: Histogram, unit: "{token}",
        labels: [
            (attributes::OPERATION_NAME), (attributes::PROVIDER_NAME),
            (attributes::REQUEST_MODEL), (attributes::RESPONSE_MODEL),
            (attributes::SERVER_ADDRESS), (attributes::SERVER_PORT),
            (attributes::TOKEN_TYPE),
        ],
        help: "Number of input and output tokens used.",
        buckets: TOKEN_BUCKETS, max_series: 500,
    },
    TimeToFirstChunk {
        name: "gen_ai.client.operation.time_to_first_chunk", kind: Histogram, unit: "s",
        labels: [
            (attributes::OPERATION_NAME), (attributes::PROVIDER_NAME),
            (attributes::REQUEST_MODEL), (attributes::RESPONSE_MODEL),
            (attributes::SERVER_ADDRESS), (attributes::SERVER_PORT),
        ],
        help: "Time to receive the first chunk, measured from when the client issues the \
               generation request to when the first chunk is received in the response stream.",
        buckets: DURATION_BUCKETS, max_series: 300, streaming_only: true,
    },
    TimePerOutputChunk {
        name: "gen_ai.client.operation.time_per_output_chunk", kind: Histogram, unit: "s",
        labels: [
            (attributes::OPERATION_NAME), (attributes::PROVIDER_NAME),
            (attributes::REQUEST_MODEL), (attributes::RESPONSE_MODEL),
            (attributes::SERVER_ADDRESS), (attributes::SERVER_PORT),
        ],
        help: "Time per output chunk, recorded for each chunk received after the first one, \
               measured as the time elapsed from the end of the previous chunk to the end of \
               the current chunk.",
        buckets: DURATION_BUCKETS, max_series: 300, streaming_only: true,
    },
    // Recorded by `#[instrument_agent]` / `AgentRun`, `#[instrument_tool]` /
    // `ToolCall` and `#[instrument_workflow]`, with the value of the catalog's
    // duration histogram (the span's duration). No id is an attribute.
    InvokeAgentDuration {
        name: "gen_ai.invoke_agent.duration", kind: Histogram, unit: "s",
        labels: [(attributes::AGENT_NAME), (attributes::ERROR_TYPE)],
        help: "Duration of GenAI agent invocation operations.",
        category: Task, buckets: INVOKE_AGENT_BUCKETS, max_series: 300,
    },
    ExecuteToolDuration {
        name: "gen_ai.execute_tool.duration", kind: Histogram, unit: "s",
        labels: [
            (attributes::TOOL_NAME), (attributes::TOOL_TYPE): ToolType,
            (attributes::ERROR_TYPE),
        ],
        help: "Duration of GenAI tool execution operations.",
        category: Task, buckets: DURATION_BUCKETS, max_series: 600,
    },
    WorkflowDuration {
        name: "gen_ai.workflow.duration", kind: Histogram, unit: "s",
        labels: [(attributes::WORKFLOW_NAME), (attributes::ERROR_TYPE)],
        help: "Duration of GenAI workflow operations.",
        category: Workflow, buckets: WORKFLOW_BUCKETS, max_series: 600,
    },
}

/// The client metrics (`gen_ai.client.*`): the conventions' views of an LLM
/// call, each with the [`COMMON_ATTRIBUTES`] first.
///
/// ```
/// assert_eq!(autobot_otel_catalog::genai::client_metrics().count(), 4);
/// ```
pub fn client_metrics() -> impl Iterator<Item = &'static MetricDef<GenAiMetricId>> {
    GENAI_METRICS
        .iter()
        .filter(|d| d.name.starts_with("gen_ai.client."))
}

/// The attributes every GenAI metric has (the conventions'
/// `metric_attributes.gen_ai`), first in each [`MetricDef::labels`].
///
/// ```
/// use autobot_otel_catalog::genai::{client_metrics, COMMON_ATTRIBUTES};
/// assert!(client_metrics().all(|d| d.labels.starts_with(COMMON_ATTRIBUTES)));
/// ```
pub const COMMON_ATTRIBUTES: &[&str] = &[
    attributes::OPERATION_NAME,
    attributes::PROVIDER_NAME,
    attributes::REQUEST_MODEL,
    attributes::RESPONSE_MODEL,
    attributes::SERVER_ADDRESS,
    attributes::SERVER_PORT,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Naming;

    #[test]
    fn ids_index_their_entries_and_names_are_the_conventions() {
        for (i, def) in GENAI_METRICS.iter().enumerate() {
            assert_eq!(def.id as usize, i);
            assert!(def.name.starts_with("gen_ai."), "{}", def.name);
            assert!(def.buckets.windows(2).all(|w| w[0] < w[1]), "{}", def.name);
            assert!(def.labels.iter().all(|a| !a.is_empty()));
            if def.name.starts_with("gen_ai.client.") {
                assert!(
                    def.labels.starts_with(COMMON_ATTRIBUTES),
                    "required ones first"
                );
            } else {
                // Agent, tool and workflow durations: no id is an attribute.
                for id in [
                    attributes::AGENT_ID,
                    attributes::CONVERSATION_ID,
                    attributes::TOOL_CALL_ID,
                ] {
                    assert!(!def.labels.contains(&id), "{}", def.name);
                }
                assert_eq!(def.labels.last(), Some(&attributes::ERROR_TYPE));
            }
            assert_eq!(def.naming, Naming::OpenTelemetry);
            assert_eq!(def.vocabularies.len(), def.labels.len());
        }
        assert_eq!(DURATION_BUCKETS.len(), 14);
        assert_eq!(TOKEN_BUCKETS.len(), 14);
        assert_eq!(TOKEN_BUCKETS.last(), Some(&67108864.0));
        assert_eq!(INVOKE_AGENT_BUCKETS.len(), 13);
        assert_eq!(WORKFLOW_BUCKETS.len(), 11);
    }

    #[test]
    fn prometheus_names_are_the_standard_translation() {
        let names: Vec<String> = GENAI_METRICS.iter().map(|d| d.prometheus_name()).collect();
        assert_eq!(
            names,
            [
                "gen_ai_client_operation_duration_seconds",
                "gen_ai_client_token_usage",
                "gen_ai_client_operation_time_to_first_chunk_seconds",
                "gen_ai_client_operation_time_per_output_chunk_seconds",
                "gen_ai_invoke_agent_duration_seconds",
                "gen_ai_execute_tool_duration_seconds",
                "gen_ai_workflow_duration_seconds",
            ]
        );
        assert_eq!(
            crate::naming::label_name(attributes::TOKEN_TYPE, true),
            "gen_ai_token_type"
        );
        let translated: Vec<String> = GENAI_METRICS.iter().map(|d| d.translated_name()).collect();
        assert_eq!(translated, names);
    }
}
