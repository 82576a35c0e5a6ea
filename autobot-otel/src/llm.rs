//! Category 6, LLM providers: requests and latency, tokens, cost, errors, rate
//! limit, availability.
//!
//! `autobot_llm_requests_total` has no status label, so [`MetricsManager::record_llm_request`]
//! takes none: it counts every request whatever its outcome, and failures are
//! counted once, by [`MetricsManager::record_llm_error`] with their `error_type`.
//!
//! With the GenAI conventions' metrics on
//! ([`crate::TelemetryBuilder::with_genai_metrics`]), `record_llm_request` also
//! records `gen_ai.client.operation.duration` (operation = `request_type`) and
//! `record_llm_tokens` records `gen_ai.client.token.usage` (operation `chat`: a
//! token count alone does not say; the attributes and [`LlmCall`] know it).
//!
//! Calls and streams timed as they happen: [`LlmCall`] (hand-written code) and
//! [`LlmStream`], what `#[instrument_llm]` uses too (see the README's "Streaming
//! LLM calls").

use crate::catalog::MetricId;
use crate::labels::{CostType, TokenType};
use crate::manager::genai::GenAiCall;
use crate::manager::{IntoSeconds, MetricsManager};
use crate::pricing;

mod stream;

#[doc(hidden)]
pub use stream::ChunkReport;
pub use stream::{LlmCall, LlmStream};

impl MetricsManager {
    /// Records one LLM request (`request_type`: `completion`, `chat`, `embedding`, ...).
    ///
    /// Series: `autobot_llm_requests_total{provider, model, request_type}` += 1 and
    /// `autobot_llm_request_latency_seconds{provider, model}` observes `latency`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_llm_request("openai", "gpt-4", "completion", 2.4);
    /// ```
    pub fn record_llm_request(
        &self,
        provider: &str,
        model: &str,
        request_type: &str,
        latency: impl IntoSeconds,
    ) {
        self.count(
            MetricId::LlmRequestsTotal,
            1,
            [provider, model, request_type],
        );
        let seconds = latency.into_seconds();
        self.observe(
            MetricId::LlmRequestLatencySeconds,
            seconds,
            [provider, model],
        );
        if let Some(genai) = self.genai() {
            let call = GenAiCall {
                operation: request_type,
                provider,
                request_model: model,
                ..GenAiCall::default()
            };
            genai.operation(self.diagnostics(), &call, seconds, None);
        }
    }

    /// Records the tokens of one request (pass 0 for a direction you do not know:
    /// adding 0 changes no total).
    ///
    /// Series: `autobot_llm_tokens_total{provider, model, token_type}` += `input_tokens`
    /// (`token_type="input"`) and += `output_tokens` (`token_type="output"`).
    /// With a price table ([`crate::pricing`]) that prices `model` at
    /// `provider`, also `autobot_llm_cost_dollars_total{cost_type="input"}` and
    /// `{cost_type="output"}` at its prices (do not record this request's cost
    /// by hand then). It never counts an unpriced call: it cannot know whether
    /// you record the cost separately ([`MetricsManager::record_llm_cost`]).
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_llm_tokens("openai", "gpt-4", 1200, 350);
    /// ```
    #[doc(alias = "record_llm_token_count")]
    pub fn record_llm_tokens(
        &self,
        provider: &str,
        model: &str,
        input_tokens: u64,
        output_tokens: u64,
    ) {
        self.count_llm_tokens(provider, model, input_tokens, output_tokens);
        let tokens = crate::pricing::Tokens {
            input: input_tokens,
            output: output_tokens,
            ..Default::default()
        };
        let (provider_label, model_label) = (
            crate::labels::clean_label_value(provider),
            crate::labels::clean_label_value(model),
        );
        self.price_llm_call(provider_label, model_label, None, tokens, false);
        if let Some(genai) = self.genai() {
            let call = GenAiCall {
                operation: "chat",
                provider,
                request_model: model,
                ..GenAiCall::default()
            };
            genai.tokens(self.diagnostics(), &call, input_tokens, output_tokens);
        }
    }

    /// Prices one call's `tokens` from the table (the response model's prices,
    /// else the request model's), records each kind with tokens as
    /// `autobot_llm_cost_dollars_total{provider, model, cost_type}` and gives
    /// the total; an unpriced call records no cost, is counted in
    /// `autobot_otel_unpriced_llm_calls_total{provider, model}` (when
    /// `count_unpriced`) and gives `None`.
    pub(crate) fn price_llm_call(
        &self,
        provider: &str,
        model: &str,
        response_model: Option<&str>,
        tokens: pricing::Tokens,
        count_unpriced: bool,
    ) -> Option<f64> {
        let book = self.pricing();
        let Some(resolved) = book.price(provider, model, response_model) else {
            if count_unpriced {
                book.count_unpriced(provider, model);
            }
            return None;
        };
        Some(
            self.cost_of(provider, model, &resolved, tokens, |kind, dollars| {
                self.count_f64(
                    MetricId::LlmCostDollarsTotal,
                    dollars,
                    [provider, model, kind.as_str()],
                )
            }),
        )
    }

    /// The cost of `tokens` at `resolved`'s prices: each kind with tokens
    /// given to `add` (US dollars), clamped usage counted as dropped and
    /// logged once per model; gives the total.
    #[inline]
    pub(crate) fn cost_of(
        &self,
        provider: &str,
        model: &str,
        resolved: &pricing::Resolved,
        tokens: pricing::Tokens,
        mut add: impl FnMut(CostType, f64),
    ) -> f64 {
        let rates = resolved.rates(tokens.input);
        let (parts, clamped) = pricing::split(tokens);
        if clamped {
            self.drop_measurement();
            if !resolved
                .warned
                .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                tracing::warn!(
                    target: crate::diagnostics::API,
                    provider,
                    model,
                    input_tokens = tokens.input,
                    cache_read_input_tokens = tokens.cache_read,
                    cache_creation_input_tokens = tokens.cache_write,
                    output_tokens = tokens.output,
                    reasoning_output_tokens = tokens.reasoning,
                    "LLM usage whose cache or reasoning tokens exceed their total: clamped to the total and priced (counted as a dropped measurement; logged once per model)"
                );
            }
        }
        let mut total = 0.0;
        for (kind, n) in parts {
            if n > 0 {
                let dollars = n as f64 * pricing::rate(rates, kind) / 1_000_000.0;
                total += dollars;
                add(kind, dollars);
            }
        }
        total
    }

    /// `autobot_llm_tokens_total` alone (the attributes record the GenAI view
    /// themselves, with the call's operation).
    pub(crate) fn count_llm_tokens(
        &self,
        provider: &str,
        model: &str,
        input_tokens: u64,
        output_tokens: u64,
    ) {
        for (token_type, tokens) in [
            (TokenType::Input, input_tokens),
            (TokenType::Output, output_tokens),
        ] {
            self.count(
                MetricId::LlmTokensTotal,
                tokens,
                [provider, model, token_type.as_str()],
            );
        }
    }

    /// Records the estimated cost of a request, not split by direction.
    ///
    /// Series: `autobot_llm_cost_dollars_total{provider, model, cost_type="total"}` += `cost_dollars`
    /// (NaN, infinite or negative amounts are dropped).
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_llm_cost("openai", "gpt-4", 0.03);
    /// ```
    pub fn record_llm_cost(&self, provider: &str, model: &str, cost_dollars: f64) {
        self.record_llm_cost_by_type(provider, model, CostType::Total, cost_dollars);
    }

    /// Records an estimated cost of one kind (see [`CostType`] on summing).
    ///
    /// Series: `autobot_llm_cost_dollars_total{provider, model, cost_type}` += `cost_dollars`.
    ///
    /// ```
    /// use autobot_otel::labels::CostType;
    /// autobot_otel::get_metrics_manager().record_llm_cost_by_type("openai", "gpt-4", CostType::Input, 0.012);
    /// ```
    pub fn record_llm_cost_by_type(
        &self,
        provider: &str,
        model: &str,
        cost_type: CostType,
        cost_dollars: f64,
    ) {
        self.count_f64(
            MetricId::LlmCostDollarsTotal,
            cost_dollars,
            [provider, model, cost_type.as_str()],
        );
    }

    /// Records a failed LLM call (`error_type`: `rate_limit`, `timeout`, `server_error`, ...).
    ///
    /// Series: `autobot_llm_errors_total{provider, error_type}` += 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_llm_error("openai", "rate_limit");
    /// ```
    pub fn record_llm_error(&self, provider: &str, error_type: &str) {
        self.count(MetricId::LlmErrorsTotal, 1, [provider, error_type]);
    }

    /// Sets the remaining requests of a provider's rate limit.
    ///
    /// Series: `autobot_llm_rate_limit_remaining{provider}` = `remaining`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_llm_rate_limit("openai", 450);
    /// ```
    pub fn set_llm_rate_limit(&self, provider: &str, remaining: u64) {
        self.set(
            MetricId::LlmRateLimitRemaining,
            remaining as f64,
            [provider],
        );
    }

    /// Records a streaming call's time to its first chunk (an extension beyond
    /// the guide; `#[instrument_llm]` and [`LlmStream`] record it themselves).
    ///
    /// Series: `autobot_llm_time_to_first_token_seconds{provider, model}` observes
    /// `latency`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_llm_time_to_first_token("openai", "gpt-4o", 0.42);
    /// ```
    pub fn record_llm_time_to_first_token(
        &self,
        provider: &str,
        model: &str,
        latency: impl IntoSeconds,
    ) {
        self.observe(
            MetricId::LlmTimeToFirstTokenSeconds,
            latency.into_seconds(),
            [provider, model],
        );
    }

    /// One more LLM call in flight (an extension beyond the guide;
    /// `#[instrument_llm]` and [`LlmCall`] move it themselves, exactly, also
    /// under cancellation and panics: prefer them).
    ///
    /// Series: `autobot_llm_requests_in_flight{provider, model}` += 1.
    ///
    /// ```
    /// let m = autobot_otel::get_metrics_manager();
    /// m.inc_llm_requests_in_flight("openai", "gpt-4o");
    /// m.dec_llm_requests_in_flight("openai", "gpt-4o");
    /// ```
    pub fn inc_llm_requests_in_flight(&self, provider: &str, model: &str) {
        self.adjust(MetricId::LlmRequestsInFlight, 1.0, &[provider, model]);
    }

    /// One fewer LLM call in flight. Not clamped: a negative value shows an
    /// unmatched decrement.
    ///
    /// Series: `autobot_llm_requests_in_flight{provider, model}` -= 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().dec_llm_requests_in_flight("openai", "gpt-4o");
    /// ```
    pub fn dec_llm_requests_in_flight(&self, provider: &str, model: &str) {
        self.adjust(MetricId::LlmRequestsInFlight, -1.0, &[provider, model]);
    }

    /// Marks a provider available (1) or not (0).
    ///
    /// Series: `autobot_llm_provider_availability{provider}` = 1 or 0.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_llm_provider_availability("openai", true);
    /// ```
    pub fn set_llm_provider_availability(&self, provider: &str, available: bool) {
        self.set(
            MetricId::LlmProviderAvailability,
            f64::from(u8::from(available)),
            [provider],
        );
    }
}
