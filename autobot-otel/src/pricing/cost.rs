//! What a priced call costs: each token kind counted once at its own price,
//! recorded as `autobot_llm_cost_dollars_total{cost_type}`, and what an
//! unpriced call counts instead.

use super::resolve::Rates;
use crate::instrument::LlmUsage;
use crate::labels::CostType;

/// The token counts of one call (the details are parts of the totals).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tokens {
    pub(crate) input: u64,
    pub(crate) output: u64,
    pub(crate) cache_read: u64,
    pub(crate) cache_write: u64,
    pub(crate) reasoning: u64,
}

impl Tokens {
    /// The tokens `usage` reports (an embeddings call: its input only).
    pub(crate) fn of(usage: &dyn LlmUsage, embeddings: bool) -> Tokens {
        if embeddings {
            return Tokens {
                input: usage.input_tokens(),
                ..Tokens::default()
            };
        }
        Tokens {
            input: usage.input_tokens(),
            output: usage.output_tokens(),
            cache_read: usage.cache_read_input_tokens().unwrap_or(0),
            cache_write: usage.cache_creation_input_tokens().unwrap_or(0),
            reasoning: usage.reasoning_output_tokens().unwrap_or(0),
        }
    }
}

/// Where a call's cost came from (`gen_ai.usage.cost.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CostSource {
    /// Given by the caller (the response's usage, `record_llm_cost`).
    Provider,
    /// Computed from the price table.
    Local,
}

impl CostSource {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CostSource::Provider => "provider",
            CostSource::Local => "local",
        }
    }
}

/// The cost of one call, US dollars.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CallCost {
    pub(crate) amount: f64,
    pub(crate) source: CostSource,
}

/// The tokens of each kind, counted once: `input − cache_read − cache_write`
/// plain input, `output − reasoning` plain output. Details larger than their
/// total are clamped (cache read first, then cache write; reasoning to the
/// output); the second value says whether that happened.
pub(crate) fn split(t: Tokens) -> ([(CostType, u64); 5], bool) {
    let cache_read = t.cache_read.min(t.input);
    let cache_write = t.cache_write.min(t.input - cache_read);
    let reasoning = t.reasoning.min(t.output);
    let clamped = t.cache_read.saturating_add(t.cache_write) > t.input || t.reasoning > t.output;
    (
        [
            (CostType::Input, t.input - cache_read - cache_write),
            (CostType::CacheRead, cache_read),
            (CostType::CacheWrite, cache_write),
            (CostType::Output, t.output - reasoning),
            (CostType::Reasoning, reasoning),
        ],
        clamped,
    )
}

/// The price of `kind`, US dollars per million tokens.
pub(crate) fn rate(rates: &Rates, kind: CostType) -> f64 {
    match kind {
        CostType::Input => rates.input,
        CostType::CacheRead => rates.cache_read,
        CostType::CacheWrite => rates.cache_write,
        CostType::Output => rates.output,
        CostType::Reasoning => rates.reasoning,
        CostType::Total => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_counts_every_token_once_and_clamps() {
        let t = Tokens {
            input: 1000,
            output: 300,
            cache_read: 600,
            cache_write: 100,
            reasoning: 200,
        };
        let (parts, clamped) = split(t);
        assert!(!clamped);
        assert_eq!(
            parts.map(|(_, n)| n),
            [300, 600, 100, 100, 200],
            "input, cache read, cache write, output, reasoning"
        );
        let (parts, clamped) = split(Tokens {
            input: 10,
            output: 5,
            cache_read: 8,
            cache_write: 8,
            reasoning: 9,
        });
        assert!(clamped);
        assert_eq!(parts.map(|(_, n)| n), [0, 8, 2, 0, 5]);
    }
}
