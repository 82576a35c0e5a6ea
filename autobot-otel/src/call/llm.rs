//! What only LLM calls record: the response's usage, model and finish reasons
//! (tokens, cost, the span's `gen_ai.*` fields), the provider's address, the
//! error counter and the GenAI conventions' view of the call. [`Call`](super::Call)
//! and its [`Recorder`] do the rest (outcome, duration, active gauge).

use std::borrow::Cow;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::fields::EndFields;
use super::{CallOutcome, Recorder, SiteSeries};
use crate::catalog::MetricId;
use crate::catalog::instrument::span_fields as field;
use crate::instrument::LlmUsage;
use crate::labels::CostType;
use crate::manager::MetricsManager;
use crate::manager::genai::GenAiCall;
use crate::pricing::Resolved;
use crate::pricing::{CallCost, CostSource, Tokens};

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

/// What a constant LLM call site resolved its price to (in one pipeline):
/// the response model it was resolved for, its prices (or none: unpriced)
/// and its unpriced counter. A call whose response names another model
/// resolves through the price book's cache instead.
pub(super) struct SitePrice {
    response_model: Option<Box<str>>,
    resolved: Option<Arc<Resolved>>,
    unpriced: OnceLock<Arc<AtomicU64>>,
}

impl Recorder {
    /// The cost of a constant site's call: its price resolved once per site
    /// (while the response names the same model) and its cost series kept, so
    /// a priced call hashes nothing.
    #[inline]
    fn site_cost(
        &self,
        m: &MetricsManager,
        site: &SiteSeries,
        response_model: Option<&str>,
        tokens: Tokens,
    ) -> Option<f64> {
        let (provider, model) = (self.arg("provider"), self.arg("model"));
        let book = m.pricing();
        let kept = site.price.get_or_init(|| SitePrice {
            response_model: response_model.map(Into::into),
            resolved: book.price(provider, model, response_model),
            unpriced: OnceLock::new(),
        });
        let looked_up;
        let resolved = if kept.response_model.as_deref() == response_model {
            kept.resolved.as_deref()
        } else {
            looked_up = book.price(provider, model, response_model);
            looked_up.as_deref()
        };
        let Some(resolved) = resolved else {
            if kept.response_model.as_deref() == response_model {
                kept.unpriced
                    .get_or_init(|| book.unpriced.counter(provider, model))
                    .fetch_add(1, Ordering::Relaxed);
            } else {
                book.count_unpriced(provider, model);
            }
            return None;
        };
        Some(
            m.cost_of(provider, model, resolved, tokens, |kind, dollars| {
                let slot = CostType::ALL
                    .iter()
                    .position(|k| *k == kind)
                    .and_then(|i| site.cost.get(i));
                let series = slot.and_then(|slot| {
                    slot.get_or_init(|| {
                        m.float_series(
                            MetricId::LlmCostDollarsTotal,
                            &[provider, model, kind.as_str()],
                        )
                    })
                    .as_ref()
                });
                match series {
                    Some(series) => m.add_float_to(series, dollars),
                    None => m.drop_measurement(),
                }
            }),
        )
    }

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
    /// reported: the cost it gave, else the price table's ([`crate::pricing`]).
    /// Gives the call's cost, when it has one.
    #[inline]
    pub(super) fn end_llm(
        &self,
        m: &MetricsManager,
        outcome: &CallOutcome,
        seconds: f64,
        response: &Response<'_>,
        server: &Server,
    ) -> Option<CallCost> {
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
            if let Some((genai, call)) = &genai {
                genai.tokens(m.diagnostics(), call, input, output);
            }
            return match usage.cost_dollars() {
                // A cost the caller gives wins: the table is not consulted.
                Some(amount) => {
                    m.record_llm_cost(provider, model, amount);
                    (0.0..=crate::MAX_MEASUREMENT)
                        .contains(&amount)
                        .then_some(CallCost {
                            amount,
                            source: CostSource::Provider,
                        })
                }
                None => {
                    let tokens = Tokens::of(usage, self.is_embeddings());
                    let amount = match self.site_series(m) {
                        Some(site) => self.site_cost(m, site, response.model, tokens),
                        None => m.price_llm_call(provider, model, response.model, tokens, true),
                    };
                    // A total past the largest amount recorded (absurd prices)
                    // was dropped from the series: not on the span either.
                    amount
                        .filter(|a| (0.0..=crate::MAX_MEASUREMENT).contains(a))
                        .map(|amount| CallCost {
                            amount,
                            source: CostSource::Local,
                        })
                }
            };
        }
        None
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

/// A call's cost on its span: `gen_ai.usage.cost.*` on an LLM call's span
/// (with its source), `autobot.usage.cost.*` (the roll-up) on an agent's or a
/// workflow's. Set on the OpenTelemetry span directly (declared by no
/// `tracing` span); provisional names (semantic-conventions-genai#443).
#[cfg(feature = "_otlp")]
pub(super) fn record_cost(span: &tracing::Span, amount: f64, source: Option<&'static str>) {
    use crate::catalog::instrument::span_fields as f;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    let (amount_key, currency_key) = match source {
        Some(_) => (f::COST_AMOUNT, f::COST_CURRENCY),
        None => (f::ROLLUP_COST_AMOUNT, f::ROLLUP_COST_CURRENCY),
    };
    span.set_attribute(amount_key, amount);
    span.set_attribute(currency_key, crate::pricing::CURRENCY);
    if let Some(source) = source {
        span.set_attribute(f::COST_SOURCE, source);
    }
}

/// Without OTLP no span is exported: nothing to set.
#[cfg(not(feature = "_otlp"))]
pub(super) fn record_cost(_span: &tracing::Span, _amount: f64, _source: Option<&'static str>) {}
