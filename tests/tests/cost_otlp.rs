//! Issue 21: the cost a price table computes reaches a real OTLP collector
//! (rotel, over HTTP/protobuf) with the same values the scrape shows:
//! `autobot_llm_cost_dollars` by `cost_type` (each token kind once, amounts
//! computed by hand, a tier and a prefix match), the unpriced calls' self-metric, and the spans' cost
//! attributes (the LLM call's `gen_ai.usage.cost.*`, provisional; the agent's
//! `autobot.usage.cost.*` roll-up).

use std::time::Duration;

use autobot_otel::agent::AgentRun;
use autobot_otel::instrument::LlmUsage;
use autobot_otel::llm::LlmCall;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel::pricing::{ModelPrice, Pricing};
use autobot_otel::testing::Scrape;
use autobot_otel::{Exposition, Telemetry};
use autobot_otel_tests::{AttrValue, Rotel, parse_metrics, parse_spans};
use tracing_subscriber::layer::SubscriberExt as _;

struct Usage {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: u64,
    reasoning: u64,
    cost: Option<f64>,
}

impl LlmUsage for Usage {
    fn input_tokens(&self) -> u64 {
        self.input
    }
    fn output_tokens(&self) -> u64 {
        self.output
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        Some(self.cache_read)
    }
    fn cache_creation_input_tokens(&self) -> Option<u64> {
        Some(self.cache_write)
    }
    fn reasoning_output_tokens(&self) -> Option<u64> {
        Some(self.reasoning)
    }
    fn cost_dollars(&self) -> Option<f64> {
        self.cost
    }
}

/// By hand: 4 000 input (2 500 cached, 500 written) and 2 000 output (1 500
/// reasoning) tokens at $3 input, $0.3 cache read, $3.75 cache write, $15
/// output, $20 reasoning per million.
const EXPECTED: [(&str, f64); 5] = [
    ("input", 1_000.0 * 3.0 / 1e6),
    ("cache_read", 2_500.0 * 0.3 / 1e6),
    ("cache_write", 500.0 * 3.75 / 1e6),
    ("output", 500.0 * 15.0 / 1e6),
    ("reasoning", 1_500.0 * 20.0 / 1e6),
];
const GIVEN: f64 = 0.25;

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{what}: {actual} != {expected}"
    );
}

#[test]
fn the_collector_receives_the_costs_the_scrape_shows() {
    let rotel = Rotel::start().expect("rotel starts");
    let pricing = Pricing::new().with_model(
        "acme",
        "big",
        ModelPrice::per_million(3.0, 15.0)
            .with_cache_read(0.3)
            .with_cache_write(3.75)
            .with_reasoning(20.0)
            // Above 10 000 input tokens every token at these prices.
            .with_tier(10_000, ModelPrice::per_million(6.0, 30.0)),
    );
    let telemetry: Telemetry = autobot_otel::builder!()
        .with_env_lookup(|_| None)
        .with_service_name("cost-otlp-test")
        .with_otlp(
            OtlpSettings::new(rotel.http_endpoint(), OtlpProtocol::HttpProtobuf)
                .with_export_interval(Duration::from_secs(3600)),
        )
        .with_pricing(pricing)
        .build()
        .expect("pipeline");
    let subscriber = tracing_subscriber::registry().with(telemetry.tracing_layer());
    tracing::subscriber::with_default(subscriber, || {
        telemetry.in_scope(|| {
            let run = AgentRun::start("accountant");
            run.in_scope(|| {
                LlmCall::start("acme", "big", "chat").succeed(Some(&Usage {
                    input: 4_000,
                    output: 2_000,
                    cache_read: 2_500,
                    cache_write: 500,
                    reasoning: 1_500,
                    cost: None,
                }));
                // A dated id finds `big` by prefix; 20 000 input tokens: the tier.
                LlmCall::start("acme", "big-2026-01-01", "chat").succeed(Some(&Usage {
                    input: 20_000,
                    output: 100,
                    cache_read: 0,
                    cache_write: 0,
                    reasoning: 0,
                    cost: None,
                }));
                LlmCall::start("acme", "given", "chat").succeed(Some(&Usage {
                    input: 1,
                    output: 1,
                    cache_read: 0,
                    cache_write: 0,
                    reasoning: 0,
                    cost: Some(GIVEN),
                }));
                LlmCall::start("acme", "unknown", "chat").succeed(Some(&Usage {
                    input: 1,
                    output: 1,
                    cache_read: 0,
                    cache_write: 0,
                    reasoning: 0,
                    cost: None,
                }));
            });
            run.succeed();
        })
    });
    let scrape = Scrape::parse(&telemetry.render(Exposition::Text)).unwrap();
    telemetry.shutdown().expect("flushed to the collector");
    let out = rotel
        .wait_for_output(
            |out| {
                parse_spans(out)
                    .iter()
                    .any(|s| s.name == "invoke_agent accountant")
                    && parse_metrics(out)
                        .iter()
                        .any(|m| m.name == "autobot_llm_cost_dollars")
                    && parse_metrics(out)
                        .iter()
                        .any(|m| m.name == "autobot_otel_unpriced_llm_calls")
            },
            Duration::from_secs(20),
        )
        .expect("spans and metrics arrive");

    // Metrics: the collector's values are the scrape's, and the hand-computed ones.
    let metrics = parse_metrics(&out);
    let cost = metrics
        .iter()
        .rev()
        .find(|m| m.name == "autobot_llm_cost_dollars")
        .unwrap();
    assert_eq!(cost.unit, "{USD}");
    for (kind, expected) in EXPECTED {
        let pushed = cost
            .point_with(&[("provider", "acme"), ("model", "big"), ("cost_type", kind)])
            .and_then(|p| p.value)
            .unwrap_or_else(|| panic!("{kind} not pushed"));
        let scraped = scrape
            .value(
                "autobot_llm_cost_dollars_total",
                &[("provider", "acme"), ("model", "big"), ("cost_type", kind)],
            )
            .unwrap();
        close(pushed, expected, kind);
        close(scraped, expected, kind);
    }
    for (kind, expected) in [
        ("input", 20_000.0 * 6.0 / 1e6),
        ("output", 100.0 * 30.0 / 1e6),
    ] {
        let labels = [
            ("provider", "acme"),
            ("model", "big-2026-01-01"),
            ("cost_type", kind),
        ];
        let pushed = cost.point_with(&labels).and_then(|p| p.value).unwrap();
        let scraped = scrape
            .value("autobot_llm_cost_dollars_total", &labels)
            .unwrap();
        close(pushed, expected, kind);
        close(scraped, expected, kind);
    }
    let given = cost
        .point_with(&[("model", "given"), ("cost_type", "total")])
        .and_then(|p| p.value);
    assert_eq!(given, Some(GIVEN));
    assert!(
        cost.points
            .iter()
            .all(|p| p.attr("model").as_deref() != Some("unknown")),
        "an unpriced call has no cost"
    );
    let unpriced = metrics
        .iter()
        .rev()
        .find(|m| m.name == "autobot_otel_unpriced_llm_calls")
        .unwrap();
    let point = unpriced
        .point_with(&[("provider", "acme"), ("model", "unknown")])
        .expect("the unpriced call");
    assert_eq!(point.value, Some(1.0));
    assert_eq!(unpriced.points.len(), 1);
    assert_eq!(
        scrape.value(
            "autobot_otel_unpriced_llm_calls_total",
            &[("provider", "acme"), ("model", "unknown")]
        ),
        Some(1.0)
    );

    // Spans.
    let spans = parse_spans(&out);
    let double = |span: &autobot_otel_tests::RotelSpan, key: &str| match span.attributes.get(key) {
        Some(AttrValue::Double(v)) => Some(*v),
        None => None,
        Some(other) => panic!("{key} is {other:?}"),
    };
    let priced = spans.iter().find(|s| s.name == "chat big").unwrap();
    let total: f64 = EXPECTED.iter().map(|(_, d)| d).sum();
    close(
        double(priced, "gen_ai.usage.cost.amount").unwrap(),
        total,
        "span",
    );
    assert_eq!(
        priced.attr("gen_ai.usage.cost.currency").as_deref(),
        Some("USD")
    );
    assert_eq!(
        priced.attr("gen_ai.usage.cost.source").as_deref(),
        Some("local")
    );
    let given = spans.iter().find(|s| s.name == "chat given").unwrap();
    assert_eq!(double(given, "gen_ai.usage.cost.amount"), Some(GIVEN));
    assert_eq!(
        given.attr("gen_ai.usage.cost.source").as_deref(),
        Some("provider")
    );
    let unknown = spans.iter().find(|s| s.name == "chat unknown").unwrap();
    assert!(
        unknown.attributes.keys().all(|k| !k.contains(".cost.")),
        "{:?}",
        unknown.attributes
    );
    let agent = spans
        .iter()
        .find(|s| s.name == "invoke_agent accountant")
        .unwrap();
    let tiered = 20_000.0 * 6.0 / 1e6 + 100.0 * 30.0 / 1e6;
    close(
        double(agent, "autobot.usage.cost.amount").unwrap(),
        total + tiered + GIVEN,
        "agent roll-up",
    );
    assert_eq!(
        agent.attr("autobot.usage.cost.currency").as_deref(),
        Some("USD")
    );
    assert!(
        agent
            .attributes
            .keys()
            .all(|k| !k.starts_with("gen_ai.usage.cost"))
    );
}
