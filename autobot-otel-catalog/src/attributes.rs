//! Every attribute key `autobot-otel` writes beyond the catalog's label keys,
//! once: the OpenTelemetry GenAI conventions' keys of the GenAI metrics
//! ([`crate::genai`]) and of the LLM spans, the general `server.*` and
//! `error.type` keys, and the spans' own fields (`autobot.status`,
//! `otel.status_code`). The GenAI metric table, the attributes' expansions
//! (through [`crate::instrument::span_fields`]), the runtime and the generators
//! name them from here.
//!
//! The values are the conventions' (`opentelemetry-semantic-conventions`
//! spells them alike; `gen_ai.*` has status Development there).
//!
//! ```
//! use autobot_otel_catalog::attributes;
//! assert_eq!(attributes::PROVIDER_NAME, "gen_ai.provider.name");
//! assert_eq!(autobot_otel_catalog::naming::label_name(attributes::SERVER_ADDRESS, true), "server_address");
//! ```

/// `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, ... (the
/// `request_type` label of the `autobot_llm_*` families).
pub const OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name` (the `provider` label).
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.request.model` (the `model` label).
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.response.model`: the model that answered, when the response says.
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `server.address`: the provider's host, when known.
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`: set when `server.address` is.
pub const SERVER_PORT: &str = "server.port";
/// `error.type`: the class of error a failed call ended with (absent on success).
pub const ERROR_TYPE: &str = "error.type";
/// `gen_ai.token.type`: `input` or `output` (token usage only).
pub const TOKEN_TYPE: &str = "gen_ai.token.type";
/// `gen_ai.usage.input_tokens`: input tokens of an LLM call (span).
pub const INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens`: output tokens of an LLM call (span).
pub const OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// Input tokens read from the provider's cache (span).
pub const CACHE_READ_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// Input tokens written to the provider's cache (span).
pub const CACHE_CREATION_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
/// Output tokens spent on reasoning (span).
pub const REASONING_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// The token usage of the LLM calls made inside a workflow, summed on its
/// `invoke_workflow` span: the conventions define no `gen_ai.usage.*` on the
/// workflow span, so these are in the `autobot.usage` namespace (input tokens).
pub const ROLLUP_INPUT_TOKENS: &str = "autobot.usage.input_tokens";
/// Output tokens summed on a workflow's span ([`ROLLUP_INPUT_TOKENS`]).
pub const ROLLUP_OUTPUT_TOKENS: &str = "autobot.usage.output_tokens";
/// Cache-read input tokens summed on a workflow's span.
pub const ROLLUP_CACHE_READ_TOKENS: &str = "autobot.usage.cache_read.input_tokens";
/// Cache-creation input tokens summed on a workflow's span.
pub const ROLLUP_CACHE_CREATION_TOKENS: &str = "autobot.usage.cache_creation.input_tokens";
/// Reasoning output tokens summed on a workflow's or an agent's span (the
/// conventions' `invoke_agent` spans define no
/// `gen_ai.usage.reasoning.output_tokens`).
pub const ROLLUP_REASONING_TOKENS: &str = "autobot.usage.reasoning.output_tokens";
/// `gen_ai.usage.cost.amount`: the cost of one LLM call, a double (span).
/// Provisional: proposed by open-telemetry/semantic-conventions-genai#443, not
/// adopted by the conventions.
pub const COST_AMOUNT: &str = "gen_ai.usage.cost.amount";
/// `gen_ai.usage.cost.currency`: ISO 4217 currency of [`COST_AMOUNT`], always
/// `USD` here (span; provisional, #443).
pub const COST_CURRENCY: &str = "gen_ai.usage.cost.currency";
/// `gen_ai.usage.cost.source`: `provider` (the caller or the response gave the
/// cost) or `local` (computed from the price table) (span; provisional, #443).
pub const COST_SOURCE: &str = "gen_ai.usage.cost.source";
/// The summed cost of the LLM calls beneath an agent or a workflow, on its
/// span: #443 keeps `gen_ai.usage.cost.*` off agent and workflow spans (to
/// avoid double counting), so the roll-up is in the `autobot.usage` namespace.
pub const ROLLUP_COST_AMOUNT: &str = "autobot.usage.cost.amount";
/// Currency of [`ROLLUP_COST_AMOUNT`], always `USD`.
pub const ROLLUP_COST_CURRENCY: &str = "autobot.usage.cost.currency";
/// Seconds from the start of a streaming call to its first chunk (span).
pub const TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// Why the model stopped (a string array, set on the OpenTelemetry span
/// directly: not a `tracing` field).
pub const FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// The call's outcome on an attribute's span: its counter's `status` values.
pub const STATUS: &str = "autobot.status";
/// `ERROR` on failure (read by `tracing-opentelemetry`).
pub const STATUS_CODE: &str = "otel.status_code";
/// The attribute of a GenAI data point past its metric's series limit.
pub const METRIC_OVERFLOW: &str = "otel.metric.overflow";
/// `gen_ai.agent.name`: the agent an `invoke_agent` span runs (the
/// `agent_name` label), or the agent type of a task's span.
pub const AGENT_NAME: &str = "gen_ai.agent.name";
/// `gen_ai.agent.id`: the agent's unique id (span only, never a label).
pub const AGENT_ID: &str = "gen_ai.agent.id";
/// `gen_ai.agent.description`: free-form description of the agent (span only).
pub const AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// `gen_ai.agent.version`: the agent's version (span only).
pub const AGENT_VERSION: &str = "gen_ai.agent.version";
/// `gen_ai.conversation.id`: the conversation (session, thread) an
/// invocation belongs to (span only, never a label).
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// `gen_ai.tool.name`: the tool an `execute_tool` span runs (the `tool_name`
/// label).
pub const TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.tool.type`: `function`, `extension` or `datastore`
/// ([`crate::labels::ToolType`]).
pub const TOOL_TYPE: &str = "gen_ai.tool.type";
/// `gen_ai.tool.call.id`: the model's id of one tool call (span only, never a
/// label).
pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `gen_ai.workflow.name`: the workflow an `invoke_workflow` span runs (the
/// `workflow_type` label).
pub const WORKFLOW_NAME: &str = "gen_ai.workflow.name";
/// `gen_ai.data_source.id`: the data source a `retrieval` span reads (the
/// `collection` label).
pub const DATA_SOURCE_ID: &str = "gen_ai.data_source.id";
/// `code.function.name`: the instrumented function (module path and name),
/// on every attribute's span.
pub const CODE_FUNCTION_NAME: &str = "code.function.name";
/// The OpenTelemetry span name (read by `tracing-opentelemetry`; a `tracing`
/// span's own name is static).
pub const SPAN_NAME: &str = "otel.name";
/// The OpenTelemetry span kind (read by `tracing-opentelemetry`).
pub const SPAN_KIND: &str = "otel.kind";

/// `http.request.method` (HTTP server metrics; a method outside the
/// conventions' known set is `_OTHER`).
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// `http.route`: the matched route template, never the raw path.
pub const HTTP_ROUTE: &str = "http.route";
/// `http.response.status_code` (an integer over OTLP).
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `url.scheme` (`http` or `https`).
pub const URL_SCHEME: &str = "url.scheme";
/// `cpu.mode` of `process.cpu.time` (`user`, `system`).
pub const CPU_MODE: &str = "cpu.mode";
