//! The price table as the user writes it (in code or in a file): [`Pricing`],
//! one [`ModelPrice`] per provider and model, and its validation.

use crate::error::InitError;

/// The prices of one model, in US dollars per million tokens, and optional
/// tiers by prompt size.
///
/// `cache_read` and `cache_write` default to the input price and `reasoning` to
/// the output price when not given. A tier ([`ModelPrice::with_tier`]) prices
/// *every* token of a call whose input tokens (cached ones included) are more
/// than its threshold; with several tiers, the one with the highest threshold
/// below the call's input tokens applies.
///
/// ```
/// use autobot_otel::pricing::ModelPrice;
/// let price = ModelPrice::per_million(3.0, 15.0)
///     .with_cache_read(0.3)
///     .with_cache_write(3.75)
///     .with_tier(200_000, ModelPrice::per_million(6.0, 22.5));
/// assert_eq!(price.input(), 3.0);
/// assert_eq!(price.reasoning(), 15.0, "reasoning defaults to the output price");
/// assert_eq!(price.tiers().len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ModelPrice {
    pub(crate) input: f64,
    pub(crate) output: f64,
    pub(crate) cache_read: Option<f64>,
    pub(crate) cache_write: Option<f64>,
    pub(crate) reasoning: Option<f64>,
    /// `(above_input_tokens, prices)`, as given (sorted when resolved).
    pub(crate) tiers: Vec<(u64, ModelPrice)>,
}

impl ModelPrice {
    /// Input and output prices, US dollars per million tokens.
    pub fn per_million(input: f64, output: f64) -> ModelPrice {
        ModelPrice {
            input,
            output,
            cache_read: None,
            cache_write: None,
            reasoning: None,
            tiers: Vec::new(),
        }
    }

    /// The price of input tokens read from the provider's prompt cache.
    pub fn with_cache_read(mut self, per_million: f64) -> ModelPrice {
        self.cache_read = Some(per_million);
        self
    }

    /// The price of input tokens written to the provider's prompt cache.
    pub fn with_cache_write(mut self, per_million: f64) -> ModelPrice {
        self.cache_write = Some(per_million);
        self
    }

    /// The price of reasoning output tokens.
    pub fn with_reasoning(mut self, per_million: f64) -> ModelPrice {
        self.reasoning = Some(per_million);
        self
    }

    /// Prices every token of a call with more than `above_input_tokens` input
    /// tokens at `prices` (which must have no tiers of its own). Two tiers with
    /// one threshold overlap: the table is then invalid.
    pub fn with_tier(mut self, above_input_tokens: u64, prices: ModelPrice) -> ModelPrice {
        self.tiers.push((above_input_tokens, prices));
        self
    }

    /// Input price (US dollars per million tokens).
    pub fn input(&self) -> f64 {
        self.input
    }

    /// Output price.
    pub fn output(&self) -> f64 {
        self.output
    }

    /// Cache-read price (the input price when not given).
    pub fn cache_read(&self) -> f64 {
        self.cache_read.unwrap_or(self.input)
    }

    /// Cache-write price (the input price when not given).
    pub fn cache_write(&self) -> f64 {
        self.cache_write.unwrap_or(self.input)
    }

    /// Reasoning price (the output price when not given).
    pub fn reasoning(&self) -> f64 {
        self.reasoning.unwrap_or(self.output)
    }

    /// The tiers: `(above_input_tokens, prices)`, as given.
    pub fn tiers(&self) -> &[(u64, ModelPrice)] {
        &self.tiers
    }

    /// Every price is finite and not negative; tiers have distinct thresholds
    /// and no tiers of their own. `entry` names the model in the error.
    fn validate(&self, entry: &str) -> Result<(), InitError> {
        let invalid = |reason: String| InitError::Pricing {
            entry: entry.to_owned(),
            reason,
        };
        let prices = [
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("cache_read", self.cache_read),
            ("cache_write", self.cache_write),
            ("reasoning", self.reasoning),
        ];
        for (name, price) in prices {
            if let Some(price) = price
                && !(price.is_finite() && price >= 0.0)
            {
                return Err(invalid(format!(
                    "price `{name}` is {price}: a price is a finite, non-negative number of US dollars per million tokens"
                )));
            }
        }
        let mut thresholds: Vec<u64> = Vec::with_capacity(self.tiers.len());
        for (above, tier) in &self.tiers {
            if !tier.tiers.is_empty() {
                return Err(invalid(format!(
                    "the tier above {above} input tokens has tiers of its own"
                )));
            }
            if thresholds.contains(above) {
                return Err(invalid(format!(
                    "two tiers above {above} input tokens overlap (each tier needs its own threshold)"
                )));
            }
            thresholds.push(*above);
            tier.validate(&format!("{entry} (tier above {above} input tokens)"))?;
        }
        Ok(())
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub(crate) provider: String,
    pub(crate) model: String,
    pub(crate) price: ModelPrice,
}

/// A price table: per provider and model (an exact model id, which also
/// prices every longer model id it is a prefix of, e.g. `gpt-4o` prices
/// `gpt-4o-2024-08-06`; the longest such entry wins), in US dollars per million
/// tokens. Give it to the pipeline with
/// [`TelemetryBuilder::with_pricing`](crate::TelemetryBuilder::with_pricing),
/// or as a TOML file ([`Pricing::from_toml_str`], [`Pricing::from_file`], the
/// variable `AUTOBOT_OTEL_PRICING_FILE`); it is validated when the pipeline is
/// built (and by [`Pricing::validate`]). See the [module docs](crate::pricing)
/// for what a priced call records.
///
/// ```
/// use autobot_otel::pricing::{ModelPrice, Pricing};
/// let pricing = Pricing::new()
///     .with_model("openai", "gpt-4o", ModelPrice::per_million(2.0, 8.0).with_cache_read(1.0));
/// assert_eq!(pricing.len(), 1);
/// pricing.validate()?;
///
/// let bad = Pricing::new().with_model("openai", "gpt-4o", ModelPrice::per_million(-1.0, 8.0));
/// assert_eq!(
///     bad.validate().unwrap_err().to_string(),
///     "invalid price table entry openai/gpt-4o: price `input` is -1: a price is a finite, non-negative number of US dollars per million tokens"
/// );
/// # Ok::<(), autobot_otel::InitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pricing {
    pub(crate) entries: Vec<Entry>,
}

impl Pricing {
    /// An empty table (every call is unpriced).
    pub fn new() -> Pricing {
        Pricing::default()
    }

    /// Adds the prices of `model` at `provider` (both as the `provider` and
    /// `model` labels or the response's model spell them).
    pub fn with_model(mut self, provider: &str, model: &str, price: ModelPrice) -> Pricing {
        self.entries.push(Entry {
            provider: provider.to_owned(),
            model: model.to_owned(),
            price,
        });
        self
    }

    /// How many models the table prices.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table prices no model.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks the table: every price finite and not negative, no provider and
    /// model twice, no empty provider or model, tiers with distinct
    /// thresholds. The error ([`InitError::Pricing`]) names the entry.
    pub fn validate(&self) -> Result<(), InitError> {
        let mut seen = std::collections::HashSet::new();
        for e in &self.entries {
            let entry = format!("{}/{}", e.provider, e.model);
            if e.provider.is_empty() || e.model.is_empty() {
                return Err(InitError::Pricing {
                    entry,
                    reason: "the provider and the model must not be empty".into(),
                });
            }
            if !seen.insert((e.provider.as_str(), e.model.as_str())) {
                return Err(InitError::Pricing {
                    entry,
                    reason: "the model is priced twice".into(),
                });
            }
            e.price.validate(&entry)?;
        }
        Ok(())
    }
}
