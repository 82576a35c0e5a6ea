//! Streaming LLM calls: `#[instrument_llm]` on functions that return a stream of
//! chunks (directly, from an `async fn`, or in a `Result`) and `LlmCall::stream`
//! time the stream's whole life. Tokio's paused clock makes every duration exact:
//! the fake provider sleeps, and the recorded times are the sleeps' sums.

use std::pin::pin;
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::instrument::{ErrorType, LlmChunk, LlmUsage};
use autobot_otel::instrument_llm;
use autobot_otel::llm::LlmCall;
use autobot_otel::testing::Scrape;
use futures_core::Stream;
use futures_util::{FutureExt as _, StreamExt};

#[derive(Debug, Clone, PartialEq)]
struct Usage {
    input: u64,
    output: u64,
    cached: u64,
}

impl LlmUsage for Usage {
    fn input_tokens(&self) -> u64 {
        self.input
    }
    fn output_tokens(&self) -> u64 {
        self.output
    }
    fn cost_dollars(&self) -> Option<f64> {
        Some(0.25)
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        Some(self.cached)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Chunk {
    text: &'static str,
    model: Option<&'static str>,
    finish: Option<&'static str>,
    usage: Option<Usage>,
}

impl LlmChunk for Chunk {
    fn usage(&self) -> Option<&dyn LlmUsage> {
        self.usage.as_ref().map(|u| u as &dyn LlmUsage)
    }
    fn response_model(&self) -> Option<&str> {
        self.model
    }
    fn finish_reason(&self) -> Option<&str> {
        self.finish
    }
}

#[derive(Debug, Clone, PartialEq)]
enum ProviderError {
    Overloaded,
}

impl ErrorType for ProviderError {
    fn error_type(&self) -> &'static str {
        match self {
            ProviderError::Overloaded => "overloaded",
        }
    }
}

type Item = Result<Chunk, ProviderError>;

fn chunk(text: &'static str) -> Item {
    Ok(Chunk {
        text,
        model: None,
        finish: None,
        usage: None,
    })
}

/// The fake provider: the first chunk after `first`, the others `every` apart;
/// the first names the model, the last reports usage.
fn provider(first: Duration, every: Duration, items: Vec<Item>) -> impl Stream<Item = Item> {
    let n = items.len();
    futures_util::stream::iter(items.into_iter().enumerate()).then(move |(i, item)| async move {
        tokio::time::sleep(if i == 0 { first } else { every }).await;
        let mut item = item;
        if let Ok(c) = &mut item {
            if i == 0 {
                c.model = Some("gpt-4o-2024-08-06");
            }
            if i + 1 == n {
                c.finish = Some("stop");
                c.usage = Some(Usage {
                    input: 100,
                    output: 40,
                    cached: 60,
                });
            }
        }
        item
    })
}

fn four_chunks() -> Vec<Item> {
    vec![chunk("The "), chunk("answer "), chunk("is "), chunk("42")]
}

#[instrument_llm(
    provider = "openai",
    model = "gpt-4o",
    server_address = "api.openai.com",
    server_port = 443
)]
fn stream_chat(items: Vec<Item>) -> impl Stream<Item = Result<Chunk, ProviderError>> {
    provider(Duration::from_secs(2), Duration::from_millis(500), items)
}

#[instrument_llm(provider = "openai", model = "gpt-4o-mini", span = false)]
async fn connect_then_stream(setup: Duration) -> impl Stream<Item = Result<Chunk, ProviderError>> {
    tokio::time::sleep(setup).await;
    provider(
        Duration::from_millis(250),
        Duration::from_millis(100),
        four_chunks(),
    )
}

#[instrument_llm(provider = "anthropic", model = "claude", span = false)]
async fn maybe_stream(
    fail: bool,
) -> Result<impl Stream<Item = Result<Chunk, ProviderError>>, ProviderError> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    if fail {
        return Err(ProviderError::Overloaded);
    }
    Ok(provider(
        Duration::from_secs(1),
        Duration::from_secs(1),
        four_chunks(),
    ))
}

fn pipeline(genai: bool) -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .with_genai_metrics(genai)
        .build()
        .unwrap()
}

fn scrape(t: &Telemetry) -> Scrape {
    Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap()
}

fn get(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    s.value(name, labels)
}

async fn drain<S: Stream<Item = Item>>(stream: S) -> Vec<Item> {
    let mut stream = pin!(stream);
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        out.push(item);
    }
    out
}

const OPENAI: [(&str, &str); 2] = [("provider", "openai"), ("model", "gpt-4o")];

#[tokio::test(start_paused = true)]
async fn a_stream_is_timed_over_its_whole_life_with_exact_times() {
    let t = pipeline(false);
    let items = t
        .scope(async {
            let mut stream = pin!(stream_chat(four_chunks()));
            let first = stream.next().await.unwrap().unwrap();
            assert_eq!(first.text, "The ");
            // In flight until the stream ends; the first chunk is timed already.
            let s = scrape(&t);
            assert_eq!(
                get(&s, "autobot_llm_requests_in_flight", &OPENAI),
                Some(1.0)
            );
            assert_eq!(
                get(&s, "autobot_llm_time_to_first_token_seconds_sum", &OPENAI),
                Some(2.0)
            );
            assert_eq!(
                get(
                    &s,
                    "autobot_llm_requests_total",
                    &[
                        ("provider", "openai"),
                        ("model", "gpt-4o"),
                        ("request_type", "chat")
                    ]
                ),
                None,
                "not recorded before the stream ends"
            );
            let mut rest = Vec::new();
            while let Some(item) = stream.next().await {
                rest.push(item);
            }
            // Polling past the end records nothing more.
            assert!(stream.next().await.is_none());
            rest
        })
        .await;
    assert_eq!(items.len(), 3);
    let s = scrape(&t);
    let requests = [
        ("provider", "openai"),
        ("model", "gpt-4o"),
        ("request_type", "chat"),
    ];
    assert_eq!(get(&s, "autobot_llm_requests_total", &requests), Some(1.0));
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_sum", &OPENAI),
        Some(3.5),
        "2 s to the first chunk, then 3 × 0.5 s"
    );
    assert_eq!(
        get(&s, "autobot_llm_time_to_first_token_seconds_count", &OPENAI),
        Some(1.0)
    );
    assert_eq!(
        get(
            &s,
            "autobot_llm_time_to_first_token_seconds_bucket",
            &[("provider", "openai"), ("model", "gpt-4o"), ("le", "2.5")]
        ),
        Some(1.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_requests_in_flight", &OPENAI),
        Some(0.0)
    );
    assert_eq!(
        get(
            &s,
            "autobot_llm_tokens_total",
            &[
                ("provider", "openai"),
                ("model", "gpt-4o"),
                ("token_type", "input")
            ]
        ),
        Some(100.0),
        "the final chunk's usage; cached tokens are part of it, not added again"
    );
    assert_eq!(
        get(
            &s,
            "autobot_llm_tokens_total",
            &[
                ("provider", "openai"),
                ("model", "gpt-4o"),
                ("token_type", "output")
            ]
        ),
        Some(40.0)
    );
    assert_eq!(
        get(
            &s,
            "autobot_llm_cost_dollars_total",
            &[
                ("provider", "openai"),
                ("model", "gpt-4o"),
                ("cost_type", "total")
            ]
        ),
        Some(0.25)
    );
    assert!(s.family("autobot_llm_errors_total").is_none(), "no failure");
    assert!(
        s.families.keys().all(|f| !f.starts_with("gen_ai")),
        "GenAI metrics are off by default"
    );
}

#[tokio::test(start_paused = true)]
async fn an_async_fn_returning_a_stream_is_timed_from_its_first_poll() {
    let t = pipeline(false);
    let items = t
        .scope(async {
            let stream = connect_then_stream(Duration::from_secs(1)).await;
            drain(stream).await
        })
        .await;
    assert_eq!(items.len(), 4);
    let s = scrape(&t);
    let mini = [("provider", "openai"), ("model", "gpt-4o-mini")];
    assert_eq!(
        get(&s, "autobot_llm_time_to_first_token_seconds_sum", &mini),
        Some(1.25),
        "1 s to connect, 0.25 s to the first chunk"
    );
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_sum", &mini),
        Some(1.55)
    );
    assert_eq!(get(&s, "autobot_llm_requests_in_flight", &mini), Some(0.0));
}

#[tokio::test(start_paused = true)]
async fn an_err_before_the_stream_is_a_failure_and_ok_streams_are_timed() {
    let t = pipeline(false);
    t.scope(async {
        assert!(maybe_stream(true).await.is_err());
        let stream = maybe_stream(false).await.unwrap();
        assert_eq!(drain(stream).await.len(), 4);
    })
    .await;
    let s = scrape(&t);
    let claude = [("provider", "anthropic"), ("model", "claude")];
    assert_eq!(
        get(
            &s,
            "autobot_llm_errors_total",
            &[("provider", "anthropic"), ("error_type", "overloaded")]
        ),
        Some(1.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_count", &claude),
        Some(2.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_sum", &claude),
        Some(0.3 + 0.3 + 4.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_time_to_first_token_seconds_sum", &claude),
        Some(1.3),
        "only the stream that started has a first chunk"
    );
    assert_eq!(
        get(&s, "autobot_llm_requests_in_flight", &claude),
        Some(0.0)
    );
}

#[tokio::test(start_paused = true)]
async fn the_first_err_item_is_the_failure_and_later_items_pass_through_unrecorded() {
    let t = pipeline(false);
    // The call starts when the function is called: inside the scope.
    let items = t
        .scope(async {
            drain(stream_chat(vec![
                chunk("a"),
                Err(ProviderError::Overloaded),
                chunk("b"),
                Err(ProviderError::Overloaded),
            ]))
            .await
        })
        .await;
    assert_eq!(items.len(), 4, "every item reaches the caller");
    let s = scrape(&t);
    assert_eq!(
        get(
            &s,
            "autobot_llm_errors_total",
            &[("provider", "openai"), ("error_type", "overloaded")]
        ),
        Some(1.0),
        "recorded once, at the first Err"
    );
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_sum", &OPENAI),
        Some(2.5),
        "the call ended at the Err"
    );
    assert_eq!(
        get(&s, "autobot_llm_requests_in_flight", &OPENAI),
        Some(0.0)
    );
    assert!(s.family("autobot_llm_tokens_total").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_stream_dropped_before_its_end_is_cancelled_once() {
    let t = pipeline(false);
    t.scope(async {
        let mut stream = Box::pin(stream_chat(four_chunks()));
        stream.next().await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(stream);
        // A stream never polled: the call was made (the function ran) and abandoned.
        drop(stream_chat(four_chunks()));
    })
    .await;
    let s = scrape(&t);
    assert_eq!(
        get(
            &s,
            "autobot_llm_errors_total",
            &[("provider", "openai"), ("error_type", "cancelled")]
        ),
        Some(2.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_sum", &OPENAI),
        Some(3.0),
        "2 s to the first chunk + 1 s; the unpolled one took no time"
    );
    assert_eq!(
        get(&s, "autobot_llm_time_to_first_token_seconds_count", &OPENAI),
        Some(1.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_requests_in_flight", &OPENAI),
        Some(0.0)
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_stream_is_a_failure_and_leaves_nothing_in_flight() {
    let t = pipeline(false);
    let panicking = futures_util::stream::iter([0, 1]).map(|i| -> Item {
        assert!(i == 0, "provider bug");
        chunk("x")
    });
    let caught = t
        .scope(async {
            let stream = LlmCall::start("local", "llama", "chat").stream(panicking);
            let mut stream = Box::pin(stream);
            stream.next().await.unwrap().unwrap();
            std::panic::AssertUnwindSafe(async move {
                let _ = stream.next().await;
            })
            .catch_unwind()
            .await
        })
        .await;
    assert!(caught.is_err());
    let s = scrape(&t);
    assert_eq!(
        get(
            &s,
            "autobot_llm_errors_total",
            &[("provider", "local"), ("error_type", "panic")]
        ),
        Some(1.0)
    );
    assert_eq!(
        get(
            &s,
            "autobot_llm_requests_in_flight",
            &[("provider", "local"), ("model", "llama")]
        ),
        Some(0.0)
    );
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
async fn plain_call(panic: bool) -> Result<Usage, ProviderError> {
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!panic, "bug");
    Ok(Usage {
        input: 5,
        output: 6,
        cached: 0,
    })
}

#[tokio::test(start_paused = true)]
async fn plain_calls_move_the_in_flight_gauge_exactly_also_under_panics() {
    let t = pipeline(false);
    t.scope(async {
        let mut call = pin!(plain_call(false));
        // Started and still waiting on the provider.
        assert!(
            tokio::time::timeout(Duration::from_millis(100), &mut call)
                .await
                .is_err()
        );
        assert_eq!(
            get(&scrape(&t), "autobot_llm_requests_in_flight", &OPENAI),
            Some(1.0)
        );
        call.await.unwrap();
        assert_eq!(
            get(&scrape(&t), "autobot_llm_requests_in_flight", &OPENAI),
            Some(0.0)
        );
        let panicked = std::panic::AssertUnwindSafe(plain_call(true))
            .catch_unwind()
            .await;
        assert!(panicked.is_err());
    })
    .await;
    let s = scrape(&t);
    assert_eq!(
        get(&s, "autobot_llm_requests_in_flight", &OPENAI),
        Some(0.0)
    );
    assert_eq!(
        get(
            &s,
            "autobot_llm_errors_total",
            &[("provider", "openai"), ("error_type", "panic")]
        ),
        Some(1.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_sum", &OPENAI),
        Some(1.4)
    );
    assert!(
        s.family("autobot_llm_time_to_first_token_seconds")
            .is_none(),
        "a plain call has no first chunk"
    );
}

#[tokio::test(start_paused = true)]
async fn genai_metrics_are_recorded_by_the_same_calls_with_exact_times() {
    let t = pipeline(true);
    t.scope(async {
        assert_eq!(drain(stream_chat(four_chunks())).await.len(), 4);
        plain_call(false).await.unwrap();
        drain(stream_chat(vec![
            chunk("a"),
            Err(ProviderError::Overloaded),
        ]))
        .await;
    })
    .await;
    let s = scrape(&t);
    let streamed = [
        ("gen_ai_operation_name", "chat"),
        ("gen_ai_provider_name", "openai"),
        ("gen_ai_request_model", "gpt-4o"),
        ("gen_ai_response_model", "gpt-4o-2024-08-06"),
        ("server_address", "api.openai.com"),
        ("server_port", "443"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        streamed.iter().chain(extra).copied().collect()
    };
    assert_eq!(
        get(
            &s,
            "gen_ai_client_operation_time_to_first_chunk_seconds_sum",
            &streamed
        ),
        Some(4.0),
        "two streams, 2 s each"
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_operation_time_to_first_chunk_seconds_count",
            &streamed
        ),
        Some(2.0)
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_operation_time_per_output_chunk_seconds_sum",
            &streamed
        ),
        Some(1.5),
        "every chunk after the first: 3 × 0.5 s (the Err item is no chunk)"
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_operation_time_per_output_chunk_seconds_count",
            &streamed
        ),
        Some(3.0)
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_operation_duration_seconds_sum",
            &streamed
        ),
        Some(3.5)
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_operation_duration_seconds_sum",
            &with(&[("error_type", "overloaded")])
        ),
        Some(2.5)
    );
    let plain = [
        ("gen_ai_operation_name", "chat"),
        ("gen_ai_provider_name", "openai"),
        ("gen_ai_request_model", "gpt-4o"),
    ];
    assert_eq!(
        get(&s, "gen_ai_client_operation_duration_seconds_sum", &plain),
        Some(0.7),
        "no response model, no server: the attributes are left out"
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_token_usage_sum",
            &with(&[("gen_ai_token_type", "input")])
        ),
        Some(100.0)
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_token_usage_sum",
            &with(&[("gen_ai_token_type", "output")])
        ),
        Some(40.0)
    );
    let plain_output: Vec<_> = plain
        .iter()
        .copied()
        .chain([("gen_ai_token_type", "output")])
        .collect();
    assert_eq!(
        get(&s, "gen_ai_client_token_usage_sum", &plain_output),
        Some(6.0)
    );
    assert_eq!(
        get(
            &s,
            "gen_ai_client_token_usage_bucket",
            &plain_output
                .iter()
                .copied()
                .chain([("le", "16")])
                .collect::<Vec<_>>()
        ),
        Some(1.0),
        "the conventions' advisory buckets"
    );
    // The autobot families record the same calls.
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_count", &OPENAI),
        Some(3.0)
    );
}

#[tokio::test(start_paused = true)]
async fn hand_written_streams_record_like_the_attribute() {
    let t = pipeline(false);
    t.scope(async {
        let call =
            LlmCall::start("openai", "gpt-4o", "chat").with_server("api.openai.com", Some(443));
        let items = provider(
            Duration::from_secs(2),
            Duration::from_millis(500),
            four_chunks(),
        );
        assert_eq!(drain(call.stream(items)).await.len(), 4);
    })
    .await;
    let s = scrape(&t);
    assert_eq!(
        get(&s, "autobot_llm_time_to_first_token_seconds_sum", &OPENAI),
        Some(2.0)
    );
    assert_eq!(
        get(&s, "autobot_llm_request_latency_seconds_sum", &OPENAI),
        Some(3.5)
    );
    assert_eq!(
        get(
            &s,
            "autobot_llm_tokens_total",
            &[
                ("provider", "openai"),
                ("model", "gpt-4o"),
                ("token_type", "output")
            ]
        ),
        Some(40.0)
    );
}
