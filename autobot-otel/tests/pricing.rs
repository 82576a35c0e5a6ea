//! Issue 21: cost from a price table. Every dollar amount below is computed by
//! hand (tokens × US dollars per million / 10⁶) and compared with the scrape
//! and with the spans an OpenTelemetry exporter receives: each token kind
//! priced once, tiers, the match rules (exact, longest prefix, response model
//! first), a caller's cost winning, clamped usage, unpriced calls, bad tables;
//! a property test checks the sum over `cost_type` against an independent
//! computation.

mod span_export;

use std::collections::BTreeMap;

use autobot_otel::agent::AgentRun;
use autobot_otel::instrument::LlmUsage;
use autobot_otel::llm::LlmCall;
use autobot_otel::pricing::{ModelPrice, Pricing};
use autobot_otel::testing::Scrape;
use autobot_otel::{Exposition, InitError, Telemetry, instrument_llm};
use opentelemetry::Value;
use proptest::prelude::*;
use span_export::exporting;

#[derive(Clone, Copy, Debug, Default)]
struct Usage {
    input: u64,
    output: u64,
    cache_read: Option<u64>,
    cache_write: Option<u64>,
    reasoning: Option<u64>,
    cost: Option<f64>,
    model: Option<&'static str>,
}

impl LlmUsage for Usage {
    fn input_tokens(&self) -> u64 {
        self.input
    }
    fn output_tokens(&self) -> u64 {
        self.output
    }
    fn cost_dollars(&self) -> Option<f64> {
        self.cost
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        self.cache_read
    }
    fn cache_creation_input_tokens(&self) -> Option<u64> {
        self.cache_write
    }
    fn reasoning_output_tokens(&self) -> Option<u64> {
        self.reasoning
    }
    fn response_model(&self) -> Option<&str> {
        self.model
    }
}

/// Input $2/M, cache read $0.5/M, cache write $2.5/M, output $8/M, reasoning
/// $12/M; above 100 000 input tokens everything doubles. `fam` prices its
/// family; `fam-mini` is a longer, more specific prefix.
fn table() -> Pricing {
    Pricing::new()
        .with_model(
            "acme",
            "fam",
            ModelPrice::per_million(2.0, 8.0)
                .with_cache_read(0.5)
                .with_cache_write(2.5)
                .with_reasoning(12.0)
                .with_tier(
                    100_000,
                    ModelPrice::per_million(4.0, 16.0)
                        .with_cache_read(1.0)
                        .with_cache_write(5.0)
                        .with_reasoning(24.0),
                ),
        )
        .with_model("acme", "fam-mini", ModelPrice::per_million(0.25, 1.0))
        .with_model("acme", "plain", ModelPrice::per_million(1.0, 4.0))
}

fn pipeline(pricing: Option<Pricing>) -> Telemetry {
    let b = Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None);
    match pricing {
        Some(p) => b.with_pricing(p),
        None => b,
    }
    .build()
    .expect("pipeline")
}

fn scrape(t: &Telemetry) -> Scrape {
    Scrape::parse(&t.render(Exposition::Text)).expect("valid scrape")
}

const COST: &str = "autobot_llm_cost_dollars_total";
const UNPRICED: &str = "autobot_otel_unpriced_llm_calls_total";

fn cost(s: &Scrape, model: &str, kind: &str) -> Option<f64> {
    s.value(
        COST,
        &[("provider", "acme"), ("model", model), ("cost_type", kind)],
    )
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or_else(|| panic!("no series, expected {expected}"));
    assert!(
        (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

#[test]
fn every_token_kind_is_priced_once_at_its_own_price() {
    let t = pipeline(Some(table()));
    t.in_scope(|| {
        LlmCall::start("acme", "fam", "chat").succeed(Some(&Usage {
            input: 10_000,
            output: 3_000,
            cache_read: Some(6_000),
            cache_write: Some(1_000),
            reasoning: Some(2_000),
            ..Usage::default()
        }))
    });
    let s = scrape(&t);
    // input 10 000 − 6 000 − 1 000 = 3 000 at $2/M; output 3 000 − 2 000 = 1 000 at $8/M.
    close(cost(&s, "fam", "input"), 3_000.0 * 2.0 / 1e6);
    close(cost(&s, "fam", "cache_read"), 6_000.0 * 0.5 / 1e6);
    close(cost(&s, "fam", "cache_write"), 1_000.0 * 2.5 / 1e6);
    close(cost(&s, "fam", "output"), 1_000.0 * 8.0 / 1e6);
    close(cost(&s, "fam", "reasoning"), 2_000.0 * 12.0 / 1e6);
    assert_eq!(cost(&s, "fam", "total"), None, "nothing under total");
    // The double count of the cached tokens would have been 6 000 × $2/M more.
    let bill: f64 = ["input", "cache_read", "cache_write", "output", "reasoning"]
        .iter()
        .map(|k| cost(&s, "fam", k).unwrap())
        .sum();
    close(Some(bill), 0.006 + 0.003 + 0.0025 + 0.008 + 0.024);
    assert_eq!(
        s.value(UNPRICED, &[("provider", "acme"), ("model", "fam")]),
        None
    );
}

#[test]
fn a_tier_prices_every_token_of_a_call_above_its_threshold() {
    let t = pipeline(Some(table()));
    t.in_scope(|| {
        // At the threshold: base prices. Above it: the tier's, for every token.
        for input in [100_000, 100_001] {
            LlmCall::start("acme", "fam", "chat").succeed(Some(&Usage {
                input,
                output: 1_000,
                cache_read: Some(50_000),
                ..Usage::default()
            }));
        }
    });
    let s = scrape(&t);
    close(
        cost(&s, "fam", "input"),
        50_000.0 * 2.0 / 1e6 + 50_001.0 * 4.0 / 1e6,
    );
    close(
        cost(&s, "fam", "cache_read"),
        50_000.0 * 0.5 / 1e6 + 50_000.0 * 1.0 / 1e6,
    );
    close(
        cost(&s, "fam", "output"),
        1_000.0 * 8.0 / 1e6 + 1_000.0 * 16.0 / 1e6,
    );
}

#[test]
fn models_match_exactly_then_by_longest_prefix_and_the_response_model_first() {
    let t = pipeline(Some(table()));
    // At the tier's threshold: the base prices.
    let usage = |model| Usage {
        input: 100_000,
        output: 0,
        model,
        ..Usage::default()
    };
    t.in_scope(|| {
        // A dated id finds its family; the longer prefix wins.
        LlmCall::start("acme", "fam-2026-01-01", "chat").succeed(Some(&usage(None)));
        LlmCall::start("acme", "fam-mini-2026-01-01", "chat").succeed(Some(&usage(None)));
        // The response model (priced) wins over the request's alias.
        LlmCall::start("acme", "latest", "chat").succeed(Some(&usage(Some("plain-v2"))));
        // An unpriced response model falls back to the request model.
        LlmCall::start("acme", "plain", "chat").succeed(Some(&usage(Some("nobody-knows"))));
        // Another provider's model of that name is not priced.
        LlmCall::start("other", "fam", "chat").succeed(Some(&usage(None)));
    });
    let s = scrape(&t);
    close(cost(&s, "fam-2026-01-01", "input"), 100_000.0 * 2.0 / 1e6);
    close(
        cost(&s, "fam-mini-2026-01-01", "input"),
        100_000.0 * 0.25 / 1e6,
    );
    close(cost(&s, "latest", "input"), 100_000.0 * 1.0 / 1e6);
    close(cost(&s, "plain", "input"), 100_000.0 * 1.0 / 1e6);
    assert_eq!(
        s.value(UNPRICED, &[("provider", "other"), ("model", "fam")]),
        Some(1.0)
    );
    assert_eq!(
        s.value(
            COST,
            &[
                ("provider", "other"),
                ("model", "fam"),
                ("cost_type", "input")
            ]
        ),
        None
    );
}

#[test]
fn a_given_cost_wins_and_is_never_added_twice() {
    let t = pipeline(Some(table()));
    t.in_scope(|| {
        LlmCall::start("acme", "fam", "chat").succeed(Some(&Usage {
            input: 1_000_000,
            output: 1_000_000,
            cost: Some(0.125),
            ..Usage::default()
        }))
    });
    let s = scrape(&t);
    close(cost(&s, "fam", "total"), 0.125);
    for kind in ["input", "output", "cache_read", "cache_write", "reasoning"] {
        assert_eq!(cost(&s, "fam", kind), None, "{kind}");
    }
}

#[test]
fn inconsistent_usage_is_clamped_priced_and_counted_as_dropped() {
    let t = pipeline(Some(table()));
    t.in_scope(|| {
        LlmCall::start("acme", "fam", "chat").succeed(Some(&Usage {
            input: 1_000,
            output: 100,
            cache_read: Some(1_500),
            cache_write: Some(10),
            reasoning: Some(300),
            ..Usage::default()
        }))
    });
    assert_eq!(t.metrics().dropped_measurements(), 1);
    let s = scrape(&t);
    close(cost(&s, "fam", "cache_read"), 1_000.0 * 0.5 / 1e6);
    close(cost(&s, "fam", "reasoning"), 100.0 * 12.0 / 1e6);
    for kind in ["input", "cache_write", "output"] {
        assert_eq!(cost(&s, "fam", kind), None, "{kind}: no tokens left");
    }
}

#[test]
fn unpriced_calls_record_no_cost_and_are_counted_and_listed() {
    // Without a table, every call without a cost of its own is unpriced.
    for t in [pipeline(None), pipeline(Some(table()))] {
        t.in_scope(|| {
            for _ in 0..3 {
                LlmCall::start("acme", "unknown", "chat").succeed(Some(&Usage {
                    input: 10,
                    output: 10,
                    ..Usage::default()
                }));
            }
            // No usage: nothing to price, not counted.
            LlmCall::start("acme", "unknown", "chat").fail("timeout");
        });
        let s = scrape(&t);
        assert_eq!(s.family(COST).map(|f| f.samples.len()).unwrap_or(0), 0);
        assert_eq!(
            s.value(UNPRICED, &[("provider", "acme"), ("model", "unknown")]),
            Some(3.0)
        );
        let health = t.health().pricing;
        assert_eq!(health.unpriced_models.len(), 1);
        assert_eq!(health.unpriced_models[0].calls, 3);
        assert_eq!(health.models, if health.configured { 3 } else { 0 });
    }
}

#[test]
fn the_unpriced_self_metric_keeps_its_series_limit() {
    let t = pipeline(Some(table()));
    t.in_scope(|| {
        for i in 0..70 {
            LlmCall::start("acme", &format!("m{i}"), "chat").succeed(Some(&Usage {
                input: 1,
                ..Usage::default()
            }));
        }
    });
    let s = scrape(&t);
    let family = s.family(UNPRICED).expect("family");
    assert_eq!(family.samples.len(), 65, "64 series and the overflow one");
    assert_eq!(
        s.value(UNPRICED, &[("otel_metric_overflow", "true")]),
        Some(6.0)
    );
    assert_eq!(t.health().pricing.unpriced_overflow_calls, 6);
}

#[test]
fn record_llm_tokens_prices_input_and_output() {
    let t = pipeline(Some(table()));
    t.metrics()
        .record_llm_tokens("acme", "plain", 500_000, 250_000);
    t.metrics().record_llm_tokens("acme", "nope", 1, 1);
    let s = scrape(&t);
    close(cost(&s, "plain", "input"), 0.5);
    close(cost(&s, "plain", "output"), 1.0);
    // The typed API's cost is a separate call it cannot see: nothing unpriced,
    // with or without a table.
    assert!(s.family(UNPRICED).is_none());
    assert_eq!(s.family(COST).map(|f| f.samples.len()), Some(2));
    let none = pipeline(None);
    none.metrics().record_llm_tokens("acme", "nope", 1, 1);
    assert!(scrape(&none).family(UNPRICED).is_none());
}

#[instrument_llm(provider = "acme", model = "fam")]
async fn attributed() -> Result<Usage, std::io::Error> {
    Ok(Usage {
        input: 2_000,
        output: 500,
        cache_read: Some(1_000),
        ..Usage::default()
    })
}

#[tokio::test(flavor = "current_thread")]
async fn the_attribute_and_streams_price_too() {
    let t = pipeline(Some(table()));
    t.scope(async {
        attributed().await.unwrap();
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(StreamChunk(Usage {
            input: 1_000,
            output: 100,
            ..Usage::default()
        }))]);
        let stream = LlmCall::start("acme", "plain", "chat").stream(chunks);
        let mut stream = std::pin::pin!(stream);
        while futures_util::StreamExt::next(&mut stream).await.is_some() {}
    })
    .await;
    let s = scrape(&t);
    close(cost(&s, "fam", "input"), 1_000.0 * 2.0 / 1e6);
    close(cost(&s, "fam", "cache_read"), 1_000.0 * 0.5 / 1e6);
    close(cost(&s, "fam", "output"), 500.0 * 8.0 / 1e6);
    close(cost(&s, "plain", "input"), 1_000.0 * 1.0 / 1e6);
    close(cost(&s, "plain", "output"), 100.0 * 4.0 / 1e6);
}

struct StreamChunk(Usage);
impl autobot_otel::instrument::LlmChunk for StreamChunk {
    fn usage(&self) -> Option<&dyn LlmUsage> {
        Some(&self.0)
    }
}

fn attrs(span: &opentelemetry_sdk::trace::SpanData) -> BTreeMap<String, Value> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

fn float(attrs: &BTreeMap<String, Value>, key: &str) -> Option<f64> {
    match attrs.get(key) {
        Some(Value::F64(v)) => Some(*v),
        None => None,
        Some(other) => panic!("{key} is {other:?}"),
    }
}

#[test]
fn spans_carry_the_call_cost_and_agents_and_workflows_the_sum() {
    let (subscriber, spans, provider) = exporting("pricing-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline(Some(table()));
    t.in_scope(|| {
        let run = AgentRun::start("planner");
        run.in_scope(|| {
            LlmCall::start("acme", "plain", "chat").succeed(Some(&Usage {
                input: 1_000,
                output: 1_000,
                ..Usage::default()
            }));
            LlmCall::start("acme", "plain", "chat").succeed(Some(&Usage {
                input: 1,
                cost: Some(0.5),
                ..Usage::default()
            }));
            LlmCall::start("acme", "unknown", "chat").succeed(Some(&Usage {
                input: 1,
                ..Usage::default()
            }));
        });
        run.succeed();
        let lonely = AgentRun::start("idle");
        lonely.succeed();
    });
    provider.force_flush().unwrap();
    let calls: Vec<_> = spans
        .data()
        .into_iter()
        .filter(|s| s.name.starts_with("chat "))
        .collect();
    assert_eq!(calls.len(), 3);
    let local = attrs(&calls[0]);
    close(float(&local, "gen_ai.usage.cost.amount"), 0.001 + 0.004);
    assert_eq!(local["gen_ai.usage.cost.currency"], Value::from("USD"));
    assert_eq!(local["gen_ai.usage.cost.source"], Value::from("local"));
    let given = attrs(&calls[1]);
    close(float(&given, "gen_ai.usage.cost.amount"), 0.5);
    assert_eq!(given["gen_ai.usage.cost.source"], Value::from("provider"));
    let unpriced = attrs(&calls[2]);
    assert!(
        unpriced.keys().all(|k| !k.contains(".cost.")),
        "an unpriced span has no cost attributes: {unpriced:?}"
    );
    let agents: Vec<_> = spans
        .data()
        .into_iter()
        .filter(|s| s.name.starts_with("invoke_agent"))
        .collect();
    let planner = agents
        .iter()
        .map(attrs)
        .find(|a| a.get("gen_ai.agent.name") == Some(&Value::from("planner")))
        .expect("planner span");
    close(float(&planner, "autobot.usage.cost.amount"), 0.505);
    assert_eq!(planner["autobot.usage.cost.currency"], Value::from("USD"));
    assert!(planner.keys().all(|k| !k.starts_with("gen_ai.usage.cost")));
    let idle = agents
        .iter()
        .map(attrs)
        .find(|a| a.get("gen_ai.agent.name") == Some(&Value::from("idle")))
        .expect("idle span");
    assert!(idle.keys().all(|k| !k.contains(".cost.")), "{idle:?}");
}

#[test]
fn bad_tables_are_init_errors_naming_the_entry() {
    let build = |p: Pricing| {
        Telemetry::builder()
            .without_otlp()
            .with_env_lookup(|_| None)
            .with_pricing(p)
            .build()
            .map(|_| ())
    };
    let cases: Vec<(Pricing, &str)> = vec![
        (
            Pricing::new().with_model("a", "m", ModelPrice::per_million(f64::NAN, 1.0)),
            "invalid price table entry a/m: price `input` is NaN",
        ),
        (
            Pricing::new().with_model(
                "a",
                "m",
                ModelPrice::per_million(1.0, 1.0).with_reasoning(f64::INFINITY),
            ),
            "invalid price table entry a/m: price `reasoning` is inf",
        ),
        (
            Pricing::new()
                .with_model("a", "m", ModelPrice::per_million(1.0, 1.0))
                .with_model("a", "m", ModelPrice::per_million(1.0, 1.0)),
            "invalid price table entry a/m: the model is priced twice",
        ),
        (
            Pricing::new().with_model(
                "a",
                "m",
                ModelPrice::per_million(1.0, 1.0)
                    .with_tier(10, ModelPrice::per_million(2.0, 2.0))
                    .with_tier(10, ModelPrice::per_million(3.0, 3.0)),
            ),
            "invalid price table entry a/m: two tiers above 10 input tokens overlap",
        ),
        (
            Pricing::new().with_model(
                "a",
                "m",
                ModelPrice::per_million(1.0, 1.0).with_tier(10, ModelPrice::per_million(-2.0, 2.0)),
            ),
            "invalid price table entry a/m (tier above 10 input tokens): price `input` is -2",
        ),
        (
            Pricing::new().with_model("", "m", ModelPrice::per_million(1.0, 1.0)),
            "invalid price table entry /m: the provider and the model must not be empty",
        ),
    ];
    for (pricing, message) in cases {
        let err = build(pricing).unwrap_err();
        assert!(matches!(err, InitError::Pricing { .. }));
        assert!(err.to_string().starts_with(message), "{err}");
    }
}

#[test]
fn the_file_format_rejects_unknown_keys_and_reads_tiers() {
    let text = r#"
        [[model]]
        provider = "acme"
        model = "fam"
        input = 2.0
        output = 8.0
        cache_read = 0.5

        [[model.tier]]
        above_input_tokens = 100000
        input = 4.0
        output = 16.0
    "#;
    let pricing = Pricing::from_toml_str(text).unwrap();
    assert_eq!(
        pricing,
        Pricing::new().with_model(
            "acme",
            "fam",
            ModelPrice::per_million(2.0, 8.0)
                .with_cache_read(0.5)
                .with_tier(100_000, ModelPrice::per_million(4.0, 16.0))
        )
    );
    for (bad, says) in [
        (
            "[[model]]\nprovider = \"a\"\nmodel = \"m\"\ninput = 1.0\noutput = 1.0\ncahce_read = 1.0\n",
            "unknown field `cahce_read`",
        ),
        (
            "[[model]]\nprovider = \"a\"\nmodel = \"m\"\ninput = 1.0\n",
            "missing field `output`",
        ),
        ("[[models]]\n", "unknown field `models`"),
        (
            "[[model]]\nprovider = \"a\"\nmodel = \"m\"\ninput = -1.0\noutput = 1.0\n",
            "a/m: price `input` is -1",
        ),
        (
            "[[model]]\nprovider = \"a\"\nmodel = \"m\"\ninput = \"cheap\"\noutput = 1.0\n",
            "invalid type",
        ),
        ("[[model]\n", "pricing file"),
    ] {
        let err = Pricing::from_toml_str(bad).unwrap_err();
        assert!(err.to_string().contains(says), "{bad:?}: {err}");
    }
}

#[test]
fn the_pricing_file_variable_loads_a_table() {
    let dir = std::env::temp_dir().join(format!("autobot-pricing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("prices.toml");
    std::fs::write(
        &path,
        "[[model]]\nprovider = \"acme\"\nmodel = \"plain\"\ninput = 1.0\noutput = 4.0\n",
    )
    .unwrap();
    let p = path.to_string_lossy().into_owned();
    let t = Telemetry::builder()
        .without_otlp()
        .with_env_lookup(move |name| (name == "AUTOBOT_OTEL_PRICING_FILE").then(|| p.clone()))
        .build()
        .unwrap();
    t.metrics().record_llm_tokens("acme", "plain", 1_000_000, 0);
    close(cost(&scrape(&t), "plain", "input"), 1.0);
    assert!(t.health().pricing.configured);
    let missing = Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|name| {
            (name == "AUTOBOT_OTEL_PRICING_FILE").then(|| "/nonexistent/prices.toml".to_owned())
        })
        .build()
        .unwrap_err();
    assert!(
        missing.to_string().contains("/nonexistent/prices.toml"),
        "{missing}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The sum over `cost_type` is the bill an independent computation gives:
    /// input at its price, each detail replacing part of its total.
    #[test]
    fn the_sum_over_cost_type_is_the_bill(
        input in 0u64..400_000,
        output in 0u64..100_000,
        cache_read in 0u64..200_000,
        cache_write in 0u64..200_000,
        reasoning in 0u64..100_000,
    ) {
        let t = pipeline(Some(table()));
        let usage = Usage {
            input,
            output,
            cache_read: Some(cache_read),
            cache_write: Some(cache_write),
            reasoning: Some(reasoning),
            ..Usage::default()
        };
        t.in_scope(|| LlmCall::start("acme", "fam", "chat").succeed(Some(&usage)));
        let s = scrape(&t);
        let sum: f64 = s.samples().filter(|x| x.name == COST).map(|x| x.value).sum();
        // Independently: cap the details, then price the total at the base
        // rates and add the difference each detail's price makes.
        let (ip, op, crp, cwp, rp) = if input > 100_000 {
            (4.0, 16.0, 1.0, 5.0, 24.0)
        } else {
            (2.0, 8.0, 0.5, 2.5, 12.0)
        };
        let cr = cache_read.min(input) as f64;
        let cw = cache_write.min(input - cache_read.min(input)) as f64;
        let rs = reasoning.min(output) as f64;
        let expected = (input as f64 * ip + cr * (crp - ip) + cw * (cwp - ip)
            + output as f64 * op + rs * (rp - op)) / 1e6;
        prop_assert!((sum - expected).abs() <= 1e-9 * expected.max(1.0), "{} != {}", sum, expected);
    }
}

#[instrument_llm(provider = "acme", model = "latest")]
async fn answered_by(model: &'static str) -> Result<Usage, std::io::Error> {
    Ok(Usage {
        input: 1_000_000,
        output: 0,
        model: Some(model),
        ..Usage::default()
    })
}

#[tokio::test(flavor = "current_thread")]
async fn a_constant_site_resolves_each_response_model() {
    // One call site (its price kept for the first response model), answered
    // by three models in turn: each call priced by its own response model.
    let t = pipeline(Some(table()));
    t.scope(async {
        for model in ["plain", "fam-mini-x", "nobody", "plain", "nobody"] {
            answered_by(model).await.unwrap();
        }
    })
    .await;
    let s = scrape(&t);
    // 1M input tokens: plain $1/M twice, fam-mini (the longest prefix of
    // `fam-mini-x`, no tiers) $0.25/M once; `nobody` twice unpriced.
    close(cost(&s, "latest", "input"), 2.0 * 1.0 + 0.25);
    assert_eq!(
        s.value(UNPRICED, &[("provider", "acme"), ("model", "latest")]),
        Some(2.0)
    );
}

#[instrument_llm(provider = "acme", model = "plain")]
async fn costed_chat() -> Result<Usage, std::io::Error> {
    Ok(Usage {
        input: 500_000,
        output: 250_000,
        ..Usage::default()
    })
}

#[autobot_otel::instrument_agent(agent_name = "writer")]
async fn writer() -> Result<(), std::io::Error> {
    costed_chat().await?;
    costed_chat().await?;
    Ok(())
}

#[autobot_otel::instrument_workflow(workflow_type = "publish")]
async fn publish() -> Result<(), std::io::Error> {
    writer().await?;
    costed_chat().await?;
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_workflow_sums_every_costed_call_beneath_it() {
    let (subscriber, spans, provider) = exporting("pricing-workflow");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline(Some(table()));
    t.scope(publish()).await.unwrap();
    provider.force_flush().unwrap();
    // One call: 500 000 × $1/M + 250 000 × $4/M = $1.50.
    let find = |prefix: &str| {
        let found: Vec<_> = spans
            .data()
            .into_iter()
            .filter(|s| s.name.starts_with(prefix))
            .map(|s| attrs(&s))
            .collect();
        found
    };
    let agent = find("invoke_agent writer");
    close(float(&agent[0], "autobot.usage.cost.amount"), 2.0 * 1.5);
    let workflow = find("invoke_workflow publish");
    close(float(&workflow[0], "autobot.usage.cost.amount"), 3.0 * 1.5);
    assert_eq!(
        workflow[0]["autobot.usage.cost.currency"],
        Value::from("USD")
    );
    assert!(
        workflow[0]
            .keys()
            .all(|k| !k.starts_with("gen_ai.usage.cost"))
    );
    for call in find("chat plain") {
        close(float(&call, "gen_ai.usage.cost.amount"), 1.5);
    }
    close(cost(&scrape(&t), "plain", "input"), 1.5);
    close(cost(&scrape(&t), "plain", "output"), 3.0);
}
