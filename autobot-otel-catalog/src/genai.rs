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
//! ([`GenAiMetric::prometheus_name`]).
//!
//! ```
//! use autobot_otel_catalog::genai::{GenAiMetricId, GENAI_METRICS};
//!
//! let duration = GenAiMetricId::OperationDuration.def();
//! assert_eq!(duration.name, "gen_ai.client.operation.duration");
//! assert_eq!(duration.prometheus_name(), "gen_ai_client_operation_duration_seconds");
//! assert_eq!(GenAiMetricId::TokenUsage.def().prometheus_name(), "gen_ai_client_token_usage");
//! assert_eq!(GENAI_METRICS.len(), 4);
//! ```

use crate::unit_suffix;

/// Attribute keys of the conventions that these metrics (and the LLM spans) carry.
pub mod attr {
    /// `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, ... (the
    /// `request_type` label of the `autobot_llm_*` families).
    pub const OPERATION_NAME: &str = "gen_ai.operation.name";
    /// `gen_ai.provider.name` (the `provider` label).
    pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
    /// `gen_ai.request.model` (the `model` label).
    pub const REQUEST_MODEL: &str = "gen_ai.request.model";
    /// `gen_ai.response.model`: the model that answered, when the response says.
    pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
    /// `server.address`: the provider's host, when known.
    pub const SERVER_ADDRESS: &str = "server.address";
    /// `server.port`: set when `server.address` is.
    pub const SERVER_PORT: &str = "server.port";
    /// `error.type`: the class of error a failed call ended with (absent on success).
    pub const ERROR_TYPE: &str = "error.type";
    /// `gen_ai.token.type`: `input` or `output` (token usage only).
    pub const TOKEN_TYPE: &str = "gen_ai.token.type";
}

/// The `error.type` value the conventions reserve for an error with no better name.
pub const OTHER_ERROR: &str = "_OTHER";

/// The conventions' advisory boundaries of the three duration histograms (s).
pub const DURATION_BUCKETS: &[f64] = &[
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// The conventions' advisory boundaries of `gen_ai.client.token.usage`.
pub const TOKEN_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// One metric of the conventions.
#[derive(Debug, PartialEq)]
pub struct GenAiMetric {
    /// The typed identifier.
    pub id: GenAiMetricId,
    /// The OpenTelemetry instrument name (the contract).
    pub name: &'static str,
    /// The UCUM unit.
    pub unit: &'static str,
    /// The description (the conventions' brief).
    pub help: &'static str,
    /// The advisory explicit bucket boundaries.
    pub buckets: &'static [f64],
    /// The attribute keys a data point may carry, required ones first. Keys
    /// without a known value are left out (never written as `unknown`).
    pub attributes: &'static [&'static str],
    /// Recorded for streaming calls only (the conventions: "SHOULD NOT be
    /// reported otherwise").
    pub streaming_only: bool,
    /// The series limit (attribute sets kept; more go to the overflow series).
    pub max_series: usize,
}

impl GenAiMetric {
    /// The Prometheus name the standard OTLP-to-Prometheus translation gives:
    /// characters outside `[a-zA-Z0-9_:]` become `_`, then the unit's suffix
    /// (`s` → `_seconds`; units in braces add none). Histograms get no `_total`.
    ///
    /// ```
    /// use autobot_otel_catalog::genai::GenAiMetricId;
    /// assert_eq!(
    ///     GenAiMetricId::TimeToFirstChunk.def().prometheus_name(),
    ///     "gen_ai_client_operation_time_to_first_chunk_seconds"
    /// );
    /// ```
    pub fn prometheus_name(&self) -> String {
        let mut name = prometheus_key(self.name);
        if let Some(suffix) = unit_suffix(self.unit) {
            name.push('_');
            name.push_str(suffix);
        }
        name
    }
}

/// An attribute key as the Prometheus exposition writes it as a label name
/// (`gen_ai.token.type` → `gen_ai_token_type`).
///
/// ```
/// assert_eq!(autobot_otel_catalog::genai::prometheus_key("server.address"), "server_address");
/// ```
pub fn prometheus_key(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Typed identifier of each GenAI metric; `id.def()` gives its definition.
///
/// ```
/// use autobot_otel_catalog::genai::GenAiMetricId;
/// assert!(GenAiMetricId::TimePerOutputChunk.def().streaming_only);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GenAiMetricId {
    /// `gen_ai.client.operation.duration`.
    OperationDuration,
    /// `gen_ai.client.token.usage`.
    TokenUsage,
    /// `gen_ai.client.operation.time_to_first_chunk`.
    TimeToFirstChunk,
    /// `gen_ai.client.operation.time_per_output_chunk`.
    TimePerOutputChunk,
}

impl GenAiMetricId {
    /// The definition.
    pub fn def(self) -> &'static GenAiMetric {
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

/// Attributes of every GenAI metric (the conventions' `metric_attributes.gen_ai`).
const COMMON: [&str; 6] = [
    attr::OPERATION_NAME,
    attr::PROVIDER_NAME,
    attr::REQUEST_MODEL,
    attr::RESPONSE_MODEL,
    attr::SERVER_ADDRESS,
    attr::SERVER_PORT,
];

const fn with<const N: usize>(extra: &'static str) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < COMMON.len() {
        out[i] = COMMON[i];
        i += 1;
    }
    out[i] = extra;
    out
}

const DURATION_ATTRIBUTES: [&str; 7] = with::<7>(attr::ERROR_TYPE);
const TOKEN_ATTRIBUTES: [&str; 7] = with::<7>(attr::TOKEN_TYPE);

/// The four client metrics, in [`GenAiMetricId`] order.
pub static GENAI_METRICS: &[GenAiMetric] = &[
    GenAiMetric {
        id: GenAiMetricId::OperationDuration,
        name: "gen_ai.client.operation.duration",
        unit: "s",
        help: "GenAI operation duration.",
        buckets: DURATION_BUCKETS,
        attributes: &DURATION_ATTRIBUTES,
        streaming_only: false,
        max_series: 500,
    },
    GenAiMetric {
        id: GenAiMetricId::TokenUsage,
        name: "gen_ai.client.token.usage",
        unit: "{token}",
        help: "Number of input and output tokens used.",
        buckets: TOKEN_BUCKETS,
        attributes: &TOKEN_ATTRIBUTES,
        streaming_only: false,
        max_series: 500,
    },
    GenAiMetric {
        id: GenAiMetricId::TimeToFirstChunk,
        name: "gen_ai.client.operation.time_to_first_chunk",
        unit: "s",
        help: "Time to receive the first chunk, measured from when the client issues the \
               generation request to when the first chunk is received in the response stream.",
        buckets: DURATION_BUCKETS,
        attributes: &COMMON,
        streaming_only: true,
        max_series: 300,
    },
    GenAiMetric {
        id: GenAiMetricId::TimePerOutputChunk,
        name: "gen_ai.client.operation.time_per_output_chunk",
        unit: "s",
        help: "Time per output chunk, recorded for each chunk received after the first one, \
               measured as the time elapsed from the end of the previous chunk to the end of \
               the current chunk.",
        buckets: DURATION_BUCKETS,
        attributes: &COMMON,
        streaming_only: true,
        max_series: 300,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_index_their_entries_and_names_are_the_conventions() {
        for (i, def) in GENAI_METRICS.iter().enumerate() {
            assert_eq!(def.id as usize, i);
            assert!(def.name.starts_with("gen_ai.client."), "{}", def.name);
            assert!(def.buckets.windows(2).all(|w| w[0] < w[1]), "{}", def.name);
            assert!(def.attributes.iter().all(|a| !a.is_empty()));
            assert_eq!(&def.attributes[..3], &COMMON[..3], "required ones first");
        }
        assert_eq!(DURATION_BUCKETS.len(), 14);
        assert_eq!(TOKEN_BUCKETS.len(), 14);
        assert_eq!(TOKEN_BUCKETS.last(), Some(&67108864.0));
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
            ]
        );
        assert_eq!(prometheus_key(attr::TOKEN_TYPE), "gen_ai_token_type");
    }
}
