//! The OpenTelemetry GenAI conventions' client metrics
//! ([`crate::catalog::genai`]), recorded next to the `autobot_llm_*` families by
//! the same calls when they are turned on
//! ([`crate::TelemetryBuilder::with_genai_metrics`]).
//!
//! Each metric records through a series table like the catalog's (the same
//! [`SeriesTable`] and histogram series), so it keeps at most its series limit
//! and folds the rest into one `otel.metric.overflow = true` series. A data
//! point carries the conventions' attributes; one whose value is not known
//! (response model, server address, ...) is left out, never written as
//! `unknown`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use opentelemetry::metrics::{Histogram, Meter};
use opentelemetry::{KeyValue, StringValue, Value};

use super::instruments::{Bind, HistogramSeries, SeriesConfig, valid_measurement};
use super::series::{Key, SeriesTable};
use crate::catalog::genai::{GENAI_METRICS, GenAiMetricId, OTHER_ERROR};
use crate::diagnostics::{self, Diagnostics};
use crate::exemplars::ExemplarFilter;
use crate::labels::{EMPTY_LABEL_VALUE, TokenType};
use autobot_otel_catalog::MetricDef;
use autobot_otel_catalog::attributes as attr;
use autobot_otel_catalog::genai::operation_name;

/// The conventions' `error.type` of an outcome that carries no error type of
/// its own (the typed API's): none for a success, `_OTHER` for a failure,
/// `cancelled` for a cancelled call (as the attributes write for a dropped call).
pub(crate) fn outcome_error_type(status: crate::labels::Outcome) -> &'static str {
    use crate::labels::Outcome;
    match status {
        Outcome::Success => "",
        Outcome::Failed => OTHER_ERROR,
        Outcome::Cancelled => Outcome::Cancelled.as_str(),
    }
}

/// The call a GenAI data point describes: the conventions' common attributes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct GenAiCall<'a> {
    /// `gen_ai.operation.name`: the `request_type` label as given (mapped to
    /// the conventions' operation when recorded).
    pub(crate) operation: &'a str,
    /// `gen_ai.provider.name` (the `provider` label).
    pub(crate) provider: &'a str,
    /// `gen_ai.request.model` (the `model` label).
    pub(crate) request_model: &'a str,
    /// `gen_ai.response.model`, when the response said.
    pub(crate) response_model: Option<&'a str>,
    /// `server.address`, when known.
    pub(crate) server_address: Option<&'a str>,
    /// `server.port`, when known (written only with an address).
    pub(crate) server_port: Option<u16>,
}

/// The attributes that may be left out (the others are required).
fn optional(key: &str) -> bool {
    matches!(
        key,
        attr::RESPONSE_MODEL | attr::SERVER_ADDRESS | attr::SERVER_PORT | attr::ERROR_TYPE
    )
}

/// One GenAI histogram and its series.
struct GenAiInstrument {
    def: &'static MetricDef<GenAiMetricId>,
    histogram: Histogram<f64>,
    table: SeriesTable<HistogramSeries>,
    overflow: OnceLock<Arc<HistogramSeries>>,
    limit_reached: AtomicBool,
    /// No exemplars: the exposition serves them for the catalog's families.
    config: SeriesConfig,
}

impl GenAiInstrument {
    /// The series of a key: its values under the metric's attribute keys, the
    /// unknown optional ones left out, the port as an integer, sorted by key.
    fn make(&self, key: Key) -> HistogramSeries {
        let mut attrs: Vec<KeyValue> = self
            .def
            .labels
            .iter()
            .zip(key.values())
            .filter(|(k, v)| !(optional(k) && *v == EMPTY_LABEL_VALUE))
            .map(|(k, v)| match (*k, v.parse::<i64>()) {
                (attr::SERVER_PORT, Ok(port)) => KeyValue::new(*k, port),
                _ => KeyValue::new(*k, Value::String(StringValue::from(v.to_owned()))),
            })
            .collect();
        attrs.sort_unstable_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
        self.histogram.make(key, &attrs, &self.config)
    }

    fn overflow(&self) -> &Arc<HistogramSeries> {
        self.overflow.get_or_init(|| {
            Arc::new(self.histogram.make(
                Key::default(),
                &[KeyValue::new(attr::METRIC_OVERFLOW, true)],
                &self.config,
            ))
        })
    }

    /// Reports the limit once: a warning under [`diagnostics::CARDINALITY`].
    fn limit_reached(&self) {
        if !self.limit_reached.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: diagnostics::CARDINALITY,
                metric = self.def.name,
                limit = self.def.max_series,
                "series limit reached: `{}` has too many distinct attribute sets; further \
                 ones are folded into one overflow series (otel.metric.overflow=true)",
                self.def.name
            );
        }
    }
}

/// The GenAI histograms of one pipeline (the four client ones, the agent, tool
/// and workflow durations).
pub(crate) struct GenAiMetrics {
    instruments: Box<[GenAiInstrument]>,
}

impl GenAiMetrics {
    /// Builds the histograms on `meter`, with the conventions' advisory buckets.
    pub(crate) fn new(meter: &Meter) -> GenAiMetrics {
        let instruments = GENAI_METRICS
            .iter()
            .map(|def| GenAiInstrument {
                def,
                histogram: meter
                    .f64_histogram(def.name)
                    .with_unit(def.unit)
                    .with_description(def.help)
                    .with_boundaries(def.buckets.to_vec())
                    .build(),
                table: SeriesTable::new(def.max_series),
                config: SeriesConfig {
                    exemplars: ExemplarFilter::AlwaysOff,
                    bounds: Arc::from([]),
                },
                overflow: OnceLock::new(),
                limit_reached: AtomicBool::new(false),
            })
            .collect();
        GenAiMetrics { instruments }
    }

    fn instrument(&self, id: GenAiMetricId) -> &GenAiInstrument {
        &self.instruments[id as usize]
    }

    /// Records `value` (dropped and counted if invalid) with these attribute values.
    fn record(&self, d: &Diagnostics, id: GenAiMetricId, values: &[&str], value: f64) {
        if !valid_measurement(value) {
            return d.drop_measurement();
        }
        let instrument = self.instrument(id);
        let recorded =
            instrument
                .table
                .with(values, |key| instrument.make(key), |s| s.record(value));
        if recorded.is_err() {
            instrument.limit_reached();
            instrument.overflow().record(value);
        }
    }

    /// `gen_ai.client.operation.duration`; `error_type` for a failed call.
    pub(crate) fn operation(
        &self,
        d: &Diagnostics,
        call: &GenAiCall<'_>,
        seconds: f64,
        error_type: Option<&str>,
    ) {
        let error = error_type.map(|e| match e {
            "" | EMPTY_LABEL_VALUE => OTHER_ERROR,
            e => e,
        });
        with_values(call, error.unwrap_or(""), |values| {
            self.record(d, GenAiMetricId::OperationDuration, values, seconds)
        });
    }

    /// A duration histogram of an agent invocation, tool call or workflow
    /// (`gen_ai.invoke_agent.duration`, ...): `values` in the metric's attribute
    /// order, `error.type` (last) empty on success.
    pub(crate) fn duration(
        &self,
        d: &Diagnostics,
        id: GenAiMetricId,
        values: &[&str],
        seconds: f64,
    ) {
        self.record(d, id, values, seconds);
    }

    /// `gen_ai.client.token.usage`, one data point per direction; an
    /// `embeddings` call's input tokens only (it has no output tokens).
    pub(crate) fn tokens(&self, d: &Diagnostics, call: &GenAiCall<'_>, input: u64, output: u64) {
        let directions = if operation_name(call.operation) == "embeddings" {
            &[(TokenType::Input, input)][..]
        } else {
            &[(TokenType::Input, input), (TokenType::Output, output)][..]
        };
        for &(token_type, tokens) in directions {
            with_values(call, token_type.as_str(), |values| {
                self.record(d, GenAiMetricId::TokenUsage, values, tokens as f64)
            });
        }
    }

    /// `gen_ai.client.operation.time_to_first_chunk`.
    pub(crate) fn first_chunk(&self, d: &Diagnostics, call: &GenAiCall<'_>, seconds: f64) {
        with_values(call, "", |values| {
            self.record(d, GenAiMetricId::TimeToFirstChunk, &values[..6], seconds)
        });
    }

    /// The `gen_ai.client.operation.time_per_output_chunk` series of `call`, kept
    /// by a stream for its chunks (the overflow series past the limit).
    pub(crate) fn chunk_series(&self, call: &GenAiCall<'_>) -> Arc<HistogramSeries> {
        let instrument = self.instrument(GenAiMetricId::TimePerOutputChunk);
        with_values(call, "", |values| {
            instrument
                .table
                .get_or_insert(&values[..6], |key| instrument.make(key))
                .unwrap_or_else(|_| {
                    instrument.limit_reached();
                    instrument.overflow().clone()
                })
        })
    }

    /// Series of each metric now (tests).
    #[cfg(test)]
    fn len(&self, id: GenAiMetricId) -> usize {
        self.instrument(id).table.len()
    }
}

/// Runs `f` on the attribute values of `call` in table order (the common
/// attributes, then `extra`), `""` for the unknown ones. The operation is the
/// conventions' ([`operation_name`]: `completion` → `text_completion`), on
/// every path (the attributes, the guards, the typed methods).
fn with_values<R>(call: &GenAiCall<'_>, extra: &str, f: impl FnOnce(&[&str; 7]) -> R) -> R {
    let mut port = itoa::Buffer::new();
    let address = call.server_address.unwrap_or("");
    let port = match call.server_port {
        Some(p) if !address.is_empty() => port.format(p),
        _ => "",
    };
    f(&[
        operation_name(call.operation),
        call.provider,
        call.request_model,
        call.response_model.unwrap_or(""),
        address,
        port,
        extra,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::metrics::MeterProvider as _;

    #[test]
    fn unknown_optional_attributes_are_left_out_and_limits_fold() {
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
        let genai = GenAiMetrics::new(&provider.meter("t"));
        let d = Diagnostics::default();
        let call = GenAiCall {
            operation: "chat",
            provider: "openai",
            request_model: "gpt-4o",
            ..GenAiCall::default()
        };
        genai.operation(&d, &call, 0.5, None);
        genai.operation(&d, &call, 0.5, Some(""));
        genai.operation(&d, &call, -1.0, None);
        assert_eq!(genai.len(GenAiMetricId::OperationDuration), 2);
        assert_eq!(d.dropped(), 1);
        let series = genai.chunk_series(&GenAiCall {
            server_address: Some("api.openai.com"),
            server_port: Some(443),
            ..call
        });
        use super::super::series::Series as _;
        let key: Vec<&str> = series.key().values().collect();
        assert_eq!(
            key,
            [
                "chat",
                "openai",
                "gpt-4o",
                "unknown",
                "api.openai.com",
                "443"
            ]
        );
    }
}
