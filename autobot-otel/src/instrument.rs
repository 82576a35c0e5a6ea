//! Attributes that time and trace functions, and the traits that let the
//! instrumented function's return value tell them more.
//!
//! | attribute | records | label arguments (default) |
//! |---|---|---|
//! | `#[instrument_workflow]` | `autobot_workflow_executions_total`, `autobot_workflow_duration_seconds`, `autobot_active_workflows` while running | `workflow_type` (fn name) |
//! | `#[instrument_task]` | `autobot_tasks_executed_total`, `autobot_task_duration_seconds`, `autobot_active_tasks` while running | `task_type` (fn name), `agent_type` (required) |
//! | `#[instrument_github]` | `autobot_github_operations_total`, `autobot_github_api_duration_seconds` | `operation` (fn name) |
//! | `#[instrument_redis]` | `autobot_redis_operations_total`, `autobot_redis_operation_latency_seconds` | `database` (required), `operation` (fn name) |
//! | `#[instrument_knowledge]` | `autobot_knowledge_search_requests_total`, `autobot_knowledge_search_latency_seconds` | `search_type`, `collection` (required) |
//! | `#[instrument_llm]` | `autobot_llm_requests_total`, `autobot_llm_request_latency_seconds`, `autobot_llm_errors_total` on failure, `autobot_llm_requests_in_flight` while running, tokens and cost via [`LlmUsage`]; for a stream, `autobot_llm_time_to_first_token_seconds` and everything at its end ([`crate::llm::LlmStream`]) | `provider`, `model` (required), `request_type` (`chat`); `server_address`, `server_port` (optional) |
//!
//! A label argument is a string literal or any expression over the function's
//! parameters that implements `Display` (`model = self.model`, `provider =
//! provider`), evaluated when the call starts. With only literal labels the
//! attribute set is built once per call site and cached (bound instruments).
//! `span = false` turns the `tracing` span off (metrics only). On an `impl` block,
//! an attribute instruments every method with a body (`#[no_instrument]` opts
//! one out; a method's own attribute wins).
//!
//! **Outcome.** `Ok` (or any value that is not a `Result`) is a success; `Err` is
//! a failure; a panic is a failure and the panic goes on; a future dropped before
//! it completes is cancelled. Every call that started records exactly once. A
//! future that is never polled never started. The counter's `status` label and
//! the span's `autobot.status` field take the same value:
//!
//! | attribute | success | failure | cancelled |
//! |---|---|---|---|
//! | workflow, task, GitHub, knowledge, LLM | `success` | `failed` | `cancelled` |
//! | Redis | `success` | `error` | `cancelled` |
//!
//! (knowledge searches and LLM calls have no `status` label: only the span says
//! it). Two arguments change what counts, checked at compile time against the
//! return type: `success_on_err = |e: &E| -> bool` (an `Err` that is no failure,
//! e.g. a 404 on a lookup) and `failure_on_ok = |v: &T| -> Option<error_type>` (an
//! `Ok` value, or a plain value, that is one, e.g. a response with status 500). **`error_type`** (the label of `autobot_llm_errors_total` and the span's
//! `error.type`) is, for an `Err`: [`ErrorType::error_type`] when the error type
//! implements it (this crate implements it for `std::io::Error`: the error's
//! [`std::io::ErrorKind`] in snake case, e.g. `timed_out`, `connection_refused`);
//! otherwise the error type's full path as [`std::any::type_name`] gives it,
//! without generic arguments and looking through `Box`/`Arc`/`Rc` (e.g.
//! `reqwest::error::Error`, `anyhow::Error`, `Box<dyn Error>` → `dyn
//! core::error::Error`). A panic is `panic`; a cancelled LLM call counts
//! `autobot_llm_errors_total{error_type="cancelled"}`.
//!
//! **Spans.** Each call opens an `INFO` span named after the function, with the
//! labels as attributes (OpenTelemetry GenAI names for LLM calls:
//! `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.operation.name`,
//! `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens` and the token
//! details of [`LlmUsage`], `gen_ai.response.model`,
//! `gen_ai.response.finish_reasons`, `server.address`, `server.port`, and for a
//! stream `gen_ai.response.time_to_first_chunk`), `autobot.status` (values
//! above), and on failure `error.type` and `otel.status_code = "ERROR"`.
//!
//! **Which pipeline.** A call records into the pipeline current when it starts:
//! the one of an enclosing [`Telemetry::in_scope`](crate::Telemetry::in_scope) or
//! [`Telemetry::scope`](crate::Telemetry::scope) (tests), else the global one
//! ([`crate::init()`], or the default pipeline created on first use).
//!
//! ```
//! use autobot_otel::instrument::{ErrorType, LlmUsage};
//! use autobot_otel::{instrument_llm, instrument_workflow};
//!
//! #[derive(Debug)]
//! enum LlmError { RateLimited }
//! impl ErrorType for LlmError {
//!     fn error_type(&self) -> &'static str { "rate_limit" }
//! }
//!
//! struct Completion { prompt_tokens: u64, completion_tokens: u64 }
//! impl LlmUsage for Completion {
//!     fn input_tokens(&self) -> u64 { self.prompt_tokens }
//!     fn output_tokens(&self) -> u64 { self.completion_tokens }
//!     fn cost_dollars(&self) -> Option<f64> { Some(0.002) }
//! }
//!
//! struct Client { model: String }
//! impl Client {
//!     #[instrument_llm(provider = "openai", model = self.model, request_type = "completion")]
//!     async fn complete(&self, prompt: &str) -> Result<Completion, LlmError> {
//!         if prompt.is_empty() { return Err(LlmError::RateLimited); }
//!         Ok(Completion { prompt_tokens: 12, completion_tokens: 30 })
//!     }
//! }
//!
//! #[instrument_workflow(workflow_type = "doc_example")]
//! fn review() -> Result<(), std::io::Error> { Ok(()) }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! review().unwrap();
//! let client = Client { model: "gpt-4".into() };
//! client.complete("hello").await.unwrap();
//! let scrape = autobot_otel::global().render(autobot_otel::Exposition::Text);
//! assert!(scrape.contains(r#"autobot_workflow_executions_total{status="success",workflow_type="doc_example"} 1"#));
//! assert!(scrape.contains(r#"autobot_llm_tokens_total{model="gpt-4",provider="openai",token_type="output"} 30"#));
//! # }
//! ```

/// Names the kind of an error for the `error_type` label (LLM calls) and the
/// span's `error.type`. Return a value from a small fixed set.
///
/// ```
/// use autobot_otel::instrument::ErrorType;
/// enum ApiError { Timeout, Server }
/// impl ErrorType for ApiError {
///     fn error_type(&self) -> &'static str {
///         match self { ApiError::Timeout => "timeout", ApiError::Server => "server_error" }
///     }
/// }
/// assert_eq!(ApiError::Timeout.error_type(), "timeout");
/// ```
pub trait ErrorType {
    /// The `error_type` label value.
    fn error_type(&self) -> &'static str;
}

/// The error's kind, in snake case (`not_found`, `timed_out`, ...; `io_error`
/// for kinds this list does not know).
///
/// ```
/// use autobot_otel::instrument::ErrorType;
/// let err = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
/// assert_eq!(err.error_type(), "timed_out");
/// ```
impl ErrorType for std::io::Error {
    fn error_type(&self) -> &'static str {
        use std::io::ErrorKind::*;
        match self.kind() {
            NotFound => "not_found",
            PermissionDenied => "permission_denied",
            ConnectionRefused => "connection_refused",
            ConnectionReset => "connection_reset",
            HostUnreachable => "host_unreachable",
            NetworkUnreachable => "network_unreachable",
            ConnectionAborted => "connection_aborted",
            NotConnected => "not_connected",
            AddrInUse => "addr_in_use",
            AddrNotAvailable => "addr_not_available",
            NetworkDown => "network_down",
            BrokenPipe => "broken_pipe",
            AlreadyExists => "already_exists",
            WouldBlock => "would_block",
            NotADirectory => "not_a_directory",
            IsADirectory => "is_a_directory",
            DirectoryNotEmpty => "directory_not_empty",
            ReadOnlyFilesystem => "read_only_filesystem",
            StaleNetworkFileHandle => "stale_network_file_handle",
            InvalidInput => "invalid_input",
            InvalidData => "invalid_data",
            TimedOut => "timed_out",
            WriteZero => "write_zero",
            StorageFull => "storage_full",
            NotSeekable => "not_seekable",
            QuotaExceeded => "quota_exceeded",
            FileTooLarge => "file_too_large",
            ResourceBusy => "resource_busy",
            ExecutableFileBusy => "executable_file_busy",
            Deadlock => "deadlock",
            CrossesDevices => "crosses_devices",
            TooManyLinks => "too_many_links",
            InvalidFilename => "invalid_filename",
            ArgumentListTooLong => "argument_list_too_long",
            Interrupted => "interrupted",
            Unsupported => "unsupported",
            UnexpectedEof => "unexpected_eof",
            OutOfMemory => "out_of_memory",
            Other => "other",
            _ => "io_error",
        }
    }
}

/// Token usage (and optionally cost) of an LLM response, and what else the
/// response reports. When the value returned by an `#[instrument_llm]` function
/// (or its `Ok` value) implements it, the tokens go to `autobot_llm_tokens_total`
/// and the cost, when known, to `autobot_llm_cost_dollars_total{cost_type="total"}`;
/// with the GenAI metrics on, the tokens also go to `gen_ai.client.token.usage`.
/// The span gets `gen_ai.usage.*` and, when given, `gen_ai.response.model` and
/// `gen_ai.response.finish_reasons`.
///
/// Counting follows the OpenTelemetry GenAI conventions: `input_tokens` is every
/// input token, cached ones included, and `output_tokens` every output token,
/// reasoning ones included. The details ([`LlmUsage::cache_read_input_tokens`],
/// [`LlmUsage::cache_creation_input_tokens`], [`LlmUsage::reasoning_output_tokens`])
/// are parts of those totals: they go on the span only, never into
/// `autobot_llm_tokens_total` a second time.
///
/// ```
/// use autobot_otel::instrument::LlmUsage;
/// struct Usage { prompt: u64, completion: u64, cached: u64 }
/// impl LlmUsage for Usage {
///     fn input_tokens(&self) -> u64 { self.prompt }          // cached included
///     fn output_tokens(&self) -> u64 { self.completion }
///     fn cache_read_input_tokens(&self) -> Option<u64> { Some(self.cached) }
///     fn response_model(&self) -> Option<&str> { Some("gpt-4o-2024-08-06") }
/// }
/// let usage = Usage { prompt: 1200, completion: 80, cached: 1000 };
/// assert_eq!(usage.cost_dollars(), None);
/// assert!(usage.finish_reasons().is_empty());
/// ```
pub trait LlmUsage {
    /// Prompt (input) tokens, cached ones included (`gen_ai.usage.input_tokens`).
    fn input_tokens(&self) -> u64;
    /// Completion (output) tokens, reasoning ones included
    /// (`gen_ai.usage.output_tokens`).
    fn output_tokens(&self) -> u64;
    /// Estimated cost in US dollars, if known.
    fn cost_dollars(&self) -> Option<f64> {
        None
    }
    /// Input tokens served from the provider's prompt cache, a part of
    /// [`LlmUsage::input_tokens`] (span: `gen_ai.usage.cache_read.input_tokens`).
    fn cache_read_input_tokens(&self) -> Option<u64> {
        None
    }
    /// Input tokens written to the provider's prompt cache, a part of
    /// [`LlmUsage::input_tokens`] (span: `gen_ai.usage.cache_creation.input_tokens`).
    fn cache_creation_input_tokens(&self) -> Option<u64> {
        None
    }
    /// Output tokens spent on reasoning, a part of [`LlmUsage::output_tokens`]
    /// (span: `gen_ai.usage.reasoning.output_tokens`).
    fn reasoning_output_tokens(&self) -> Option<u64> {
        None
    }
    /// The model that answered (span: `gen_ai.response.model`; with the GenAI
    /// metrics on, their `gen_ai.response.model` attribute).
    fn response_model(&self) -> Option<&str> {
        None
    }
    /// Why the model stopped, one reason per choice (`stop`, `length`, ...; span:
    /// `gen_ai.response.finish_reasons`, exported over OTLP).
    fn finish_reasons(&self) -> Vec<&str> {
        Vec::new()
    }
}

/// A chunk of a streamed LLM response: what it reports about the call. Streams of
/// an `#[instrument_llm]` function whose chunks implement it (or
/// [`LlmCall::stream`](crate::llm::LlmCall::stream)) take the usage from the chunk
/// that reports it (most providers: the last one), the response model from the
/// first chunk that names it, and a finish reason from every chunk that has one.
/// Every method has a default, so `impl LlmChunk for MyChunk {}` is a chunk that
/// reports nothing.
///
/// ```
/// use autobot_otel::instrument::{LlmChunk, LlmUsage};
///
/// struct Usage { input: u64, output: u64 }
/// impl LlmUsage for Usage {
///     fn input_tokens(&self) -> u64 { self.input }
///     fn output_tokens(&self) -> u64 { self.output }
/// }
///
/// struct Chunk { text: String, model: Option<String>, finish: Option<String>, usage: Option<Usage> }
/// impl LlmChunk for Chunk {
///     fn usage(&self) -> Option<&dyn LlmUsage> { self.usage.as_ref().map(|u| u as &dyn LlmUsage) }
///     fn response_model(&self) -> Option<&str> { self.model.as_deref() }
///     fn finish_reason(&self) -> Option<&str> { self.finish.as_deref() }
/// }
///
/// let last = Chunk { text: String::new(), model: None, finish: Some("stop".into()), usage: Some(Usage { input: 12, output: 30 }) };
/// assert_eq!(last.usage().map(|u| u.output_tokens()), Some(30));
/// assert_eq!("plain text".to_string().usage().map(|u| u.input_tokens()), None);
/// ```
pub trait LlmChunk {
    /// The usage this chunk reports (tokens, cost), if it reports any.
    fn usage(&self) -> Option<&dyn LlmUsage> {
        None
    }
    /// The model that answered, if this chunk names it.
    fn response_model(&self) -> Option<&str> {
        None
    }
    /// Why a choice stopped, if this chunk ends one.
    fn finish_reason(&self) -> Option<&str> {
        None
    }
}

/// Text chunks report nothing.
impl LlmChunk for String {}
/// Text chunks report nothing.
impl LlmChunk for &str {}
/// Text chunks report nothing.
impl LlmChunk for Box<str> {}
/// Byte chunks report nothing.
impl LlmChunk for Vec<u8> {}
