//! Agent invocations and tool calls timed by hand, for code that
//! `#[instrument_agent]` and `#[instrument_tool]` cannot wrap (a loop that is
//! not one function, a call spread over several): [`AgentRun`] and
//! [`ToolCall`]. Each records exactly what its attribute records, through the
//! same runtime (one `Call`, timed once): the same span (named
//! `invoke_agent {gen_ai.agent.name}` / `execute_tool {gen_ai.tool.name}` by
//! `otel.name`, the same attributes, `error.type` and an error status on
//! failure), the same families
//! (`autobot_agent_invocations_total{agent_name,status}`,
//! `autobot_agent_invocation_duration_seconds{agent_name}`,
//! `autobot_tool_calls_total{tool_name,status}`,
//! `autobot_tool_call_duration_seconds{tool_name}`) and, with the GenAI
//! metrics on, `gen_ai.invoke_agent.duration` / `gen_ai.execute_tool.duration`
//! with the same value.
//!
//! Names (agent, tool) are labels: bounded by their families' series limits
//! like every label. Ids (agent id, conversation id, tool call id) go on the
//! span only, never on a metric.
//!
//! # What one invocation made
//!
//! An invocation (an `AgentRun`, or a call of an `#[instrument_agent]`
//! function) counts the LLM calls and tool calls made inside it and records
//! them once when it ends, whatever its outcome, into
//! `autobot_agent_llm_calls_per_invocation{agent_name}` and
//! `autobot_agent_tool_calls_per_invocation{agent_name}` (buckets 1 … 128);
//! its span gets the summed token usage of those LLM calls
//! (`gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`, the cache ones
//! when reported, `autobot.usage.reasoning.output_tokens`), and a workflow's
//! span the sums of every LLM call beneath it (`autobot.usage.*`). A call
//! counts into the invocation when it runs in the attribute's body or what
//! that awaits, inside [`AgentRun::in_scope`] or [`AgentRun::within`], or — with
//! a `tracing_subscriber` registry installed — while the run's span is entered
//! or in a task spawned with it (`tokio::spawn(fut.in_current_span())`). An
//! agent inside an agent counts its own calls only.
//!
//! ```
//! use autobot_otel::agent::{AgentRun, ToolCall};
//! use autobot_otel::labels::ToolType;
//!
//! let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
//! t.in_scope(|| {
//!     let run = AgentRun::start("planner").provider("openai").model("gpt-4o").conversation_id("conv-42");
//!     let _in_run = run.span().enter();
//!     for step in 0..2 {
//!         let tool = ToolCall::start("web_search").tool_type(ToolType::Extension).call_id(&format!("call-{step}"));
//!         tool.succeed();
//!     }
//!     ToolCall::start("calculator").fail("timeout");
//!     drop(_in_run);
//!     run.succeed();
//! });
//! let text = t.render(autobot_otel::Exposition::Text);
//! assert!(text.contains(r#"autobot_agent_invocations_total{agent_name="planner",status="success"} 1"#));
//! assert!(text.contains(r#"autobot_tool_calls_total{status="success",tool_name="web_search"} 2"#));
//! assert!(text.contains(r#"autobot_tool_calls_total{status="failed",tool_name="calculator"} 1"#));
//! ```

use std::borrow::Cow;

use crate::call::{Call, CallOutcome};
use crate::instrument::ErrorType;

mod record;
mod run;
mod tool;

pub use run::AgentRun;
pub use tool::ToolCall;

/// The outcome methods both guards share: one `Call`, recorded once.
fn succeed(call: &mut Call) {
    call.finish(CallOutcome::Success, None);
}

fn fail(call: &mut Call, error_type: &str) {
    call.finish(
        CallOutcome::Failure(Cow::Owned(error_type.to_owned())),
        None,
    );
}

fn finish<T, E: ErrorType>(call: &mut Call, result: &Result<T, E>) {
    let outcome = match result {
        Ok(_) => CallOutcome::Success,
        Err(e) => CallOutcome::Failure(Cow::Borrowed(e.error_type())),
    };
    call.finish(outcome, None);
}
