//! LLM calls timed as they happen: [`LlmCall`] for hand-written code and
//! [`LlmStream`], the stream wrapper it shares with `#[instrument_llm]`: the
//! call over a stream's life that every attribute uses (`call::CallStream`)
//! with the LLM chunk accounting (first chunk, usage, finish reasons) as its
//! watch.

use std::borrow::Cow;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::time::Instant;

use crate::call::{
    Call, CallOutcome, CallStream, Recorder, RecorderRef, Report, Response, Server, Watch, now,
};
use crate::catalog::instrument as specs;
use crate::global::Origin;
use crate::instrument::{ErrorType, LlmChunk, LlmUsage};
use crate::manager::HistogramSeries;

/// The usage a chunk reported, copied (the chunk itself goes to the caller).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct UsageCopy {
    input: u64,
    output: u64,
    cost: Option<f64>,
    cache_read: Option<u64>,
    cache_creation: Option<u64>,
    reasoning: Option<u64>,
}

impl LlmUsage for UsageCopy {
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
        self.cache_creation
    }
    fn reasoning_output_tokens(&self) -> Option<u64> {
        self.reasoning
    }
}

/// What the chunks of a stream reported so far: the last usage, the first model
/// named, the finish reasons. Not public API (the attributes' expansions name it).
///
/// Finish reasons, one per generation (choice): the last usage that lists any
/// is the response's whole list and wins; without one, the chunks' own
/// reasons, in order. So a reason both a chunk and the usage report is
/// written once (`["stop"]`, not `["stop", "stop"]`), and a usage repeated in
/// several chunks does not repeat its reasons.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct ChunkReport {
    usage: Option<UsageCopy>,
    model: Option<String>,
    /// The reasons of the last usage that listed any.
    usage_reasons: Vec<String>,
    /// The reasons the chunks gave, in order.
    chunk_reasons: Vec<String>,
}

impl ChunkReport {
    /// Reads what `chunk` reports (allocates only for a model name and a finish
    /// reason, once or twice per stream).
    #[inline]
    pub(crate) fn read<C: LlmChunk>(chunk: &C, report: &mut ChunkReport) {
        if let Some(usage) = chunk.usage() {
            report.usage = Some(UsageCopy {
                input: usage.input_tokens(),
                output: usage.output_tokens(),
                cost: usage.cost_dollars(),
                cache_read: usage.cache_read_input_tokens(),
                cache_creation: usage.cache_creation_input_tokens(),
                reasoning: usage.reasoning_output_tokens(),
            });
            if report.model.is_none() {
                report.model = usage.response_model().map(str::to_owned);
            }
            let reasons = usage.finish_reasons();
            if !reasons.is_empty() {
                report.usage_reasons.clear();
                report
                    .usage_reasons
                    .extend(reasons.into_iter().map(str::to_owned));
            }
        }
        if report.model.is_none() {
            report.model = chunk.response_model().map(str::to_owned);
        }
        if let Some(reason) = chunk.finish_reason() {
            report.chunk_reasons.push(reason.to_owned());
        }
    }

    fn response(&self) -> Response<'_> {
        Response {
            usage: self.usage.as_ref().map(|u| u as &dyn LlmUsage),
            model: self.model.as_deref(),
            finish_reasons: if self.usage_reasons.is_empty() {
                &self.chunk_reasons
            } else {
                &self.usage_reasons
            }
            .iter()
            .map(String::as_str)
            .collect(),
        }
    }
}

/// The LLM part of a streaming call ([`CallStream`]'s watch): the first chunk
/// (time to first token, the GenAI chunk timings) and what the chunks report.
struct Chunks<C, E> {
    first_chunk: bool,
    last_chunk: Option<Instant>,
    chunk_series: Option<Arc<HistogramSeries>>,
    report: ChunkReport,
    chunk: fn(&C, &mut ChunkReport),
    error: fn(&E) -> &'static str,
}

impl<C, E> Report for Chunks<C, E> {
    #[inline]
    fn response(&self) -> Response<'_> {
        self.report.response()
    }
}

impl<C, E> Watch<Result<C, E>> for Chunks<C, E> {
    #[inline]
    fn item(&mut self, call: &Call, item: &Result<C, E>) -> Option<CallOutcome> {
        match item {
            Ok(chunk) => {
                (self.chunk)(chunk, &mut self.report);
                if !self.first_chunk {
                    self.first_chunk = true;
                    let at = now();
                    let model = self.report.model.as_deref();
                    call.first_chunk((at - call.started()).as_secs_f64(), model);
                    if call.records_genai()
                        && let Some(genai) = call.metrics().genai()
                    {
                        self.chunk_series = Some(genai.chunk_series(&call.genai_call(model)));
                        self.last_chunk = Some(at);
                    }
                } else if let (Some(series), Some(last)) =
                    (&self.chunk_series, &mut self.last_chunk)
                {
                    let at = now();
                    call.metrics().record_to(series, (at - *last).as_secs_f64());
                    *last = at;
                }
                None
            }
            Err(e) => Some(CallOutcome::Failure(Cow::Borrowed((self.error)(e)))),
        }
    }
}

pin_project_lite::pin_project! {
    /// A stream of LLM response chunks, timed over its whole life: what
    /// `#[instrument_llm]` returns for a function that returns
    /// `impl Stream<Item = Result<C, E>>`, and [`LlmCall::stream`] for hand-written
    /// code. It yields the inner stream's items unchanged and records, into the
    /// pipeline current when the call started:
    ///
    /// - at the first `Ok` chunk: `autobot_llm_time_to_first_token_seconds` (and
    ///   with the GenAI metrics on, `gen_ai.client.operation.time_to_first_chunk`;
    ///   each later chunk: `gen_ai.client.operation.time_per_output_chunk`);
    /// - once, when the call ends: at the stream's end, a success; at its first
    ///   `Err` item, a failure with that error's `error_type`; when it is dropped
    ///   before either, cancelled (a failure `panic` while panicking). Then the
    ///   duration, `autobot_llm_requests_total`, the errors, the tokens and cost
    ///   of the usage a chunk reported ([`LlmChunk`]), and
    ///   `autobot_llm_requests_in_flight` back down. Items after the end pass
    ///   through unrecorded.
    ///
    /// The span stays open (entered at every poll) until the call ends, and then
    /// gets the outcome, the usage, `gen_ai.response.model`,
    /// `gen_ai.response.finish_reasons` and `gen_ai.response.time_to_first_chunk`.
    ///
    /// ```
    /// use autobot_otel::llm::LlmCall;
    /// use autobot_otel::Telemetry;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let chunks = futures_util::stream::iter(["Hel", "lo"].map(|c| Ok::<_, std::io::Error>(c.to_string())));
    /// let telemetry = Telemetry::builder().without_otlp().build().unwrap();
    /// let text = telemetry
    ///     .scope(async {
    ///         let mut stream = std::pin::pin!(LlmCall::start("openai", "gpt-4o", "chat").stream(chunks));
    ///         let mut text = String::new();
    ///         while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
    ///             text.push_str(&chunk.unwrap());
    ///         }
    ///         text
    ///     })
    ///     .await;
    /// assert_eq!(text, "Hello");
    /// let scrape = telemetry.render(autobot_otel::Exposition::Text);
    /// assert!(scrape.contains(r#"autobot_llm_time_to_first_token_seconds_count{model="gpt-4o",provider="openai"} 1"#));
    /// assert!(scrape.contains(r#"autobot_llm_requests_in_flight{model="gpt-4o",provider="openai"} 0"#));
    /// # }
    /// ```
    #[must_use = "a stream does nothing unless polled"]
    pub struct LlmStream<S, C, E> {
        // The call over the stream's life, with the LLM chunk accounting.
        #[pin]
        inner: CallStream<S, Chunks<C, E>>,
    }
}

impl<S, C, E> LlmStream<S, C, E>
where
    S: Stream<Item = Result<C, E>>,
{
    /// Wraps `inner`, a stream of the running `call`.
    pub(crate) fn new(
        call: Call,
        inner: S,
        chunk: fn(&C, &mut ChunkReport),
        error: fn(&E) -> &'static str,
    ) -> Self {
        let chunks = Chunks {
            first_chunk: false,
            last_chunk: None,
            chunk_series: None,
            report: ChunkReport::default(),
            chunk,
            error,
        };
        LlmStream {
            inner: CallStream::new(call, inner, chunks),
        }
    }

    /// The call's span.
    pub fn span(&self) -> &tracing::Span {
        self.inner.span()
    }
}

impl<S, C, E> Stream for LlmStream<S, C, E>
where
    S: Stream<Item = Result<C, E>>,
{
    type Item = Result<C, E>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.project().inner.poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// An LLM call timed by hand, for code that `#[instrument_llm]` cannot wrap (a
/// stream behind a named type, a call spread over several functions). It records
/// exactly what the attribute records, once: started now (in the current
/// pipeline: `autobot_llm_requests_in_flight` goes up, an `INFO` span named
/// `llm_call` opens with `otel.name` = "{operation} {model}"), it ends with
/// [`LlmCall::succeed`], [`LlmCall::fail`], or its stream
/// ([`LlmCall::stream`]); dropped before that, it is cancelled.
///
/// ```
/// use autobot_otel::instrument::LlmUsage;
/// use autobot_otel::llm::LlmCall;
///
/// struct Usage(u64, u64);
/// impl LlmUsage for Usage {
///     fn input_tokens(&self) -> u64 { self.0 }
///     fn output_tokens(&self) -> u64 { self.1 }
/// }
///
/// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
/// t.in_scope(|| {
///     let call = LlmCall::start("anthropic", "claude-sonnet", "chat")
///         .with_server("api.anthropic.com", Some(443));
///     // ... the request ...
///     call.succeed(Some(&Usage(1200, 300)));
///     LlmCall::start("anthropic", "claude-sonnet", "chat").fail("rate_limit");
/// });
/// let text = t.render(autobot_otel::Exposition::Text);
/// assert!(text.contains(r#"autobot_llm_requests_total{model="claude-sonnet",provider="anthropic",request_type="chat"} 2"#));
/// assert!(text.contains(r#"autobot_llm_errors_total{error_type="rate_limit",provider="anthropic"} 1"#));
/// assert!(text.contains(r#"autobot_llm_tokens_total{model="claude-sonnet",provider="anthropic",token_type="output"} 300"#));
/// ```
#[must_use = "an LlmCall dropped without succeed, fail or stream counts as cancelled"]
pub struct LlmCall {
    call: Call,
}

impl std::fmt::Debug for LlmCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmCall").finish_non_exhaustive()
    }
}

impl LlmCall {
    /// Starts a call of `model` at `provider` (`operation`: the `request_type`
    /// label as given, e.g. `chat`, and the conventions' `gen_ai.operation.name`
    /// of the span and the GenAI metrics: `completion` is `text_completion`
    /// there, `embedding` `embeddings`). If no pipeline exists
    /// yet, this creates the default one (see [`crate::init()`]), naming this call.
    #[track_caller]
    pub fn start(provider: &str, model: &str, operation: &str) -> LlmCall {
        let origin = Origin::Call("autobot_otel::llm::LlmCall::start", Location::caller());
        let recorder = Recorder::dynamic(
            &specs::INSTRUMENT_LLM,
            vec![provider.to_owned(), model.to_owned(), operation.to_owned()],
            "autobot_otel::llm::LlmCall",
        );
        let span = tracing::info_span!(
            target: "autobot_otel::llm",
            "llm_call",
            otel.name = recorder.span_name(),
            gen_ai.provider.name = recorder.label(0),
            gen_ai.request.model = recorder.label(1),
            gen_ai.operation.name = recorder.span_label(2),
            otel.kind = "client",
            autobot.status = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
            gen_ai.usage.cache_read.input_tokens = tracing::field::Empty,
            gen_ai.usage.cache_creation.input_tokens = tracing::field::Empty,
            gen_ai.usage.reasoning.output_tokens = tracing::field::Empty,
            gen_ai.response.model = tracing::field::Empty,
            gen_ai.response.time_to_first_chunk = tracing::field::Empty,
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
        );
        LlmCall {
            call: Call::start_from(RecorderRef::Owned(recorder), span, origin),
        }
    }

    /// The provider's address and port (`server.address`, `server.port` on the
    /// span and, with the GenAI metrics on, on their data points).
    pub fn with_server(self, address: &str, port: Option<u16>) -> LlmCall {
        let server = Server::new(Some(Cow::Owned(address.to_owned())), port);
        LlmCall {
            call: self.call.with_server(server),
        }
    }

    /// The call's span (enter it, or `.instrument()` a future with it, so what
    /// runs inside nests under the call).
    pub fn span(&self) -> &tracing::Span {
        self.call.span()
    }

    /// Ends the call as a success, with the usage the response reported.
    pub fn succeed(mut self, usage: Option<&dyn LlmUsage>) {
        self.call.finish(CallOutcome::Success, usage);
    }

    /// Ends the call as a failure of type `error_type`
    /// (`autobot_llm_errors_total{error_type}`, the span's `error.type`).
    pub fn fail(mut self, error_type: &str) {
        self.call.finish(
            CallOutcome::Failure(Cow::Owned(error_type.to_owned())),
            None,
        );
    }

    /// Ends the call with `result`: `Ok` a success with its usage, `Err` a
    /// failure of its [`ErrorType`].
    pub fn finish<T: LlmUsage, E: ErrorType>(mut self, result: &Result<T, E>) {
        match result {
            Ok(value) => self.call.finish(CallOutcome::Success, Some(value)),
            Err(e) => self
                .call
                .finish(CallOutcome::Failure(Cow::Borrowed(e.error_type())), None),
        }
    }

    /// Continues the call over `stream`: see [`LlmStream`]. An `Err` item's
    /// `error_type` is its [`ErrorType`]; for an error type that does not
    /// implement it, use [`LlmCall::stream_with`].
    pub fn stream<S, C, E>(self, stream: S) -> LlmStream<S, C, E>
    where
        S: Stream<Item = Result<C, E>>,
        C: LlmChunk,
        E: ErrorType,
    {
        LlmStream::new(self.call, stream, ChunkReport::read::<C>, E::error_type)
    }

    /// [`LlmCall::stream`], naming an `Err` item's `error_type` with
    /// `error_type`.
    ///
    /// ```
    /// use autobot_otel::llm::LlmCall;
    /// let items = futures_util::stream::iter([Ok::<String, std::fmt::Error>("x".into())]);
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// let _stream = t.in_scope(|| LlmCall::start("openai", "gpt-4o", "chat").stream_with(items, |_| "format"));
    /// ```
    pub fn stream_with<S, C, E>(
        self,
        stream: S,
        error_type: fn(&E) -> &'static str,
    ) -> LlmStream<S, C, E>
    where
        S: Stream<Item = Result<C, E>>,
        C: LlmChunk,
    {
        LlmStream::new(self.call, stream, ChunkReport::read::<C>, error_type)
    }
}
