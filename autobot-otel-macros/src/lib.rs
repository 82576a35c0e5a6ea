//! Attributes that time and trace functions, recording the autobot-otel metrics of
//! their category. Use them through `autobot_otel` (which re-exports them); the
//! generated code refers to `::autobot_otel`.
//!
//! Each attribute is processed in three steps, one module each: `attr` parses
//! the arguments and the function, `valid` checks them against the catalog's
//! attribute table (`autobot_otel_catalog::instrument`), and `expand` writes the
//! instrumented function. Errors are `syn::Error`s on the offending tokens; the
//! original function is still emitted so only the real error shows.

mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;

fn instrument(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let item2 = proc_macro2::TokenStream::from(item.clone());
    let result = attr::parse(args.into(), item2.clone())
        .and_then(|parsed| valid::validate(name, parsed))
        .map(expand::expand);
    match result {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(item2);
            out.into()
        }
    }
}

/// Times a workflow: `autobot_workflow_executions_total{workflow_type, status}`,
/// `autobot_workflow_duration_seconds{workflow_type}`, and
/// `autobot_active_workflows{workflow_type}` held up while it runs.
///
/// Arguments: `workflow_type` (default: the function name), `span = false`.
#[proc_macro_attribute]
pub fn instrument_workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_workflow", args, item)
}

/// Times a task: `autobot_tasks_executed_total{task_type, agent_type, status}`,
/// `autobot_task_duration_seconds{task_type, agent_type}`, and
/// `autobot_active_tasks{task_type, agent_type}` held up while it runs.
///
/// Arguments: `task_type` (default: the function name), `agent_type` (required),
/// `span = false`.
#[proc_macro_attribute]
pub fn instrument_task(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_task", args, item)
}

/// Times a GitHub API call: `autobot_github_operations_total{operation, status}`
/// and `autobot_github_api_duration_seconds{operation}`.
///
/// Arguments: `operation` (default: the function name), `span = false`.
#[proc_macro_attribute]
pub fn instrument_github(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_github", args, item)
}

/// Times a Redis operation: `autobot_redis_operations_total{database, operation, status}`
/// and `autobot_redis_operation_latency_seconds{database, operation}`.
///
/// Arguments: `database` (required), `operation` (default: the function name),
/// `span = false`.
#[proc_macro_attribute]
pub fn instrument_redis(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_redis", args, item)
}

/// Times a knowledge-base search:
/// `autobot_knowledge_search_requests_total{search_type, collection}` and
/// `autobot_knowledge_search_latency_seconds{search_type, collection}`.
///
/// Arguments: `search_type` (required: `"semantic"`, `"keyword"`, `"hybrid"`, or
/// an expression), `collection` (required), `span = false`.
#[proc_macro_attribute]
pub fn instrument_knowledge(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_knowledge", args, item)
}

/// Times an LLM call: `autobot_llm_requests_total{provider, model, request_type}`,
/// `autobot_llm_request_latency_seconds{provider, model}`, failures in
/// `autobot_llm_errors_total{provider, error_type}`, and token usage and cost when
/// the returned value implements `autobot_otel::instrument::LlmUsage`.
///
/// Arguments: `provider`, `model` (required), `request_type` (default `"chat"`),
/// `span = false`. Span attributes use the OpenTelemetry GenAI names.
#[proc_macro_attribute]
pub fn instrument_llm(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_llm", args, item)
}
