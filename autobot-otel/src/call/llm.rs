//! What only LLM calls record: the response's usage, model and finish reasons
//! (tokens, cost, the span's `gen_ai.*` fields), the provider's address, the
//! error counter and the GenAI conventions' view of the call. [`Call`](super::Call)
//! and its [`Recorder`] do the rest (outcome, duration, active gauge).

use std::borrow::Cow;

use super::fields::EndFields;
use super::{CallOutcome, Recorder};
use crate::catalog::instrument::span_fields as field;
use crate::instrument::LlmUsage;
use crate::manager::MetricsManager;
use crate::manager::genai::GenAiCall;

/// What an LLM response reported: its usage, the model that answered and why it
/// stopped (a plain call's from its [`LlmUsage`] value, a stream's from its
/// chunks).
#[derive(Default)]
pub struct Response<'a> {
    pub(crate) usage: Option<&'a dyn LlmUsage>,
    pub(crate) model: Option<&'a str>,
    pub(crate) finish_reasons: Vec<&'a str>,
}

impl<'a> Response<'a> {
    /// Whether the response reported nothing (no usage, model or finish reasons).
    pub(super) fn is_empty(&self) -> bool {
        self.usage.is_none() && self.model.is_none() && self.finish_reasons.is_empty()
    }

    /// The response of a plain call: everything from its usage value.
    pub fn of(usage: Option<&'a dyn LlmUsage>) -> Response<'a> {
        Response {
            usage,
            model: usage.and_then(|u| u.response_model()),
            finish_reasons: usage.map(|u| u.finish_reasons()).unwrap_or_default(),
        }
    }
}

/// The provider's address of an LLM call (`server.address`, `server.port`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Server {
    address: Option<Cow<'static, str>>,
    port: Option<u16>,
}

impl Server {
    /// A known address (a literal or an expression's text) and port.
    pub fn new(address: Option<Cow<'static, str>>, port: Option<u16>) -> Server {
        Server {
            address: address.filter(|a| !a.is_empty()),
            port,
        }
    }

    /// The address, if known.
    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// The port, if known.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

impl Recorder {
    /// The GenAI view of this call.
    pub(super) fn genai_call<'a>(
        &'a self,
        server: &'a Server,
        model: Option<&'a str>,
    ) -> GenAiCall<'a> {
        GenAiCall {
            operation: self.arg("request_type"),
            provider: self.arg("provider"),
            request_model: self.arg("model"),
            response_model: model,
            server_address: server.address(),
            server_port: server.port(),
        }
    }

    /// A streaming call's first chunk, `seconds` after it started.
    pub(super) fn first_chunk(
        &self,
        m: &MetricsManager,
        seconds: f64,
        server: &Server,
        model: Option<&str>,
    ) {
        let Some(id) = self.spec.first_chunk else {
            return;
        };
        match self.site_series(m) {
            Some(site) => {
                let series = site
                    .first_chunk
                    .get_or_init(|| m.histogram_series(id, &self.values_for(id, None, None)));
                match series {
                    Some(series) => m.record_to(series, seconds),
                    None => m.drop_measurement(),
                }
            }
            None => m.observe_values(id, seconds, &self.values_for(id, None, None)),
        }
        if let Some(genai) = m.genai() {
            genai.first_chunk(m.diagnostics(), &self.genai_call(server, model), seconds);
        }
    }

    /// The LLM-only part of a call's end: the error counter (LLM calls have
    /// one), the GenAI operation duration, and the tokens and cost the response
    /// reported.
    #[inline]
    pub(super) fn end_llm(
        &self,
        m: &MetricsManager,
        outcome: &CallOutcome,
        seconds: f64,
        response: &Response<'_>,
        server: &Server,
    ) {
        let spec = self.spec;
        let error_type = match outcome {
            CallOutcome::Success => None,
            CallOutcome::Failure(e) => Some(e.as_ref()),
            CallOutcome::Cancelled => Some(crate::labels::Outcome::Cancelled.as_str()),
        };
        if let (Some(errors), Some(error_type)) = (spec.errors, error_type) {
            m.count_values(errors, 1, &self.values_for(errors, None, Some(error_type)));
        }
        // The GenAI view of the same call, when the pipeline records it.
        let genai = m
            .genai()
            .filter(|_| spec.genai)
            .map(|genai| (genai, self.genai_call(server, response.model)));
        if let Some((genai, call)) = &genai {
            genai.operation(m.diagnostics(), call, seconds, error_type);
        }
        if let Some(usage) = response.usage {
            let (provider, model) = (self.arg("provider"), self.arg("model"));
            let (input, output) = (usage.input_tokens(), usage.output_tokens());
            m.count_llm_tokens(provider, model, input, output);
            if let Some(cost) = usage.cost_dollars() {
                m.record_llm_cost(provider, model, cost);
            }
            if let Some((genai, call)) = &genai {
                genai.tokens(m.diagnostics(), call, input, output);
            }
        }
    }
}

/// The response's model and usage among the call's end-of-call span fields
/// (its finish reasons: [`record_finish_reasons`]). An embeddings call's span
/// has its input tokens only (the conventions' `gen_ai.embeddings.client` span
/// defines no output, cache or reasoning tokens and no finish reasons).
pub(super) fn response_fields<'a>(
    end: &mut EndFields<'a>,
    response: &Response<'a>,
    embeddings: bool,
) {
    if let Some(model) = response.model {
        end.str(field::RESPONSE_MODEL, model);
    }
    let Some(usage) = response.usage else {
        return;
    };
    end.u64(field::INPUT_TOKENS, usage.input_tokens());
    if embeddings {
        return;
    }
    end.u64(field::OUTPUT_TOKENS, usage.output_tokens());
    let details = [
        (field::CACHE_READ_TOKENS, usage.cache_read_input_tokens()),
        (
            field::CACHE_CREATION_TOKENS,
            usage.cache_creation_input_tokens(),
        ),
        (field::REASONING_TOKENS, usage.reasoning_output_tokens()),
    ];
    for (field, value) in details {
        if let Some(value) = value {
            end.u64(field, value);
        }
    }
}

/// `gen_ai.response.finish_reasons`, a string array: set on the OpenTelemetry
/// span directly (a `tracing` field cannot hold an array).
#[cfg(feature = "_otlp")]
pub(super) fn record_finish_reasons(span: &tracing::Span, reasons: &[&str]) {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    if !reasons.is_empty() {
        let values: Vec<opentelemetry::StringValue> =
            reasons.iter().map(|r| r.to_string().into()).collect();
        span.set_attribute(
            field::FINISH_REASONS,
            opentelemetry::Value::Array(values.into()),
        );
    }
}

/// Without OTLP no span is exported: nothing to set.
#[cfg(not(feature = "_otlp"))]
pub(super) fn record_finish_reasons(_span: &tracing::Span, _reasons: &[&str]) {}
