//! Attributes that time and trace functions, recording the autobot-otel metrics of
//! their category. Use them through `autobot_otel` (which re-exports them); the
//! generated code refers to `::autobot_otel`.
//!
//! Each attribute is processed in three steps, one module each: `attr` parses
//! the arguments and the function (or the `impl` block, whose methods are then
//! processed one by one), `valid` checks them against the catalog's attribute
//! table (`autobot_otel_catalog::instrument`), and `expand` writes the
//! instrumented function. Errors are `syn::Error`s on the offending tokens; the
//! original item is still emitted so only the real error shows.

mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;

fn instrument(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let item2 = proc_macro2::TokenStream::from(item.clone());
    let result = attr::parse(args.into(), item2.clone()).and_then(|parsed| match parsed.target {
        attr::Target::Fn(func) => {
            valid::validate(name, parsed.args, func).map(|plan| expand::expand(plan, None))
        }
        attr::Target::Impl(block) => instrument_impl(name, parsed.args, block),
    });
    match result {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(item2);
            out.into()
        }
    }
}

/// An `impl` block: every method with a body gets the attribute with the
/// block's arguments (each method's name as the default label), except those
/// marked `#[no_instrument]` (the marker stays: it expands to the method
/// unchanged) and those with an instrumentation attribute of their own (it wins).
fn instrument_impl(
    name: &str,
    args: Vec<attr::Arg>,
    mut block: syn::ItemImpl,
) -> syn::Result<proc_macro2::TokenStream> {
    let mut errors: Option<syn::Error> = None;
    // The block's type, without its path and generic arguments
    // (`code.function.name` = `module::Researcher::run`).
    let owner = match block.self_ty.as_ref() {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    for item in &mut block.items {
        let syn::ImplItem::Fn(method) = item else {
            continue;
        };
        if method
            .attrs
            .iter()
            .any(|a| attr::is_opt_out(a) || attr::is_instrument(a))
        {
            continue;
        }
        let func = syn::ItemFn {
            attrs: std::mem::take(&mut method.attrs),
            vis: method.vis.clone(),
            sig: method.sig.clone(),
            block: Box::new(method.block.clone()),
        };
        match valid::validate(name, args.clone(), func.clone()) {
            Ok(plan) => {
                let expanded: syn::ItemFn = syn::parse2(expand::expand(plan, owner.as_deref()))?;
                method.attrs = expanded.attrs;
                method.block = *expanded.block;
            }
            Err(e) => {
                method.attrs = func.attrs;
                let hint = syn::Error::new_spanned(
                    &method.sig.ident,
                    format!(
                        "in an `impl` block under #[{name}]: fix the method, or mark it \
                         `#[autobot_otel::{}]` to leave it out",
                        attr::OPT_OUT
                    ),
                );
                let mut e = e;
                e.combine(hint);
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
            }
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(quote::quote!(#block)),
    }
}

/// Leaves a method of an `impl` block under an instrumentation attribute
/// uninstrumented (`#[no_instrument] fn new() -> Self`). Anywhere else it does
/// nothing.
#[proc_macro_attribute]
pub fn no_instrument(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let err = syn::Error::new(
            proc_macro2::TokenStream::from(args)
                .into_iter()
                .next()
                .map_or_else(proc_macro2::Span::call_site, |t| t.span()),
            "#[no_instrument] takes no arguments",
        );
        let mut out = err.to_compile_error();
        out.extend(proc_macro2::TokenStream::from(item));
        return out.into();
    }
    item
}

/// Times a workflow: `autobot_workflow_executions_total{workflow_type, status}`,
/// `autobot_workflow_duration_seconds{workflow_type}`, and
/// `autobot_active_workflows{workflow_type}` held up while it runs.
///
/// Arguments: `workflow_type` (default: the function name), `span = false`, and
/// the outcome rules `success_on_err`, `failure_on_ok` (see `autobot_otel::instrument`).
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
/// `autobot_llm_errors_total{provider, error_type}`,
/// `autobot_llm_requests_in_flight{provider, model}` held up while it runs, and
/// token usage and cost when the returned value implements
/// `autobot_otel::instrument::LlmUsage`. A function returning
/// `impl Stream<Item = Result<C, E>>` (or a `Result` of one, or from an
/// `async fn`) is timed until its stream ends, with
/// `autobot_llm_time_to_first_token_seconds{provider, model}` at its first chunk.
///
/// Arguments: `provider`, `model` (required), `request_type` (default `"chat"`),
/// `server_address`, `server_port`, `span = false`, `success_on_err`,
/// `failure_on_ok`. Span attributes use the OpenTelemetry GenAI names.
#[proc_macro_attribute]
pub fn instrument_llm(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_llm", args, item)
}

/// Times one agent invocation (the OpenTelemetry GenAI conventions'
/// `invoke_agent`): `autobot_agent_invocations_total{agent_name, status}`,
/// `autobot_agent_invocation_duration_seconds{agent_name}`, and with the GenAI
/// metrics on `gen_ai.invoke_agent.duration`. The span is named
/// `invoke_agent {agent_name}` (INTERNAL; CLIENT with `remote = true`).
///
/// The LLM and tool calls the function makes (in its body and whatever it
/// awaits) are counted into `autobot_agent_llm_calls_per_invocation{agent_name}`
/// and `autobot_agent_tool_calls_per_invocation{agent_name}` when it ends, and
/// the span gets their summed token usage (`gen_ai.usage.*`). A function that
/// returns `impl Stream<..>` (or a `Result` of one) is timed until its stream
/// ends, its first `Err` item or its drop, the invocation current at every
/// poll of the stream.
///
/// Arguments: `agent_name` (required; a label), the span-only
/// `agent_description`, `model`, `conversation_id` (literals or expressions),
/// `remote = true|false`, and with `remote = true` only (the conventions define
/// them on the remote span only) `agent_id`, `agent_version`, `provider`;
/// `span = false`, `success_on_err`, `failure_on_ok`.
#[proc_macro_attribute]
pub fn instrument_agent(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_agent", args, item)
}

/// Times one tool call (the OpenTelemetry GenAI conventions' `execute_tool`):
/// `autobot_tool_calls_total{tool_name, status}`,
/// `autobot_tool_call_duration_seconds{tool_name}`, and with the GenAI metrics
/// on `gen_ai.execute_tool.duration`. The span is named `execute_tool
/// {tool_name}` (INTERNAL). A function that returns `impl Stream<..>` (or a
/// `Result` of one) is timed until its stream ends, its first `Err` item or
/// its drop.
///
/// Arguments: `tool_name` (default: the function name), `tool_type`
/// (`"function"` (default), `"extension"`, `"datastore"`), the span-only
/// `call_id` (a literal or an expression), `span = false`, `success_on_err`,
/// `failure_on_ok`.
#[proc_macro_attribute]
pub fn instrument_tool(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument("instrument_tool", args, item)
}
