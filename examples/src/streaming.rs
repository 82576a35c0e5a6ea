//! Streaming LLM calls against a fake provider: chunks arrive over time, the
//! first names the model that answered and the last reports the usage, as real
//! providers do. `#[instrument_llm]` on [`FakeProvider::stream_chat`] times each
//! stream over its whole life (time to first token, duration, outcome, tokens),
//! and the demo service runs [`stream_calls`] next to its workload so the
//! streaming families have data. Run it alone with
//! `cargo run -p autobot-otel-examples --bin streaming`.
//!
//! ```
//! use autobot_otel::Telemetry;
//! use autobot_otel_examples::streaming::{FakeProvider, collect};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! let provider = FakeProvider::new("gpt-4o", Duration::from_millis(400), Duration::from_millis(50));
//! let text = telemetry.scope(async { collect(provider.stream_chat("Say hi", 4)).await }).await;
//! assert_eq!(text.unwrap(), "chunk-0 chunk-1 chunk-2 chunk-3");
//! let scrape = telemetry.render(autobot_otel::Exposition::Text);
//! // The paused clock makes the times exact: 0.4 s to the first chunk.
//! assert!(scrape.contains(r#"autobot_llm_time_to_first_token_seconds_sum{model="gpt-4o",provider="openai"} 0.4"#));
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use autobot_otel::instrument::{ErrorType, LlmChunk, LlmUsage};
use autobot_otel::instrument_llm;
use futures_core::Stream;
use futures_util::StreamExt;

/// Token usage, reported by the last chunk. No cost: the pipeline's price
/// table prices it (the demo's `examples/pricing.toml`: cached tokens at the
/// cache-read price, the answer's dated model id by its family's prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens (cached ones included).
    pub prompt_tokens: u64,
    /// Of those, served from the provider's prompt cache.
    pub cached_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
}

impl LlmUsage for Usage {
    fn input_tokens(&self) -> u64 {
        self.prompt_tokens
    }
    fn output_tokens(&self) -> u64 {
        self.completion_tokens
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        Some(self.cached_tokens)
    }
}

/// One chunk of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The text delta.
    pub text: String,
    /// The model that answered (first chunk).
    pub model: Option<String>,
    /// Why the answer ended (last chunk).
    pub finish_reason: Option<&'static str>,
    /// The usage (last chunk).
    pub usage: Option<Usage>,
}

impl LlmChunk for Chunk {
    fn usage(&self) -> Option<&dyn LlmUsage> {
        self.usage.as_ref().map(|u| u as &dyn LlmUsage)
    }
    fn response_model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn finish_reason(&self) -> Option<&str> {
        self.finish_reason
    }
}

/// Why a stream broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderError {
    /// The provider dropped the connection mid-answer.
    Disconnected,
}

impl ErrorType for ProviderError {
    fn error_type(&self) -> &'static str {
        "disconnected"
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error_type())
    }
}

impl std::error::Error for ProviderError {}

/// A provider that streams `chunks` chunks: the first after `first`, the
/// others `every` apart.
#[derive(Debug, Clone)]
pub struct FakeProvider {
    /// The provider it plays (`provider` label; [`FakeProvider::new`]: `openai`).
    pub provider: String,
    /// The requested model.
    pub model: String,
    /// Time to the first chunk.
    pub first: Duration,
    /// Time between the later chunks.
    pub every: Duration,
    /// Break the stream (an `Err` item) after this many chunks.
    pub fail_after: Option<usize>,
}

impl FakeProvider {
    /// A provider that never fails.
    pub fn new(model: &str, first: Duration, every: Duration) -> FakeProvider {
        FakeProvider {
            provider: "openai".to_string(),
            model: model.to_string(),
            first,
            every,
            fail_after: None,
        }
    }

    /// Streams an answer of `chunks` chunks to `prompt`.
    #[instrument_llm(
        provider = self.provider,
        model = self.model,
        server_address = "api.openai.example",
        server_port = 443
    )]
    pub fn stream_chat(
        &self,
        prompt: &str,
        chunks: usize,
    ) -> impl Stream<Item = Result<Chunk, ProviderError>> + Send + use<> {
        let (first, every, fail_after) = (self.first, self.every, self.fail_after);
        let answer_model = format!("{}-2024-08-06", self.model);
        let prompt_tokens = 20 + prompt.len() as u64;
        futures_util::stream::iter(0..chunks).then(move |i| {
            let answer_model = answer_model.clone();
            async move {
                tokio::time::sleep(if i == 0 { first } else { every }).await;
                if fail_after == Some(i) {
                    return Err(ProviderError::Disconnected);
                }
                let last = i + 1 == chunks;
                Ok(Chunk {
                    text: format!("chunk-{i}"),
                    model: (i == 0).then_some(answer_model),
                    finish_reason: last.then_some("stop"),
                    usage: last.then_some(Usage {
                        prompt_tokens,
                        cached_tokens: prompt_tokens / 2,
                        completion_tokens: 3 * chunks as u64,
                    }),
                })
            }
        })
    }
}

/// Reads a stream to its end: the chunks' text, space-separated, or the first
/// error.
pub async fn collect(
    stream: impl Stream<Item = Result<Chunk, ProviderError>>,
) -> Result<String, ProviderError> {
    let mut stream = std::pin::pin!(stream);
    let mut parts = Vec::new();
    while let Some(chunk) = stream.next().await {
        parts.push(chunk?.text);
    }
    Ok(parts.join(" "))
}

/// The demo's streaming calls: every `period`, one streamed answer (one in four
/// from `anthropic` `claude-3-5-sonnet`, the others from `openai`; a few
/// hundred ms to the first chunk, tens of ms apart), read in its own task; one in
/// 20 breaks mid-stream and one in 20 is abandoned by its reader after two
/// chunks (cancelled). Runs until `stop`.
pub async fn stream_calls(period: Duration, stop: impl std::future::Future<Output = ()>) {
    let mut interval = tokio::time::interval(period);
    tokio::pin!(stop);
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = interval.tick() => {
                n += 1;
                let model = if n.is_multiple_of(3) { "gpt-4o-mini" } else { "gpt-4o" };
                let mut provider = FakeProvider::new(
                    model,
                    Duration::from_millis(150 + (n * 37) % 400),
                    Duration::from_millis(20 + (n * 7) % 40),
                );
                // One stream in four from Anthropic (the Claude API dashboard's
                // streaming panels read it).
                if n % 4 == 2 {
                    provider.provider = "anthropic".to_string();
                    provider.model = "claude-3-5-sonnet".to_string();
                }
                if n % 20 == 7 {
                    provider.fail_after = Some(3);
                }
                let stream = provider.stream_chat("Summarize the pull request", 8);
                let abandon = n % 20 == 13;
                tokio::spawn(async move {
                    if abandon {
                        let mut stream = std::pin::pin!(stream);
                        let _ = stream.next().await;
                        let _ = stream.next().await;
                    } else {
                        let _ = collect(stream).await;
                    }
                });
            }
        }
    }
}
