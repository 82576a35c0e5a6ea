//! LLM cost from a price table: [`Pricing`] (per provider and model, US dollars
//! per million tokens for input, cache read, cache write, output and reasoning,
//! optional tiers by prompt size), given to the pipeline in code
//! ([`TelemetryBuilder::with_pricing`](crate::TelemetryBuilder::with_pricing),
//! [`TelemetryBuilder::with_pricing_file`](crate::TelemetryBuilder::with_pricing_file))
//! or as a TOML file named by `AUTOBOT_OTEL_PRICING_FILE` (format:
//! [`Pricing::from_toml_str`]). No vendor price list ships with this crate:
//! prices change, so the table is yours.
//!
//! **What a call records.** An LLM call that reported usage (an
//! `#[instrument_llm]` function, [`LlmCall`](crate::llm::LlmCall),
//! [`LlmStream`](crate::llm::LlmStream)):
//!
//! - with a cost of its own ([`LlmUsage::cost_dollars`](crate::instrument::LlmUsage::cost_dollars)):
//!   that cost, as `autobot_llm_cost_dollars_total{cost_type="total"}`; the
//!   table is not consulted (a given cost wins and is never added twice);
//! - else, when the table prices the model (the response model's entry is tried
//!   first, then the request model's; each by exact id, then the longest
//!   configured model id that is a prefix of it): every token once at its own
//!   price, `autobot_llm_cost_dollars_total{provider, model, cost_type}` +=
//!   `tokens × price / 10⁶` for each kind with tokens: `input` (input − cache
//!   read − cache write), `cache_read`, `cache_write`, `output` (output −
//!   reasoning), `reasoning`. The `model` label is the request's, as on
//!   `autobot_llm_tokens_total`. The rates are the tier's when the call's input
//!   tokens (cached included) exceed a tier's threshold. `sum by (provider,
//!   model) (autobot_llm_cost_dollars_total)` is the bill;
//! - else: no cost at all (never $0) and
//!   `autobot_otel_unpriced_llm_calls_total{provider, model}` += 1 (the
//!   request's model label; at most 64 series, later pairs in its
//!   `otel_metric_overflow="true"` series). Without any table every such call
//!   is unpriced; the health report lists the unpriced models.
//!
//! Usage whose cache tokens exceed the input tokens, or reasoning tokens the
//! output tokens, is clamped (cache read first), priced, and counted as a
//! dropped measurement, with a warning under
//! [`diagnostics::API`](crate::diagnostics::API) once per model.
//!
//! [`MetricsManager::record_llm_tokens`](crate::MetricsManager::record_llm_tokens)
//! prices its input and output tokens the same way when the table prices the
//! model (then do not also record that request's cost by hand), and never
//! counts an unpriced call: the typed API's cost is a separate call
//! ([`MetricsManager::record_llm_cost`](crate::MetricsManager::record_llm_cost))
//! it cannot see.
//!
//! **Spans** (provisional: the attribute names of the open GenAI cost proposal,
//! [semantic-conventions-genai#443](https://github.com/open-telemetry/semantic-conventions-genai/pull/443),
//! not adopted by the conventions). The LLM call's span gets
//! `gen_ai.usage.cost.amount` (double, US dollars), `gen_ai.usage.cost.currency`
//! (`USD`) and `gen_ai.usage.cost.source` (`provider`: the caller gave it;
//! `local`: computed from the table). The proposal keeps these off agent and
//! workflow spans to avoid double counting, so an agent's and a workflow's span
//! carry the sum of the priced LLM calls beneath them as
//! `autobot.usage.cost.amount` and `autobot.usage.cost.currency`. A span without
//! a priced or given cost has none of these attributes (never 0).
//!
//! ```
//! use autobot_otel::instrument::LlmUsage;
//! use autobot_otel::llm::LlmCall;
//! use autobot_otel::pricing::{ModelPrice, Pricing};
//!
//! struct Usage(Option<&'static str>);
//! impl LlmUsage for Usage {
//!     fn input_tokens(&self) -> u64 { 1_000 }             // 800 of them cached
//!     fn output_tokens(&self) -> u64 { 100 }
//!     fn cache_read_input_tokens(&self) -> Option<u64> { Some(800) }
//!     fn response_model(&self) -> Option<&str> { self.0 }
//! }
//!
//! let pricing = Pricing::new()
//!     .with_model("demo", "fake-large", ModelPrice::per_million(2.0, 10.0).with_cache_read(0.5));
//! let t = autobot_otel::Telemetry::builder().without_otlp().with_pricing(pricing).build()?;
//! // The response's dated model id finds `fake-large` by prefix.
//! t.in_scope(|| LlmCall::start("demo", "fake-large", "chat").succeed(Some(&Usage(Some("fake-large-2026-01-01")))));
//! let text = t.render(autobot_otel::Exposition::Text);
//! // 200 × $2/M, 800 × $0.5/M, 100 × $10/M
//! assert!(text.contains(r#"autobot_llm_cost_dollars_total{cost_type="input",model="fake-large",provider="demo"} 0.0004"#));
//! assert!(text.contains(r#"autobot_llm_cost_dollars_total{cost_type="cache_read",model="fake-large",provider="demo"} 0.0004"#));
//! assert!(text.contains(r#"autobot_llm_cost_dollars_total{cost_type="output",model="fake-large",provider="demo"} 0.001"#));
//!
//! t.in_scope(|| LlmCall::start("demo", "unknown-model", "chat").succeed(Some(&Usage(None))));
//! let text = t.render(autobot_otel::Exposition::Text);
//! assert!(!text.contains(r#"autobot_llm_cost_dollars_total{cost_type="input",model="unknown-model""#));
//! assert!(text.contains(r#"autobot_otel_unpriced_llm_calls_total{model="unknown-model",provider="demo"} 1"#));
//! # Ok::<(), autobot_otel::InitError>(())
//! ```

mod cost;
mod file;
mod resolve;
mod table;

pub(crate) use cost::{CallCost, CostSource, Tokens, rate, split};
pub(crate) use resolve::{PriceBook, Resolved};
pub use table::{ModelPrice, Pricing};

/// The currency of every cost this crate records (ISO 4217).
pub const CURRENCY: &str = "USD";
