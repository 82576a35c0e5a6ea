//! Streaming LLM calls reach a real OTLP collector (rotel), over gRPC and over
//! HTTP/protobuf: the span stays open for the stream's whole life and carries the
//! GenAI attributes at its end; the GenAI conventions' metrics arrive with their
//! OTel names, units, attributes and advisory buckets next to the `autobot_llm_*`
//! families (one call, both views); buckets set per metric and `service.version`
//! (the calling crate's, from `builder!`) arrive too.

use std::time::Duration;

use autobot_otel::catalog::MetricId;
use autobot_otel::catalog::genai::{DURATION_BUCKETS, GENAI_METRICS, TOKEN_BUCKETS};
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel::{Telemetry, instrument_github};
use autobot_otel_examples::streaming::{FakeProvider, collect};
use autobot_otel_tests::{AttrValue, Rotel, RotelMetric, RotelSpan, parse_metrics, parse_spans};
use tracing_subscriber::layer::SubscriberExt as _;

const FIRST: Duration = Duration::from_millis(300);
const EVERY: Duration = Duration::from_millis(50);
const CHUNKS: usize = 5;
const TTFT_BUCKETS: [f64; 4] = [0.1, 0.2, 0.4, 0.8];

#[derive(Debug)]
struct NotFound;

#[instrument_github(operation = "get_issue", success_on_err = |_e: &NotFound| true)]
async fn lookup() -> Result<u64, NotFound> {
    Err(NotFound)
}

/// Runs two streams (one breaks), a lookup whose `Err` is no failure, then
/// shuts down; what rotel printed.
fn run(rotel: &Rotel, protocol: OtlpProtocol) -> String {
    let endpoint = match protocol {
        OtlpProtocol::Grpc => rotel.grpc_endpoint(),
        _ => rotel.http_endpoint(),
    };
    let telemetry: Telemetry = autobot_otel::builder!()
        .with_service_name("llm-otlp-test")
        .with_otlp(
            OtlpSettings::new(endpoint, protocol).with_export_interval(Duration::from_secs(3600)),
        )
        .with_genai_metrics(true)
        .with_buckets(MetricId::LlmTimeToFirstTokenSeconds, &TTFT_BUCKETS)
        .build()
        .expect("pipeline");
    let subscriber = tracing_subscriber::registry().with(telemetry.tracing_layer());
    tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(telemetry.scope(async {
            let provider = FakeProvider::new("gpt-4o", FIRST, EVERY);
            let text = collect(provider.stream_chat("Summarize", CHUNKS)).await;
            assert_eq!(text.unwrap().split(' ').count(), CHUNKS);
            let mut broken = provider.clone();
            broken.fail_after = Some(2);
            assert!(
                collect(broken.stream_chat("Explain", CHUNKS))
                    .await
                    .is_err()
            );
            assert!(lookup().await.is_err());
        }));
    });
    telemetry.shutdown().expect("flushed to the collector");
    rotel
        .wait_for_output(
            |out| {
                parse_spans(out)
                    .iter()
                    .filter(|s| s.name == STREAM_SPAN)
                    .count()
                    == 2
                    && parse_spans(out).iter().any(|s| s.name == "lookup")
                    // The client metrics (agents, tools, workflows: not recorded here).
                    && GENAI_METRICS
                        .iter()
                        .filter(|d| d.name.starts_with("gen_ai.client."))
                        .all(|d| parse_metrics(out).iter().any(|m| m.name == d.name))
            },
            Duration::from_secs(20),
        )
        .expect("spans and metrics arrive")
}

/// The streams' span: `{operation} {model}` (the GenAI conventions' name).
const STREAM_SPAN: &str = "chat gpt-4o";

fn metric<'a>(metrics: &'a [RotelMetric], name: &str) -> &'a RotelMetric {
    metrics
        .iter()
        .rev()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn check(out: &str) {
    let spans = parse_spans(out);
    let streams: Vec<&RotelSpan> = spans.iter().filter(|s| s.name == STREAM_SPAN).collect();
    let ok = streams
        .iter()
        .find(|s| s.status_code != "STATUS_CODE_ERROR")
        .expect("the stream that ended");
    assert_eq!(ok.kind, "SPAN_KIND_CLIENT");
    // Open for the stream's whole life: at least the provider's sleeps.
    let life = Duration::from_nanos(ok.end_time.unwrap() - ok.start_time.unwrap());
    assert!(life >= FIRST + EVERY * (CHUNKS as u32 - 1), "{life:?}");
    let Some(AttrValue::Double(ttfc)) = ok.attributes.get("gen_ai.response.time_to_first_chunk")
    else {
        panic!("no time to first chunk: {:?}", ok.attributes)
    };
    assert!(
        *ttfc >= FIRST.as_secs_f64() && *ttfc < life.as_secs_f64(),
        "{ttfc}"
    );
    assert_eq!(ok.attr("autobot.status").as_deref(), Some("success"));
    assert_eq!(ok.attr("gen_ai.provider.name").as_deref(), Some("openai"));
    assert_eq!(ok.attr("gen_ai.request.model").as_deref(), Some("gpt-4o"));
    assert_eq!(
        ok.attr("gen_ai.response.model").as_deref(),
        Some("gpt-4o-2024-08-06")
    );
    let reasons = format!("{:?}", ok.attributes.get("gen_ai.response.finish_reasons"));
    assert!(reasons.contains("stop"), "finish reasons: {reasons}");
    assert_eq!(
        ok.attr("server.address").as_deref(),
        Some("api.openai.example")
    );
    assert!(matches!(
        ok.attributes.get("server.port"),
        Some(AttrValue::Int(443))
    ));
    assert!(matches!(
        ok.attributes.get("gen_ai.usage.output_tokens"),
        Some(AttrValue::Int(15))
    ));
    assert!(matches!(
        ok.attributes.get("gen_ai.usage.cache_read.input_tokens"),
        Some(AttrValue::Int(_))
    ));
    assert_eq!(
        ok.resource_attr("service.version").as_deref(),
        Some(env!("CARGO_PKG_VERSION")),
        "builder!() takes the calling crate's version"
    );
    let broken = streams
        .iter()
        .find(|s| s.status_code == "STATUS_CODE_ERROR")
        .expect("the broken stream");
    assert_eq!(broken.attr("error.type").as_deref(), Some("disconnected"));
    assert!(
        broken.attr("gen_ai.usage.input_tokens").is_none(),
        "no usage reported"
    );
    let lookup = spans.iter().find(|s| s.name == "lookup").unwrap();
    assert_eq!(lookup.attr("autobot.status").as_deref(), Some("success"));
    assert_ne!(
        lookup.status_code, "STATUS_CODE_ERROR",
        "an Err that is no failure"
    );

    let metrics = parse_metrics(out);
    let duration = metric(&metrics, "gen_ai.client.operation.duration");
    assert_eq!(
        (duration.unit.as_str(), duration.data_type.as_str()),
        ("s", "Histogram")
    );
    let success = duration
        .points
        .iter()
        .find(|p| p.attr("error.type").is_none())
        .expect("the successful stream");
    assert_eq!(success.explicit_bounds, DURATION_BUCKETS);
    assert_eq!(
        success.attr("gen_ai.operation.name").as_deref(),
        Some("chat")
    );
    assert_eq!(
        success.attr("gen_ai.response.model").as_deref(),
        Some("gpt-4o-2024-08-06")
    );
    assert!(matches!(
        success.attributes.get("server.port"),
        Some(AttrValue::Int(443))
    ));
    assert!(
        duration
            .point_with(&[("error.type", "disconnected")])
            .is_some()
    );
    let tokens = metric(&metrics, "gen_ai.client.token.usage");
    assert_eq!(tokens.unit, "{token}");
    let output = tokens
        .point_with(&[("gen_ai.token.type", "output")])
        .unwrap();
    assert_eq!((output.count, output.sum), (Some(1), Some(15.0)));
    assert_eq!(output.explicit_bounds, TOKEN_BUCKETS);
    let chunks = metric(&metrics, "gen_ai.client.operation.time_per_output_chunk");
    let count: u64 = chunks.points.iter().filter_map(|p| p.count).sum();
    assert_eq!(
        count,
        (CHUNKS - 1) as u64 + 1,
        "after the first chunk of each stream"
    );
    let first = metric(&metrics, "gen_ai.client.operation.time_to_first_chunk");
    assert_eq!(first.points.iter().filter_map(|p| p.count).sum::<u64>(), 2);
    // The autobot families of the same calls.
    let ttft = metric(&metrics, "autobot_llm_time_to_first_token");
    assert_eq!(
        ttft.points[0].explicit_bounds, TTFT_BUCKETS,
        "with_buckets over OTLP"
    );
    assert_eq!(ttft.points[0].count, Some(2));
    let in_flight = metric(&metrics, "autobot_llm_requests_in_flight");
    assert_eq!(in_flight.points[0].value, Some(0.0));
    assert_eq!(
        in_flight.resource_attr("service.version").as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn streams_and_genai_metrics_reach_the_collector_over_grpc() {
    let rotel = Rotel::start().expect("rotel starts");
    check(&run(&rotel, OtlpProtocol::Grpc));
}

#[test]
fn streams_and_genai_metrics_reach_the_collector_over_http() {
    let rotel = Rotel::start().expect("rotel starts");
    check(&run(&rotel, OtlpProtocol::HttpProtobuf));
}
