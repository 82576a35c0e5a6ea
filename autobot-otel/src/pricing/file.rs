//! The price table's file format (TOML), read with serde: unknown keys are
//! errors, and the table is validated like one built in code.

use std::path::Path;

use serde::Deserialize;

use super::table::{ModelPrice, Pricing};
use crate::error::InitError;

/// The file: `[[model]]` entries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    model: Vec<ModelRow>,
}

/// One `[[model]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRow {
    provider: String,
    model: String,
    input: f64,
    output: f64,
    cache_read: Option<f64>,
    cache_write: Option<f64>,
    reasoning: Option<f64>,
    #[serde(default)]
    tier: Vec<TierRow>,
}

/// One `[[model.tier]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierRow {
    above_input_tokens: u64,
    input: f64,
    output: f64,
    cache_read: Option<f64>,
    cache_write: Option<f64>,
    reasoning: Option<f64>,
}

fn rates(
    input: f64,
    output: f64,
    cache_read: Option<f64>,
    cache_write: Option<f64>,
    reasoning: Option<f64>,
) -> ModelPrice {
    ModelPrice {
        cache_read,
        cache_write,
        reasoning,
        ..ModelPrice::per_million(input, output)
    }
}

impl Pricing {
    /// Reads a price table in TOML, US dollars per million tokens:
    ///
    /// ```toml
    /// [[model]]
    /// provider = "openai"        # the `provider` label
    /// model = "gpt-4o"           # an exact model id, and the prefix of longer ones
    /// input = 2.0                # required
    /// output = 8.0               # required
    /// cache_read = 1.0           # optional, default: input
    /// cache_write = 2.0          # optional, default: input
    /// reasoning = 8.0            # optional, default: output
    ///
    /// [[model.tier]]             # optional, any number
    /// above_input_tokens = 200000
    /// input = 4.0
    /// output = 12.0
    /// ```
    ///
    /// A key not listed here, a missing required key, a value of the wrong
    /// type or a TOML syntax error is an [`InitError::Pricing`] whose `entry`
    /// is `pricing file` and whose reason quotes the parser (line and column);
    /// then the table is validated ([`Pricing::validate`]).
    ///
    /// ```
    /// use autobot_otel::pricing::Pricing;
    /// let pricing = Pricing::from_toml_str(r#"
    ///     [[model]]
    ///     provider = "demo"
    ///     model = "fake-large"
    ///     input = 3.0
    ///     output = 15.0
    /// "#)?;
    /// assert_eq!(pricing.len(), 1);
    ///
    /// let err = Pricing::from_toml_str("[[model]]\nprovider = \"demo\"\nmodel = \"m\"\ninput = 1.0\noutput = 2.0\ncached = 0.5\n").unwrap_err();
    /// assert!(err.to_string().contains("unknown field `cached`"), "{err}");
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Pricing, InitError> {
        let file: File = toml::from_str(text).map_err(|e| InitError::Pricing {
            entry: "pricing file".into(),
            reason: e.to_string().trim_end().to_owned(),
        })?;
        let mut pricing = Pricing::new();
        for row in file.model {
            let mut price = rates(
                row.input,
                row.output,
                row.cache_read,
                row.cache_write,
                row.reasoning,
            );
            for t in row.tier {
                price = price.with_tier(
                    t.above_input_tokens,
                    rates(t.input, t.output, t.cache_read, t.cache_write, t.reasoning),
                );
            }
            pricing = pricing.with_model(&row.provider, &row.model, price);
        }
        pricing.validate()?;
        Ok(pricing)
    }

    /// Reads the TOML price table at `path` ([`Pricing::from_toml_str`]). A
    /// file that cannot be read is an [`InitError::Pricing`] naming the path.
    ///
    /// ```
    /// use autobot_otel::pricing::Pricing;
    /// let err = Pricing::from_file("/nonexistent/prices.toml").unwrap_err();
    /// assert!(err.to_string().starts_with("invalid price table entry /nonexistent/prices.toml: cannot read the file"));
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Pricing, InitError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| InitError::Pricing {
            entry: path.display().to_string(),
            reason: format!("cannot read the file: {e}"),
        })?;
        Pricing::from_toml_str(&text).map_err(|e| match e {
            InitError::Pricing { entry, reason } if entry == "pricing file" => InitError::Pricing {
                entry: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }
}
